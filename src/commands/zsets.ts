// Sorted-set commands (t_zset.c).

import type { Client } from "../net/client.ts";
import { argIs, bytesToStr, strToBytes } from "../net/bytes.ts";
import { formatDouble, parseInt64, strtod } from "../net/format.ts";
import type { ReplyBuffer } from "../net/reply.ts";
import type { KeyMeta } from "../storage/engine.ts";
import type { LexRange, ScoreRange, ZEntry, ZRangeSpec } from "../storage/zset-ops.ts";
import { blockingOf, parseTimeout } from "../keyspace/blocking.ts";
import { clampRange, floatArg, intArg, rangedCount } from "./args.ts";
import { fail, SYNTAX, WRONGTYPE } from "./errors.ts";
import { scanCollection } from "./scan-options.ts";
import type { CommandDef } from "./table.ts";

const NOT_FLOAT_RANGE = "ERR min or max is not a float";
const NOT_LEX_RANGE = "ERR min or max not valid string range item";
const NAN_SCORE = "ERR resulting score is not a number (NaN)";

function notify(c: Client, event: string, key: Uint8Array): void {
  c.server.keyspace.notify("z", event, key, c.db.index);
}

/** After a removal: signals the write, and "del" when the key is gone. */
/** Signals removals from a zset that had `cardBefore` members (removing them all deleted the key). */
function afterRemoval(c: Client, key: Uint8Array, event: string, removed: number, cardBefore: number): void {
  if (removed === 0) return;
  c.db.modified(key, removed);
  notify(c, event, key);
  if (removed === cardBefore) c.server.keyspace.notify("g", "del", key, c.db.index);
}

// --- range parsing ---------------------------------------------------------

export function parseScoreRange(minArg: Uint8Array, maxArg: Uint8Array): ScoreRange {
  const bound = (b: Uint8Array): [number, boolean] => {
    // zslParseRange uses plain strtod: leading spaces, hex and "" (as 0) pass, NaN doesn't.
    const exclusive = b.length > 0 && b[0] === 40; // '('
    const r = strtod(exclusive ? b.subarray(1) : b);
    if (r === null || Number.isNaN(r.value)) fail(NOT_FLOAT_RANGE);
    return [r.value, exclusive];
  };
  const [min, minExclusive] = bound(minArg);
  const [max, maxExclusive] = bound(maxArg);
  return { min, max, minExclusive, maxExclusive };
}

export function parseLexRange(minArg: Uint8Array, maxArg: Uint8Array): LexRange {
  const bound = (b: Uint8Array): [string | number, boolean] => {
    if (b.length === 1 && b[0] === 43) return [Infinity, false]; // '+'
    if (b.length === 1 && b[0] === 45) return [-Infinity, false]; // '-'
    if (b.length > 0 && (b[0] === 40 || b[0] === 91)) return [bytesToStr(b.subarray(1)), b[0] === 40];
    fail(NOT_LEX_RANGE);
  };
  const [min, minExclusive] = bound(minArg);
  const [max, maxExclusive] = bound(maxArg);
  return { min, max, minExclusive, maxExclusive };
}

// --- replies ---------------------------------------------------------------

/** A list of entries: members only, or with scores (flat in RESP2, [member, score] pairs in RESP3). */
function replyEntries(out: ReplyBuffer, entries: readonly ZEntry[], withScores: boolean): void {
  if (!withScores) {
    out.array(entries.length);
    for (const e of entries) out.bulkStr(e.member);
    return;
  }
  if (out.resp === 3) {
    out.array(entries.length);
    for (const e of entries) {
      out.array(2);
      out.bulkStr(e.member);
      out.double(e.score);
    }
    return;
  }
  out.array(entries.length * 2);
  for (const e of entries) {
    out.bulkStr(e.member);
    out.double(e.score);
  }
}

// --- ZADD / ZINCRBY --------------------------------------------------------

// ZADD options (zaddGenericCommand's flags), a bit mask: no object per call.
const ZADD_NX = 1;
const ZADD_XX = 2;
const ZADD_GT = 4;
const ZADD_LT = 8;
const ZADD_CH = 16;
const ZADD_INCR = 32;

