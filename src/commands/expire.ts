// Key expiry commands (expire.c): EXPIRE PEXPIRE EXPIREAT PEXPIREAT with
// NX/XX/GT/LT, TTL PTTL EXPIRETIME PEXPIRETIME, PERSIST.

import type { Client } from "../net/client.ts";
import { argIs, cString, lowerAscii } from "../net/bytes.ts";
import { int64Arg } from "./args.ts";
import { fail } from "./errors.ts";
import type { CommandDef } from "./table.ts";

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

interface ExpireFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
}

/** The NX/XX/GT/LT options after the time argument, with Redis's compatibility errors. */
function parseExpireFlags(argv: Uint8Array[]): ExpireFlags {
  const f: ExpireFlags = { nx: false, xx: false, gt: false, lt: false };
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i];
    if (argIs(a, "nx")) f.nx = true;
    else if (argIs(a, "xx")) f.xx = true;
    else if (argIs(a, "gt")) f.gt = true;
    else if (argIs(a, "lt")) f.lt = true;
    else fail(`ERR Unsupported option ${cString(a)}`);
  }
  if (f.nx && (f.xx || f.gt || f.lt)) fail("ERR NX and XX, GT or LT options at the same time are not compatible");
  if (f.gt && f.lt) fail("ERR GT and LT options at the same time are not compatible");
  return f;
}

/** Whether the flags allow replacing `current` (ms, -1 = no expiry) with `when`. */
function flagsAllow(f: ExpireFlags, current: number, when: bigint): boolean {
  if (f.nx && current !== -1) return false;
  if (f.xx && current === -1) return false;
  // No expiry counts as an infinite TTL: never beaten by GT, always by LT.
  if (f.gt && (current === -1 || when <= BigInt(current))) return false;
  if (f.lt && current !== -1 && when >= BigInt(current)) return false;
  return true;
}

/**
 * EXPIRE and friends: `unitMs` is 1000 for seconds, `relative` adds the
 * current time. Times in the past delete the key, as in Redis.
 */
function expireGeneric(c: Client, argv: Uint8Array[], unitMs: 1 | 1000, relative: boolean): void {
  const flags = parseExpireFlags(argv);
  let when = BigInt(int64Arg(argv[2]));
  const invalid = `ERR invalid expire time in '${lowerAscii(argv[0])}' command`;
  if (unitMs === 1000) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) fail(invalid);
    when *= 1000n;
  }
  const base = relative ? BigInt(c.server.keyspace.now()) : 0n;
  if (when > LLONG_MAX - base) fail(invalid);
  when += base;

  const db = c.db;
  const key = argv[1];
  const meta = db.lookupWrite(key);
  if (meta === null) return c.out.int(0);
  db.touch(meta);
  if (!flagsAllow(flags, meta.expireAt === 0 ? -1 : meta.expireAt, when)) return c.out.int(0);

  const ks = c.server.keyspace;
  if (when <= BigInt(ks.now())) {
    db.delete(key);
    ks.notify("g", "del", key, db.index);
  } else {
    // Beyond 2^53 ms (year 285,000+) a double is exact enough: such keys never expire in practice.
    db.setExpire(key, Number(when));
    db.modified(key);
    ks.notify("g", "expire", key, db.index);
  }
  c.out.int(1);
}

/**
 * TTL family: remaining (or absolute, when `absolute`) expiry in seconds or
 * ms; -2 for a missing key, -1 without expiry. Seconds are rounded like Redis.
 */
function ttlGeneric(c: Client, key: Uint8Array, inMs: boolean, absolute: boolean): void {
  const meta = c.db.lookupRead(key, false);
  if (meta === null) return c.out.int(-2);
  if (meta.expireAt === 0) return c.out.int(-1);
  const ttl = absolute ? meta.expireAt : Math.max(0, meta.expireAt - c.server.keyspace.now());
  const reply = inMs ? ttl : Math.floor((ttl + 500) / 1000);
  // Expiry times beyond 2^53 ms are held as doubles: the nearest one to
  // LLONG_MAX is 2^63, which must not leak out as an integer reply.
  c.out.int(reply >= 2 ** 63 ? LLONG_MAX : reply);
}

function persist(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  const key = argv[1];
  const meta = db.lookupWrite(key);
  if (meta === null) return c.out.int(0);
  db.touch(meta);
  if (meta.expireAt === 0) return c.out.int(0);
  db.setExpire(key, 0);
  db.modified(key);
  c.server.keyspace.notify("g", "persist", key, db.index);
  c.out.int(1);
}

export const expireCommands: CommandDef[] = [
  { name: "expire", summary: "Sets the expiration time of a key in seconds.", run: (c, a) => expireGeneric(c, a, 1000, true) },
  { name: "pexpire", summary: "Sets the expiration time of a key in milliseconds.", run: (c, a) => expireGeneric(c, a, 1, true) },
  { name: "expireat", summary: "Sets the expiration time of a key to a Unix timestamp in seconds.", run: (c, a) => expireGeneric(c, a, 1000, false) },
  { name: "pexpireat", summary: "Sets the expiration time of a key to a Unix timestamp in milliseconds.", run: (c, a) => expireGeneric(c, a, 1, false) },
  { name: "ttl", summary: "Returns the time to live of a key in seconds.", run: (c, a) => ttlGeneric(c, a[1], false, false) },
  { name: "pttl", summary: "Returns the time to live of a key in milliseconds.", run: (c, a) => ttlGeneric(c, a[1], true, false) },
  { name: "expiretime", summary: "Returns the expiration time of a key as a Unix timestamp in seconds.", run: (c, a) => ttlGeneric(c, a[1], false, true) },
  { name: "pexpiretime", summary: "Returns the expiration time of a key as a Unix timestamp in milliseconds.", run: (c, a) => ttlGeneric(c, a[1], true, true) },
  { name: "persist", summary: "Removes the expiration time of a key.", run: persist },
];
