/**
 * The row cache (src/storage/lsm/row_cache.ts): its generations' eviction,
 * the opt-in predicate, and a property test of a DB with a row cache against
 * a model through puts, deletes, range deletes, snapshots, flushes,
 * compactions and reopens (model.test.ts also runs half its seeds with one).
 */
import { expect, test } from 'bun:test';
import fc from 'fast-check';
import { bloomHash } from '../../../src/storage/lsm/bloom.ts';
import type { DB } from '../../../src/storage/lsm/db.ts';
import { lookupOut } from '../../../src/storage/lsm/dbformat.ts';
import { open, WriteBatch, type DBOptions } from '../../../src/storage/lsm/index.ts';
import { ROW_ABSENT, ROW_CACHE_MAX_VALUE_BYTES, ROW_MISS, ROW_PRESENT, RowCache } from '../../../src/storage/lsm/row_cache.ts';
import { b, inTempDir, s, smallOptions } from './helpers.ts';

const hashOf = (key: Uint8Array): number => bloomHash(key) | 0;

/** The value the cache holds for key, 'absent', or 'miss'. */
function cached(cache: RowCache, key: Uint8Array): string {
  const answer = cache.lookup(key, hashOf(key));
  if (answer === ROW_MISS) return 'miss';
  if (answer === ROW_ABSENT) return 'absent';
  expect(answer).toBe(ROW_PRESENT);
  return s(lookupOut.buf.slice(lookupOut.voff, lookupOut.voff + lookupOut.vlen))!;
}

function fill(cache: RowCache, key: string, value: string | null): void {
  const k = b(key);
  const v = b(value ?? '');
  cache.fill(k, hashOf(k), v, 0, value === null ? -1 : v.length);
}

/** Two fills: the first one notes the miss, the second one caches (admission). */
function admit(cache: RowCache, key: string, value: string | null): void {
  fill(cache, key, value);
  fill(cache, key, value);
}

function write(cache: RowCache, key: string, value: string | null): void {
  const k = b(key);
  const v = b(value ?? '');
  cache.write(k, 0, k.length, hashOf(k), v, 0, value === null ? -1 : v.length);
}

test('admission: a key is cached at its second missed read, or at a put after a missed read; not by a delete or a blind put', () => {
  const cache = new RowCache(1 << 20);
  fill(cache, 'read twice', 'v');
  expect(cached(cache, b('read twice'))).toBe('miss');
  fill(cache, 'read twice', 'v');
  expect(cached(cache, b('read twice'))).toBe('v');
  fill(cache, 'read, put', null);
  write(cache, 'read, put', 'added');
  expect(cached(cache, b('read, put'))).toBe('added');
  fill(cache, 'read, deleted', 'element');
  write(cache, 'read, deleted', null);
  expect(cached(cache, b('read, deleted'))).toBe('miss');
  write(cache, 'blind', 'pushed');
  expect(cached(cache, b('blind'))).toBe('miss');
  expect(cache.stats().entries).toBe(2);
});

test('admitted keys, then writes: same-length and other-length values, deletes, and a write of a key not cached (not allocated)', () => {
  const cache = new RowCache(1 << 20);
  expect(cached(cache, b('a'))).toBe('miss');
  admit(cache, 'a', 'one');
  admit(cache, 'gone', null);
  expect(cached(cache, b('a'))).toBe('one');
  expect(cached(cache, b('gone'))).toBe('absent');
  write(cache, 'a', 'two');
  expect(cached(cache, b('a'))).toBe('two');
  write(cache, 'a', 'three');
  expect(cached(cache, b('a'))).toBe('three');
  write(cache, 'a', null);
  expect(cached(cache, b('a'))).toBe('absent');
  write(cache, 'gone', 'back');
  expect(cached(cache, b('gone'))).toBe('back');
  write(cache, 'blind', 'x');
  expect(cached(cache, b('blind'))).toBe('miss');
  const st = cache.stats();
  expect(st.entries).toBe(2);
  expect([st.hits, st.misses]).toEqual([6, 2]);
});

