// Set primitives of a DbStore (see engine.ts). Implemented by each engine.
// Members are binary-safe bytes; arguments may be transient views.

import type { KeyMeta } from "./engine.ts";

export interface SetOps {
  /** Adds members, creating the key when meta is null; returns how many were new. */
  add(key: Uint8Array, meta: KeyMeta | null, members: Uint8Array[]): number;
  /** Removes members; deletes the key when it becomes empty. Returns how many were removed. */
  remove(key: Uint8Array, meta: KeyMeta, members: Uint8Array[]): number;
  has(meta: KeyMeta, member: Uint8Array): boolean;
  card(meta: KeyMeta): number;
  /** Every member, in no particular order. */
  members(meta: KeyMeta): Uint8Array[];
  /** `count` distinct random members (count <= card). */
  randomDistinct(meta: KeyMeta, count: number): Uint8Array[];
  /** `count` random members, possibly repeated. */
  randomWithRepeats(meta: KeyMeta, count: number): Uint8Array[];
  /** Removes and returns up to `count` random members; deletes the key when it becomes empty. */
  pop(key: Uint8Array, meta: KeyMeta, count: number): Uint8Array[];
  /** SSCAN step over the members; returns the next cursor (0 when done). */
  scan(meta: KeyMeta, cursor: number, count: number, visit: (member: Uint8Array) => void): number;
  /** Replaces key with a set of exactly these members (deleted when empty); no expiry. */
  store(key: Uint8Array, members: Uint8Array[]): void;
}
