import { describe, expect, test } from "bun:test";
import { strToBytes } from "../../../src/net/bytes.ts";
import { MemoryEngine } from "../../../src/storage/memory/memory-engine.ts";

/** Ranges of the strings in one buffer, as prefetch and prefetchMembers take them. */
function ranges(strs: string[]): { buf: Uint8Array; starts: number[]; ends: number[] } {
  const buf = strToBytes(strs.join(""));
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const s of strs) {
    starts.push(at);
    ends.push((at += s.length));
  }
  return { buf, starts, ends };
}

describe("MemoryDb prefetch hints", () => {
  test("change nothing, for present and missing keys, members and fields, and keys of any type", () => {
    const db = new MemoryEngine(1).db(0);
    db.setString(strToBytes("str"), strToBytes("v"), 0);
    db.sets.add(strToBytes("set"), null, [strToBytes("a"), strToBytes("b")]);
    db.hashes.set(strToBytes("hash"), null, [strToBytes("f"), strToBytes("1"), strToBytes("e"), new Uint8Array(0)]);
    db.setInteger(strToBytes("n"), null, 12);
    const keys = ranges(["str", "set", "hash", "n", "missing"]);
    db.prefetch(keys.buf, keys.starts, keys.ends, 5);
    for (const key of ["str", "set", "hash", "n", "missing"]) {
      const m = ranges([key, "a", "f", "e", "zz"]);
      db.prefetchMembers(m.buf, m.starts[0], m.ends[0], m.starts.slice(1), m.ends.slice(1), 4);
    }
    expect(db.size()).toBe(4);
    expect(db.integerValue(db.lookup(strToBytes("n"))!)).toBe(12);
    expect(db.hashes.get(db.lookup(strToBytes("hash"))!, strToBytes("e"))).toEqual(new Uint8Array(0));
    expect(db.sets.card(db.lookup(strToBytes("set"))!)).toBe(2);
    expect(db.hashes.length(db.lookup(strToBytes("hash"))!)).toBe(2);
    expect(db.getString(db.lookup(strToBytes("str"))!)).toEqual(strToBytes("v"));
  });

  test("of a zset's members change nothing", () => {
    const db = new MemoryEngine(1).db(0);
    const key = strToBytes("z");
    const members = Array.from({ length: 500 }, (_, i) => `m${i}`);
    members.forEach((m, i) => db.zsets.set(key, db.lookup(key), strToBytes(m), i % 7));
    const before = db.zsets.range(db.lookup(key)!, { by: "rank", start: 0, stop: 499 }, false, 0, -1);
    // Members present and missing.
    const args = ranges(["z", "m1", "m499", "m2", "missing", "m3", "m4"]);
    db.prefetchMembers(args.buf, args.starts[0], args.ends[0], args.starts.slice(1), args.ends.slice(1), 6);
    expect(db.zsets.range(db.lookup(key)!, { by: "rank", start: 0, stop: 499 }, false, 0, -1)).toEqual(before);
    expect(db.zsets.score(db.lookup(key)!, strToBytes("m499"))).toBe(499 % 7);
  });
});
