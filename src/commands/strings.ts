// String commands (t_string.c).

import type { Db } from "../keyspace/keyspace.ts";
import type { Client } from "../net/client.ts";
import { argIs, strToBytes } from "../net/bytes.ts";
import { addInt64, int64Bytes, parseInt64 } from "../net/format.ts";
import { addLongDouble, formatLongDouble, parseLongDouble } from "../net/long-double.ts";
import type { KeyMeta } from "../storage/engine.ts";
import { int64Arg } from "./args.ts";
import { fail, NOT_FLOAT, NOT_INTEGER, OVERFLOW, SYNTAX } from "./errors.ts";
import { lcsCommand } from "./lcs.ts";
import type { CommandDef } from "./table.ts";

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

/** The string value of key, null when missing; WRONGTYPE for other types. */
export function readString(c: Client, key: Uint8Array): Uint8Array | null {
  const meta = c.db.readTyped(key, "string");
  return meta === null ? null : c.db.store.getString(meta);
}

/** Redis's checkStringLength: a string may not grow beyond proto-max-bulk-len. */
function checkStringLength(c: Client, size: number): void {
  if (size > c.server.config.num("proto-max-bulk-len")) fail("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
}

function get(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "string");
  const store = c.db.store;
  if (meta === null) c.out.nil();
  else if (store.replyString !== undefined) store.replyString(meta, c.out);
  else c.out.bulk(store.getString(meta));
}

/**
 * Redis's setKey plus the "set" event: overwrites key (any type) with a string.
 * Redis looks the key up first, which lazily expires it ("expired" event,
 * stats); that can only matter when some key has a TTL, so the hot path skips it.
 */
function setKey(c: Client, db: Db, key: Uint8Array, argv: Uint8Array[], valueIndex: number, expireAt: number): void {
  if (db.store.expiresCount() !== 0) db.lookupWrite(key);
  storeString(c, db, key, argv, valueIndex, expireAt);
}

/**
 * setKey for a key already looked up: stores argv[valueIndex], over the stored
 * bytes when the store can (no new array, and the parser keeps its copy of the
 * argument), else handed over when Server.handsOver allows.
 */
function storeString(c: Client, db: Db, key: Uint8Array, argv: Uint8Array[], valueIndex: number, expireAt: number): void {
  const store = db.store;
  const value = argv[valueIndex];
  if (store.overwriteString?.(key, value, expireAt) !== true) store.setString(key, value, expireAt, false, c.server.handsOver(argv, valueIndex));
  db.modified(key);
  c.server.keyspace.notify("$", "set", key, db.index);
}

// SET and GETEX options (parseExtendedStringArgumentsOrReply).
const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const PERSIST = 16;
const EX = 32;
const PX = 64;
const EXAT = 128;
const PXAT = 256;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;

interface StringOptions {
  flags: number;
  /** The expiry amount argument of the last EX/PX/EXAT/PXAT, if any. */
  expire: Uint8Array | null;
}

/**
 * Parses SET (forSet) or GETEX options from argv[from...] with Redis's exact
 * compatibility rules (repeating an option is allowed, conflicting ones are a
 * syntax error); the expiry amount is validated later, as in Redis.
 */
function parseStringOptions(argv: Uint8Array[], from: number, forSet: boolean): StringOptions {
  let flags = 0;
  let expire: Uint8Array | null = null;
  for (let i = from; i < argv.length; i++) {
    const a = argv[i];
    const hasNext = i + 1 < argv.length;
    if (forSet && argIs(a, "nx") && !(flags & XX)) flags |= NX;
    else if (forSet && argIs(a, "xx") && !(flags & NX)) flags |= XX;
    else if (forSet && argIs(a, "get")) flags |= GET;
    else if (forSet && argIs(a, "keepttl") && !(flags & (PERSIST | ANY_EXPIRE))) flags |= KEEPTTL;
    else if (!forSet && argIs(a, "persist") && !(flags & (ANY_EXPIRE | KEEPTTL))) flags |= PERSIST;
    else {
      const unit = argIs(a, "ex") ? EX : argIs(a, "px") ? PX : argIs(a, "exat") ? EXAT : argIs(a, "pxat") ? PXAT : 0;
      if (unit === 0 || !hasNext || flags & (KEEPTTL | PERSIST | (ANY_EXPIRE & ~unit))) fail(SYNTAX);
      flags |= unit;
      expire = argv[++i];
    }
  }
  return { flags, expire };
}

