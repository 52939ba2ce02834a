// The metadata cache's byte-keyed table: lookups, updates, eviction order, rehashing.

import { expect, test } from "bun:test";
import { AccessTimes, RELEASED } from "../../../src/storage/lsm-engine/access-times.ts";
import { type DbMetaCache, MetaCache, type MetaCacheEntry } from "../../../src/storage/lsm-engine/meta-cache.ts";
import { encodeStringMeta } from "../../../src/storage/lsm-engine/encoding.ts";
import { mulberry32 } from "../../../src/util/prng.ts";

const key = (i: number) => new TextEncoder().encode(`key:${i}`);
/** A string record whose expiry is i (the tests tell records apart by it). */
const record = (i: number): Uint8Array => encodeStringMeta(new Uint8Array(2), i, 0);
/** The cached entry (null: known missing), or undefined when not cached. */
const get = (part: DbMetaCache, k: Uint8Array) => {
  const entry = part.entry(k);
  return entry === undefined ? undefined : entry.raw === null ? null : entry;
};

test("records and known-missing keys are found by key bytes through growth and shrinking", () => {
  const part = new MetaCache(1 << 30).part(new AccessTimes());
  for (let i = 0; i < 5000; i++) part.set(key(i), i % 3 === 0 ? null : record(i));
  expect(part.size).toBe(5000);
  for (let i = 0; i < 5000; i++) {
    const got = get(part, key(i)); // a fresh array: found by content
    if (i % 3 === 0) expect(got).toBeNull();
    else expect(got?.expireAt).toBe(i);
  }
  expect(get(part, key(5000))).toBeUndefined();
  // Updates replace the record in place (no new entry).
  part.set(key(1), null);
  part.set(key(3), record(33));
  expect(part.size).toBe(5000);
  expect(get(part, key(1))).toBeNull();
  expect(get(part, key(3))?.expireAt).toBe(33);
  part.clear();
  expect(part.size).toBe(0);
  expect(get(part, key(2))).toBeUndefined();
});

test("a full cache evicts its oldest insertions first, updates keep their place", () => {
  const cache = new MetaCache(100_000);
  const part = cache.part(new AccessTimes());
  part.set(key(0), record(0));
  for (let i = 1; ; i++) {
    part.set(key(i), record(i));
    if (get(part, key(0)) === undefined) break; // the first eviction took it
    part.set(key(0), record(0)); // updated each time: still the oldest
    expect(i).toBeLessThan(10_000);
  }
  expect(cache.usage).toBeLessThanOrEqual(cache.capacity);
  expect(part.usage).toBe(cache.usage);
  const n = part.size;
  // What is left is the newest entries.
  let found = 0;
  for (let i = 0; i < 10_000; i++) if (get(part, key(i)) !== undefined) found++;
  expect(found).toBe(n);
  cache.setCapacity(0);
  expect(part.size).toBe(0);
  expect(cache.usage).toBe(0);
});

test("a record read from the tables is cached on its key's second read, not its first (doorkeeper)", () => {
  const cache = new MetaCache(1 << 20);
  const part = cache.part(new AccessTimes());
  // Reads of 1000 keys, once each: almost none is cached (only hash collisions in the
  // doorkeeper's 2^16 bits admit one), so a larger-than-cache random read load does not churn it.
  let admitted = 0;
  for (let i = 0; i < 1000; i++) if (part.setRead(key(i), record(i)) !== null) admitted++;
  expect(admitted).toBeLessThan(50);
  expect(part.size).toBe(admitted);
  // A second read of the same keys caches them.
  for (let i = 0; i < 1000; i++) expect(part.setRead(key(i), record(i))?.expireAt).toBe(i);
  expect(part.size).toBe(1000);
  // Writes are cached at once.
  expect(part.set(key(5000), record(5000))).not.toBeNull();
  expect(get(part, key(5000))?.expireAt).toBe(5000);
});

