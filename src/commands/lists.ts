// List commands (t_list.c), including the blocking pops and moves.
// Argument checks happen in Redis's order, so errors match for invalid input.

import { type BlockRequest, blockingOf, parseTimeout } from "../keyspace/blocking.ts";
import type { Db } from "../keyspace/keyspace.ts";
import { argIs, bytesEqual } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import { parseInt64 } from "../net/format.ts";
import type { KeyMeta } from "../storage/engine.ts";
import type { ListSide } from "../storage/list-ops.ts";
import { argsFrom, clampRange, intArg } from "./args.ts";
import { fail, NOT_INTEGER, NO_SUCH_KEY, SYNTAX } from "./errors.ts";
import type { CommandDef } from "./table.ts";

const LONG_MAX = 9223372036854775807n;

/**
 * Redis's getRangeLongFromObjectOrReply: a 64-bit integer in [min, max]; `msg`
 * replaces both the parse and the range error when given. Values beyond JS's
 * safe range come back clamped (they act as "infinitely many").
 */
function longInRange(arg: Uint8Array, min: bigint, max: bigint, msg?: string): number {
  const v = parseInt64(arg);
  if (v === null) fail(msg ?? NOT_INTEGER);
  const big = BigInt(v);
  if (big < min || big > max) fail(msg ?? `ERR value is out of range, value must between ${min} and ${max}`);
  if (typeof v === "number") return v;
  return v > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
}

/** LEFT or RIGHT (getListPositionFromObjectOrReply). */
function sideArg(arg: Uint8Array): ListSide {
  if (argIs(arg, "left")) return "left";
  if (argIs(arg, "right")) return "right";
  fail(SYNTAX);
}

function notify(c: Client, db: Db, cls: string, event: string, key: Uint8Array): void {
  c.server.keyspace.notify(cls, event, key, db.index);
}

function popEvent(side: ListSide): string {
  return side === "left" ? "lpop" : "rpop";
}

function pushEvent(side: ListSide): string {
  return side === "left" ? "lpush" : "rpush";
}

/** Pops up to count elements of a live list, with Redis's notifications (listElementsRemoved). */
function popElements(c: Client, db: Db, key: Uint8Array, meta: KeyMeta, side: ListSide, count: number): Uint8Array[] {
  const lists = db.store.lists;
  const len = lists.length(meta);
  const values = lists.pop(key, meta, side, count);
  elementsRemoved(c, db, key, side, values.length === len);
  return values;
}

/** popElements of one element, replied as a bulk string (RPOP/LPOP without a count): ListOps.popReply, then the notifications, in Redis's order. */
function popOneReplying(c: Client, db: Db, key: Uint8Array, meta: KeyMeta, side: ListSide): void {
  const lists = db.store.lists;
  const emptied = lists.length(meta) === 1;
  lists.popReply(key, meta, side, c.out);
  elementsRemoved(c, db, key, side, emptied);
}

/** Redis's listElementsRemoved: the pop event, del when the list was emptied, and the write. */
function elementsRemoved(c: Client, db: Db, key: Uint8Array, side: ListSide, emptied: boolean): void {
  notify(c, db, "l", popEvent(side), key);
  if (emptied) notify(c, db, "g", "del", key);
  db.modified(key);
}

// --- push ---

function push(side: ListSide, onlyIfExists: boolean) {
  return (c: Client, argv: Uint8Array[]): void => {
    const db = c.db;
    const key = argv[1];
    const meta = db.writeTyped(key, "list");
    if (onlyIfExists && meta === null) {
      c.out.int(0);
      return;
    }
    const len = db.store.lists.push(key, meta, side, argsFrom(argv, 2), c.server.handsOver(argv, 2, argv.length));
    notify(c, db, "l", pushEvent(side), key);
    db.modified(key);
    c.out.int(len);
  };
}

function linsert(c: Client, argv: Uint8Array[]): void {
  let after: boolean;
  if (argIs(argv[2], "after")) after = true;
  else if (argIs(argv[2], "before")) after = false;
  else fail(SYNTAX);
  const db = c.db;
  const key = argv[1];
  const meta = db.writeTyped(key, "list");
  if (meta === null) {
    c.out.int(0);
    return;
  }
  const len = db.store.lists.insert(meta, argv[3], argv[4], after);
  if (len > 0) {
    notify(c, db, "l", "linsert", key);
    db.modified(key);
  }
  c.out.int(len);
}

// --- pop ---

