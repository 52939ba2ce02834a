/** Iterators across all layers, snapshots during compaction, filters, checkpoints, stats. */
import { describe, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DBIterator, type MemtablePlace, open, type Snapshot, WriteBatch } from '../../../src/storage/lsm/index.ts';
import { b, rmrf, rng, s, smallOptions, tempDir } from './helpers.ts';

function concat(a: Uint8Array, c: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + c.length);
  out.set(a);
  out.set(c, a.length);
  return out;
}

const key = (i: number) => b('key' + String(i).padStart(6, '0'));
const small = smallOptions;

function collect(it: Iterable<[Uint8Array, Uint8Array]>): string[] {
  const out: string[] = [];
  for (const [k, v] of it) out.push(`${s(k)}=${s(v)}`);
  return out;
}

describe('iterators', () => {
  test('merge memtable, immutable memtables and every level; both directions', async () => {
    const dir = tempDir();
    try {
      const db = await open(dir, { ...small, compactionMode: 'worker' });
      const want = new Map<string, string>();
      // Old data pushed to deep levels.
      for (let i = 0; i < 3000; i++) {
        db.put(key(i), b('v0-' + i));
        want.set(s(key(i))!, 'v0-' + i);
      }
      await db.compactRange();
      // Newer generations at L0/L1.
      for (let i = 0; i < 3000; i += 3) {
        db.put(key(i), b('v1-' + i));
        want.set(s(key(i))!, 'v1-' + i);
      }
      await db.flush();
      for (let i = 1; i < 3000; i += 5) {
        db.delete(key(i));
        want.delete(s(key(i))!);
      }
      db.deleteRange(key(2000), key(2100));
      for (let i = 2000; i < 2100; i++) want.delete(s(key(i))!);
      const snap = db.snapshot();
      const atSnap = new Map(want);
      // Newest in memtable.
      for (let i = 0; i < 3000; i += 7) {
        db.put(key(i), b('v2-' + i));
        want.set(s(key(i))!, 'v2-' + i);
      }
      const levels = db.stats().levels.filter((l) => l.files > 0).length;
      expect(levels).toBeGreaterThanOrEqual(2);
      // Point reads across the layers, now and at the snapshot: has and compareValue (in place) agree with get.
      for (const [model, opts] of [[want, undefined], [atSnap, { snapshot: snap }]] as const) {
        for (let i = 0; i < 3000; i++) {
          const v = model.get(s(key(i))!);
          expect(s(db.get(key(i), opts))).toBe(v);
          expect(db.has(key(i), opts)).toBe(v !== undefined);
          expect(db.compareValue(key(i), b(v ?? 'v0-' + i), opts)).toBe(v === undefined ? -1 : 1);
          // Another value of the same length, and a longer one.
          expect(db.compareValue(key(i), b('v9-' + i), opts)).toBe(v === undefined ? -1 : 0);
          expect(db.compareValue(key(i), b((v ?? '') + 'x'), opts)).toBe(v === undefined ? -1 : 0);
          // getInto: the value copied into a buffer with room for it, -2 (buffer untouched) into one byte short.
          const room = new Uint8Array(16).fill(7);
          const n = db.getInto(key(i), room, opts);
          expect(n).toBe(v === undefined ? -1 : v.length);
          if (v !== undefined) expect(s(room.subarray(0, n))).toBe(v);
          if (v !== undefined) {
            const short = new Uint8Array(v.length - 1).fill(7);
            expect(db.getInto(key(i), short, opts)).toBe(-2);
            expect(short.every((x) => x === 7)).toBe(true);
          }
        }
      }
      snap.release();
      const sorted = [...want.entries()].sort(([a], [c]) => (a < c ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
      expect(collect(db.iterator())).toEqual(sorted);
      expect(collect(db.iterator({ reverse: true }))).toEqual([...sorted].reverse());
      const lo = 'key000500';
      const hi = 'key002500';
      const ranged = sorted.filter((x) => x >= lo && x.split('=')[0] < hi);
      expect(collect(db.iterator({ gte: b(lo), lt: b(hi) }))).toEqual(ranged);
      expect(collect(db.iterator({ gte: b(lo), lt: b(hi), reverse: true }))).toEqual([...ranged].reverse());
      // Seek + direction changes.
      const keys = sorted.map((x) => x.split('=')[0]);
      const at = keys.findIndex((k) => k >= 'key002050');
      const it = db.iterator();
      it.seek(b('key002050'));
      expect(s(it.key())).toBe(keys[at]);
      it.prev();
      expect(s(it.key())).toBe(keys[at - 1]);
      it.next();
      expect(s(it.key())).toBe(keys[at]);
      it.next();
      expect(s(it.key())).toBe(keys[at + 1]);
      it.seekForPrev(b('key002050'));
      expect(s(it.key())).toBe(keys[at - 1]);
      it.seekForPrev(b(keys[at]));
      expect(s(it.key())).toBe(keys[at]);
      it.close();
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('snapshot and open iterator stay consistent while compactions rewrite everything', async () => {
    const dir = tempDir();
    try {
      const db = await open(dir, { ...small, compactionMode: 'worker' });
      for (let i = 0; i < 2000; i++) db.put(key(i), b('old' + i));
      await db.flush();
      const snap = db.snapshot();
      const it = db.iterator({ snapshot: snap });
      it.seekToFirst();
      for (let i = 0; i < 2000; i++) {
        if (i % 2 === 0) db.delete(key(i));
        else db.put(key(i), b('new' + i));
      }
      db.deleteRange(key(0), key(500));
      await db.compactRange();
      await db.compactRange();
      // Iterator pins old files; snapshot reads see old values through the new files.
      let n = 0;
      for (; it.valid(); it.next()) {
        expect(s(it.value())).toBe('old' + n);
        n++;
      }
      expect(n).toBe(2000);
      it.close();
      for (let i = 0; i < 2000; i += 37) expect(s(db.get(key(i), { snapshot: snap }))).toBe('old' + i);
      expect(collect(db.iterator({ snapshot: snap })).length).toBe(2000);
      expect(db.get(key(10))).toBeUndefined();
      expect(db.get(key(600))).toBeUndefined();
      expect(s(db.get(key(601)))).toBe('new601');
      snap.release();
      await db.compactRange();
      expect(collect(db.iterator()).length).toBe(750);
      // All old files released and deleted.
      const ssts = fs.readdirSync(dir).filter((f) => f.endsWith('.sst')).length;
      expect(ssts).toBe(db.stats().levels.reduce((a, l) => a + l.files, 0));
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);
});

describe('compaction', () => {
  test('leveled compaction keeps levels within targets and data intact (worker)', async () => {
    const dir = tempDir();
    try {
      const db = await open(dir, { ...small, compactionMode: 'worker' });
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 4000; i++) db.put(key((i * 7919) % 20000), b(`r${round}-${i}`));
        await new Promise((r) => setTimeout(r, 5));
      }
      await db.waitForIdle();
      const st = db.stats();
      expect(st.compactions + st.trivialMoves).toBeGreaterThan(0);
      expect(st.levels[0].files).toBeLessThan(small.l0CompactionTrigger! + 2);
      expect(st.writeAmplification).toBeGreaterThan(1);
      expect(st.backgroundError).toBeNull();
      expect(s(db.get(key((3999 * 7919) % 20000)))).toBe('r4-3999');
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('big compactions split in two key ranges run by two workers; every version, tombstone and snapshot read survives', async () => {
    const dir = tempDir();
    try {
      const db = await open(dir, { ...small, compactionMode: 'worker', subcompactions: 2 });
      const want = new Map<string, string>();
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 3000; i++) {
          const k = key((i * 7919 + round * 13) % 9000);
          if (i % 11 === round) {
            db.delete(k);
            want.delete(s(k)!);
          } else {
            db.put(k, b(`r${round}-${i}`));
            want.set(s(k)!, `r${round}-${i}`);
          }
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const snap = db.snapshot();
      const atSnap = new Map(want);
      for (let i = 0; i < 9000; i += 4) {
        db.put(key(i), b('after-snapshot'));
        want.set(s(key(i))!, 'after-snapshot');
      }
      await db.compactRange();
      const st = db.stats();
      expect(st.splitCompactions).toBeGreaterThan(0);
      expect(st.backgroundError).toBeNull();
      const sorted = (m: Map<string, string>) => [...m.entries()].sort(([a], [c]) => (a < c ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
      expect(collect(db.iterator())).toEqual(sorted(want));
      expect(collect(db.iterator({ snapshot: snap }))).toEqual(sorted(atSnap));
      snap.release();
      // Output files of one level stay disjoint and ordered after a split.
      await db.close();
      const again = await open(dir, { ...small, compactionMode: 'worker', subcompactions: 1 });
      expect(collect(again.iterator())).toEqual(sorted(want));
      await again.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('compaction filter module runs in the worker and drops keys', async () => {
    const dir = tempDir();
    try {
      const db = await open(dir, {
        ...small,
        compactionMode: 'worker',
        compactionFilter: { module: path.join(import.meta.dir, 'fixtures/drop_prefix_filter.ts'), options: { prefix: 'tmp:' } },
      });
      for (let i = 0; i < 500; i++) {
        db.put(b('tmp:' + i), b('x'));
        db.put(b('keep:' + i), b('y'));
      }
      expect(s(db.get(b('tmp:5')))).toBe('x');
      await db.compactRange();
      expect(db.get(b('tmp:5'))).toBeUndefined();
      expect(s(db.get(b('keep:5')))).toBe('y');
      expect(collect(db.iterator()).length).toBe(500);
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('filtered newest version does not resurrect an older one', async () => {
    const dir = tempDir();
    try {
      let dropping = false;
      const db = await open(dir, { ...small, compactionMode: 'inline', compactionFilterFn: (_k, v) => (dropping && s(v) === 'new' ? 'drop' : 'keep') });
      db.put(b('a'), b('old'));
      await db.compactRange();
      db.put(b('a'), b('new'));
      dropping = true;
      await db.flush();
      await db.compactRange(b('a'), b('a'));
      expect(db.get(b('a'))).toBeUndefined();
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('range tombstones are garbage-collected once data is compacted away', async () => {
    const dir = tempDir();
    try {
      const db = await open(dir, { ...small, compactionMode: 'inline' });
      for (let i = 0; i < 1000; i++) db.put(key(i), b('v'));
      db.deleteRange(key(100), key(900));
      expect(db.stats().rangeTombstones).toBe(1);
      await db.compactRange();
      expect(db.stats().rangeTombstones).toBe(0);
      expect(collect(db.iterator()).length).toBe(200);
      await db.close();
      const db2 = await open(dir, small);
      expect(collect(db2.iterator()).length).toBe(200);
      await db2.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);
});

describe('durability API', () => {
  test('whenDurable resolves under every policy; batches are atomic across reopen', async () => {
    for (const syncPolicy of ['always', 'everysec', 'no'] as const) {
      const dir = tempDir();
      try {
        const db = await open(dir, { syncPolicy, memtableSize: 1 << 20 });
        const wb = new WriteBatch();
        for (let i = 0; i < 100; i++) wb.put(key(i), b('b' + i));
        wb.delete(key(5));
        db.write(wb);
        const t0 = performance.now();
        await db.whenDurable();
        expect(performance.now() - t0).toBeLessThan(2500);
        await db.close();
        const db2 = await open(dir, { syncPolicy });
        expect(collect(db2.iterator()).length).toBe(99);
        await db2.close();
      } finally {
        rmrf(dir);
      }
    }
  }, 60_000);
});

describe('placed writes', () => {
  test('puts at their keys\' places (putJoinedPlaced) agree with a model across memtable switches, snapshots, open iterators, wrong places and a reopen', async () => {
    const dir = tempDir();
    try {
      const r = rng(7);
      let db = await open(dir, { ...small, compactionMode: 'inline' });
      const head = b('meta:');
      const names = Array.from({ length: 40 }, (_, i) => b('k' + String(i).padStart(3, '0')));
      const places: MemtablePlace[] = names.map(() => ({ placeMemtable: 0, placeSlot: 0, placeNode: 0 }));
      const model = new Map<string, string>();
      const held: { snapshot: Snapshot; expected: Map<string, string> }[] = [];
      const iterators: DBIterator[] = [];
      for (let op = 0; op < 20_000; op++) {
        const i = Math.floor(r() * names.length);
        const value = 'v'.repeat(1 + Math.floor(r() * 3)) + (op % 10);
        const batch = r() < 0.5 ? db.batch() : new WriteBatch();
        if (r() < 0.2) batch.put(b('other' + (op % 7)), b('x'));
        // Mostly the key's own place; sometimes another key's (a wrong hint).
        const place = r() < 0.9 ? places[i] : places[Math.floor(r() * names.length)];
        batch.putJoinedPlaced(head, names[i], b(value), place);
        db.write(batch);
        model.set(s(names[i])!, value);
        // A snapshot or an open iterator keeps older versions readable: no overwrite in place meanwhile.
        const dice = r();
        if (dice < 0.01) held.push({ snapshot: db.snapshot(), expected: new Map(model) });
        else if (dice < 0.02) iterators.push(db.iterator());
        else if (dice < 0.04 && held.length > 0) {
          const { snapshot, expected } = held.shift()!;
          for (const [name, v] of expected) expect(s(db.get(concat(head, b(name)), { snapshot }))).toBe(v);
          snapshot.release();
        } else if (dice < 0.06 && iterators.length > 0) iterators.shift()!.close();
      }
      for (const { snapshot, expected } of held) {
        for (const [name, v] of expected) expect(s(db.get(concat(head, b(name)), { snapshot }))).toBe(v);
        snapshot.release();
      }
      for (const it of iterators) it.close();
      expect(db.stats().flushes).toBeGreaterThan(2);
      const check = (): void => {
        for (const [name, v] of model) expect(s(db.get(concat(head, b(name))))).toBe(v);
      };
      check();
      await db.close();
      db = await open(dir, small);
      check();
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);
});

describe('checkpoint', () => {
  test('consistent copy with hard-linked tables, independent afterwards', async () => {
    const dir = tempDir();
    const cp = path.join(tempDir(), 'cp');
    try {
      const db = await open(dir, { ...small, compactionMode: 'inline' });
      for (let i = 0; i < 3000; i++) db.put(key(i), b('v' + i));
      await db.flush();
      for (let i = 0; i < 100; i++) db.put(key(i), b('mem' + i)); // only in memtable + WAL
      await db.checkpoint(cp);
      db.put(key(1), b('after'));
      await db.compactRange();
      const linked = fs.readdirSync(cp).filter((f) => f.endsWith('.sst'));
      expect(linked.length).toBeGreaterThan(0);
      await db.close();
      const c = await open(cp, small);
      expect(s(c.get(key(1)))).toBe('mem1');
      expect(s(c.get(key(2000)))).toBe('v2000');
      expect(collect(c.iterator()).length).toBe(3000);
      await c.close();
    } finally {
      rmrf(dir);
      rmrf(path.dirname(cp));
    }
  }, 60_000);
});

describe('stats', () => {
  test('reports levels, cache and amplification', async () => {
    const dir = tempDir();
    try {
      // The block cache holds decompressed blocks: zstd tables use it.
      const db = await open(dir, { ...small, compactionMode: 'inline', compression: 'zstd' });
      for (let i = 0; i < 3000; i++) db.put(key(i), b('v' + i));
      await db.compactRange();
      for (let i = 0; i < 3000; i++) db.get(key(i));
      for (let i = 0; i < 3000; i++) db.get(key(i));
      const st = db.stats();
      expect(st.levels.reduce((a, l) => a + l.files, 0)).toBeGreaterThan(0);
      expect(st.blockCache.hitRate).toBeGreaterThan(0.5);
      expect(st.blockReads).toBeGreaterThanOrEqual(6000);
      expect(st.userBytesWritten).toBeGreaterThan(0);
      expect(st.writeAmplification).toBeGreaterThan(1);
      expect(st.sequence).toBe(3000);
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('uncompressed tables are read in place: point reads and scans leave the block cache empty', async () => {
    const dir = tempDir();
    try {
      const db = await open(dir, { ...small, compactionMode: 'inline', compression: 'none' });
      for (let i = 0; i < 3000; i++) db.put(key(i), b('v' + i));
      await db.compactRange();
      for (let i = 0; i < 3000; i++) expect(s(db.get(key(i)))).toBe('v' + i);
      expect(collect(db.iterator()).length).toBe(3000);
      const st = db.stats();
      expect(st.blockReads).toBeGreaterThanOrEqual(3000);
      expect(st.blockCache.usage).toBe(0);
      expect(st.blockCache.hits + st.blockCache.misses).toBe(0);
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);
});
