// Generic key commands (db.c, expire.c): existence, type, rename/copy/move,
// expiry in all its forms, KEYS/SCAN, DBSIZE and flushing.

import type { Reply } from "../resp-client.ts";
import { sortedElements, withinTolerance, type Family, type Gen } from "./gen.ts";

const FUTURE_UNIX_S = "4102444800"; // 2100-01-01: replies don't depend on when the test runs
const FUTURE_UNIX_MS = "4102444800000";

/** An absolute expiry: far future, past (deletes the key), or edge. */
function absolute(g: Gen, unitMs: number): string {
  return g.pick([unitMs === 1 ? FUTURE_UNIX_MS : FUTURE_UNIX_S, String(Number(unitMs === 1 ? FUTURE_UNIX_MS : FUTURE_UNIX_S) + g.int(1, 1000)), "1", "0", "-5", "abc", "9223372036854775807"]);
}

const expireFlag = (g: Gen): string[] => g.options([() => [g.pick(["NX", "XX", "GT", "LT", "nx", "gt", "BOGUS"])]], 2);

/** DUMP of the string "hello" by redis-server 7.0.15 (RDB version 10). */
const STRING_DUMP = "\x00\x05hello\x0a\x00\x63\x72\xdf\x76\x65\x34\x20\x0a";

const GLOBS = ["*", "k*", "k?", "k[0-4]", "k[^0-4]", "*1*", "k\\1", "[", "k[a-", "nomatch", "s*", "*k*"];

/** SCAN with a large COUNT finishes a small keyspace in one call; only the order of keys is free. */
function sortScanKeys(r: Reply): Reply {
  if (r.t !== "array" || r.v.length !== 2) return r;
  return { t: "array", v: [r.v[0], sortedElements(r.v[1])] };
}

/**
 * RDB types whose DUMP lists elements in an order Redis does not define: hash-table
 * order (RDB_TYPE_SET, RDB_TYPE_HASH) and a small hash's field order
 * (RDB_TYPE_HASH_LISTPACK: insertion order in Redis, byte order on the lsm
 * engine). Only type and size are comparable.
 */
const HASH_TABLE_RDB_TYPES = new Set([2, 4, 16]);

function hashTableDump(r: Reply): Reply {
  if (r.t !== "bulk" || !HASH_TABLE_RDB_TYPES.has(r.v.charCodeAt(0))) return r;
  return { t: "bulk", v: `<rdb type ${r.v.charCodeAt(0)} in hash-table order, ${r.v.length} bytes>` };
}

export const keysFamily: Family = {
  name: "keys",
  commands: {
    del: { weight: 2, gen: (g) => ["DEL", ...g.keyList(3)] },
    unlink: { gen: (g) => ["UNLINK", ...g.keyList(3)] },
    exists: { weight: 2, gen: (g) => ["EXISTS", ...g.keyList(4)] },
    touch: { gen: (g) => ["TOUCH", ...g.keyList(3)] },
    type: { weight: 2, gen: (g) => g.arity(["TYPE", g.key()]) },
    rename: { gen: (g) => g.arity(["RENAME", g.key(), g.key()]) },
    renamenx: { gen: (g) => g.arity(["RENAMENX", g.key(), g.key()]) },
    copy: {
      gen: (g) => g.arity(["COPY", g.key(), g.key(), ...g.options([() => [g.option("REPLACE")], () => [g.option("DB"), g.pick(["0", "1", "16", "-1", "abc"])]], 2)]),
    },
    move: { gen: (g) => g.arity(["MOVE", g.key(), g.pick(["0", "1", "2", "15", "16", "-1", "abc"])]) },
    expire: { weight: 2, gen: (g) => g.arity(["EXPIRE", g.key(), g.ttl("s"), ...expireFlag(g)]) },
    pexpire: { gen: (g) => g.arity(["PEXPIRE", g.key(), g.ttl("ms"), ...expireFlag(g)]) },
    expireat: { gen: (g) => g.arity(["EXPIREAT", g.key(), absolute(g, 1000), ...expireFlag(g)]) },
    pexpireat: { gen: (g) => g.arity(["PEXPIREAT", g.key(), absolute(g, 1), ...expireFlag(g)]) },
    // Relative expiries make these depend on the instant each server ran the command.
    ttl: { weight: 2, gen: (g) => g.arity(["TTL", g.key()]), equal: withinTolerance(1) },
    pttl: { gen: (g) => g.arity(["PTTL", g.key()]), equal: withinTolerance(1500) },
    expiretime: { gen: (g) => g.arity(["EXPIRETIME", g.key()]), equal: withinTolerance(1) },
    pexpiretime: { gen: (g) => g.arity(["PEXPIRETIME", g.key()]), equal: withinTolerance(1500) },
    persist: { gen: (g) => g.arity(["PERSIST", g.key()]) },
    keys: { gen: (g) => g.arity(["KEYS", g.pick(GLOBS)]), normalize: sortedElements },
    scan: {
      gen: (g) =>
        g.arity([
          "SCAN",
          g.pick(["0", "0", "0", "abc"]),
          "COUNT",
          g.pick(["1000", "1000", "0", "-1", "abc"]),
          ...g.options([() => [g.option("MATCH"), g.pick(GLOBS)], () => [g.option("TYPE"), g.pick(["string", "list", "hash", "set", "zset", "none", "bogus"])]], 2),
        ]),
      normalize: sortScanKeys,
    },
    "object|encoding": { gen: (g) => g.arity(["OBJECT", "ENCODING", g.key()]) },
    dump: { gen: (g) => g.arity(["DUMP", g.key()]), normalize: hashTableDump },
    restore: {
      // Payloads AiKv and Redis must both reject or accept: a valid string payload, corrupt ones, bad options.
      gen: (g) =>
        g.arity([
          "RESTORE",
          g.key(),
          g.pick(["0", "0", "-1", "abc", String(g.int(1000, 100000) * 1000)]),
          g.pick([STRING_DUMP, STRING_DUMP, STRING_DUMP.slice(0, -1) + "x", "garbage", ""]),
          ...g.options([() => [g.option("REPLACE")], () => [g.option("ABSTTL")], () => [g.option("IDLETIME"), g.intArg(-5, 100)], () => [g.option("FREQ"), g.intArg(-5, 300)]], 2),
        ]),
    },
    dbsize: { gen: (g) => g.arity(["DBSIZE"]) },
    flushdb: { weight: 0.05, gen: (g) => g.arity(["FLUSHDB", ...g.options([() => [g.pick(["SYNC", "ASYNC", "bogus"])]], 1)]) },
    flushall: { weight: 0.05, gen: (g) => g.arity(["FLUSHALL", ...g.options([() => [g.pick(["SYNC", "ASYNC", "bogus"])]], 1)]) },
    select: { weight: 0.3, gen: (g) => ["SELECT", g.pick(["0", "0", "0", "1", "2"])] },
  },
};