/** ZADD's parsed scores, reused: ZADD doesn't nest, and all are parsed before anything is written. */
const zaddScores: number[] = [];

function zadd(c: Client, argv: Uint8Array[]): void {
  let f = 0;
  let i = 2;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (argIs(a, "nx")) f |= ZADD_NX;
    else if (argIs(a, "xx")) f |= ZADD_XX;
    else if (argIs(a, "gt")) f |= ZADD_GT;
    else if (argIs(a, "lt")) f |= ZADD_LT;
    else if (argIs(a, "ch")) f |= ZADD_CH;
    else if (argIs(a, "incr")) f |= ZADD_INCR;
    else break;
  }
  const elements = argv.length - i;
  if (elements === 0 || elements % 2 !== 0) fail(SYNTAX);
  if (f & ZADD_NX && f & ZADD_XX) fail("ERR XX and NX options at the same time are not compatible");
  if ((f & ZADD_GT && f & ZADD_NX) || (f & ZADD_LT && f & ZADD_NX) || (f & ZADD_GT && f & ZADD_LT)) {
    fail("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (f & ZADD_INCR && elements > 2) fail("ERR INCR option supports a single increment-element pair");
  const scores = zaddScores;
  scores.length = 0;
  for (let j = i; j < argv.length; j += 2) scores.push(floatArg(argv[j]));
  const key = argv[1];
  const meta = c.db.writeTyped(key, "zset");
  let added = 0;
  let updated = 0;
  let incrResult: number | null = null;
  if (meta !== null || !(f & ZADD_XX)) {
    let cur = meta;
    for (let j = i, k = 0; j < argv.length; j += 2, k++) {
      const outcome = addOne(c, key, cur, argv[j + 1], scores[k], f);
      if (outcome === ADDED) added++;
      else if (outcome === UPDATED) updated++;
      if (outcome !== SKIPPED) incrResult = addedScore;
      cur ??= c.db.store.lookup(key);
    }
  }
  if (added + updated > 0) {
    c.db.modified(key, added + updated);
    notify(c, f & ZADD_INCR ? "zincr" : "zadd", key);
  }
  if (f & ZADD_INCR) {
    if (incrResult === null) c.out.nil();
    else c.out.double(incrResult);
  } else c.out.int(f & ZADD_CH ? added + updated : added);
}

// addOne's outcomes; the member's score afterwards (INCR's reply) is left in addedScore.
const ADDED = 0;
const UPDATED = 1;
const UNCHANGED = 2;
const SKIPPED = 3;
let addedScore = 0;

/** One ZADD element with Redis's zsetAdd rules (f: ZADD_* flags). */
function addOne(c: Client, key: Uint8Array, meta: KeyMeta | null, member: Uint8Array, score: number, f: number): number {
  const zsets = c.db.store.zsets;
  const cur = meta === null ? null : zsets.score(meta, member);
  if (cur !== null) {
    addedScore = cur;
    if (f & ZADD_NX) return SKIPPED;
    let next = score;
    if (f & ZADD_INCR) {
      next = cur + score;
      if (Number.isNaN(next)) fail(NAN_SCORE);
    }
    if ((f & ZADD_LT && next >= cur) || (f & ZADD_GT && next <= cur)) return SKIPPED;
    if (next === cur) return UNCHANGED;
    zsets.set(key, meta, member, next, cur);
    addedScore = next;
    return UPDATED;
  }
  addedScore = score;
  if (f & ZADD_XX) return SKIPPED;
  zsets.set(key, meta, member, score, null);
  return ADDED;
}

function zincrby(c: Client, argv: Uint8Array[]): void {
  const delta = floatArg(argv[2]);
  const key = argv[1];
  const meta = c.db.writeTyped(key, "zset");
  const member = argv[3];
  const cur = meta === null ? null : c.db.store.zsets.score(meta, member);
  const next = cur === null ? delta : cur + delta;
  if (Number.isNaN(next)) fail(NAN_SCORE);
  c.db.store.zsets.set(key, meta, member, next, cur);
  c.db.modified(key);
  notify(c, "zincr", key);
  c.out.double(next);
}

// --- simple reads ----------------------------------------------------------

function zcard(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "zset");
  c.out.int(meta === null ? 0 : c.db.store.zsets.card(meta));
}

