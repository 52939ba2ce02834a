// The lsm engine's prefetch hints (LsmDb.prefetch, prefetchMembers) load the
// memtable entries the next commands will touch: the keys they hand to the
// LSM (DB.prefetch) must be exactly those records' keys, or the loads are
// wasted. A hint changes nothing, so this checks the keys themselves: each
// names a record the LSM holds.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LsmEngine } from "../../../src/storage/lsm-engine/lsm-engine.ts";
import type { LsmMeta } from "../../../src/storage/lsm-engine/lsm-db.ts";
import type { MetaCacheEntry } from "../../../src/storage/lsm-engine/meta-cache.ts";
import { recordPrefetches } from "../../helpers/engines.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const enc = (s: string) => new TextEncoder().encode(s);

/** Words back to back in one buffer, with their ranges (as the server hands over a read's arguments). */
function ranges(words: string[]): { buf: Uint8Array; starts: number[]; ends: number[] } {
  const buf = enc(words.join(""));
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const w of words) {
    starts.push(at);
    ends.push((at += w.length));
  }
  return { buf, starts, ends };
}

test("prefetch hints hand the LSM the keys of the records the commands touch: metadata at the first write, members at once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aikv-lsm-prefetch-"));
  dirs.push(dir);
  const engine = await LsmEngine.open({ dir, dbCount: 16, syncPolicy: "everysec" });
  const db = engine.db(0);
  const prefetched = recordPrefetches(engine);
  const write = (f: () => void) => {
    engine.beginAtomic();
    f();
    engine.endAtomic();
  };
  write(() => db.setString(enc("s1"), enc("v1"), 0));
  write(() => db.setString(enc("s2"), enc("v2"), 0));
  write(() => db.hashes.set(enc("h"), null, [enc("f1"), enc("x1"), enc("f2"), enc("x2")]));
  write(() => db.sets.add(enc("st"), null, [enc("m1"), enc("m2")]));
  write(() => db.zsets.set(enc("z"), null, enc("a"), 1));
  write(() => db.zsets.set(enc("z"), db.lookup(enc("z")), enc("b"), 2));

  // Reads only: nothing goes to the memtable.
  const keys = ranges(["s1", "s2", "missing"]);
  db.prefetch(keys.buf, keys.starts, keys.ends, 3);
  for (const k of ["s1", "s2"]) db.getString(db.lookup(enc(k))!);
  expect(prefetched).toEqual([]);
  // The first write loads all three metadata records' entries: the two written since the memtable
  // started by their places there (their cache entries), the missing one by its key.
  const placed: string[] = [];
  const lsmPrefetchPlaced = engine.lsm.prefetchPlaced.bind(engine.lsm);
  engine.lsm.prefetchPlaced = (places, count, unplacedOut) => {
    const unplaced = lsmPrefetchPlaced(places, count, unplacedOut);
    const others = new Set(Array.from(unplacedOut.subarray(0, unplaced)));
    for (let i = 0; i < count; i++) if (!others.has(i)) placed.push(new TextDecoder().decode((places[i] as MetaCacheEntry).key));
    return unplaced;
  };
  write(() => db.setString(enc("s1"), enc("w1"), 0));
  expect(placed).toEqual(["s1", "s2"]);
  expect(prefetched.length).toBe(1);
  expect(engine.lsm.get(prefetched[0])).toBeUndefined();
  prefetched.length = 0;
  placed.length = 0;
  write(() => db.setString(enc("s2"), enc("w2"), 0)); // once per prefetch
  expect(prefetched).toEqual([]);
  expect(placed).toEqual([]);

  // Members of a hash, a set and a zset (member sub-keys), at once; a string or missing key: none.
  for (const [key, members, values] of [
    ["h", ["f1", "f2", "f3"], ["x1", "x2", undefined]],
    ["st", ["m1", "m3"], ["", undefined]],
    ["z", ["b", "a"], [2, 1]],
  ] as const) {
    const r = ranges([key, ...members]);
    db.prefetchMembers!(r.buf, r.starts[0], r.ends[0], r.starts.slice(1), r.ends.slice(1), members.length);
    expect(prefetched.length).toBe(members.length);
    const found = prefetched.map((k) => engine.lsm.get(k));
    if (key === "z") expect(found.map((v) => new DataView(v!.buffer, v!.byteOffset).getFloat64(0))).toEqual([...values]);
    else expect(found.map((v) => (v === undefined ? undefined : new TextDecoder().decode(v)))).toEqual([...values]);
    prefetched.length = 0;
  }
  for (const key of ["s1", "nothing"]) {
    const r = ranges([key, "m1", "m2"]);
    db.prefetchMembers!(r.buf, r.starts[0], r.ends[0], r.starts.slice(1), r.ends.slice(1), 2);
  }
  expect(prefetched).toEqual([]);
  expect((db.lookup(enc("s1")) as LsmMeta).type).toBe("string");
  await engine.close();
});
