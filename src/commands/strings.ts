// String commands (t_string.c).

import type { Client } from "../net/client.ts";
import { argIs } from "../net/bytes.ts";
import { addInt64, parseInt64 } from "../net/format.ts";
import { int64Arg } from "./args.ts";
import { fail, NOT_INTEGER, OVERFLOW, SYNTAX } from "./errors.ts";
import type { CommandDef } from "./table.ts";

const LLONG_MAX = 9223372036854775807n;

/** The string value of key, null when missing; WRONGTYPE for other types. */
export function readString(c: Client, key: Uint8Array): Uint8Array | null {
  const meta = c.db.readTyped(key, "string");
  return meta === null ? null : c.db.store.getString(meta);
}

function get(c: Client, argv: Uint8Array[]): void {
  const v = readString(c, argv[1]);
  if (v === null) c.out.nil();
  else c.out.bulk(v);
}

/**
 * Parses an expiry given as a relative or absolute time in seconds or
 * milliseconds into absolute unix ms, with Redis's "invalid expire time" checks.
 */
export function parseExpireArg(arg: Uint8Array, unitMs: 1 | 1000, absolute: boolean, cmdName: string): number {
  const v = int64Arg(arg);
  const big = BigInt(v);
  const invalid = `ERR invalid expire time in '${cmdName}' command`;
  if (big <= 0n || (unitMs === 1000 && big > LLONG_MAX / 1000n)) fail(invalid);
  let ms = big * BigInt(unitMs);
  if (!absolute) {
    const now = BigInt(Date.now());
    if (ms > LLONG_MAX - now) fail(invalid);
    ms += now;
  }
  // Absolute times far in the future stay exact enough as doubles for TTL math.
  return Number(ms);
}

function set(c: Client, argv: Uint8Array[]): void {
  let nx = false;
  let xx = false;
  let getOld = false;
  let keepTtl = false;
  let expireAt = 0;
  let expireSeen = false;
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i];
    const hasNext = i + 1 < argv.length;
    if (argIs(a, "nx") && !xx) nx = true;
    else if (argIs(a, "xx") && !nx) xx = true;
    else if (argIs(a, "get")) getOld = true;
    else if (argIs(a, "keepttl") && !expireSeen) keepTtl = true;
    else if (!keepTtl && !expireSeen && hasNext && (argIs(a, "ex") || argIs(a, "px") || argIs(a, "exat") || argIs(a, "pxat"))) {
      const seconds = argIs(a, "ex") || argIs(a, "exat");
      const absolute = argIs(a, "exat") || argIs(a, "pxat");
      expireAt = parseExpireArg(argv[++i], seconds ? 1000 : 1, absolute, "set");
      expireSeen = true;
    } else fail(SYNTAX);
  }
  const key = argv[1];
  const db = c.db;
  const meta = getOld ? db.readTyped(key, "string") : db.lookupWrite(key);
  const old = getOld && meta !== null ? db.store.getString(meta).slice() : null;
  if ((nx && meta !== null) || (xx && meta === null)) {
    if (getOld) replyOld(c, old);
    else c.out.nil();
    return;
  }
  if (keepTtl && meta !== null) expireAt = meta.expireAt;
  if (expireAt !== 0 && expireAt <= c.server.keyspace.now()) {
    // Already expired (e.g. EXAT in the past): the key ends up deleted, as in Redis.
    if (meta !== null) {
      db.store.delete(key);
      db.modified(key);
      c.server.keyspace.notify("g", "del", key, db.index);
    }
  } else {
    db.store.setString(key, argv[2], expireAt);
    db.modified(key);
    c.server.keyspace.notify("$", "set", key, db.index);
    if (expireAt !== 0) c.server.keyspace.notify("g", "expire", key, db.index);
  }
  if (getOld) replyOld(c, old);
  else c.out.ok();
}

function replyOld(c: Client, old: Uint8Array | null): void {
  if (old === null) c.out.nil();
  else c.out.bulk(old);
}

/** INCR/DECR/INCRBY/DECRBY: adds delta to the integer in key. */
function incrementBy(c: Client, key: Uint8Array, delta: number | bigint): void {
  const db = c.db;
  const meta = db.writeTyped(key, "string");
  let cur: number | bigint = 0;
  if (meta !== null) {
    const v = parseInt64(db.store.getString(meta));
    if (v === null) fail(NOT_INTEGER);
    cur = v;
  }
  const next = addInt64(cur, delta);
  if (next === null) fail(OVERFLOW);
  db.store.setString(key, encodeInt(next), meta === null ? 0 : meta.expireAt);
  db.modified(key);
  c.server.keyspace.notify("$", "incrby", key, db.index);
  c.out.int(next);
}

/** Decimal ASCII bytes of an integer. */
export function encodeInt(n: number | bigint): Uint8Array {
  const s = n.toString();
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function negate(v: number | bigint): number | bigint {
  if (typeof v === "bigint") {
    if (v === -(2n ** 63n)) fail("ERR decrement would overflow");
    return -v;
  }
  return -v;
}

function mget(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  c.out.array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const meta = db.lookupRead(argv[i]);
    if (meta === null || meta.type !== "string") c.out.nil();
    else c.out.bulk(db.store.getString(meta));
  }
}

function mset(c: Client, argv: Uint8Array[]): void {
  if (argv.length % 2 === 0) fail("ERR wrong number of arguments for 'mset' command");
  const db = c.db;
  for (let i = 1; i < argv.length; i += 2) {
    db.store.setString(argv[i], argv[i + 1], 0);
    db.modified(argv[i]);
    c.server.keyspace.notify("$", "set", argv[i], db.index);
  }
  c.out.ok();
}

export const stringCommands: CommandDef[] = [
  { name: "get", summary: "Returns the string value of a key.", run: get },
  { name: "set", summary: "Sets the string value of a key, with optional expiry and conditions.", run: set },
  { name: "incr", summary: "Increments the integer value of a key by one.", run: (c, a) => incrementBy(c, a[1], 1) },
  { name: "decr", summary: "Decrements the integer value of a key by one.", run: (c, a) => incrementBy(c, a[1], -1) },
  { name: "incrby", summary: "Increments the integer value of a key by a number.", run: (c, a) => incrementBy(c, a[1], int64Arg(a[2])) },
  { name: "decrby", summary: "Decrements the integer value of a key by a number.", run: (c, a) => incrementBy(c, a[1], negate(int64Arg(a[2]))) },
  { name: "mget", summary: "Returns the string values of several keys.", run: mget },
  { name: "mset", summary: "Sets the string values of several keys.", run: mset },
];