function zscore(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "zset");
  const s = meta === null ? null : c.db.store.zsets.score(meta, argv[2]);
  if (s === null) c.out.nil();
  else c.out.double(s);
}

function zmscore(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "zset");
  c.out.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = meta === null ? null : c.db.store.zsets.score(meta, argv[i]);
    if (s === null) c.out.nil();
    else c.out.double(s);
  }
}

function zrank(reverse: boolean) {
  return (c: Client, argv: Uint8Array[]): void => {
    const meta = c.db.readTyped(argv[1], "zset");
    const r = meta === null ? null : c.db.store.zsets.rank(meta, bytesToStr(argv[2]), reverse);
    if (r === null) c.out.nil();
    else c.out.int(r);
  };
}

function zcount(lex: boolean) {
  return (c: Client, argv: Uint8Array[]): void => {
    const spec: ZRangeSpec = lex ? { by: "lex", range: parseLexRange(argv[2], argv[3]) } : { by: "score", range: parseScoreRange(argv[2], argv[3]) };
    const meta = c.db.readTyped(argv[1], "zset");
    c.out.int(meta === null ? 0 : c.db.store.zsets.count(meta, spec));
  };
}

function zrem(c: Client, argv: Uint8Array[]): void {
  const key = argv[1];
  const meta = c.db.writeTyped(key, "zset");
  if (meta === null) return c.out.int(0);
  const zsets = c.db.store.zsets;
  const card = zsets.card(meta);
  const removed = zsets.remove(key, meta, argv.slice(2).map(bytesToStr));
  afterRemoval(c, key, "zrem", removed, card);
  c.out.int(removed);
}

// --- ZRANGE family ---------------------------------------------------------

type RangeBy = "rank" | "score" | "lex";

interface RangeRequest {
  by: RangeBy;
  reverse: boolean;
  withScores: boolean;
  offset: number;
  limit: number;
}

/**
 * The ZRANGE family shares one parser, like Redis's zrangeGenericCommand:
 * `first` is the index of the min argument; `by`/`reverse` preset for the
 * legacy forms (ZRANGEBYSCORE, ZREVRANGE, ...) disable the matching keywords.
 */
function parseRangeRequest(argv: Uint8Array[], first: number, presetBy: RangeBy | null, presetReverse: boolean | null, store = false): RangeRequest {
  let by = presetBy;
  let reverse = presetReverse;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = first + 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j];
    if (!store && argIs(a, "withscores")) withScores = true;
    else if (argIs(a, "limit") && left >= 2) {
      offset = intArg(argv[j + 1]);
      limit = intArg(argv[j + 2]);
      j += 2;
    } else if (reverse === null && argIs(a, "rev")) reverse = true;
    else if (by === null && argIs(a, "bylex")) by = "lex";
    else if (by === null && argIs(a, "byscore")) by = "score";
    else fail(SYNTAX);
  }
  by ??= "rank";
  reverse ??= false;
  // LIMIT with a count of -1 means "no limit", which Redis accepts even for rank ranges.
  if (limit !== -1 && by === "rank") fail("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  if (withScores && by === "lex") fail("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  return { by, reverse, withScores, offset, limit };
}

/** Runs a parsed range request against a zset; null when the key is missing. */
function runRange(c: Client, key: Uint8Array, minArg: Uint8Array, maxArg: Uint8Array, req: RangeRequest): ZEntry[] | null {
  // Reversed score/lex ranges are given as max, min.
  const [lo, hi] = req.reverse && req.by !== "rank" ? [maxArg, minArg] : [minArg, maxArg];
  let spec: ZRangeSpec;
  let start = 0;
  let stop = 0;
  if (req.by === "rank") {
    start = intArg(lo);
    stop = intArg(hi);
  }
  if (req.by === "score") spec = { by: "score", range: parseScoreRange(lo, hi) };
  else if (req.by === "lex") spec = { by: "lex", range: parseLexRange(lo, hi) };
  const meta = c.db.readTyped(key, "zset");
  if (meta === null) return null;
  const zsets = c.db.store.zsets;
  if (req.by === "rank") {
    const r = clampRange(start, stop, zsets.card(meta));
    if (r === null) return [];
    spec = { by: "rank", start: r[0], stop: r[1] };
  }
  // Redis skips `offset` elements one by one, so a negative offset skips everything.
  if (req.offset < 0 && req.by !== "rank") return [];
  return zsets.range(meta, spec!, req.reverse, req.offset, req.limit);
}

