import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { bytesToStr } from "../../../src/net/bytes.ts";
import { ScanMap, ScanNode } from "../../../src/storage/memory/scan-map.ts";

describe("ScanMap.getBytes", () => {
  test("finds exactly the stored keys, whatever their length and bytes", () => {
    const key = fc.uint8Array({ minLength: 0, maxLength: 40 });
    fc.assert(
      fc.property(fc.uniqueArray(key, { selector: bytesToStr, maxLength: 30 }), fc.array(key, { maxLength: 30 }), (stored, probes) => {
        const map = new ScanMap<ScanNode>();
        for (const k of stored) map.insert(new ScanNode(bytesToStr(k)));
        for (const k of [...stored, ...probes]) {
          expect(map.getBytes(k)?.key).toBe(map.get(bytesToStr(k))?.key);
          // getRange: the same key inside a larger buffer.
          const framed = new Uint8Array([7, ...k, 9]);
          expect(map.getRange(framed, 1, 1 + k.length)).toBe(map.getBytes(k));
        }
      }),
    );
  });

  test("keys sharing a long prefix, or differing only in length or in zero bytes, are distinct", () => {
    const map = new ScanMap<ScanNode>();
    const prefix = "p".repeat(24);
    const keys = ["", "\0", "\0\0", "a", "a\0", prefix, `${prefix}a`, `${prefix}b`, `${prefix}a\0`, "\xff".repeat(6), "\xff".repeat(7)];
    for (const k of keys) map.insert(new ScanNode(k));
    const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
    for (const k of keys) expect(map.getBytes(bytes(k))?.key).toBe(k);
    expect(map.getBytes(bytes(`${prefix}c`))).toBeUndefined();
    expect(map.getBytes(bytes("\0\0\0"))).toBeUndefined();
  });
});