test('values of every length up to the largest kept, taken from inside a larger buffer, are cached as given, new and over the old', () => {
  const cache = new RowCache(1 << 20);
  // Lengths either side of the short copy's 64 bytes (Generation.copyIn), at an offset in a buffer of other bytes.
  const lengths = [0, 1, 8, 63, 64, 65, 200, ROW_CACHE_MAX_VALUE_BYTES];
  const buf = Uint8Array.from({ length: ROW_CACHE_MAX_VALUE_BYTES + 20 }, (_, i) => (i * 7 + 3) & 0xff);
  for (const [round, at] of [0, 5].entries()) {
    for (const n of lengths) {
      const key = b(`k${n}`);
      const hash = hashOf(key);
      if (round === 0) cache.fill(key, hash, buf, 0, -1);
      // Round 0: a new entry (admitted after the missed read); round 1: over the same length.
      cache.write(key, 0, key.length, hash, buf, at, n);
      expect(cache.lookup(key, hash)).toBe(ROW_PRESENT);
      expect(lookupOut.buf.slice(lookupOut.voff, lookupOut.voff + lookupOut.vlen)).toEqual(buf.slice(at, at + n));
    }
  }
});

test('a value too large to keep makes its key a miss until a read fills it again', () => {
  const cache = new RowCache(1 << 20);
  admit(cache, 'k', 'small');
  write(cache, 'k', 'x'.repeat(ROW_CACHE_MAX_VALUE_BYTES + 1));
  expect(cached(cache, b('k'))).toBe('miss');
  // A fill of a value too large leaves it so; a write of a small one caches it again.
  admit(cache, 'k', 'y'.repeat(ROW_CACHE_MAX_VALUE_BYTES + 1));
  expect(cached(cache, b('k'))).toBe('miss');
  write(cache, 'k', 'small again');
  expect(cached(cache, b('k'))).toBe('small again');
});

test('eviction by generations: keys touched once per generation stay, the others go; the budget holds', () => {
  const budget = 256 * 1024;
  const cache = new RowCache(budget);
  const key = (i: number) => `key:${String(i).padStart(6, '0')}`;
  admit(cache, 'hot', 'h');
  for (let i = 0; i < 20_000; i++) {
    admit(cache, key(i), `v${i}`);
    // Read every 500 fills: far fewer than a generation holds (thousands of entries).
    if (i % 500 === 0) expect(cached(cache, b('hot'))).toBe('h');
    expect(cache.stats().usage).toBeLessThanOrEqual(budget);
  }
  // The first keys were dropped, the last ones are cached.
  expect(cached(cache, b(key(0)))).toBe('miss');
  expect(cached(cache, b(key(19_999)))).toBe('v19999');
  expect(cached(cache, b('hot'))).toBe('h');
  // Writes reach every cached key, in either generation (one in the old one is copied into the current one).
  let kept = 0;
  for (let i = 0; i < 20_000; i++) {
    write(cache, key(i), `new${i}`);
    const now = cached(cache, b(key(i)));
    if (now !== 'miss') {
      expect(now).toBe(`new${i}`);
      kept++;
    }
  }
  expect(kept).toBeGreaterThan(1000);
});

test("one generation of the server's default budget holds bench-vs-redis's SADD, HSET and ZADD members (300k sub-keys) without rotating", () => {
  const cache = new RowCache(64 * 1024 * 1024);
  // A sub-key's length: column, slot, key length, 'myset', version, then redis-benchmark's 'element:' + 12 digits.
  const member = (i: number) => `${'p'.repeat(22)}element:${String(i).padStart(12, '0')}`;
  const value = (i: number) => ['', 'xxx', '12345678'][i % 3];
  for (let i = 0; i < 300_000; i++) admit(cache, member(i), value(i));
  for (let i = 0; i < 300_000; i++) expect(cached(cache, b(member(i)))).toBe(value(i));
  // A rotation would have left some in the old generation, and the reads copied them into the current one.
  expect(cache.stats().entries).toBe(300_000);
});