function zrangeCommand(presetBy: RangeBy | null, presetReverse: boolean | null) {
  return (c: Client, argv: Uint8Array[]): void => {
    const req = parseRangeRequest(argv, 2, presetBy, presetReverse);
    const entries = runRange(c, argv[1], argv[2], argv[3], req) ?? [];
    replyEntries(c.out, entries, req.withScores);
  };
}

function zrangestore(c: Client, argv: Uint8Array[]): void {
  const req = parseRangeRequest(argv, 3, null, null, true);
  const dst = argv[1];
  const entries = runRange(c, argv[2], argv[3], argv[4], req) ?? [];
  storeResult(c, dst, entries, "zrangestore");
}

/** Stores entries at dst (deleting it when empty) and replies the count. */
function storeResult(c: Client, dst: Uint8Array, entries: ZEntry[], event: string): void {
  const existed = c.db.lookupWrite(dst) !== null;
  c.db.store.zsets.store(dst, entries);
  if (entries.length > 0) {
    notify(c, event, dst);
    c.db.modified(dst);
  } else if (existed) {
    c.server.keyspace.notify("g", "del", dst, c.db.index);
    c.db.modified(dst);
  }
  c.out.int(entries.length);
}

function zremrange(by: RangeBy) {
  return (c: Client, argv: Uint8Array[]): void => {
    const key = argv[1];
    let spec: ZRangeSpec | null = null;
    let start = 0;
    let stop = 0;
    if (by === "rank") {
      start = intArg(argv[2]);
      stop = intArg(argv[3]);
    } else if (by === "score") spec = { by: "score", range: parseScoreRange(argv[2], argv[3]) };
    else spec = { by: "lex", range: parseLexRange(argv[2], argv[3]) };
    const meta = c.db.writeTyped(key, "zset");
    if (meta === null) return c.out.int(0);
    const zsets = c.db.store.zsets;
    const card = zsets.card(meta);
    if (spec === null) {
      const r = clampRange(start, stop, card);
      if (r === null) return c.out.int(0);
      spec = { by: "rank", start: r[0], stop: r[1] };
    }
    const removed = zsets.removeRange(key, meta, spec);
    afterRemoval(c, key, `zremrangeby${by}`, removed, card);
    c.out.int(removed);
  };
}

// --- pops --------------------------------------------------------------------

/** Parses a pop COUNT: a non-negative integer, else "value is out of range, must be positive". */
function popCount(arg: Uint8Array): number {
  const v = parseInt64(arg);
  if (v === null || v < 0) fail("ERR value is out of range, must be positive");
  return typeof v === "bigint" ? Number.MAX_SAFE_INTEGER : v;
}

/** What popEntries returns for a missing key: one empty array, not a new one per pop of an emptied zset. */
const NONE_POPPED: readonly ZEntry[] = [];

/** Pops from key and signals the change; empty when the key is missing. */
export function popEntries(c: Client, key: Uint8Array, count: number, highest: boolean): readonly ZEntry[] {
  const meta = c.db.writeTyped(key, "zset");
  if (meta === null || count === 0) return NONE_POPPED;
  const zsets = c.db.store.zsets;
  const card = zsets.card(meta);
  const popped = zsets.pop(key, meta, count, highest);
  afterRemoval(c, key, highest ? "zpopmax" : "zpopmin", popped.length, card);
  return popped;
}

