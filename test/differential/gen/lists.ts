// List commands (t_list.c). Blocking forms are generated with short or
// invalid timeouts only, so a wait on an empty list ends quickly on both
// servers with the same (timeout) reply.

import type { Family, Gen } from "./gen.ts";

const ELEMENTS = ["a", "b", "c", "a", "1", "2", "-1", "hello world", ""];

function element(g: Gen): string {
  return g.chance(0.8) ? g.pick(ELEMENTS) : g.value();
}

function elements(g: Gen, max = 4): string[] {
  return Array.from({ length: g.int(1, max) }, () => element(g));
}

function side(g: Gen): string {
  return g.chance(0.95) ? g.option(g.pick(["LEFT", "RIGHT"])) : g.pick(["UP", "", "left "]);
}

/** A blocking timeout: mostly tiny, sometimes invalid. Never 0 (that would wait forever). */
function timeout(g: Gen): string {
  return g.pick(["0.01", "0.01", "0.001", "-1", "abc", "-0.5", "inf", "1e400", "nan", ""]);
}

/** `numkeys key... LEFT|RIGHT [COUNT n]` of LMPOP/BLMPOP, sometimes malformed. */
function mpopArgs(g: Gen): string[] {
  const keys = g.keyList(3);
  const numkeys = g.chance(0.85) ? String(keys.length) : g.pick(["0", "-1", "5", "abc", "9223372036854775807"]);
  const count = g.options([() => [g.option("COUNT"), g.pick(["1", "2", "5", "0", "-1", "abc", "9223372036854775807"])]], 2);
  return [numkeys, ...keys, side(g), ...count];
}

export const listsFamily: Family = {
  name: "lists",
  commands: {
    lpush: { weight: 4, gen: (g) => g.arity(["LPUSH", g.key(), ...elements(g)]) },
    rpush: { weight: 4, gen: (g) => g.arity(["RPUSH", g.key(), ...elements(g)]) },
    lpushx: { gen: (g) => g.arity(["LPUSHX", g.key(), ...elements(g)]) },
    rpushx: { gen: (g) => g.arity(["RPUSHX", g.key(), ...elements(g)]) },
    lpop: { weight: 2, gen: (g) => g.arity(["LPOP", g.key(), ...(g.chance(0.5) ? [g.intArg(-2, 5)] : [])]) },
    rpop: { weight: 2, gen: (g) => g.arity(["RPOP", g.key(), ...(g.chance(0.5) ? [g.intArg(-2, 5)] : [])]) },
    llen: { gen: (g) => g.arity(["LLEN", g.key()]) },
    lrange: { weight: 3, gen: (g) => g.arity(["LRANGE", g.key(), g.index(), g.index()]) },
    lindex: { weight: 2, gen: (g) => g.arity(["LINDEX", g.key(), g.index()]) },
    lset: { gen: (g) => g.arity(["LSET", g.key(), g.index(), element(g)]) },
    lrem: { gen: (g) => g.arity(["LREM", g.key(), g.intArg(-3, 3), element(g)]) },
    ltrim: { gen: (g) => g.arity(["LTRIM", g.key(), g.index(), g.index()]) },
    linsert: {
      gen: (g) => g.arity(["LINSERT", g.key(), g.chance(0.9) ? g.option(g.pick(["BEFORE", "AFTER"])) : "MIDDLE", element(g), element(g)]),
    },
    lpos: {
      weight: 2,
      gen: (g) =>
        g.arity([
          "LPOS",
          g.key(),
          element(g),
          ...g.options(
            [
              () => [g.option("RANK"), g.pick(["1", "2", "-1", "-2", "0", "abc", "-9223372036854775808", "9223372036854775807"])],
              () => [g.option("COUNT"), g.pick(["0", "1", "2", "-1", "abc"])],
              () => [g.option("MAXLEN"), g.pick(["0", "1", "3", "-1", "abc"])],
            ],
            3,
          ),
        ]),
    },
    lmove: { weight: 2, gen: (g) => g.arity(["LMOVE", g.key(), g.key(), side(g), side(g)]) },
    rpoplpush: { gen: (g) => g.arity(["RPOPLPUSH", g.key(), g.key()]) },
    lmpop: { weight: 2, gen: (g) => g.arity(["LMPOP", ...mpopArgs(g)]) },
    blpop: { weight: 0.3, gen: (g) => g.arity(["BLPOP", ...g.keyList(3), timeout(g)]) },
    brpop: { weight: 0.3, gen: (g) => g.arity(["BRPOP", ...g.keyList(3), timeout(g)]) },
    blmove: { weight: 0.3, gen: (g) => g.arity(["BLMOVE", g.key(), g.key(), side(g), side(g), timeout(g)]) },
    brpoplpush: { weight: 0.2, gen: (g) => g.arity(["BRPOPLPUSH", g.key(), g.key(), timeout(g)]) },
    blmpop: { weight: 0.3, gen: (g) => g.arity(["BLMPOP", timeout(g), ...mpopArgs(g)]) },
  },
};
