import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { bytesToStr } from "../../../src/net/bytes.ts";
import { keyHash, ScanMap, type ScanNode, StringKeyNode, WordKeyNode } from "../../../src/storage/memory/scan-map.ts";

describe("ScanMap.getBytes", () => {
  test("finds exactly the stored keys, whatever their length and bytes, in nodes with key words (from strings or bytes) or without", () => {
    const key = fc.uint8Array({ minLength: 0, maxLength: 40 });
    const node = fc.constantFrom(
      (k: Uint8Array) => new StringKeyNode(bytesToStr(k)),
      (k: Uint8Array) => new WordKeyNode(bytesToStr(k)),
      (k: Uint8Array) => new WordKeyNode(k),
    );
    fc.assert(
      fc.property(fc.uniqueArray(key, { selector: bytesToStr, maxLength: 30 }), fc.array(key, { maxLength: 30 }), node, (stored, probes, make) => {
        const map = new ScanMap<ScanNode>();
        for (const k of stored) map.insert(make(k));
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
    for (const k of keys) map.insert(new StringKeyNode(k));
    const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
    for (const k of keys) expect(map.getBytes(bytes(k))?.key).toBe(k);
    expect(map.getBytes(bytes(`${prefix}c`))).toBeUndefined();
    expect(map.getBytes(bytes("\0\0\0"))).toBeUndefined();
  });

  test("keys of 1 to 30 bytes that differ in one byte, at every position, are distinct (by key words or by string)", () => {
    for (const byString of [false, true]) {
      for (let len = 1; len <= 30; len++) {
        const map = new ScanMap<ScanNode>();
        const base = "\xff".repeat(len);
        const keys = [base, ...Array.from({ length: len }, (_, i) => `${base.slice(0, i)}\x7f${base.slice(i + 1)}`)];
        for (const k of keys) map.insert(byString ? new StringKeyNode(k) : new WordKeyNode(k));
        for (const k of keys) expect(map.getBytes(Uint8Array.from(k, (c) => c.charCodeAt(0)))?.key).toBe(k);
        expect(map.getBytes(new Uint8Array(len))).toBeUndefined();
        expect(map.getBytes(new Uint8Array(len + 1).fill(0xff))).toBeUndefined();
      }
    }
  });
});

describe("ScanMap iteration order", () => {
  test("follows insertion order through deletes, replaces, growth and shrinking, like a JS Map (model check)", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("insert" as const), key: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ kind: fc.constant("delete" as const), key: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ kind: fc.constant("replace" as const), key: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ kind: fc.constant("deleteRandom" as const), key: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const map = new ScanMap<ScanNode>();
        const model = new Map<string, ScanNode>();
        for (const { kind, key } of ops) {
          const k = `k${key}`;
          if (kind === "insert" && !model.has(k)) {
            const n = new StringKeyNode(k);
            map.insert(n);
            model.set(k, n);
          } else if (kind === "delete") {
            expect(map.delete(k)).toBe(model.get(k));
            model.delete(k);
          } else if (kind === "replace") {
            const n = new StringKeyNode(k);
            map.replace(n);
            model.set(k, n);
          } else if (kind === "deleteRandom" && model.size > 0) {
            const n = map.randomNode()!;
            expect(model.get(n.key)).toBe(n);
            map.deleteNode(n);
            model.delete(n.key);
          }
          expect(map.size).toBe(model.size);
        }
        expect([...map.values()]).toEqual([...model.values()]);
        for (const [k, n] of model) expect(map.get(k)).toBe(n);
      }),
    );
  });

  test("deleting the node just returned while iterating visits every other node once", () => {
    const map = new ScanMap<ScanNode>();
    for (let i = 0; i < 100; i++) map.insert(new StringKeyNode(`m${i}`));
    const seen: string[] = [];
    for (const n of map.values()) {
      seen.push(n.key);
      if (Number(n.key.slice(1)) % 3 === 0) map.delete(n.key);
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
    expect(map.size).toBe(66);
    expect([...map.values()].map((n) => n.key)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`).filter((_, i) => i % 3 !== 0));
  });

  test("a duplicate insert is refused", () => {
    const map = new ScanMap<ScanNode>();
    map.insert(new StringKeyNode("a"));
    expect(() => map.insert(new StringKeyNode("a"))).toThrow();
  });
});

describe("ScanMap lookups after a prefetch (hints)", () => {
  /** The keys as ranges of one buffer, as the look ahead hands them to prefetch. */
  function framed(keys: string[]): { buf: Uint8Array; starts: number[]; ends: number[] } {
    const buf = Uint8Array.from(`|${keys.join("|")}|`, (c) => c.charCodeAt(0));
    const starts: number[] = [];
    const ends: number[] = [];
    let at = 1;
    for (const k of keys) {
      starts.push(at);
      ends.push(at + k.length);
      at += k.length + 1;
    }
    return { buf, starts, ends };
  }
  const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const touchNothing = () => 0;

  test("find what a map without prefetch finds, through inserts, deletes, replaces and clears between prefetch and lookups (model check)", () => {
    const key = fc.integer({ min: 0, max: 40 }).map((i) => `k${i}`);
    const op = fc.oneof(
      fc.record({ kind: fc.constant("prefetch" as const), keys: fc.array(key, { minLength: 1, maxLength: 16 }) }),
      fc.record({ kind: fc.constant("lookup" as const), keys: fc.array(key, { minLength: 1, maxLength: 4 }) }),
      fc.record({ kind: fc.constant("insert" as const), keys: fc.tuple(key) }),
      fc.record({ kind: fc.constant("delete" as const), keys: fc.tuple(key) }),
      fc.record({ kind: fc.constant("replace" as const), keys: fc.tuple(key) }),
      fc.record({ kind: fc.constant("clear" as const), keys: fc.constant([]) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const map = new ScanMap<ScanNode>();
        const model = new Map<string, ScanNode>();
        for (const { kind, keys } of ops) {
          if (kind === "prefetch") {
            const f = framed(keys);
            map.prefetch(f.buf, f.starts, f.ends, keys.length, touchNothing);
          } else if (kind === "lookup") {
            for (const k of keys) expect(map.getBytes(bytes(k))).toBe(model.get(k));
          } else if (kind === "insert") {
            const b = bytes(keys[0]);
            // As the set and hash ops insert: by the hash code of the lookup that found nothing.
            if (map.hinted(b, 0, b.length) === undefined && map.getHashed(b, 0, b.length, keyHash(b, 0, b.length)) === undefined) {
              const n = new StringKeyNode(keys[0]);
              map.insertHashed(n, keyHash(b, 0, b.length));
              model.set(keys[0], n);
            }
          } else if (kind === "delete") {
            expect(map.delete(keys[0])).toBe(model.get(keys[0]));
            model.delete(keys[0]);
          } else if (kind === "replace") {
            const n = new StringKeyNode(keys[0]);
            map.replace(n);
            model.set(keys[0], n);
          } else {
            map.clear();
            model.clear();
          }
        }
        for (const [k, n] of model) expect(map.get(k)).toBe(n);
      }),
    );
  });

  test("a lookup in the prefetch's order takes its hint; one of another key, or of a key the prefetch found missing, does not", () => {
    const map = new ScanMap<ScanNode>();
    for (const k of ["a", "b", "c"]) map.insert(new StringKeyNode(k));
    const f = framed(["a", "zz", "b", "c"]);
    map.prefetch(f.buf, f.starts, f.ends, 4, touchNothing);
    expect(map.hinted(bytes("a"), 0, 1)?.key).toBe("a");
    // Again (a command looking its key up twice): the hint before.
    expect(map.hinted(bytes("a"), 0, 1)?.key).toBe("a");
    expect(map.hinted(bytes("zz"), 0, 2)).toBeUndefined();
    // Another key than the hint's: not known, and the next lookup still wants "b".
    expect(map.hinted(bytes("c"), 0, 1)).toBeUndefined();
    expect(map.hinted(bytes("b"), 0, 1)?.key).toBe("b");
    expect(map.hinted(bytes("c"), 0, 1)?.key).toBe("c");
    expect(map.hinted(bytes("a"), 0, 1)).toBeUndefined();
    expect(map.getBytes(bytes("a"))?.key).toBe("a");
  });

  test("a removal drops the hints: a deleted node is never returned", () => {
    const map = new ScanMap<ScanNode>();
    for (const k of ["a", "b"]) map.insert(new StringKeyNode(k));
    const f = framed(["a", "b"]);
    map.prefetch(f.buf, f.starts, f.ends, 2, touchNothing);
    map.delete("b");
    expect(map.hinted(bytes("a"), 0, 1)).toBeUndefined();
    expect(map.getBytes(bytes("b"))).toBeUndefined();
    expect(map.getBytes(bytes("a"))?.key).toBe("a");
  });
});

describe("WordKeyNode made from bytes", () => {
  test("has the key, bytes and length of a node made from the string, and is found by either (model check)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (b) => {
        const fromBytes = new WordKeyNode(b);
        const fromString = new WordKeyNode(bytesToStr(b));
        expect(fromBytes.keyBytes()).toEqual(b);
        expect(fromBytes.keyLength).toBe(b.length);
        expect(fromBytes.key).toBe(bytesToStr(b));
        expect(fromString.keyBytes()).toEqual(b);
        const map = new ScanMap<ScanNode>();
        map.insertHashed(new WordKeyNode(b), keyHash(b, 0, b.length));
        expect(map.get(bytesToStr(b))?.keyBytes()).toEqual(b);
        expect(map.getBytes(b)?.key).toBe(bytesToStr(b));
        // The same key made the other way is a duplicate.
        expect(() => map.insert(fromString)).toThrow();
      }),
    );
  });
});