function zpop(highest: boolean) {
  return (c: Client, argv: Uint8Array[]): void => {
    if (argv.length > 3) fail(SYNTAX);
    const hasCount = argv.length === 3;
    const count = hasCount ? popCount(argv[2]) : 1;
    const popped = popEntries(c, argv[1], count, highest);
    // RESP3 nests [member, score] pairs only when a count was given, as Redis does.
    if (hasCount) replyEntries(c.out, popped, true);
    else {
      c.out.array(popped.length * 2);
      for (const e of popped) {
        c.out.bulkStr(e.member);
        c.out.double(e.score);
      }
    }
  };
}

/** ZMPOP/BZMPOP's reply: [key, [[member, score]...]]. */
export function replyKeyAndEntries(out: ReplyBuffer, key: Uint8Array, entries: readonly ZEntry[]): void {
  out.array(2);
  out.bulk(key);
  out.array(entries.length);
  for (const e of entries) {
    out.array(2);
    out.bulkStr(e.member);
    out.double(e.score);
  }
}

/** Parses `numkeys key... MIN|MAX [COUNT n]` from argv[first]. */
export function parseMpopArgs(argv: Uint8Array[], first: number): { keys: Uint8Array[]; highest: boolean; count: number } {
  const numkeys = intArg(argv[first], "ERR numkeys should be greater than 0");
  if (numkeys <= 0) fail("ERR numkeys should be greater than 0");
  if (numkeys > argv.length - first - 2) fail(SYNTAX);
  const keys = argv.slice(first + 1, first + 1 + numkeys);
  let i = first + 1 + numkeys;
  let highest: boolean;
  if (argIs(argv[i], "min")) highest = false;
  else if (argIs(argv[i], "max")) highest = true;
  else fail(SYNTAX);
  let count = -1;
  for (i++; i < argv.length; i++) {
    if (argIs(argv[i], "count") && i + 1 < argv.length && count === -1) {
      const v = parseInt64(argv[++i]);
      if (v === null || v <= 0) fail("ERR count should be greater than 0");
      count = typeof v === "bigint" ? Number.MAX_SAFE_INTEGER : v;
    } else fail(SYNTAX);
  }
  return { keys, highest, count: count === -1 ? 1 : count };
}

function zmpop(c: Client, argv: Uint8Array[]): void {
  const { keys, highest, count } = parseMpopArgs(argv, 1);
  for (const key of keys) {
    const popped = popEntries(c, key, count, highest);
    if (popped.length > 0) return replyKeyAndEntries(c.out, key, popped);
  }
  c.out.nilArray();
}

// --- blocking pops ------------------------------------------------------------

/**
 * BZPOPMIN/BZPOPMAX/BZMPOP: pops from the first non-empty zset among keys
 * (WRONGTYPE stops the scan at that key, as in Redis), else blocks until a
 * zset is written to one of them. `count` null is BZPOP*'s single element.
 */
function blockingPop(c: Client, keys: Uint8Array[], highest: boolean, count: number | null, deadline: number): void {
  const reply = (key: Uint8Array, popped: readonly ZEntry[]): void => {
    if (count !== null) return replyKeyAndEntries(c.out, key, popped);
    c.out.array(3);
    c.out.bulk(key);
    c.out.bulkStr(popped[0].member);
    c.out.double(popped[0].score);
  };
  for (const key of keys) {
    const popped = popEntries(c, key, count ?? 1, highest);
    if (popped.length > 0) return reply(key, popped);
  }
  const blocking = blockingOf(c.server);
  if (!blocking.canBlock(c)) return c.out.nilArray();
  blocking.block(c, {
    keys: keys.map((k) => k.slice()),
    type: "zset",
    deadline,
    serve: (db, key) => {
      const meta = db.lookupWrite(key);
      if (meta === null || meta.type !== "zset") return false;
      const card = db.store.zsets.card(meta);
      const popped = db.store.zsets.pop(key, meta, count ?? 1, highest);
      db.modified(key, popped.length);
      c.server.keyspace.notify("z", highest ? "zpopmax" : "zpopmin", key, db.index);
      if (popped.length === card) c.server.keyspace.notify("g", "del", key, db.index);
      reply(key, popped);
      return true;
    },
  });
}