/**
 * Redis's getExpireMillisecondsOrReply: the absolute unix ms of an expiry
 * amount given with EX/PX (relative) or EXAT/PXAT (absolute).
 */
function expireAtFromArg(c: Client, arg: Uint8Array, flags: number, cmdName: string): number {
  const v = BigInt(int64Arg(arg));
  const seconds = (flags & (EX | EXAT)) !== 0;
  const invalid = `ERR invalid expire time in '${cmdName}' command`;
  if (v <= 0n || (seconds && v > LLONG_MAX / 1000n)) fail(invalid);
  let ms = seconds ? v * 1000n : v;
  if (flags & (EX | PX)) {
    ms += BigInt(c.server.keyspace.now());
    if (ms > LLONG_MAX) fail(invalid); // overflows to negative in Redis
  }
  return Number(ms);
}

/** SET, SETNX, SETEX, PSETEX (setGenericCommand); returns false when NX/XX aborted. */
function setGeneric(c: Client, argv: Uint8Array[], valueIndex: number, opts: StringOptions, cmdName: string): boolean {
  const { flags, expire } = opts;
  const expireAt = expire === null ? 0 : expireAtFromArg(c, expire, flags, cmdName);
  const key = argv[1];
  const db = c.db;
  let meta: KeyMeta | null = null;
  if (flags & GET) {
    meta = db.readTyped(key, "string");
    if (meta === null) c.out.nil();
    else c.out.bulk(db.store.getString(meta));
  } else if (flags & (NX | XX | KEEPTTL) || db.store.expiresCount() !== 0) {
    // (Only the lazy expiry of this lookup matters to a plain SET: see setKey.)
    meta = db.lookupWrite(key);
  }
  if ((flags & NX && meta !== null) || (flags & XX && meta === null)) return false;
  // Past absolute times are stored as such: the key expires on its next access, as in Redis.
  storeString(c, db, key, argv, valueIndex, flags & KEEPTTL && meta !== null ? meta.expireAt : expireAt);
  if (expire !== null) c.server.keyspace.notify("g", "expire", key, db.index);
  return true;
}

function set(c: Client, argv: Uint8Array[]): void {
  const opts = argv.length === 3 ? NO_OPTIONS : parseStringOptions(argv, 3, true);
  const done = setGeneric(c, argv, 2, opts, "set");
  if (opts.flags & GET) return; // the old value was the reply
  if (done) c.out.ok();
  else c.out.nil();
}

const NO_OPTIONS: StringOptions = { flags: 0, expire: null };

function setnx(c: Client, argv: Uint8Array[]): void {
  c.out.int(setGeneric(c, argv, 2, { flags: NX, expire: null }, "setnx") ? 1 : 0);
}

/** SETEX (seconds) and PSETEX (milliseconds): key amount value. */
function setWithExpire(unit: typeof EX | typeof PX, cmdName: string) {
  return (c: Client, argv: Uint8Array[]): void => {
    setGeneric(c, argv, 3, { flags: unit, expire: argv[2] }, cmdName);
    c.out.ok();
  };
}

function getset(c: Client, argv: Uint8Array[]): void {
  get(c, argv);
  setKey(c, c.db, argv[1], argv, 2, 0);
}

function getdel(c: Client, argv: Uint8Array[]): void {
  const key = argv[1];
  const db = c.db;
  const meta = db.readTyped(key, "string");
  if (meta === null) {
    c.out.nil();
    return;
  }
  c.out.bulk(db.store.getString(meta));
  db.store.delete(key);
  db.modified(key);
  c.server.keyspace.notify("g", "del", key, db.index);
}

