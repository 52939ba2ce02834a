// Hash commands (t_hash.c). HRANDFIELD is generated only where its result is
// forced (a count covering the whole hash, 0, or an error); HSCAN with a count
// large enough to return the whole hash; whole-hash replies are compared
// order-free.

import type { Reply } from "../resp-client.ts";
import { sortedElements, sortedPairs, type Family, type Gen } from "./gen.ts";

const FIELDS = ["f1", "f2", "f3", "a", "b", "1", "hello world", ""];

function field(g: Gen): string {
  return g.chance(0.85) ? g.pick(FIELDS) : g.value();
}

function fieldValues(g: Gen, max = 3): string[] {
  const out: string[] = [];
  for (let i = g.int(1, max); i > 0; i--) out.push(field(g), g.value());
  return out;
}

/** A value HINCRBY/HINCRBYFLOAT can work with, or not. */
function number(g: Gen): string {
  return g.chance(0.7) ? String(g.int(-100, 100)) : g.value();
}

/** HSCAN/HRANDFIELD replies with a whole hash: only the order is free. */
function sortScanPairs(r: Reply): Reply {
  if (r.t !== "array" || r.v.length !== 2) return r;
  return { t: "array", v: [r.v[0], sortedPairs(r.v[1])] };
}

/** HRANDFIELD count WITHVALUES: RESP2 flat pairs, RESP3 nested [field, value] arrays. */
function sortRandPairs(r: Reply): Reply {
  if (r.t === "array" && r.v.every((e) => e.t === "array")) return sortedElements(r);
  return sortedPairs(r);
}

/** Counts whose HRANDFIELD result is forced: the whole hash, nothing, or an error. */
function randCount(g: Gen): string {
  return g.pick(["1000", "0", "abc", "-9223372036854775808", "9223372036854775807", "4611686018427387904"]);
}

const GLOBS = ["*", "f*", "?", "[a-f]*", "*o*", "1*", "["];

export const hashesFamily: Family = {
  name: "hashes",
  commands: {
    hset: { weight: 5, gen: (g) => g.arity(["HSET", g.key(), ...fieldValues(g)]) },
    hmset: { gen: (g) => g.arity(["HMSET", g.key(), ...fieldValues(g)]) },
    hsetnx: { gen: (g) => g.arity(["HSETNX", g.key(), field(g), g.value()]) },
    hget: { weight: 3, gen: (g) => g.arity(["HGET", g.key(), field(g)]) },
    hmget: { gen: (g) => g.arity(["HMGET", g.key(), field(g), field(g), field(g)]) },
    hdel: { weight: 2, gen: (g) => g.arity(["HDEL", g.key(), field(g), ...(g.chance(0.4) ? [field(g)] : [])]) },
    hexists: { gen: (g) => g.arity(["HEXISTS", g.key(), field(g)]) },
    hlen: { gen: (g) => g.arity(["HLEN", g.key()]) },
    hstrlen: { gen: (g) => g.arity(["HSTRLEN", g.key(), field(g)]) },
    hkeys: { gen: (g) => g.arity(["HKEYS", g.key()]), normalize: sortedElements },
    hvals: { gen: (g) => g.arity(["HVALS", g.key()]), normalize: sortedElements },
    hgetall: { weight: 2, gen: (g) => g.arity(["HGETALL", g.key()]), normalize: sortedPairs },
    hincrby: { weight: 2, gen: (g) => g.arity(["HINCRBY", g.key(), field(g), g.chance(0.8) ? number(g) : g.intArg()]) },
    hincrbyfloat: { weight: 2, gen: (g) => g.arity(["HINCRBYFLOAT", g.key(), field(g), g.floatArg()]) },
    hrandfield: { gen: (g) => ["HRANDFIELD", g.key(), randCount(g)], normalize: sortedElements },
    // Its own entry: the reply shape (pairs) needs its own normalizer.
    hrandfield_withvalues: { unprobed: true, gen: (g) => ["HRANDFIELD", g.key(), randCount(g), g.option("WITHVALUES")], normalize: sortRandPairs },
    hscan: {
      gen: (g) => [
        "HSCAN",
        g.key(),
        g.pick(["0", "0", "0", "abc"]),
        "COUNT",
        g.pick(["1000", "1000", "1000", "0", "-1", "abc"]),
        ...g.options([() => [g.option("COUNT"), g.pick(["1000", "0", "abc"])], () => [g.option("MATCH"), g.pick(GLOBS)]], 2),
      ],
      normalize: sortScanPairs,
    },
  },
};
