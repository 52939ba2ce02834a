// Hash commands (t_hash.c).

import type { Db } from "../keyspace/keyspace.ts";
import { addLongDouble, formatLongDouble, parseLongDouble } from "../net/long-double.ts";
import { argIs, strToBytes } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import { addInt64, parseInt64 } from "../net/format.ts";
import type { KeyMeta } from "../storage/engine.ts";
import { argsFrom, int64Arg } from "./args.ts";
import { fail, NOT_FLOAT, NOT_INTEGER, OVERFLOW, SYNTAX } from "./errors.ts";
import { scanCollection } from "./scan-options.ts";
import type { CommandDef } from "./table.ts";

function notify(c: Client, db: Db, event: string, key: Uint8Array): void {
  c.server.keyspace.notify("h", event, key, db.index);
}

/** Sets fields (flat field/value list) with the hset notification; returns how many were new. */
function setFields(c: Client, key: Uint8Array, meta: KeyMeta | null, fieldValues: readonly Uint8Array[], handedOver: boolean): number {
  const db = c.db;
  const added = db.store.hashes.set(key, meta, fieldValues, handedOver);
  notify(c, db, "hset", key);
  db.modified(key);
  return added;
}

/** HSET (replies how many fields were new) and HMSET (replies OK). */
function hset(name: "hset" | "hmset") {
  return (c: Client, argv: Uint8Array[]): void => {
    if (argv.length % 2 === 1) fail(`ERR wrong number of arguments for '${name}' command`);
    const meta = c.db.writeTyped(argv[1], "hash");
    // Nothing handed over: the memory engine overwrites a value of the same length in
    // place, so the parser reuses these copies; fields are never kept as given.
    const added = setFields(c, argv[1], meta, argsFrom(argv, 2), false);
    if (name === "hmset") c.out.ok();
    else c.out.int(added);
  };
}

function hsetnx(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  const meta = db.writeTyped(argv[1], "hash");
  if (meta !== null && db.store.hashes.get(meta, argv[2]) !== null) {
    c.out.int(0);
    return;
  }
  setFields(c, argv[1], meta, [argv[2], argv[3]], c.server.handsOver(argv, 3));
  c.out.int(1);
}

function hget(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "hash");
  const v = meta === null ? null : c.db.store.hashes.get(meta, argv[2]);
  if (v === null) c.out.nil();
  else c.out.bulk(v);
}

function hmget(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  const meta = db.readTyped(argv[1], "hash");
  c.out.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const v = meta === null ? null : db.store.hashes.get(meta, argv[i]);
    if (v === null) c.out.nil();
    else c.out.bulk(v);
  }
}

function hdel(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  const key = argv[1];
  const meta = db.writeTyped(key, "hash");
  if (meta === null) {
    c.out.int(0);
    return;
  }
  const len = db.store.hashes.length(meta);
  const removed = db.store.hashes.delete(key, meta, argsFrom(argv, 2));
  if (removed > 0) {
    notify(c, db, "hdel", key);
    if (removed === len) c.server.keyspace.notify("g", "del", key, db.index);
    db.modified(key);
  }
  c.out.int(removed);
}

function hlen(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "hash");
  c.out.int(meta === null ? 0 : c.db.store.hashes.length(meta));
}

function hstrlen(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "hash");
  c.out.int(meta === null ? 0 : (c.db.store.hashes.get(meta, argv[2])?.length ?? 0));
}

function hexists(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "hash");
  c.out.int(meta !== null && c.db.store.hashes.get(meta, argv[2]) !== null ? 1 : 0);
}

/** HKEYS, HVALS, HGETALL: the whole hash as an array (or a RESP3 map for both). */
function getAll(withFields: boolean, withValues: boolean) {
  return (c: Client, argv: Uint8Array[]): void => {
    const db = c.db;
    const meta = db.readTyped(argv[1], "hash");
    const out = c.out;
    if (meta === null) {
      if (withFields && withValues) out.map(0);
      else out.array(0);
      return;
    }
    const len = db.store.hashes.length(meta);
    if (withFields && withValues) out.map(len);
    else out.array(len);
    db.store.hashes.forEach(meta, (f, v) => {
      if (withFields) out.bulk(f);
      if (withValues) out.bulk(v);
    });
  };
}

function hincrby(c: Client, argv: Uint8Array[]): void {
  const incr = int64Arg(argv[3]);
  const db = c.db;
  const key = argv[1];
  const meta = db.writeTyped(key, "hash");
  let cur: number | bigint = 0;
  const old = meta === null ? null : db.store.hashes.get(meta, argv[2]);
  if (old !== null) {
    const v = parseInt64(old);
    if (v === null) fail("ERR hash value is not an integer");
    cur = v;
  }
  const next = addInt64(cur, incr);
  if (next === null) fail(OVERFLOW);
  db.store.hashes.set(key, meta, [argv[2], strToBytes(next.toString())]);
  notify(c, db, "hincrby", key);
  db.modified(key);
  c.out.int(next);
}