function bzpop(highest: boolean) {
  return (c: Client, argv: Uint8Array[]): void => {
    const deadline = parseTimeout(argv[argv.length - 1]);
    blockingPop(c, argv.slice(1, -1), highest, null, deadline);
  };
}

function bzmpop(c: Client, argv: Uint8Array[]): void {
  const deadline = parseTimeout(argv[1]);
  const { keys, highest, count } = parseMpopArgs(argv, 2);
  blockingPop(c, keys, highest, count, deadline);
}

// --- ZRANDMEMBER -------------------------------------------------------------

const MAX_REPEATED_REPLY = 1 << 24;

function zrandmember(c: Client, argv: Uint8Array[]): void {
  if (argv.length === 2) {
    const meta = c.db.readTyped(argv[1], "zset");
    if (meta === null) return c.out.nil();
    return c.out.bulkStr(c.db.store.zsets.random(meta, 1, true)[0].member);
  }
  const count = rangedCount(argv[2]);
  if (argv.length > 4 || (argv.length === 4 && !argIs(argv[3], "withscores"))) fail(SYNTAX);
  const withScores = argv.length === 4;
  const meta = c.db.readTyped(argv[1], "zset");
  const zsets = c.db.store.zsets;
  if (meta === null || count === 0) return c.out.array(0);
  // Redis would try to build any reply size; refuse one that cannot fit in memory.
  if (count < -MAX_REPEATED_REPLY) fail("ERR value is out of range");
  const entries = count < 0 ? zsets.random(meta, -count, false) : zsets.random(meta, Math.min(count, zsets.card(meta)), true);
  replyEntries(c.out, entries, withScores);
}

// --- ZUNION / ZINTER / ZDIFF -------------------------------------------------

type CombineOp = "union" | "inter" | "diff";
type Aggregate = "sum" | "min" | "max";

interface CombineRequest {
  /** One map member -> score per input key; null for a missing key. */
  inputs: (Map<string, number> | null)[];
  weights: number[];
  aggregate: Aggregate;
  withScores: boolean;
  /** ZINTERCARD's LIMIT (0 = none). */
  limit: number;
}

/**
 * Parses ZUNION/ZINTER/ZDIFF[STORE] and ZINTERCARD in Redis's order
 * (zunionInterDiffGenericCommand): numkeys, then the keys are read and
 * type-checked, then the options.
 */
function parseCombine(c: Client, argv: Uint8Array[], first: number, op: CombineOp, store: boolean, cardinalityOnly: boolean, cmdName: string): CombineRequest {
  const numkeys = intArg(argv[first]);
  if (numkeys < 1) fail(`ERR at least 1 input key is needed for '${cmdName}' command`);
  if (numkeys > argv.length - first - 1) fail(SYNTAX);
  const inputs = argv.slice(first + 1, first + 1 + numkeys).map((k) => readInput(c, k));
  const req: CombineRequest = { inputs, weights: inputs.map(() => 1), aggregate: "sum", withScores: false, limit: 0 };
  const withOptions = op !== "diff" && !cardinalityOnly;
  for (let i = first + 1 + numkeys; i < argv.length; i++) {
    const left = argv.length - i;
    const a = argv[i];
    if (withOptions && left >= numkeys + 1 && argIs(a, "weights")) {
      for (let k = 0; k < numkeys; k++) req.weights[k] = floatArg(argv[++i], "ERR weight value is not a float");
    } else if (withOptions && left >= 2 && argIs(a, "aggregate")) {
      const v = argv[++i];
      if (argIs(v, "sum")) req.aggregate = "sum";
      else if (argIs(v, "min")) req.aggregate = "min";
      else if (argIs(v, "max")) req.aggregate = "max";
      else fail(SYNTAX);
    } else if (!store && !cardinalityOnly && argIs(a, "withscores")) req.withScores = true;
    else if (cardinalityOnly && left >= 2 && argIs(a, "limit")) {
      const v = parseInt64(argv[++i]);
      if (v === null || v < 0) fail("ERR LIMIT can't be negative");
      req.limit = Number(v);
    } else fail(SYNTAX);
  }
  return req;
}

