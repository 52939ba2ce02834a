// The metadata cache's byte-keyed table: lookups, updates, eviction order, rehashing.

import { expect, test } from "bun:test";
import { type CachedMeta, MetaCache } from "../../../src/storage/lsm-engine/meta-cache.ts";

const key = (i: number) => new TextEncoder().encode(`key:${i}`);
const record = (i: number): CachedMeta => ({ key: key(i), raw: new Uint8Array(10), type: "string", expireAt: i, value: null });

test("records and known-missing keys are found by key bytes through growth and shrinking", () => {
  const part = new MetaCache(1 << 30).part();
  for (let i = 0; i < 5000; i++) part.set(key(i), i % 3 === 0 ? null : record(i));
  expect(part.size).toBe(5000);
  for (let i = 0; i < 5000; i++) {
    const got = part.get(key(i)); // a fresh array: found by content
    if (i % 3 === 0) expect(got).toBeNull();
    else expect(got?.expireAt).toBe(i);
  }
  expect(part.get(key(5000))).toBeUndefined();
  // Updates replace the record in place (no new entry).
  part.set(key(1), null);
  part.set(key(3), record(33));
  expect(part.size).toBe(5000);
  expect(part.get(key(1))).toBeNull();
  expect(part.get(key(3))?.expireAt).toBe(33);
  part.clear();
  expect(part.size).toBe(0);
  expect(part.get(key(2))).toBeUndefined();
});

test("a full cache evicts its oldest insertions first, updates keep their place", () => {
  const cache = new MetaCache(100_000);
  const part = cache.part();
  part.set(key(0), record(0));
  for (let i = 1; ; i++) {
    part.set(key(i), record(i));
    if (part.get(key(0)) === undefined) break; // the first eviction took it
    part.set(key(0), record(0)); // updated each time: still the oldest
    expect(i).toBeLessThan(10_000);
  }
  expect(cache.usage).toBeLessThanOrEqual(cache.capacity);
  expect(part.usage).toBe(cache.usage);
  const n = part.size;
  // What is left is the newest entries.
  let found = 0;
  for (let i = 0; i < 10_000; i++) if (part.get(key(i)) !== undefined) found++;
  expect(found).toBe(n);
  cache.setCapacity(0);
  expect(part.size).toBe(0);
  expect(cache.usage).toBe(0);
});