function getex(c: Client, argv: Uint8Array[]): void {
  const { flags, expire } = parseStringOptions(argv, 2, false);
  const key = argv[1];
  const db = c.db;
  const meta = db.readTyped(key, "string");
  if (meta === null) {
    c.out.nil();
    return;
  }
  const expireAt = expire === null ? 0 : expireAtFromArg(c, expire, flags, "getex");
  c.out.bulk(db.store.getString(meta));
  const notify = (cls: string, event: string) => {
    db.modified(key);
    c.server.keyspace.notify(cls, event, key, db.index);
  };
  if (flags & (EXAT | PXAT) && expireAt <= c.server.keyspace.now()) {
    db.store.delete(key);
    notify("g", "del");
  } else if (expire !== null) {
    db.setExpire(key, expireAt);
    notify("g", "expire");
  } else if (flags & PERSIST && meta.expireAt !== 0) {
    db.setExpire(key, 0);
    notify("g", "persist");
  }
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

/** MSET and MSETNX (msetGenericCommand). */
function msetGeneric(c: Client, argv: Uint8Array[], nx: boolean): void {
  if (argv.length % 2 === 0) fail(`ERR wrong number of arguments for '${nx ? "msetnx" : "mset"}' command`);
  const db = c.db;
  if (nx) {
    for (let i = 1; i < argv.length; i += 2) {
      if (db.lookupWrite(argv[i]) !== null) {
        c.out.int(0);
        return;
      }
    }
    for (let i = 1; i < argv.length; i += 2) storeString(c, db, argv[i], argv, i + 1, 0);
    c.out.int(1);
    return;
  }
  for (let i = 1; i < argv.length; i += 2) setKey(c, db, argv[i], argv, i + 1, 0);
  c.out.ok();
}

function append(c: Client, argv: Uint8Array[]): void {
  const key = argv[1];
  const tail = argv[2];
  const db = c.db;
  const meta = db.writeTyped(key, "string");
  let len: number;
  if (meta === null) {
    db.store.setString(key, tail, 0);
    len = tail.length;
  } else {
    const curLen = db.store.getString(meta).length;
    checkStringLength(c, curLen + tail.length);
    len = db.store.setStringRange(key, curLen, tail);
  }
  db.modified(key);
  c.server.keyspace.notify("$", "append", key, db.index);
  c.out.int(len);
}

function strlen(c: Client, argv: Uint8Array[]): void {
  const v = readString(c, argv[1]);
  c.out.int(v === null ? 0 : v.length);
}

/** GETRANGE and SUBSTR, with Redis 7.0's index clamping. */
function getrange(c: Client, argv: Uint8Array[]): void {
  let start = BigInt(int64Arg(argv[2]));
  let end = BigInt(int64Arg(argv[3]));
  const v = readString(c, argv[1]);
  if (v === null) {
    c.out.bulk(EMPTY_BULK);
    return;
  }
  const len = BigInt(v.length);
  if (start < 0n && end < 0n && start > end) {
    c.out.bulk(EMPTY_BULK);
    return;
  }
  if (start < 0n) start += len;
  if (end < 0n) end += len;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= len) end = len - 1n;
  if (start > end || len === 0n) c.out.bulk(EMPTY_BULK);
  else c.out.bulk(v.subarray(Number(start), Number(end) + 1));
}

const EMPTY_BULK = new Uint8Array(0);

function setrange(c: Client, argv: Uint8Array[]): void {
  const offset = int64Arg(argv[2]);
  if (offset < 0) fail("ERR offset is out of range");
  const key = argv[1];
  const value = argv[3];
  const db = c.db;
  const meta = db.writeTyped(key, "string");
  if (value.length === 0) {
    c.out.int(meta === null ? 0 : db.store.getString(meta).length);
    return;
  }
  checkStringLength(c, Number(offset) + value.length);
  const len = db.store.setStringRange(key, Number(offset), value);
  db.modified(key);
  c.server.keyspace.notify("$", "setrange", key, db.index);
  c.out.int(len);
}

