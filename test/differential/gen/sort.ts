// SORT and SORT_RO over lists, sets and zsets of the shared key space; BY and
// GET patterns point back into it ("k*" turns element 3 into key k3), so
// external weights, hash fields and missing keys all occur.

import type { Family, Gen } from "./gen.ts";

const PATTERNS = ["k*", "k*->f1", "k*->f2", "#", "nokey_*", "k*->", "*", "k"];

function options(g: Gen, readonly: boolean): string[] {
  const opts: string[] = [];
  // BY without '*' keeps the natural order, which for a set is its hash order: never generated.
  const by = g.chance(0.4) ? g.pick(PATTERNS.filter((p) => p.includes("*"))) : null;
  // BY with ALPHA: elements with equal (or missing) sort values keep their load order,
  // which for sets and zsets is hash order (and qsort/pqsort order in Redis): not generated.
  const alpha = by === null && g.chance(0.4);
  if (by !== null) opts.push("BY", by);
  if (alpha) opts.push(g.option("ALPHA"));
  if (g.chance(0.3)) opts.push(g.pick(["ASC", "DESC", "desc"]));
  if (g.chance(0.3)) opts.push(g.option("LIMIT"), g.intArg(-2, 4), g.intArg(-2, 4));
  for (let i = g.int(0, 2); i > 0; i--) opts.push("GET", g.pick(PATTERNS));
  if (!readonly && g.chance(0.2)) opts.push("STORE", g.key());
  if (g.chance(0.05)) opts.push(g.pick(["BOGUS", "LIMIT", "GET", "BY"]));
  return opts;
}

export const sortFamily: Family = {
  name: "sort",
  commands: {
    // Small numbers as elements, so that "k*" patterns name keys of the key space.
    rpush: { weight: 3, gen: (g) => ["RPUSH", g.key(), ...Array.from({ length: g.int(1, 4) }, () => g.pick(["0", "1", "2", "3", "9", "10", "-1", "1.5", "a", "b"]))] },
    set: { weight: 2, gen: (g) => ["SET", g.key(), g.pick(["1", "5", "-2", "0.5", "x", ""])] },
    hset: { gen: (g) => ["HSET", g.key(), g.pick(["f1", "f2"]), g.pick(["1", "7", "z", "-3"])] },
    sort: { weight: 6, gen: (g) => g.arity(["SORT", g.key(), ...options(g, false)]) },
    sort_ro: { weight: 2, gen: (g) => g.arity(["SORT_RO", g.key(), ...options(g, true)]) },
  },
};
