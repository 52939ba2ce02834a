// The memory engine's in-place string writes (setStringRange): zero-filled
// gaps, geometric growth so appends and rising SETBITs are amortized O(1),
// and never writing into a buffer the engine doesn't own.

import { describe, expect, test } from "bun:test";
import { MemoryDb } from "../../../src/storage/memory/memory-engine.ts";

const bytes = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const text = (b: Uint8Array) => String.fromCharCode(...b);

function value(db: MemoryDb, key: string): Uint8Array {
  return db.getString(db.lookup(bytes(key))!);
}

describe("MemoryDb.setStringRange", () => {
  test("creates a missing key, zero-fills gaps and overwrites in place", () => {
    const db = new MemoryDb();
    expect(db.setStringRange(bytes("k"), 3, bytes("ab"))).toBe(5);
    expect(text(value(db, "k"))).toBe("\0\0\0ab");
    expect(db.setStringRange(bytes("k"), 1, bytes("XY"))).toBe(5);
    expect(text(value(db, "k"))).toBe("\0XYab");
    expect(db.setStringRange(bytes("k"), 8, bytes("z"))).toBe(9);
    expect(text(value(db, "k"))).toBe("\0XYab\0\0\0z");
    expect(db.lookup(bytes("k"))!.expireAt).toBe(0);
  });

  test("keeps the expiry of an existing key", () => {
    const db = new MemoryDb();
    db.setString(bytes("k"), bytes("v"), 4102444800000);
    db.setStringRange(bytes("k"), 1, bytes("w"));
    expect(db.lookup(bytes("k"))!.expireAt).toBe(4102444800000);
  });

  test("appending reallocates a logarithmic number of times", () => {
    const db = new MemoryDb();
    db.setString(bytes("k"), bytes("x"), 0);
    const buffers = new Set<ArrayBufferLike>();
    const chunk = new Uint8Array(100).fill(7);
    let len = 1;
    for (let i = 0; i < 20000; i++) {
      len = db.setStringRange(bytes("k"), len, chunk);
      buffers.add(value(db, "k").buffer);
    }
    expect(len).toBe(1 + 20000 * 100);
    expect(buffers.size).toBeLessThan(30);
    expect(value(db, "k").every((b, i) => b === (i === 0 ? 120 : 7))).toBe(true);
  });

  test("never writes past a value into a buffer it shares with others", () => {
    const db = new MemoryDb();
    const shared = bytes("abcdef");
    // A value stored as a view (e.g. by a restore) must not grow into its neighbours.
    db.setValue("k", "string", shared.subarray(0, 2), 0);
    db.setStringRange(bytes("k"), 2, bytes("ZZ"));
    expect(text(value(db, "k"))).toBe("abZZ");
    expect(text(shared)).toBe("abcdef");
  });
});

describe("MemoryDb string writes in place", () => {
  test("SET overwrites a stored value of the same length unless it was edited in place or stored as text", () => {
    const db = new MemoryDb();
    db.setString(bytes("n"), bytes("10"), 0);
    const stored = value(db, "n");
    expect(db.overwriteString(bytes("n"), bytes("123"), 0)).toBe(false);
    expect(db.overwriteString(bytes("n"), bytes("12"), 0)).toBe(true);
    expect(value(db, "n")).toBe(stored);
    expect(text(stored)).toBe("12");
    db.setStringRange(bytes("n"), 0, bytes("2"));
    expect(db.overwriteString(bytes("n"), bytes("30"), 0)).toBe(false); // "raw" now: OBJECT ENCODING must not say int after a rewrite
    db.setString(bytes("t"), bytes("1.5"), 0, true);
    expect(db.overwriteString(bytes("t"), bytes("2.5"), 0)).toBe(false);
  });

  test("an integer is held as a number until its bytes are read, then as the bytes", () => {
    const db = new MemoryDb();
    db.setInteger(bytes("c"), null, -42);
    const meta = db.lookup(bytes("c"))!;
    expect(db.integerValue(meta)).toBe(-42);
    expect(db.encoding(bytes("c"), meta)).toBe("int");
    db.setInteger(bytes("c"), meta, 1234567);
    expect(db.integerValue(meta)).toBe(1234567);
    expect(text(value(db, "c"))).toBe("1234567");
    expect(db.integerValue(meta)).toBeNull();
    expect(value(db, "c")).toBe(value(db, "c"));
    db.setInteger(bytes("c"), meta, 7);
    expect(db.setStringRange(bytes("c"), 1, bytes("x"))).toBe(2);
    expect(text(value(db, "c"))).toBe("7x");
    expect(() => db.setInteger(bytes("d"), null, 2 ** 53)).toThrow();
  });

  test("a value handed over is kept as is; one not handed over is copied", () => {
    const db = new MemoryDb();
    const kept = bytes("abc");
    db.setString(bytes("a"), kept, 0, false, true);
    expect(value(db, "a")).toBe(kept);
    const copied = bytes("abc");
    db.setString(bytes("b"), copied, 0);
    expect(value(db, "b")).not.toBe(copied);
    expect(text(value(db, "b"))).toBe("abc");
  });
});
