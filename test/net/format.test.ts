// strtod/parseDouble: the fast path for plain decimals ([+-]digits[.digits], up
// to 15 digits) gives exactly the value of the general parser (Number()).

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseDouble, strtod } from "../../src/net/format.ts";

const bytes = (s: string) => Buffer.from(s, "latin1");

describe("strtod fast path", () => {
  test("plain decimals parse to the correctly rounded value", () => {
    const decimal = fc
      .tuple(fc.constantFrom("", "-", "+"), fc.stringMatching(/^[0-9]{0,10}$/), fc.constantFrom("", "."), fc.stringMatching(/^[0-9]{0,9}$/))
      .filter(([, int, , frac]) => int.length + frac.length > 0);
    fc.assert(
      fc.property(decimal, ([sign, int, dot, frac]) => {
        const s = sign + int + dot + frac;
        expect(Object.is(strtod(bytes(s))?.value, Number(s))).toBe(true);
        expect(Object.is(parseDouble(bytes(s)), Number(s))).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });

  test("other forms still take the general path", () => {
    expect(parseDouble(bytes("-0"))).toBe(-0);
    expect(parseDouble(bytes("1e3"))).toBe(1000);
    expect(parseDouble(bytes("0x10"))).toBe(16);
    expect(parseDouble(bytes("-inf"))).toBe(-Infinity);
    expect(parseDouble(bytes("1234567890.1234567"))).toBe(1234567890.1234567);
    for (const bad of ["", ".", "-", "1.2.3", " 1", "1 ", "nan", "1e999"]) expect(parseDouble(bytes(bad))).toBeNull();
  });
});
