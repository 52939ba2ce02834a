// Bitmap commands (bitops.c). Offsets stay small or invalid: a valid huge
// offset would make both servers allocate up to 512 MB.

import type { Family, Gen } from "./gen.ts";

const offset = (g: Gen): string => g.pick([String(g.int(0, 100)), String(g.int(0, 100)), "-1", "abc", "4294967296", "1.5", ""]);

/** BITFIELD types: valid ones and the invalid edges (u64, i65, no width...). */
const fieldType = (g: Gen): string => g.pick(["u1", "i1", "u4", "i8", "u8", "i16", "u32", "i63", "u63", "i64", "u64", "i65", "u0", "x8", "", "i"]);

/** BITFIELD offsets: plain bit offsets and "#n" multiples of the type width. */
const fieldOffset = (g: Gen): string => g.pick([String(g.int(0, 64)), `#${g.int(0, 8)}`, "-1", "#-1", "abc", "#"]);

function bitfieldOps(g: Gen, readOnly: boolean): string[] {
  const ops: (() => string[])[] = [() => [g.option("GET"), fieldType(g), fieldOffset(g)]];
  if (!readOnly) {
    ops.push(
      () => [g.option("SET"), fieldType(g), fieldOffset(g), g.intArg(-300, 300)],
      () => [g.option("INCRBY"), fieldType(g), fieldOffset(g), g.intArg(-300, 300)],
      () => [g.option("OVERFLOW"), g.pick(["WRAP", "SAT", "FAIL", "wrap", "BOGUS"])],
    );
  }
  return g.options(ops, 4);
}

const rangeUnit = (g: Gen): string[] => g.options([() => [g.pick(["BYTE", "BIT", "byte", "bit", "BOGUS"])]], 1);

export const bitmapsFamily: Family = {
  name: "bitmaps",
  commands: {
    setbit: { weight: 3, gen: (g) => g.arity(["SETBIT", g.key(), offset(g), g.pick(["0", "1", "1", "2", "-1", "abc"])]) },
    getbit: { weight: 2, gen: (g) => g.arity(["GETBIT", g.key(), offset(g)]) },
    bitcount: {
      weight: 2,
      gen: (g) => ["BITCOUNT", g.key(), ...(g.chance(0.3) ? [] : g.chance(0.1) ? [g.index()] : [g.index(), g.index(), ...rangeUnit(g)])],
    },
    bitpos: {
      weight: 2,
      gen: (g) => {
        const args = ["BITPOS", g.key(), g.pick(["0", "1", "1", "2", "-1", "abc"])];
        const n = g.int(0, 3);
        if (n >= 1) args.push(g.index());
        if (n >= 2) args.push(g.index());
        if (n >= 3) args.push(...rangeUnit(g));
        return g.arity(args);
      },
    },
    bitop: {
      gen: (g) => {
        const op = g.pick(["AND", "OR", "XOR", "NOT", "and", "BOGUS"]);
        const sources = op.toUpperCase() === "NOT" && g.chance(0.7) ? [g.key()] : g.keyList(3);
        return g.arity(["BITOP", op, g.key(), ...sources]);
      },
    },
    bitfield: { weight: 2, gen: (g) => ["BITFIELD", g.key(), ...bitfieldOps(g, false)] },
    bitfield_ro: { gen: (g) => ["BITFIELD_RO", g.key(), ...bitfieldOps(g, g.chance(0.9))] },
  },
};
