// Sorted-set primitives of a DbStore (see engine.ts). Implemented by each
// engine: the memory engine with a B+tree plus a member map, an LSM engine
// with member sub-keys plus a score-ordered index.
//
// Members cross this interface as latin1 byte strings (lossless, and `<`
// on them is bytewise order, the order Redis uses for equal scores), except
// in score() and set(), ZADD's path, which take the argument's bytes: an LSM
// engine writes them into sub-keys without a string made and read back.

import type { KeyMeta } from "./engine.ts";

export interface ZEntry {
  member: string;
  score: number;
}

export interface ScoreRange {
  min: number;
  max: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

/** A lex bound: a member, or -Infinity / +Infinity for "-" and "+". */
export type LexBound = string | number;

export interface LexRange {
  min: LexBound;
  max: LexBound;
  minExclusive: boolean;
  maxExclusive: boolean;
}

export function scoreGteMin(score: number, r: ScoreRange): boolean {
  return r.minExclusive ? score > r.min : score >= r.min;
}

export function scoreLteMax(score: number, r: ScoreRange): boolean {
  return r.maxExclusive ? score < r.max : score <= r.max;
}

export function lexGteMin(member: string, r: LexRange): boolean {
  if (typeof r.min === "number") return r.min < 0;
  return r.minExclusive ? member > r.min : member >= r.min;
}

export function lexLteMax(member: string, r: LexRange): boolean {
  if (typeof r.max === "number") return r.max > 0;
  return r.maxExclusive ? member < r.max : member <= r.max;
}

/** A range query: by rank (0-based inclusive start..stop, already clamped), score or lex. */
export type ZRangeSpec =
  | { by: "rank"; start: number; stop: number }
  | { by: "score"; range: ScoreRange }
  | { by: "lex"; range: LexRange };

export interface ZSetOps {
  card(meta: KeyMeta): number;
  score(meta: KeyMeta, member: Uint8Array): number | null;
  /**
   * Sets member's score, creating the key when meta is null. Returns true when
   * the member is new. `oldScore`: the member's score (null: absent) when the
   * caller has just read it with score(), so an engine need not read it again.
   */
  set(key: Uint8Array, meta: KeyMeta | null, member: Uint8Array, score: number, oldScore?: number | null): boolean;
  /** Removes members; deletes the key when it becomes empty. Returns how many were removed. */
  remove(key: Uint8Array, meta: KeyMeta, members: string[]): number;
  /** 0-based rank of member in ascending (or descending) order, null when absent. */
  rank(meta: KeyMeta, member: string, reverse: boolean): number | null;
  /**
   * Entries in a range, ascending or (reverse) descending, skipping `offset`
   * and returning at most `limit` (-1 = all). For a reversed rank range,
   * start/stop count from the highest score.
   */
  range(meta: KeyMeta, spec: ZRangeSpec, reverse: boolean, offset: number, limit: number): ZEntry[];
  /** Number of entries in a score or lex range. */
  count(meta: KeyMeta, spec: ZRangeSpec): number;
  /** Removes the entries in a range; deletes the key when it becomes empty. Returns how many. */
  removeRange(key: Uint8Array, meta: KeyMeta, spec: ZRangeSpec): number;
  /** Removes and returns up to count entries with the lowest (or highest) scores. */
  pop(key: Uint8Array, meta: KeyMeta, count: number, highest: boolean): ZEntry[];
  /** `count` random entries: distinct when `distinct`, else possibly repeated. */
  random(meta: KeyMeta, count: number, distinct: boolean): ZEntry[];
  /** ZSCAN step; returns the next cursor (0 when done). */
  scan(meta: KeyMeta, cursor: number, count: number, visit: (e: ZEntry) => void): number;
  /** Replaces key with a sorted set of exactly these entries (deleted when empty); no expiry. */
  store(key: Uint8Array, entries: ZEntry[]): void;
}