test("the doorkeeper forgets: keys read once each, many more than it tracks, are admitted rarely", () => {
  const cache = new MetaCache(1 << 20); // ~6,500 entries: 2^16 bits, cleared after 16,384 marks
  const part = cache.part(new AccessTimes());
  let admitted = 0;
  for (let i = 0; i < 200_000; i++) if (part.setRead(key(i), record(i)) !== null) admitted++;
  // Only hash collisions within a window admit a first read: at most a quarter of the bits are set.
  expect(admitted).toBeGreaterThan(0);
  expect(admitted).toBeLessThan(200_000 / 4);
});

test("a huge budget (maxmemory of terabytes) caches records, and sizes the doorkeeper at its cap", () => {
  // Without the cap this would allocate over a gigabyte of bits (and 32-bit masks would break);
  // a 32-bit shift of the budget made every record look too large to cache.
  const part = new MetaCache(2 ** 42).part(new AccessTimes());
  expect(part.setRead(key(1), record(1))).toBeNull();
  expect(part.setRead(key(1), record(1))?.expireAt).toBe(1);
});

/**
 * Two parts of a cache with room for about 60 entries of 40 keys (evictions
 * come and go) and a model of what they were told: random writes and clears
 * of both, and the check that a cached entry holds the model's value.
 */
function modelledParts(seed: number) {
  const random = mulberry32(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const cache = new MetaCache(60 * 180);
  const parts = [cache.part(new AccessTimes()), cache.part(new AccessTimes())];
  const model = [new Map<number, number | null>(), new Map<number, number | null>()];
  return {
    random,
    pick,
    parts,
    /** A random record (a fifth of them known-missing) for key k of part p. */
    write(p: number, k: number): void {
      const v = random() < 0.2 ? null : pick(1000);
      parts[p].set(key(k), v === null ? null : record(v));
      model[p].set(k, v);
    },
    clear(p: number): void {
      parts[p].clear();
      model[p].clear();
    },
    /** An entry the cache gives for key k of part p holds the model's value, and is the one a lookup finds (an evicted entry must not come back). */
    expectModelled(p: number, k: number, got: MetaCacheEntry): void {
      expect(model[p].has(k)).toBe(true);
      expect(got.raw === null ? null : got.expireAt).toBe(model[p].get(k)!);
      expect(parts[p].entry(key(k))).toBe(got);
    },
  };
}

test("lookups in a prefetch's order take its entries only while they are still cached and theirs: writes, evictions, clears and other parts between", () => {
  const { random, pick, parts, write, clear, expectModelled } = modelledParts(11);
  const words = (ks: number[]) => new TextEncoder().encode(ks.map((k) => `key:${k}`).join(""));
  let taken = 0;
  for (let round = 0; round < 3000; round++) {
    const p = pick(2);
    const ks = Array.from({ length: 1 + pick(16) }, () => pick(40));
    const buf = words(ks);
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0, at = 0; i < ks.length; i++) starts.push(at), ends.push((at += `key:${ks[i]}`.length));
    parts[p].prefetch(buf, starts, ends, ks.length);
    for (const k of ks) {
      // Between two lookups: writes (new entries, updates, known-missing), a clear now and then, other lookups.
      const r = random();
      const w = pick(40);
      const q = pick(2);
      if (r < 0.3) write(q, w);
      else if (r < 0.32) clear(q);
      else if (r < 0.4) parts[1 - p].prefetched(key(w));
      else if (r < 0.45) parts[p].prefetched(key(w)); // a lookup of another key: the next ones are out of step
      const e = parts[p].prefetched(key(k));
      if (e !== null) taken++;
      const got = e ?? parts[p].entry(key(k));
      // A cached entry must hold the model's value; an entry the cache evicted must not come back.
      if (got !== undefined) expectModelled(p, k, got);
    }
  }
  expect(taken).toBeGreaterThan(1000);
});

