// List positions and collection sizes in metadata records: their bytes and
// values at the int32 and uint32 boundaries, where the encoders and
// getPosition switch between int32 and double arithmetic.

import { describe, expect, test } from "bun:test";
import { decodeListHead, decodeListTail, decodeSize, encodeListMeta, positionBytes, rewriteListMeta } from "../../../src/storage/lsm-engine/encoding.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A position's bytes: big-endian position + 2^63 (sorts like the positions). */
function expectedBytes(p: number): string {
  return (BigInt(p) + 2n ** 63n).toString(16).padStart(16, "0");
}

const POSITIONS = [0, 1, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), 2 ** 40 + 7, -(2 ** 40) - 7, 2 ** 53 - 1, -(2 ** 53) + 1];
const SIZES = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, 2 ** 53 - 1];

describe("lsm engine list positions", () => {
  test("bytes and round trip at the int32 and uint32 boundaries", () => {
    for (const p of POSITIONS) {
      expect(hex(positionBytes(p))).toBe(expectedBytes(p));
      const raw = encodeListMeta(0, 0, 1, 3, p, -p);
      expect(decodeListHead(raw)).toBe(p);
      expect(decodeListTail(raw)).toBe(p === 0 ? 0 : -p);
    }
  }, 60_000);

  test("rewriteListMeta writes the sizes and ends encodeListMeta would", () => {
    for (const size of SIZES) {
      for (const p of POSITIONS) {
        const raw = encodeListMeta(0, 0, 1, 0, 0, 0);
        rewriteListMeta(raw, size, p, p + 1);
        expect(hex(raw)).toBe(hex(encodeListMeta(0, 0, 1, size, p, p + 1)));
        expect(decodeSize(raw)).toBe(size);
        expect(decodeListHead(raw)).toBe(p);
      }
    }
  }, 60_000);
});
