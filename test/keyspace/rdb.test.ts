import { describe, expect, test } from "bun:test";
import { crc64 } from "../../src/keyspace/crc64.ts";
import { decodeIntset, encodeIntset } from "../../src/keyspace/intset.ts";
import { decodeListpack, encodeListpack } from "../../src/keyspace/listpack.ts";
import { lzfCompress, lzfDecompress } from "../../src/keyspace/lzf.ts";
import { RdbFormatError, RdbReader, RdbWriter } from "../../src/keyspace/rdb.ts";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array) => String.fromCharCode(...b);

let seed = 7;
function random(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
}

describe("crc64 (Jones, as Redis's crc64.c)", () => {
  test("check value (DUMP payloads test it against redis-server too)", () => {
    expect(crc64(bytes("123456789"))).toBe(0xe9c6d914c4b8d9can);
    expect(crc64(new Uint8Array(0))).toBe(0n);
  });
  test("can continue from a previous value", () => {
    const all = bytes("hello world");
    expect(crc64(all.subarray(5), crc64(all.subarray(0, 5)))).toBe(crc64(all));
  });
});

describe("LZF", () => {
  test("round-trips random data with long and short matches", () => {
    for (let round = 0; round < 300; round++) {
      const len = 1 + random(3000);
      const alphabet = 1 + random(20);
      const input = Uint8Array.from({ length: len }, () => random(alphabet));
      const packed = lzfCompress(input, len + 64);
      expect(packed).not.toBeNull();
      expect(lzfDecompress(packed!, len)).toEqual(input);
    }
  });
  test("gives up when the output would not be smaller than asked", () => {
    const noise = Uint8Array.from({ length: 100 }, (_, i) => (i * 151 + 17) % 256);
    expect(lzfCompress(noise, noise.length - 4)).toBeNull();
  });
  test("rejects malformed input instead of reading out of bounds", () => {
    expect(lzfDecompress(Uint8Array.of(0x20, 0x05), 10)).toBeNull(); // back reference before the start
    expect(lzfDecompress(Uint8Array.of(0x05, 1, 2), 6)).toBeNull(); // truncated literal run
    expect(lzfDecompress(Uint8Array.of(0x00, 65), 2)).toBeNull(); // shorter than announced
  });
});

describe("RDB strings", () => {
  const roundTrip = (s: Uint8Array) => {
    const w = new RdbWriter();
    w.string(s);
    const encoded = w.bytes();
    return { encoded, decoded: new RdbReader(encoded).string() };
  };
  test.each([
    ["0", "c000"],
    ["-1", "c0ff"],
    ["127", "c07f"],
    ["128", "c18000"],
    ["-32768", "c10080"],
    ["32768", "c200800000"],
    ["-2147483648", "c200000080"],
    ["2147483648", "0a32313437343833363438"],
    ["007", "03303037"],
    ["-0", "022d30"],
    ["", "00"],
  ])("%j encodes as %s", (value, hex) => {
    const { encoded, decoded } = roundTrip(bytes(value));
    expect(Buffer.from(encoded).toString("hex")).toBe(hex);
    expect(text(decoded)).toBe(value);
  });
  test("lengths use 6, 14, 32 bit forms", () => {
    for (const n of [0, 63, 64, 16383, 16384, 70000]) {
      const w = new RdbWriter();
      w.length(n);
      expect(w.len).toBe(n < 64 ? 1 : n < 16384 ? 2 : 5);
      expect(new RdbReader(w.bytes()).length()).toBe(n);
    }
  });
  test("long compressible strings are LZF-compressed and decode back", () => {
    const s = bytes("abcdefgh".repeat(100));
    const { encoded, decoded } = roundTrip(s);
    expect(encoded[0]).toBe(0xc3);
    expect(encoded.length).toBeLessThan(100);
    expect(decoded).toEqual(s);
  });
  test("truncated data is a format error", () => {
    expect(() => new RdbReader(Uint8Array.of(5, 1, 2)).string()).toThrow(RdbFormatError);
    expect(() => new RdbReader(Uint8Array.of(0xc5)).string()).toThrow(RdbFormatError);
  });
});

describe("listpack and intset blobs", () => {
  test("listpack round-trips strings and every integer width", () => {
    const entries = [
      "", "a", "x".repeat(63), "x".repeat(64), "y".repeat(4095), "z".repeat(5000), "0", "127", "128", "-1", "-4096", "4095",
      "4096", "-32768", "32767", "8388607", "-8388608", "2147483647", "-2147483648", "9223372036854775807",
      "-9223372036854775808", "9223372036854775808", "01", "-0", "+1",
    ].map(bytes);
    const blob = encodeListpack(entries);
    expect(decodeListpack(blob).map(text)).toEqual(entries.map(text));
  });
  test("listpack header and terminator are validated", () => {
    const blob = encodeListpack([bytes("a"), bytes("1")]);
    const badSize = blob.slice();
    badSize[0]++;
    expect(() => decodeListpack(badSize)).toThrow(RdbFormatError);
    const badCount = blob.slice();
    badCount[4] = 3;
    expect(() => decodeListpack(badCount)).toThrow(RdbFormatError);
    expect(() => decodeListpack(blob.subarray(0, 6))).toThrow(RdbFormatError);
  });
  test("intset picks the narrowest width and round-trips sorted", () => {
    expect(new DataView(encodeIntset([1n, -2n]).buffer).getUint32(0, true)).toBe(2);
    expect(new DataView(encodeIntset([1n, 40000n]).buffer).getUint32(0, true)).toBe(4);
    expect(new DataView(encodeIntset([1n, 1n << 40n]).buffer).getUint32(0, true)).toBe(8);
    expect(decodeIntset(encodeIntset([5n, -3n, 1n << 40n]))).toEqual([-3n, 5n, 1n << 40n]);
    expect(() => decodeIntset(Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 0))).toThrow(RdbFormatError);
  });
});
