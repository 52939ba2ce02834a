import { expect, test } from "bun:test";
import fc from "fast-check";
import { bytesToStr, strToBytes } from "../../src/net/bytes.ts";
import { murmur3Bytes, murmur3Latin1 } from "../../src/util/murmur3.ts";

test("MurmurHash3 x86_32 (seed 0) reference values", () => {
  expect(murmur3Bytes(new Uint8Array(0))).toBe(0);
  expect(murmur3Bytes(strToBytes("hello"))).toBe(0x248bfa47);
  expect(murmur3Bytes(strToBytes("The quick brown fox jumps over the lazy dog"))).toBe(0x2e4ff723);
});

test("the latin1 string form and a range of a larger buffer hash like the bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      const h = murmur3Bytes(b);
      expect(murmur3Latin1(bytesToStr(b))).toBe(h);
      expect(murmur3Bytes(new Uint8Array([1, ...b, 2]), 1, 1 + b.length)).toBe(h);
    }),
  );
});