test('setCapacity: a smaller budget empties the cache, 0 turns it off', () => {
  const cache = new RowCache(1 << 20);
  admit(cache, 'a', '1');
  cache.setCapacity(1 << 21);
  expect(cached(cache, b('a'))).toBe('1');
  cache.setCapacity(1 << 16);
  expect(cached(cache, b('a'))).toBe('miss');
  cache.setCapacity(0);
  admit(cache, 'a', '1');
  expect(cached(cache, b('a'))).toBe('miss');
  expect(cache.enabled).toBe(false);
  // Only the generations' first small arrays and the admission tables' few KiB.
  expect(cache.stats().usage).toBeLessThanOrEqual(70 * 1024);
  // Budgets follow maxmemory, which may be far beyond the machine's memory: nothing is allocated up front.
  cache.setCapacity(2 ** 64);
  admit(cache, 'a', '1');
  expect(cached(cache, b('a'))).toBe('1');
  expect(cache.stats().usage).toBeLessThan(16 * 1024 * 1024);
});

/** Options of a DB whose row cache holds the keys starting with "c". */
const cachedKeys: DBOptions['rowCacheKeys'] = (buf, start, end) => end > start && buf[start] === 0x63;

test('the predicate: only admitted keys are cached; reads at a snapshot bypass the cache', async () => {
  await inTempDir(async (dir) => {
    const db = await open(dir, { ...smallOptions, rowCacheKeys: cachedKeys });
    try {
      db.put(b('c1'), b('one'));
      db.put(b('n1'), b('one'));
      await db.flush();
      const reads = () => db.stats().rowCache.hits + db.stats().rowCache.misses;
      expect(s(db.get(b('n1')))).toBe('one');
      expect(reads()).toBe(0);
      // Cached at the second miss (admission), then hits.
      for (let i = 0; i < 3; i++) expect(s(db.get(b('c1')))).toBe('one');
      for (let i = 0; i < 3; i++) expect(db.get(b('c2'))).toBeUndefined();
      expect([db.stats().rowCache.hits, db.stats().rowCache.misses]).toEqual([2, 4]);
      const snap = db.snapshot();
      db.put(b('c1'), b('two'));
      expect(s(db.get(b('c1'), { snapshot: snap }))).toBe('one');
      expect(s(db.get(b('c1')))).toBe('two');
      snap.release();
      expect(reads()).toBe(7);
      // What a memtable answers is not cached: a key written and read back before its flush.
      db.put(b('c3'), b('three'));
      for (let i = 0; i < 3; i++) expect(s(db.get(b('c3')))).toBe('three');
      expect(db.stats().rowCache.misses).toBe(7);
      // A range delete forgets every entry.
      db.deleteRange(b('c0'), b('c2'));
      expect(db.stats().rowCache.entries).toBe(0);
      await db.flush();
      expect(db.get(b('c1'))).toBeUndefined();
      expect(db.get(b('c1'))).toBeUndefined();
      expect(db.stats().rowCache.entries).toBe(1);
    } finally {
      await db.close();
    }
  });
});

test('prefetch notes which keys the cache may hold; DB.prefetch with cachedAreOnlyRead loads no memtable entry of those', async () => {
  const cache = new RowCache(1 << 20);
  admit(cache, 'held', 'v');
  const hashes = Int32Array.from(['other', 'held', 'none'], (k) => hashOf(b(k)));
  cache.prefetch(hashes, 3);
  expect([...cache.prefetchHeld.subarray(0, 3)]).toEqual([0, 1, 0]);
  cache.setCapacity(0);
  cache.prefetch(hashes, 3);
  expect([...cache.prefetchHeld.subarray(0, 3)]).toEqual([0, 0, 0]);

  await inTempDir(async (dir) => {
    const db = await open(dir, { ...smallOptions, rowCacheKeys: cachedKeys });
    try {
      // A set member's SADD: a read that misses, then a put (admitted).
      expect(db.get(b('c1'))).toBeUndefined();
      db.put(b('c1'), b(''));
      const mem = (db as unknown as { mem: { prefetch(hashes: Int32Array, count: number): void } }).mem;
      const loaded: number[][] = [];
      const memPrefetch = mem.prefetch.bind(mem);
      mem.prefetch = (hashes, count) => {
        loaded.push([...hashes.subarray(0, count)]);
        memPrefetch(hashes, count);
      };
      const keys = b('c1c2n1');
      db.prefetch(keys, [0, 2, 4], [2, 4, 6], 3, true);
      // c1 is read from the cache, and not written: c2 (a new member) and n1 (not cached) are loaded.
      expect(loaded).toEqual([[hashOf(b('c2')), hashOf(b('n1'))]]);
      db.prefetch(keys, [0, 2, 4], [2, 4, 6], 3);
      expect(loaded[1]).toEqual(['c1', 'c2', 'n1'].map((k) => hashOf(b(k))));
    } finally {
      await db.close();
    }
  });
});