/**
 * An input of ZUNION & co: a zset, or a plain set whose members all score 1.
 * A read lookup for the *STORE forms too, as Redis (misses, keymiss events).
 */
function readInput(c: Client, key: Uint8Array): Map<string, number> | null {
  const meta = c.db.lookupRead(key);
  if (meta === null) return null;
  const out = new Map<string, number>();
  if (meta.type === "zset") {
    const zsets = c.db.store.zsets;
    for (const e of zsets.range(meta, { by: "rank", start: 0, stop: zsets.card(meta) - 1 }, false, 0, -1)) out.set(e.member, e.score);
  } else if (meta.type === "set") {
    for (const m of c.db.store.sets.members(meta)) out.set(bytesToStr(m), 1);
  } else fail(WRONGTYPE);
  return out;
}

function aggregate(a: number, b: number, how: Aggregate): number {
  if (how === "sum") {
    const s = a + b;
    return Number.isNaN(s) ? 0 : s; // inf + -inf is 0 in Redis
  }
  // C comparisons: a NaN operand keeps the accumulated value (Math.min/max would return NaN).
  return how === "min" ? (b < a ? b : a) : b > a ? b : a;
}

function weighted(score: number, weight: number): number {
  const v = score * weight;
  return Number.isNaN(v) ? 0 : v;
}

function combineInputs(req: CombineRequest, op: CombineOp): ZEntry[] {
  const { inputs } = req;
  let acc: Map<string, number>;
  if (op === "union") {
    acc = new Map();
    inputs.forEach((m, k) => {
      if (m === null) return;
      for (const [member, score] of m) {
        const w = weighted(score, req.weights[k]);
        const cur = acc.get(member);
        acc.set(member, cur === undefined ? w : aggregate(cur, w, req.aggregate));
      }
    });
  } else if (op === "inter") {
    acc = new Map();
    if (inputs.every((m) => m !== null)) {
      const order = inputs.map((_, k) => k).sort((x, y) => inputs[x]!.size - inputs[y]!.size);
      const [smallest, ...others] = order;
      for (const [member, score] of inputs[smallest]!) {
        let total = weighted(score, req.weights[smallest]);
        let everywhere = true;
        for (const k of others) {
          const s = inputs[k]!.get(member);
          if (s === undefined) {
            everywhere = false;
            break;
          }
          // Redis NaN-checks only the first input's product here; aggregation handles the rest.
          total = aggregate(total, s * req.weights[k], req.aggregate);
        }
        if (everywhere) acc.set(member, total);
      }
    }
  } else {
    acc = new Map(inputs[0] ?? []);
    for (let k = 1; k < inputs.length && acc.size > 0; k++) for (const member of inputs[k]?.keys() ?? []) acc.delete(member);
  }
  const entries = [...acc].map(([member, score]) => ({ member, score }));
  entries.sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  return entries;
}

function zcombine(op: CombineOp, store: boolean) {
  const cmdName = `z${op}${store ? "store" : ""}`;
  return (c: Client, argv: Uint8Array[]): void => {
    const req = parseCombine(c, argv, store ? 2 : 1, op, store, false, cmdName);
    const entries = combineInputs(req, op);
    if (store) storeResult(c, argv[1], entries, cmdName);
    else replyEntries(c.out, entries, req.withScores);
  };
}

function zintercard(c: Client, argv: Uint8Array[]): void {
  const req = parseCombine(c, argv, 1, "inter", false, true, "zintercard");
  const n = combineInputs(req, "inter").length;
  c.out.int(req.limit > 0 ? Math.min(n, req.limit) : n);
}

// --- ZSCAN -------------------------------------------------------------------

function zscan(c: Client, argv: Uint8Array[]): void {
  // Scores are bulk strings here even in RESP3, as in Redis.
  scanCollection(c, argv, "zset", (meta, cursor, count, emit) =>
    c.db.store.zsets.scan(meta, cursor, count, (e) => {
      const member = strToBytes(e.member);
      emit(member, member, strToBytes(formatDouble(e.score)));
    }),
  );
}