function pop(side: ListSide) {
  return (c: Client, argv: Uint8Array[]): void => {
    if (argv.length > 3) fail(`ERR wrong number of arguments for '${side === "left" ? "lpop" : "rpop"}' command`);
    const withCount = argv.length === 3;
    const count = withCount ? longInRange(argv[2], 0n, LONG_MAX, "ERR value is out of range, must be positive") : 1;
    const db = c.db;
    const key = argv[1];
    const meta = db.writeTyped(key, "list");
    if (meta === null) {
      if (withCount) c.out.nilArray();
      else c.out.nil();
      return;
    }
    if (withCount && count === 0) {
      c.out.array(0);
      return;
    }
    if (withCount) c.out.bulkArray(popElements(c, db, key, meta, side, count));
    else popOneReplying(c, db, key, meta, side);
  };
}

/**
 * LMPOP/BLMPOP and BLPOP/BRPOP's immediate path: pops from the first non-empty
 * list among keys (WRONGTYPE on the first existing key of another type).
 * Replies [key, value] for BLPOP (count null) or [key, [values...]] and
 * returns true; returns false (nothing written) when every key is missing.
 */
function popFirstNonEmpty(c: Client, keys: readonly Uint8Array[], side: ListSide, count: number | null): boolean {
  const db = c.db;
  for (const key of keys) {
    const meta = db.writeTyped(key, "list");
    if (meta === null) continue;
    replyPopped(c, db, key, meta, side, count);
    return true;
  }
  return false;
}

function replyPopped(c: Client, db: Db, key: Uint8Array, meta: KeyMeta, side: ListSide, count: number | null): void {
  const values = popElements(c, db, key, meta, side, count ?? 1);
  c.out.array(2);
  c.out.bulk(key);
  if (count === null) c.out.bulk(values[0]);
  else c.out.bulkArray(values);
}

/** Parses LMPOP/BLMPOP's `numkeys key... LEFT|RIGHT [COUNT n]` starting at argv[first]. */
function parseMpop(argv: Uint8Array[], first: number): { keys: Uint8Array[]; side: ListSide; count: number } {
  const numkeys = longInRange(argv[first], 1n, LONG_MAX, "ERR numkeys should be greater than 0");
  const whereIdx = first + numkeys + 1;
  if (whereIdx >= argv.length) fail(SYNTAX);
  const side = sideArg(argv[whereIdx]);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && argIs(argv[j], "count") && j + 1 < argv.length) {
      count = longInRange(argv[++j], 1n, LONG_MAX, "ERR count should be greater than 0");
    } else fail(SYNTAX);
  }
  return { keys: argv.slice(first + 1, whereIdx), side, count: count === -1 ? 1 : count };
}

function lmpop(c: Client, argv: Uint8Array[]): void {
  const { keys, side, count } = parseMpop(argv, 1);
  if (!popFirstNonEmpty(c, keys, side, count)) c.out.nilArray();
}

// --- blocking pops ---

/**
 * Blocks c on list keys, or, where blocking is not allowed (MULTI, scripts),
 * replies as the non-blocking form would on empty lists.
 */
function blockOnLists(c: Client, keys: readonly Uint8Array[], deadline: number, serve: BlockRequest["serve"], replyEmpty: () => void): void {
  const blocking = blockingOf(c.server);
  if (!blocking.canBlock(c)) {
    replyEmpty();
    return;
  }
  blocking.block(c, { keys: keys.map((k) => k.slice()), type: "list", deadline, serve });
}

/** A serve callback popping `count` (null: BLPOP's single element) from the ready key. */
function servePop(c: Client, side: ListSide, count: number | null): BlockRequest["serve"] {
  return (db, key) => {
    const meta = db.lookupWrite(key);
    if (meta === null || meta.type !== "list") return false;
    replyPopped(c, db, key, meta, side, count);
    return true;
  };
}

function bpop(side: ListSide) {
  return (c: Client, argv: Uint8Array[]): void => {
    const deadline = parseTimeout(argv[argv.length - 1]);
    const keys = argv.slice(1, -1);
    if (popFirstNonEmpty(c, keys, side, null)) return;
    blockOnLists(c, keys, deadline, servePop(c, side, null), () => c.out.nilArray());
  };
}

function blmpop(c: Client, argv: Uint8Array[]): void {
  const { keys, side, count } = parseMpop(argv, 2);
  const deadline = parseTimeout(argv[1]);
  if (popFirstNonEmpty(c, keys, side, count)) return;
  blockOnLists(c, keys, deadline, servePop(c, side, count), () => c.out.nilArray());
}

// --- moves ---

/**
 * LMOVE's work on a live source list: pops one element from `from` and pushes
 * it at `to` of dst (WRONGTYPE first if dst is not a list), with Redis's
 * notification order; replies the moved element.
 */
