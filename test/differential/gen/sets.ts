// Set commands (t_set.c). Random-result commands are generated only in forms
// whose result is forced (a count covering the whole set) or is an error.

import type { Reply } from "../resp-client.ts";
import { sortedElements, type Family, type Gen } from "./gen.ts";

const MEMBERS = ["a", "b", "c", "d", "1", "2", "3", "-5", "100", "hello world", ""];

function member(g: Gen): string {
  return g.chance(0.8) ? g.pick(MEMBERS) : g.value();
}

function members(g: Gen, max = 4): string[] {
  return Array.from({ length: g.int(1, max) }, () => member(g));
}

/** SSCAN with a large COUNT returns the whole set: only the order is free. */
function sortScanMembers(r: Reply): Reply {
  if (r.t !== "array" || r.v.length !== 2) return r;
  return { t: "array", v: [r.v[0], sortedElements(r.v[1])] };
}

const GLOBS = ["*", "a*", "?", "[a-c]", "*o*", "1*", "["];

export const setsFamily: Family = {
  name: "sets",
  commands: {
    sadd: { weight: 4, gen: (g) => g.arity(["SADD", g.key(), ...members(g)]) },
    srem: { weight: 2, gen: (g) => g.arity(["SREM", g.key(), ...members(g)]) },
    smove: { gen: (g) => g.arity(["SMOVE", g.key(), g.key(), member(g)]) },
    sismember: { gen: (g) => g.arity(["SISMEMBER", g.key(), member(g)]) },
    smismember: { gen: (g) => g.arity(["SMISMEMBER", g.key(), ...members(g)]) },
    scard: { gen: (g) => g.arity(["SCARD", g.key()]) },
    smembers: { weight: 2, gen: (g) => g.arity(["SMEMBERS", g.key()]), normalize: sortedElements },
    // No arity variants here: without a count the result is random.
    spop: { gen: (g) => ["SPOP", g.key(), g.pick(["1000", "-1", "abc", "0", "9223372036854775807"])], normalize: sortedElements },
    srandmember: { gen: (g) => ["SRANDMEMBER", g.key(), g.pick(["1000", "abc", "0", "-9223372036854775808"])], normalize: sortedElements },
    sunion: { gen: (g) => g.arity(["SUNION", ...g.keyList(3)]), normalize: sortedElements },
    sinter: { gen: (g) => g.arity(["SINTER", ...g.keyList(3)]), normalize: sortedElements },
    sdiff: { gen: (g) => g.arity(["SDIFF", ...g.keyList(3)]), normalize: sortedElements },
    sunionstore: { gen: (g) => g.arity(["SUNIONSTORE", g.key(), ...g.keyList(3)]) },
    sinterstore: { gen: (g) => g.arity(["SINTERSTORE", g.key(), ...g.keyList(3)]) },
    sdiffstore: { gen: (g) => g.arity(["SDIFFSTORE", g.key(), ...g.keyList(3)]) },
    sintercard: {
      gen: (g) => {
        const keys = g.keyList(3);
        const numkeys = g.chance(0.85) ? String(keys.length) : g.pick(["0", "-1", "5", "abc"]);
        return g.arity(["SINTERCARD", numkeys, ...keys, ...g.options([() => [g.option("LIMIT"), g.pick(["0", "1", "2", "-1", "abc"])]], 1)]);
      },
    },
    // A large COUNT first, so a whole hashtable-encoded set comes back in one call:
    // which members a partial scan returns depends on the hash function.
    sscan: {
      gen: (g) => [
        "SSCAN",
        g.key(),
        g.pick(["0", "0", "0", "abc"]),
        "COUNT",
        g.pick(["1000", "1000", "1000", "0", "-1", "abc"]),
        ...g.options([() => [g.option("COUNT"), g.pick(["1000", "0", "abc"])], () => [g.option("MATCH"), g.pick(GLOBS)]], 2),
      ],
      normalize: sortScanMembers,
    },
  },
};