test("a part that holds every key answers keys it does not hold as known missing, until an entry of a present key goes", () => {
  const cache = new MetaCache(100_000);
  const part = cache.part(new AccessTimes());
  expect(get(part, key(1))).toBeUndefined();
  part.holdsEveryKey = true;
  expect(get(part, key(1))).toBeNull();
  for (let i = 0; i < 100; i++) part.set(key(1000 + i), null);
  part.set(key(1), record(1));
  expect(get(part, key(1))?.expireAt).toBe(1);
  // Known-missing entries (the oldest) are evicted: the flag stays.
  let i = 2;
  for (; part.peek(key(1000)) !== null && i < 10_000; i++) part.set(key(i), record(i));
  expect(part.holdsEveryKey).toBe(true);
  // A present key's entry evicted: the flag goes.
  expect(part.peek(key(1))).not.toBeNull();
  for (; part.peek(key(1)) !== null && i < 10_000; i++) part.set(key(i), record(i));
  expect(part.holdsEveryKey).toBe(false);
  expect(get(part, key(1))).toBeUndefined();
  // A record too large to cache.
  part.clear();
  part.holdsEveryKey = true;
  expect(part.set(key(1), encodeStringMeta(new Uint8Array(10_000), 0, 0))).toBeNull();
  expect(part.holdsEveryKey).toBe(false);
  part.holdsEveryKey = true;
  part.clear();
  expect(part.holdsEveryKey).toBe(false);
});

test("a repeated key's lookup takes the entry found last only while it is still cached and that key's: writes, evictions and clears between", () => {
  const { random, pick, parts, write, clear, expectModelled } = modelledParts(12);
  let taken = 0;
  for (let round = 0; round < 20_000; round++) {
    const p = pick(2);
    const k = pick(8) === 0 ? pick(40) : Math.floor(round / 4) % 40; // mostly the key of the rounds before
    const r = random();
    if (r < 0.3) write(p, k);
    else if (r < 0.31) clear(p);
    else {
      const e = parts[p].repeated(key(k));
      if (e !== null) taken++;
      const got = e ?? parts[p].entry(key(k));
      if (got !== undefined) expectModelled(p, k, got);
      // The same key at once: its entry, without a hash.
      if (got !== undefined) expect(parts[p].repeated(key(k))).toBe(got);
    }
  }
  expect(taken).toBeGreaterThan(1000);
});

test("an entry leaving the part (evicted, too large to cache, all evicted) releases the access state it holds to the db's table", () => {
  const times = new AccessTimes();
  const cache = new MetaCache(100_000);
  const part = cache.part(times);
  /** Caches key(i), holding idle time i and LFU state 1000 + i on its entry. */
  const held = (i: number): MetaCacheEntry => {
    const entry = part.set(key(i), record(i))!;
    times.setIdleTime(key(i), i, entry);
    times.setLfuState(key(i), 1000 + i, entry);
    expect(entry.atime).toBeGreaterThan(0);
    return entry;
  };
  const expectInTable = (i: number, entry: MetaCacheEntry) => {
    expect(entry.atime).toBe(RELEASED);
    expect(times.idleTime(key(i))).toBe(i);
    expect(times.lfuState(key(i))).toBe(1000 + i);
  };
  // Evicted: the oldest entry goes as new ones arrive.
  const first = held(7);
  for (let i = 100; part.peek(key(7)) !== null; i++) part.set(key(i), record(i));
  expectInTable(7, first);
  // A record too large to cache replaces a cached one.
  const replaced = held(8);
  expect(part.set(key(8), encodeStringMeta(new Uint8Array(10_000), 0, 0))).toBeNull();
  expectInTable(8, replaced);
  // All evicted (the engine refusing writes: the db's keys stay).
  const cleared = [held(9), held(10)];
  part.evictAll();
  expect(part.size).toBe(0);
  expectInTable(9, cleared[0]);
  expectInTable(10, cleared[1]);
  // A released entry (a lookup's LsmMeta may still point to it) is not written again: the table is.
  times.touch(key(9), cleared[0]);
  expect(cleared[0].atime).toBe(RELEASED);
  expect(times.idleTime(key(9))).toBe(0);
});