/** INCR/DECR/INCRBY/DECRBY (incrDecrCommand): adds delta to the integer in key. */
function incrementBy(c: Client, key: Uint8Array, delta: number | bigint): void {
  const db = c.db;
  const store = db.store;
  const meta = db.writeTyped(key, "string");
  let cur: number | bigint = 0;
  if (meta !== null) {
    const v = store.integerValue?.(meta) ?? parseInt64(store.getString(meta));
    if (v === null) fail(NOT_INTEGER);
    cur = v;
  }
  const next = addInt64(cur, delta);
  if (next === null) fail(OVERFLOW);
  if (typeof next === "number" && store.setInteger !== undefined) store.setInteger(key, meta, next);
  else if (meta === null) store.setString(key, int64Bytes(next), 0, false, true);
  else store.replaceString(meta, int64Bytes(next));
  db.modified(key);
  c.server.keyspace.notify("$", "incrby", key, db.index);
  c.out.int(next);
}

function decrby(c: Client, argv: Uint8Array[]): void {
  const v = int64Arg(argv[2]);
  if (v === LLONG_MIN) fail("ERR decrement would overflow");
  incrementBy(c, argv[1], -v);
}

function incrbyfloat(c: Client, argv: Uint8Array[]): void {
  const key = argv[1];
  const db = c.db;
  const meta = db.writeTyped(key, "string");
  const cur = meta === null ? ZERO_LD : parseLongDouble(db.store.getString(meta));
  const incr = cur === null ? null : parseLongDouble(argv[2]);
  if (cur === null || incr === null) fail(NOT_FLOAT);
  const sum = addLongDouble(cur, incr);
  if (sum === null) fail("ERR increment would produce NaN or Infinity");
  const bytes = strToBytes(formatLongDouble(sum));
  // Redis builds the result as plain text (never int-encoded), which OBJECT ENCODING shows.
  if (meta === null) db.store.setString(key, bytes, 0, true);
  else db.store.replaceString(meta, bytes, true);
  db.modified(key);
  c.server.keyspace.notify("$", "incrbyfloat", key, db.index);
  c.out.bulk(bytes);
}

const ZERO_LD = parseLongDouble(Uint8Array.of(48))!;

export const stringCommands: CommandDef[] = [
  { name: "get", summary: "Returns the string value of a key.", run: get },
  { name: "set", summary: "Sets the string value of a key, with optional expiry and conditions.", run: set },
  { name: "setnx", summary: "Sets the string value of a key only when the key doesn't exist.", run: setnx },
  { name: "setex", summary: "Sets the string value and expiration time in seconds of a key.", run: setWithExpire(EX, "setex") },
  { name: "psetex", summary: "Sets the string value and expiration time in milliseconds of a key.", run: setWithExpire(PX, "psetex") },
  { name: "getset", summary: "Returns the previous string value of a key after setting it to a new value.", run: getset },
  { name: "getdel", summary: "Returns the string value of a key after deleting the key.", run: getdel },
  { name: "getex", summary: "Returns the string value of a key after setting its expiration time.", run: getex },
  { name: "mget", summary: "Returns the string values of several keys.", run: mget },
  { name: "mset", summary: "Sets the string values of several keys.", run: (c, a) => msetGeneric(c, a, false) },
  { name: "msetnx", summary: "Sets the string values of several keys only when none of them exist.", run: (c, a) => msetGeneric(c, a, true) },
  { name: "append", summary: "Appends a string to the value of a key; creates the key if needed.", run: append },
  { name: "strlen", summary: "Returns the length of a string value.", run: strlen },
  { name: "getrange", summary: "Returns a substring of the string stored at a key.", run: getrange },
  { name: "substr", summary: "Returns a substring of the string stored at a key (deprecated GETRANGE).", run: getrange },
  { name: "setrange", summary: "Overwrites part of a string value from an offset; creates the key if needed.", run: setrange },
  { name: "incr", summary: "Increments the integer value of a key by one.", run: (c, a) => incrementBy(c, a[1], 1) },
  { name: "decr", summary: "Decrements the integer value of a key by one.", run: (c, a) => incrementBy(c, a[1], -1) },
  { name: "incrby", summary: "Increments the integer value of a key by a number.", run: (c, a) => incrementBy(c, a[1], int64Arg(a[2])) },
  { name: "decrby", summary: "Decrements the integer value of a key by a number.", run: decrby },
  { name: "incrbyfloat", summary: "Increments the floating point value of a key by a number.", run: incrbyfloat },
  lcsCommand,
];