const ZERO = parseLongDouble(Uint8Array.of(48))!;

function hincrbyfloat(c: Client, argv: Uint8Array[]): void {
  const incr = parseLongDouble(argv[3]);
  if (incr === null) fail(NOT_FLOAT);
  if (incr.inf) fail("ERR value is NaN or Infinity");
  const db = c.db;
  const key = argv[1];
  const meta = db.writeTyped(key, "hash");
  const old = meta === null ? null : db.store.hashes.get(meta, argv[2]);
  const cur = old === null ? ZERO : parseLongDouble(old);
  if (cur === null) fail("ERR hash value is not a float");
  const sum = addLongDouble(cur, incr);
  if (sum === null) fail("ERR increment would produce NaN or Infinity");
  const text = strToBytes(formatLongDouble(sum));
  db.store.hashes.set(key, meta, [argv[2], text]);
  notify(c, db, "hincrbyfloat", key);
  db.modified(key);
  c.out.bulk(text);
}

const LONG_MAX = 9223372036854775807n;

function hrandfield(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  const out = c.out;
  if (argv.length === 2) {
    const meta = db.readTyped(argv[1], "hash");
    if (meta === null) out.nil();
    else db.store.hashes.random(meta, 1, false, out.bulkVisitor);
    return;
  }
  const arg = parseInt64(argv[2]);
  if (arg === null) fail(NOT_INTEGER);
  const big = BigInt(arg);
  if (big < -LONG_MAX) fail(`ERR value is out of range, value must between ${-LONG_MAX} and ${LONG_MAX}`);
  if (argv.length > 4 || (argv.length === 4 && !argIs(argv[3], "withvalues"))) fail(SYNTAX);
  const withValues = argv.length === 4;
  if (withValues && (big < -LONG_MAX / 2n || big > LONG_MAX / 2n)) fail("ERR value is out of range");
  const meta = db.readTyped(argv[1], "hash");
  if (meta === null || big === 0n) {
    out.array(0);
    return;
  }
  const hashes = db.store.hashes;
  const size = hashes.length(meta);
  const distinct = big > 0n;
  // Counts beyond the hash's size return the whole hash (distinct) or would not fit memory anyway.
  const count = distinct ? Number(big > BigInt(size) ? size : big) : Number(-big);
  const nested = withValues && out.resp === 3;
  out.array(withValues && !nested ? count * 2 : count);
  const emit = (f: Uint8Array, v: Uint8Array) => {
    if (nested) out.array(2);
    out.bulk(f);
    if (withValues) out.bulk(v);
  };
  if (distinct && count === size) hashes.forEach(meta, emit);
  else hashes.random(meta, count, distinct, emit);
}

function hscan(c: Client, argv: Uint8Array[]): void {
  scanCollection(c, argv, "hash", (meta, cursor, count, emit) => c.db.store.hashes.scan(meta, cursor, count, (f, v) => emit(f, f, v)));
}

export const hashCommands: CommandDef[] = [
  { name: "hset", summary: "Sets fields of a hash, creating it if needed.", run: hset("hset"), memberArgs: { step: 2 } },
  { name: "hmset", summary: "Sets fields of a hash (deprecated form of HSET replying OK).", run: hset("hmset"), memberArgs: { step: 2 } },
  { name: "hsetnx", summary: "Sets a field of a hash only when it does not exist.", run: hsetnx, memberArgs: { step: 2 } },
  { name: "hget", summary: "Returns the value of a field of a hash.", run: hget, memberArgs: { step: 1 } },
  { name: "hmget", summary: "Returns the values of several fields of a hash.", run: hmget, memberArgs: { step: 1 } },
  { name: "hdel", summary: "Removes fields from a hash.", run: hdel, memberArgs: { step: 1 } },
  { name: "hlen", summary: "Returns the number of fields of a hash.", run: hlen },
  { name: "hstrlen", summary: "Returns the length of the value of a field of a hash.", run: hstrlen, memberArgs: { step: 1 } },
  { name: "hexists", summary: "Tells whether a field exists in a hash.", run: hexists, memberArgs: { step: 1 } },
  { name: "hkeys", summary: "Returns the fields of a hash.", run: getAll(true, false) },
  { name: "hvals", summary: "Returns the values of a hash.", run: getAll(false, true) },
  { name: "hgetall", summary: "Returns every field and value of a hash.", run: getAll(true, true) },
  { name: "hincrby", summary: "Increments the integer value of a field of a hash.", run: hincrby, memberArgs: { step: 2 } },
  { name: "hincrbyfloat", summary: "Increments the floating point value of a field of a hash.", run: hincrbyfloat, memberArgs: { step: 2 } },
  { name: "hrandfield", summary: "Returns random fields of a hash, optionally with their values.", run: hrandfield },
  { name: "hscan", summary: "Iterates over the fields and values of a hash.", run: hscan },
];
