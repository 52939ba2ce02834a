// Sorted-set commands (t_zset.c): scores with specials and junk, every range
// form (rank, score with exclusive bounds, lex), options in random order.

import type { Reply } from "../resp-client.ts";
import { sortedElements, sortedPairs, type Family, type Gen } from "./gen.ts";

const MEMBERS = ["a", "b", "c", "d", "e", "m1", "m2", "aa", "ab", ""];

/**
 * Members stay within zset-max-listpack-value (64 bytes): a skiplist-encoded
 * zset walked by lex with mixed scores gives answers that depend on Redis's
 * random node levels, which no second implementation can reproduce.
 */
function member(g: Gen): string {
  return g.chance(0.85) ? g.pick(MEMBERS) : g.value().slice(0, 64);
}

/**
 * Lex ranges are only meaningful when all scores are equal (Redis documents
 * them so): lex commands use their own keys, filled by ZADD with score 0.
 */
function lexKey(g: Gen): string {
  return g.named(g.pick(["lex0", "lex1", "lex2"]));
}

function score(g: Gen): string {
  if (g.chance(0.7)) return String(g.int(-5, 5));
  return g.floatArg();
}

function scoreBound(g: Gen): string {
  const r = g.float();
  if (r < 0.5) return (g.chance(0.3) ? "(" : "") + String(g.int(-5, 5));
  if (r < 0.8) return g.pick(["-inf", "+inf", "inf", "(-inf", "(+inf", "(1.5", "2.5"]);
  return g.pick(["abc", "((1", "", "nan", "(", "1e309"]);
}

function lexBound(g: Gen): string {
  const r = g.float();
  if (r < 0.3) return g.pick(["-", "+"]);
  if (r < 0.9) return g.pick(["[", "("]) + g.pick(MEMBERS);
  return g.pick(["a", "", "[", "(", "+a"]);
}

function keysWithCount(g: Gen, max = 3): string[] {
  const keys = g.keyList(max);
  const numkeys = g.chance(0.9) ? String(keys.length) : g.pick(["0", "-1", "9", "abc"]);
  return [numkeys, ...keys];
}

/** Pairs come flat in RESP2 and nested in RESP3; either way only their order is free. */
function sortedEntries(r: Reply): Reply {
  if ((r.t === "array" || r.t === "set") && r.v.every((e) => e.t === "array")) return sortedElements(r);
  return sortedPairs(r);
}

function sortScanPairs(r: Reply): Reply {
  if (r.t !== "array" || r.v.length !== 2) return r;
  return { t: "array", v: [r.v[0], sortedPairs(r.v[1])] };
}

const rangeOpts = (g: Gen): string[] =>
  g.options(
    [
      () => [g.option("WITHSCORES")],
      () => [g.option("LIMIT"), g.intArg(-2, 4), g.intArg(-2, 4)],
      () => [g.option("REV")],
      () => [g.option(g.pick(["BYSCORE", "BYLEX"]))],
    ],
    3,
  );

function zrangeArgs(g: Gen, by: "rank" | "score" | "lex"): string[] {
  const [min, max] = by === "rank" ? [g.index(), g.index()] : by === "score" ? [scoreBound(g), scoreBound(g)] : [lexBound(g), lexBound(g)];
  const opts = rangeOpts(g);
  if (by === "score") opts.unshift("BYSCORE");
  if (by === "lex") opts.unshift("BYLEX");
  return [min, max, ...opts];
}

const combineOpts = (g: Gen, n: number, withScores: boolean): string[] =>
  g.options(
    [
      () => [g.option("WEIGHTS"), ...Array.from({ length: g.chance(0.9) ? n : n + 1 }, () => g.pick(["1", "2", "-1", "0.5", "inf", "abc"]))],
      () => [g.option("AGGREGATE"), g.pick(["SUM", "MIN", "MAX", "min", "avg"])],
      ...(withScores ? [() => [g.option("WITHSCORES")]] : []),
    ],
    2,
  );

function combine(g: Gen, name: string, store: boolean, opts: boolean): string[] {
  const keys = keysWithCount(g);
  const n = keys.length - 1;
  return g.arity([name, ...(store ? [g.key()] : []), ...keys, ...(opts ? combineOpts(g, n, !store) : store ? [] : g.options([() => [g.option("WITHSCORES")]], 1))]);
}

