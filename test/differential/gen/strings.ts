// String commands (t_string.c): valid and invalid forms.

import type { Family, Gen } from "./gen.ts";

/** Far-future absolute times, so replies never depend on when the test runs. */
const FUTURE_UNIX_S = "4102444800"; // 2100-01-01
const FUTURE_UNIX_MS = "4102444800000";

/** One expiry option of SET/GETEX, valid or not; past absolute times delete the key. */
function expiry(g: Gen): string[] {
  switch (g.int(0, 5)) {
    case 0:
      return [g.option("EX"), g.ttl("s")];
    case 1:
      return [g.option("PX"), g.ttl("ms")];
    case 2:
      return [g.option("EXAT"), g.pick([FUTURE_UNIX_S, "1", g.ttl("s")])];
    case 3:
      return [g.option("PXAT"), g.pick([FUTURE_UNIX_MS, "1", g.ttl("ms")])];
    case 4:
      return [g.option("KEEPTTL")];
    default:
      return [g.pick(["EX", "PX"])]; // missing value
  }
}

const incrCommand = (name: string) => (g: Gen) => g.arity([name, g.key(), g.intArg(-1000, 1000)]);

export const stringsFamily: Family = {
  name: "strings",
  commands: {
    get: { weight: 4, gen: (g) => g.arity(["GET", g.key()]) },
    set: {
      weight: 4,
      gen: (g) =>
        g.arity(["SET", g.key(), g.value(), ...g.options([() => [g.option("NX")], () => [g.option("XX")], () => [g.option("GET")], () => expiry(g)], 3)]),
    },
    setnx: { gen: (g) => g.arity(["SETNX", g.key(), g.value()]) },
    setex: { gen: (g) => g.arity(["SETEX", g.key(), g.ttl("s"), g.value()]) },
    psetex: { gen: (g) => g.arity(["PSETEX", g.key(), g.ttl("ms"), g.value()]) },
    getset: { gen: (g) => g.arity(["GETSET", g.key(), g.value()]) },
    getdel: { gen: (g) => g.arity(["GETDEL", g.key()]) },
    getex: { gen: (g) => g.arity(["GETEX", g.key(), ...g.options([() => expiry(g), () => [g.option("PERSIST")]], 2)]) },
    append: { weight: 2, gen: (g) => g.arity(["APPEND", g.key(), g.value()]) },
    strlen: { gen: (g) => g.arity(["STRLEN", g.key()]) },
    incr: { weight: 2, gen: (g) => g.arity(["INCR", g.key()]) },
    decr: { gen: (g) => g.arity(["DECR", g.key()]) },
    incrby: { weight: 2, gen: incrCommand("INCRBY") },
    decrby: { gen: incrCommand("DECRBY") },
    incrbyfloat: { gen: (g) => g.arity(["INCRBYFLOAT", g.key(), g.floatArg()]) },
    mget: { gen: (g) => ["MGET", ...g.keyList(5)] },
    mset: { gen: (g) => g.arity(["MSET", ...g.keyList(3).flatMap((k) => [k, g.value()])]) },
    msetnx: { gen: (g) => g.arity(["MSETNX", ...g.keyList(3).flatMap((k) => [k, g.value()])]) },
    setrange: {
      // Offsets stay small or beyond the 512 MB limit: a valid huge offset would allocate it.
      gen: (g) => g.arity(["SETRANGE", g.key(), g.pick([String(g.int(0, 40)), "-1", "536870912", "abc", "9223372036854775807"]), g.value()]),
    },
    getrange: { weight: 2, gen: (g) => g.arity(["GETRANGE", g.key(), g.index(), g.index()]) },
    substr: { gen: (g) => g.arity(["SUBSTR", g.key(), g.index(), g.index()]) },
    lcs: {
      // LCS is O(n·m): mostly on two small dedicated keys that this generator also writes.
      gen: (g) => {
        const operand = () => (g.chance(0.9) ? g.named(g.pick(["lcs1", "lcs2"])) : g.key());
        if (g.chance(0.4)) return ["SET", g.named(g.pick(["lcs1", "lcs2"])), g.pick(["ohmytext", "mynewtext", "abcdefgh", "", "aaaa", g.binary(6)])];
        return g.arity([
          "LCS",
          operand(),
          operand(),
          ...g.options([() => [g.option("LEN")], () => [g.option("IDX")], () => [g.option("MINMATCHLEN"), g.intArg(-2, 5)], () => [g.option("WITHMATCHLEN")]], 3),
        ]);
      },
    },
  },
};
