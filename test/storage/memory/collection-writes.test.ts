// The memory engine's allocation-saving collection writes keep Redis's
// semantics: HSET overwrites a value of the same length in place (a COPY of
// the hash keeps its own values, a different length gets a new array), and
// ZPOPMIN/ZPOPMAX delete a member's dict node through its skiplist node
// (no dict lookup), leaving the dict, the skiplist and the last lookup agreeing.

import { describe, expect, test } from "bun:test";
import { MemoryDb } from "../../../src/storage/memory/memory-engine.ts";
import { cloners } from "../../../src/storage/memory/value-types.ts";

const bytes = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const text = (b: Uint8Array | null) => (b === null ? null : String.fromCharCode(...b));

describe("memory hash writes", () => {
  test("HSET overwrites an equal-length value in place; a copy keeps its own values", () => {
    const db = new MemoryDb();
    const key = bytes("h");
    db.hashes.set(key, null, [bytes("f"), bytes("abc"), bytes("g"), bytes("xy")]);
    const meta = db.lookup(key)!;
    const before = db.hashes.get(meta, bytes("f"))!;
    const copy = db.setValue("h2", "hash", cloners.get("hash")!(meta.value), 0);
    const arg = bytes("XYZ");
    expect(db.hashes.set(key, db.lookup(key), [bytes("f"), arg, bytes("g"), bytes("long value")])).toBe(0);
    const after = db.hashes.get(db.lookup(key)!, bytes("f"))!;
    expect(after).toBe(before); // the same array, rewritten
    expect(after).not.toBe(arg); // never the caller's
    expect(text(after)).toBe("XYZ");
    expect(text(db.hashes.get(db.lookup(key)!, bytes("g")))).toBe("long value");
    arg[0] = 0x21;
    expect(text(db.hashes.get(db.lookup(key)!, bytes("f")))).toBe("XYZ");
    expect(text(db.hashes.get(copy, bytes("f")))).toBe("abc");
    expect(text(db.hashes.get(copy, bytes("g")))).toBe("xy");
  });
});

describe("memory zset pops", () => {
  test("pops from both ends agree with a model, lookups included", () => {
    const db = new MemoryDb();
    const key = bytes("z");
    const model = new Map<string, number>();
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 20; i++) {
        const m = `m${Math.floor(rand() * 60)}`;
        const s = Math.floor(rand() * 10);
        db.zsets.set(key, db.lookup(key), bytes(m), s);
        model.set(m, s);
      }
      const highest = rand() < 0.5;
      const count = 1 + Math.floor(rand() * 12);
      const meta = db.lookup(key);
      if (meta === null) continue;
      // The last lookup must not keep a popped member's node.
      db.zsets.score(meta, bytes([...model.keys()][0]));
      const popped = db.zsets.pop(key, meta, count, highest);
      const sorted = [...model].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
      const expected = (highest ? sorted.reverse() : sorted).slice(0, count);
      expect(popped.map((e) => [e.member, e.score])).toEqual(expected);
      for (const [m] of expected) model.delete(m);
      const left = db.lookup(key);
      expect(left === null ? 0 : db.zsets.card(left)).toBe(model.size);
      for (const [m] of expected) expect(left === null ? null : db.zsets.score(left, bytes(m))).toBeNull();
      for (const [m, s] of model) expect(db.zsets.score(left!, bytes(m))).toBe(s);
    }
  });
});