export const zsetsFamily: Family = {
  name: "zsets",
  commands: {
    zadd: {
      weight: 5,
      gen: (g) => {
        const flags = g.options([() => [g.pick(["NX", "XX", "GT", "LT", "CH", "INCR", "nx", "ch"])]], 2);
        const pairs = Array.from({ length: g.chance(0.8) ? g.int(1, 3) : 1 }, () => [score(g), member(g)]).flat();
        return g.arity(["ZADD", g.key(), ...flags, ...pairs]);
      },
    },
    zincrby: { weight: 2, gen: (g) => g.arity(["ZINCRBY", g.key(), score(g), member(g)]) },
    zrem: { weight: 2, gen: (g) => g.arity(["ZREM", g.key(), member(g), ...(g.chance(0.3) ? [member(g)] : [])]) },
    zscore: { gen: (g) => g.arity(["ZSCORE", g.key(), member(g)]) },
    zmscore: { gen: (g) => g.arity(["ZMSCORE", g.key(), member(g), member(g)]) },
    zcard: { gen: (g) => g.arity(["ZCARD", g.key()]) },
    zcount: { gen: (g) => g.arity(["ZCOUNT", g.key(), scoreBound(g), scoreBound(g)]) },
    zlexcount: { gen: (g) => g.arity(["ZLEXCOUNT", lexKey(g), lexBound(g), lexBound(g)]) },
    zrank: { gen: (g) => g.arity(["ZRANK", g.key(), member(g)]) },
    zrevrank: { gen: (g) => g.arity(["ZREVRANK", g.key(), member(g)]) },
    zrange: {
      weight: 4,
      gen: (g) => {
        const by = g.pick(["rank", "score", "lex"] as const);
        return g.arity(["ZRANGE", by === "lex" ? lexKey(g) : g.key(), ...zrangeArgs(g, by)]);
      },
    },
    zrangestore: {
      gen: (g) => {
        const by = g.pick(["rank", "score", "lex"] as const);
        return g.arity(["ZRANGESTORE", g.key(), by === "lex" ? lexKey(g) : g.key(), ...zrangeArgs(g, by)]);
      },
    },
    // Not a command: fills the lex keys (see lexKey). Unprobed because "zadd" is probed above.
    "zadd (lex keys)": { weight: 3, unprobed: true, gen: (g) => ["ZADD", lexKey(g), "0", member(g), "0", member(g)] },
    zrevrange: { gen: (g) => g.arity(["ZREVRANGE", g.key(), g.index(), g.index(), ...g.options([() => [g.option("WITHSCORES")]], 1)]) },
    zrangebyscore: { weight: 2, gen: (g) => g.arity(["ZRANGEBYSCORE", g.key(), scoreBound(g), scoreBound(g), ...rangeOpts(g)]) },
    zrevrangebyscore: { gen: (g) => g.arity(["ZREVRANGEBYSCORE", g.key(), scoreBound(g), scoreBound(g), ...rangeOpts(g)]) },
    zrangebylex: { gen: (g) => g.arity(["ZRANGEBYLEX", lexKey(g), lexBound(g), lexBound(g), ...rangeOpts(g)]) },
    zrevrangebylex: { gen: (g) => g.arity(["ZREVRANGEBYLEX", lexKey(g), lexBound(g), lexBound(g), ...rangeOpts(g)]) },
    zremrangebyrank: { gen: (g) => g.arity(["ZREMRANGEBYRANK", g.key(), g.index(), g.index()]) },
    zremrangebyscore: { gen: (g) => g.arity(["ZREMRANGEBYSCORE", g.key(), scoreBound(g), scoreBound(g)]) },
    zremrangebylex: { gen: (g) => g.arity(["ZREMRANGEBYLEX", lexKey(g), lexBound(g), lexBound(g)]) },
    zpopmin: { gen: (g) => g.arity(["ZPOPMIN", g.key(), ...g.options([() => [g.intArg(-1, 3)]], 1)]) },
    zpopmax: { gen: (g) => g.arity(["ZPOPMAX", g.key(), ...g.options([() => [g.intArg(-1, 3)]], 1)]) },
    zmpop: {
      gen: (g) => g.arity(["ZMPOP", ...keysWithCount(g), g.pick(["MIN", "MAX", "min", "bogus"]), ...g.options([() => [g.option("COUNT"), g.intArg(-1, 3)]], 1)]),
    },
    // No arity variants: without a count the result is random.
    zrandmember: {
      gen: (g) =>
        g.chance(0.5)
          ? ["ZRANDMEMBER", g.key(), "1000", "WITHSCORES"]
          : ["ZRANDMEMBER", g.key(), g.pick(["abc", "0", "-9223372036854775808", "9223372036854775808"]), ...g.options([() => [g.option("WITHSCORES")]], 1)],
      normalize: sortedEntries,
    },
    zunion: { gen: (g) => combine(g, "ZUNION", false, true) },
    zinter: { gen: (g) => combine(g, "ZINTER", false, true) },
    zdiff: { gen: (g) => combine(g, "ZDIFF", false, false) },
    zunionstore: { gen: (g) => combine(g, "ZUNIONSTORE", true, true) },
    zinterstore: { gen: (g) => combine(g, "ZINTERSTORE", true, true) },
    zdiffstore: { gen: (g) => combine(g, "ZDIFFSTORE", true, false) },
    zintercard: { gen: (g) => g.arity(["ZINTERCARD", ...keysWithCount(g), ...g.options([() => [g.option("LIMIT"), g.intArg(-1, 3)]], 1)]) },
    zscan: {
      gen: (g) => ["ZSCAN", g.key(), g.pick(["0", "0", "abc"]), "COUNT", g.pick(["1000", "1000", "0", "abc"]), ...g.options([() => [g.option("COUNT"), g.pick(["1000", "0", "abc"])], () => [g.option("MATCH"), g.pick(["*", "a*", "m?", "["])]], 2)],
      normalize: sortScanPairs,
    },
  },
};