export const zsetCommands: CommandDef[] = [
  { name: "zadd", summary: "Adds members to a sorted set or updates their scores, with conditions.", run: zadd, memberArgs: { first: 3, step: 2 } },
  { name: "zincrby", summary: "Increments the score of a member of a sorted set.", run: zincrby, memberArgs: { first: 3, step: 2 } },
  { name: "zrem", summary: "Removes members from a sorted set.", run: zrem, memberArgs: { step: 1 } },
  { name: "zscore", summary: "Returns the score of a member of a sorted set.", run: zscore, memberArgs: { step: 1 } },
  { name: "zmscore", summary: "Returns the scores of several members of a sorted set.", run: zmscore, memberArgs: { step: 1 } },
  { name: "zcard", summary: "Returns the number of members of a sorted set.", run: zcard },
  { name: "zcount", summary: "Counts the members of a sorted set within a score range.", run: zcount(false) },
  { name: "zlexcount", summary: "Counts the members of a sorted set within a lexicographical range.", run: zcount(true) },
  { name: "zrank", summary: "Returns the rank of a member in ascending score order.", run: zrank(false), memberArgs: { step: 2 } },
  { name: "zrevrank", summary: "Returns the rank of a member in descending score order.", run: zrank(true), memberArgs: { step: 2 } },
  { name: "zrange", summary: "Returns members in a range of ranks, scores or lexicographical order.", run: zrangeCommand(null, null) },
  { name: "zrangestore", summary: "Stores a range of a sorted set in another key.", run: zrangestore },
  { name: "zrevrange", summary: "Returns members in a range of ranks, highest score first.", run: zrangeCommand("rank", true) },
  { name: "zrangebyscore", summary: "Returns members within a score range.", run: zrangeCommand("score", false) },
  { name: "zrevrangebyscore", summary: "Returns members within a score range, highest score first.", run: zrangeCommand("score", true) },
  { name: "zrangebylex", summary: "Returns members within a lexicographical range.", run: zrangeCommand("lex", false) },
  { name: "zrevrangebylex", summary: "Returns members within a lexicographical range, in reverse order.", run: zrangeCommand("lex", true) },
  { name: "zremrangebyrank", summary: "Removes the members within a range of ranks.", run: zremrange("rank") },
  { name: "zremrangebyscore", summary: "Removes the members within a score range.", run: zremrange("score") },
  { name: "zremrangebylex", summary: "Removes the members within a lexicographical range.", run: zremrange("lex") },
  { name: "zpopmin", summary: "Removes and returns the members with the lowest scores.", run: zpop(false) },
  { name: "zpopmax", summary: "Removes and returns the members with the highest scores.", run: zpop(true) },
  { name: "zmpop", summary: "Pops the lowest or highest scored members from the first non-empty sorted set.", run: zmpop },
  { name: "bzpopmin", summary: "Pops the lowest-scored member of the first non-empty sorted set, blocking until one is available.", run: bzpop(false) },
  { name: "bzpopmax", summary: "Pops the highest-scored member of the first non-empty sorted set, blocking until one is available.", run: bzpop(true) },
  { name: "bzmpop", summary: "Pops members from the first non-empty sorted set, blocking until one is available.", run: bzmpop },
  { name: "zrandmember", summary: "Returns random members of a sorted set.", run: zrandmember },
  { name: "zunion", summary: "Returns the union of sorted sets.", run: zcombine("union", false) },
  { name: "zinter", summary: "Returns the intersection of sorted sets.", run: zcombine("inter", false) },
  { name: "zdiff", summary: "Returns the members of the first sorted set not in the others.", run: zcombine("diff", false) },
  { name: "zunionstore", summary: "Stores the union of sorted sets.", run: zcombine("union", true) },
  { name: "zinterstore", summary: "Stores the intersection of sorted sets.", run: zcombine("inter", true) },
  { name: "zdiffstore", summary: "Stores the difference of sorted sets.", run: zcombine("diff", true) },
  { name: "zintercard", summary: "Returns the size of the intersection of sorted sets, optionally stopping at a limit.", run: zintercard },
  { name: "zscan", summary: "Iterates over the members and scores of a sorted set.", run: zscan },
];