function moveElement(c: Client, db: Db, src: Uint8Array, srcMeta: KeyMeta, dst: Uint8Array, from: ListSide, to: ListSide): void {
  const lists = db.store.lists;
  const dstMeta = db.writeTyped(dst, "list");
  const len = lists.length(srcMeta);
  const sameKey = bytesEqual(src, dst);
  let value: Uint8Array;
  if (sameKey && len === 1) {
    // Rotating a one-element list changes nothing; popping would delete the key (and its TTL).
    value = lists.index(srcMeta, 0);
  } else {
    value = lists.pop(src, srcMeta, from, 1)[0];
    if (dstMeta === null) db.adding(dst);
    lists.push(dst, sameKey ? db.lookupWrite(dst) : dstMeta, to, [value]);
  }
  notify(c, db, "l", pushEvent(to), dst);
  db.modified(dst);
  notify(c, db, "l", popEvent(from), src);
  if (len === 1 && !sameKey) notify(c, db, "g", "del", src);
  db.modified(src);
  c.out.bulk(value);
}

function lmoveWith(c: Client, src: Uint8Array, dst: Uint8Array, from: ListSide, to: ListSide): void {
  const db = c.db;
  const meta = db.writeTyped(src, "list");
  if (meta === null) c.out.nil();
  else moveElement(c, db, src, meta, dst, from, to);
}

function lmove(c: Client, argv: Uint8Array[]): void {
  const from = sideArg(argv[3]);
  const to = sideArg(argv[4]);
  lmoveWith(c, argv[1], argv[2], from, to);
}

function blmoveWith(c: Client, src: Uint8Array, dst: Uint8Array, from: ListSide, to: ListSide, deadline: number): void {
  const db = c.db;
  const meta = db.writeTyped(src, "list");
  if (meta !== null) {
    moveElement(c, db, src, meta, dst, from, to);
    return;
  }
  const dstCopy = dst.slice();
  const serve: BlockRequest["serve"] = (db, key) => {
    const srcMeta = db.lookupWrite(key);
    if (srcMeta === null || srcMeta.type !== "list") return false;
    moveElement(c, db, key, srcMeta, dstCopy, from, to);
    return true;
  };
  blockOnLists(c, [src], deadline, serve, () => c.out.nil());
}

function blmove(c: Client, argv: Uint8Array[]): void {
  const from = sideArg(argv[3]);
  const to = sideArg(argv[4]);
  blmoveWith(c, argv[1], argv[2], from, to, parseTimeout(argv[5]));
}

function brpoplpush(c: Client, argv: Uint8Array[]): void {
  blmoveWith(c, argv[1], argv[2], "right", "left", parseTimeout(argv[3]));
}

// --- reads ---

function llen(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "list");
  c.out.int(meta === null ? 0 : c.db.store.lists.length(meta));
}

function lrange(c: Client, argv: Uint8Array[]): void {
  const start = intArg(argv[2]);
  const stop = intArg(argv[3]);
  const db = c.db;
  const meta = db.readTyped(argv[1], "list");
  if (meta === null) {
    c.out.array(0);
    return;
  }
  const lists = db.store.lists;
  const range = clampRange(start, stop, lists.length(meta));
  if (range === null) {
    c.out.array(0);
    return;
  }
  const out = c.out;
  out.array(range[1] - range[0] + 1);
  lists.range(meta, range[0], range[1], out.bulkVisitor);
}

/** A list index (negative from the tail) normalized to 0..len-1, or -1 when out of range. */
function normalizeIndex(index: number, len: number): number {
  const i = index < 0 ? len + index : index;
  return i >= 0 && i < len ? i : -1;
}

function lindex(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  const meta = db.readTyped(argv[1], "list");
  if (meta === null) {
    c.out.nil();
    return;
  }
  const i = normalizeIndex(intArg(argv[2]), db.store.lists.length(meta));
  if (i < 0) c.out.nil();
  else c.out.bulk(db.store.lists.index(meta, i));
}

function lpos(c: Client, argv: Uint8Array[]): void {
  let rank = 1;
  /** RANK -2^63: Redis negates it with overflow, so it reads from the tail and COUNT never stops it. */
  let rankIsMin = false;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const hasValue = j + 1 < argv.length;
    if (argIs(argv[j], "rank") && hasValue) {
      rankIsMin = parseInt64(argv[j + 1]) === -(2n ** 63n);
      rank = rankIsMin ? -1 : longInRange(argv[++j], -LONG_MAX, LONG_MAX);
      if (rankIsMin) j++;
      if (rank === 0) {
        fail(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
      }
    } else if (argIs(argv[j], "count") && hasValue) {
      count = longInRange(argv[++j], 0n, LONG_MAX, "ERR COUNT can't be negative");
    } else if (argIs(argv[j], "maxlen") && hasValue) {
      maxlen = longInRange(argv[++j], 0n, LONG_MAX, "ERR MAXLEN can't be negative");
    } else fail(SYNTAX);
  }
  const db = c.db;
  const meta = db.readTyped(argv[1], "list");
  if (meta === null) {
    if (count !== -1) c.out.array(0);
    else c.out.nil();
    return;
  }
  const wanted = count === -1 ? 1 : rankIsMin ? 0 : count; // 0: every match
  let skip = Math.abs(rank) - 1;
  const found: number[] = [];
  db.store.lists.find(meta, argv[2], rank < 0, maxlen, (index) => {
    if (skip > 0) {
      skip--;
      return true;
    }
    found.push(index);
    return wanted === 0 || found.length < wanted;
  });
  if (count === -1) {
    if (found.length === 0) c.out.nil();
    else c.out.int(found[0]);
    return;
  }
  c.out.array(found.length);
  for (const i of found) c.out.int(i);
}