type Op =
  | { op: 'put'; key: number; value: string }
  | { op: 'delete'; key: number }
  | { op: 'deleteRange'; from: number; to: number }
  | { op: 'batch'; puts: { key: number; value: string | null }[] }
  | { op: 'get'; key: number }
  | { op: 'snapshot' }
  | { op: 'snapshotGet'; key: number }
  | { op: 'flush' }
  | { op: 'compact' }
  | { op: 'reopen' };

const KEYS = 40;
const keyArb = fc.integer({ min: 0, max: KEYS - 1 });
const valueArb = fc.oneof(fc.string({ maxLength: 6 }), fc.constant('x'.repeat(ROW_CACHE_MAX_VALUE_BYTES + 10)));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('put' as const), key: keyArb, value: valueArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteRange' as const), from: keyArb, to: keyArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('batch' as const), puts: fc.array(fc.record({ key: keyArb, value: fc.option(valueArb) }), { maxLength: 5 }) }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('get' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ op: 'snapshot' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('snapshotGet' as const), key: keyArb }) },
  // Often: only what the tables answer is cached.
  { weight: 4, arbitrary: fc.constant({ op: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'compact' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
);

/** Half the keys ("c...") are cached; the others ("n...") are not. */
const keyName = (i: number): string => `${i % 2 === 0 ? 'c' : 'n'}${String(i).padStart(3, '0')}`;

test('property: every read of a DB with a row cache agrees with a model, through writes, snapshots, flushes, compactions and reopens', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 120 }), fc.constantFrom(2048, 1 << 20), async (ops, rowCacheBytes) => {
      await inTempDir(async (dir) => {
        const options: DBOptions = { ...smallOptions, memtableSize: 2048, compactionMode: 'inline', rowCacheKeys: cachedKeys, rowCacheBytes };
        let db: DB = await open(dir, options);
        const model = new Map<string, string>();
        let snapshot: { snap: ReturnType<DB['snapshot']>; model: Map<string, string> } | null = null;
        const check = (key: number): void => {
          const k = keyName(key);
          expect(s(db.get(b(k)))).toBe(model.get(k));
          expect(db.has(b(k))).toBe(model.has(k));
        };
        try {
          for (const o of ops) {
            if (o.op === 'put') {
              db.put(b(keyName(o.key)), b(o.value));
              model.set(keyName(o.key), o.value);
            } else if (o.op === 'delete') {
              db.delete(b(keyName(o.key)));
              model.delete(keyName(o.key));
            } else if (o.op === 'deleteRange') {
              const [from, to] = [keyName(o.from), keyName(o.to)].sort();
              db.deleteRange(b(from), b(to));
              for (const k of [...model.keys()]) if (k >= from && k < to) model.delete(k);
            } else if (o.op === 'batch') {
              const batch = new WriteBatch();
              for (const p of o.puts) {
                const k = keyName(p.key);
                if (p.value === null) {
                  batch.delete(b(k));
                  model.delete(k);
                } else {
                  batch.put(b(k), b(p.value));
                  model.set(k, p.value);
                }
              }
              db.write(batch);
            } else if (o.op === 'get') check(o.key);
            else if (o.op === 'snapshot') {
              snapshot?.snap.release();
              snapshot = { snap: db.snapshot(), model: new Map(model) };
            } else if (o.op === 'snapshotGet') {
              if (snapshot !== null) expect(s(db.get(b(keyName(o.key)), { snapshot: snapshot.snap }))).toBe(snapshot.model.get(keyName(o.key)));
            } else if (o.op === 'flush') await db.flush();
            else if (o.op === 'compact') await db.compactRange();
            else {
              snapshot?.snap.release();
              snapshot = null;
              await db.close();
              db = await open(dir, options);
            }
          }
          for (let key = 0; key < KEYS; key++) check(key);
        } finally {
          snapshot?.snap.release();
          await db.close();
        }
      });
    }),
    { numRuns: 100 },
  );
}, 120_000);