// --- in-place edits ---

function lset(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  const key = argv[1];
  const meta = db.writeTyped(key, "list");
  if (meta === null) fail(NO_SUCH_KEY);
  const i = normalizeIndex(intArg(argv[2]), db.store.lists.length(meta));
  if (i < 0) fail("ERR index out of range");
  db.store.lists.set(meta, i, argv[3]);
  notify(c, db, "l", "lset", key);
  db.modified(key);
  c.out.ok();
}

function lrem(c: Client, argv: Uint8Array[]): void {
  const count = intArg(argv[2]);
  const db = c.db;
  const key = argv[1];
  const meta = db.writeTyped(key, "list");
  if (meta === null) {
    c.out.int(0);
    return;
  }
  const len = db.store.lists.length(meta);
  const removed = db.store.lists.remove(key, meta, argv[3], count);
  if (removed > 0) {
    notify(c, db, "l", "lrem", key);
    if (removed === len) notify(c, db, "g", "del", key);
    db.modified(key);
  }
  c.out.int(removed);
}

function ltrim(c: Client, argv: Uint8Array[]): void {
  const start = intArg(argv[2]);
  const stop = intArg(argv[3]);
  const db = c.db;
  const key = argv[1];
  const meta = db.writeTyped(key, "list");
  if (meta === null) {
    c.out.ok();
    return;
  }
  const range = clampRange(start, stop, db.store.lists.length(meta));
  if (range === null) db.store.lists.trim(key, meta, 1, 0);
  else db.store.lists.trim(key, meta, range[0], range[1]);
  notify(c, db, "l", "ltrim", key);
  if (range === null) notify(c, db, "g", "del", key);
  db.modified(key);
  c.out.ok();
}

export const listCommands: CommandDef[] = [
  { name: "lpush", summary: "Prepends elements to a list, creating it if needed.", run: push("left", false) },
  { name: "rpush", summary: "Appends elements to a list, creating it if needed.", run: push("right", false) },
  { name: "lpushx", summary: "Prepends elements to a list only when it exists.", run: push("left", true) },
  { name: "rpushx", summary: "Appends elements to a list only when it exists.", run: push("right", true) },
  { name: "linsert", summary: "Inserts an element before or after another element of a list.", run: linsert },
  { name: "lpop", summary: "Removes and returns the first elements of a list.", run: pop("left") },
  { name: "rpop", summary: "Removes and returns the last elements of a list.", run: pop("right") },
  { name: "lmpop", summary: "Pops elements from the first non-empty list among several.", run: lmpop },
  { name: "blpop", summary: "Pops the first element of the first non-empty list, blocking until one is available.", run: bpop("left") },
  { name: "brpop", summary: "Pops the last element of the first non-empty list, blocking until one is available.", run: bpop("right") },
  { name: "blmpop", summary: "Pops elements from the first non-empty list, blocking until one is available.", run: blmpop },
  { name: "lmove", summary: "Moves an element from one end of a list to an end of another.", run: lmove },
  {
    name: "rpoplpush",
    summary: "Moves the last element of a list to the head of another.",
    run: (c, argv) => lmoveWith(c, argv[1], argv[2], "right", "left"),
  },
  { name: "blmove", summary: "Moves an element between lists, blocking until the source has one.", run: blmove },
  { name: "brpoplpush", summary: "Moves the last element of a list to the head of another, blocking until there is one.", run: brpoplpush },
  { name: "llen", summary: "Returns the length of a list.", run: llen },
  { name: "lrange", summary: "Returns a range of elements of a list.", run: lrange },
  { name: "lindex", summary: "Returns the element at an index of a list.", run: lindex },
  { name: "lpos", summary: "Returns the indexes of elements equal to a value in a list.", run: lpos },
  { name: "lset", summary: "Sets the element at an index of a list.", run: lset },
  { name: "lrem", summary: "Removes elements equal to a value from a list.", run: lrem },
  { name: "ltrim", summary: "Trims a list to a range of indexes.", run: ltrim },
];
