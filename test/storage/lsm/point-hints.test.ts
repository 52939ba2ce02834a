/**
 * Table.lookup's hints (the block and restart the last lookup searched, and
 * the restart interval it kept decoded: a list's pops read adjacent keys):
 * lookups in every order, across block and restart boundaries, of stored,
 * missing, deleted and range-deleted keys, in one table and over overlapping
 * ones, compared with a model. A probe past the block's last restart, or a
 * kept entry taken as the answer without a kept key below it (or the
 * block's first), or compared from a prefix the target was not checked to
 * share, fails them.
 */
import { describe, expect, test } from 'bun:test';
import * as path from 'node:path';
import { open } from '../../../src/storage/lsm/index.ts';
import { TableBuilder } from '../../../src/storage/lsm/table_builder.ts';
import { Table } from '../../../src/storage/lsm/table.ts';
import { KIND_DELETE, KIND_PUT } from '../../../src/storage/lsm/dbformat.ts';
import { FORMAT_VERSION } from '../../../src/storage/lsm/table_format.ts';
import { b, rmrf, rng, s, tempDir } from './helpers.ts';

/** A list element's key as the engine lays them out: a shared prefix, then the position as 8 big-endian bytes. */
function elementKey(prefix: string, position: number): Uint8Array {
  const head = b(prefix);
  const key = new Uint8Array(head.length + 8);
  key.set(head);
  new DataView(key.buffer).setBigUint64(head.length, BigInt(position));
  return key;
}

/** Orders of positions [0, n): descending and ascending runs (adjacent keys), a zigzag over block boundaries, and random. */
function lookupOrders(n: number, seed: number): number[][] {
  const r = rng(seed);
  const descending = Array.from({ length: n }, (_, i) => n - 1 - i);
  const ascending = Array.from({ length: n }, (_, i) => i);
  // Back and forth by one: every boundary is crossed in both directions from a hinted block.
  const zigzag = ascending.flatMap((i) => [i, i - 1 < 0 ? 0 : i - 1, i + 1]);
  const random = Array.from({ length: n }, () => Math.floor(r() * n));
  return [descending, ascending, zigzag, random];
}

describe('table point lookups with restart hints', () => {
  for (const compression of ['none', 'zstd'] as const) {
    test(`adjacent, zigzag and random keys, missing ones between and outside blocks, deletions (${compression})`, () => {
      const dir = tempDir();
      try {
        // Even positions stored (odd ones are missing keys between stored ones, some at block boundaries); every fifth has an older version; every seventh's newest entry is a deletion.
        const n = 1200;
        const newest = (p: number) => 10 * p + 5;
        const model = new Map<number, { seq: number; kind: number; value: string }[]>();
        for (let p = 0; p < n; p += 2) {
          const versions = [{ seq: newest(p), kind: p % 7 === 0 ? KIND_DELETE : KIND_PUT, value: `v${p}-new` }];
          if (p % 5 === 0) versions.push({ seq: newest(p) - 3, kind: KIND_PUT, value: `v${p}-old` });
          model.set(p, versions);
        }
        const file = path.join(dir, '000001.sst');
        const tb = TableBuilder.create(file, { blockSize: 256, restartInterval: 3, bloomBitsPerKey: 10, compression, formatVersion: FORMAT_VERSION });
        for (const [p, versions] of model) for (const v of versions) tb.add(elementKey('list:mylist:', p), v.seq, v.kind, b(v.value));
        tb.finish();
        tb.close();
        const table = Table.open(file, 1, null, { bytesRead: 0, blockReads: 0 });
        try {
          expect(table.numBlocks).toBeGreaterThan(30);
          const check = (key: Uint8Array, p: number, snapshot: number) => {
            const want = model.get(p)?.find((v) => v.seq <= snapshot);
            const got = table.get(key, snapshot);
            expect(got === null ? null : { seq: got.seq, kind: got.kind, value: got.kind === KIND_PUT ? s(got.value) : '' }, `position ${p} at ${snapshot}`).toEqual(
              want === undefined ? null : { seq: want.seq, kind: want.kind, value: want.kind === KIND_PUT ? want.value : '' },
            );
          };
          for (const order of lookupOrders(n, 7)) {
            for (const p of order) {
              check(elementKey('list:mylist:', p), p, Number.MAX_SAFE_INTEGER);
              // The older version, at a snapshot between the two: the same user key, a later internal key.
              if (p % 10 === 0) check(elementKey('list:mylist:', p), p, newest(p) - 1);
            }
          }
          // Keys outside the table's range, and another list's, each after a lookup that left a hint in the first or last block (the last restart of the last one).
          for (const [hinted, other] of [
            [0, elementKey('list:mylis', 3)],
            [0, elementKey('list:mylist:', -1 >>> 0).subarray(0, 11)],
            [n - 2, elementKey('list:mylist:', n + 10)],
            [n - 2, elementKey('list:mylist;', 0)],
            [n - 2, elementKey('list:mylist:', n - 2).subarray(0, 19)],
          ] as const) {
            check(elementKey('list:mylist:', hinted), hinted, Number.MAX_SAFE_INTEGER);
            expect(table.get(other, Number.MAX_SAFE_INTEGER)).toBeNull();
          }
        } finally {
          table.unref();
        }
      } finally {
        rmrf(dir);
      }
    });
  }
});

describe('table point lookups from kept restart intervals', () => {
  // Every string over {a, b, c} of length 1 to 4, in order: keys that share prefixes of every length and differ at every position.
  const universe: string[] = [];
  const grow = (k: string) => {
    if (k.length > 0) universe.push(k);
    if (k.length < 4) for (const c of 'abc') grow(k + c);
  };
  grow('');
  universe.sort();
  // Short keys, restarts every 3; and keys with a 200-byte prefix, restarts every 24 (intervals of more key bytes than a table keeps: searched, not kept).
  for (const [compression, pad, blockSize, restartInterval] of [
    ['none', '', 64, 3],
    ['zstd', '', 64, 3],
    ['none', 'p'.repeat(200), 1024, 24],
  ] as const) {
    test(`walks of adjacent keys with jumps, stored, missing and older versions, agree with a model (${compression}, ${pad.length}-byte prefix, restart interval ${restartInterval})`, () => {
      for (const seed of [1, 2, 3, 4]) {
        const r = rng(seed);
        const dir = tempDir();
        try {
          // Stored keys newest first per key: a put or a deletion, sometimes with an older put below it.
          const model = new Map<string, { seq: number; kind: number; value: string }[]>();
          let seq = 1;
          for (const k of universe) {
            if (r() < 0.4) continue;
            const versions = [{ seq: seq + 1, kind: r() < 0.15 ? KIND_DELETE : KIND_PUT, value: `${k}-new` }];
            if (r() < 0.3) versions.push({ seq, kind: KIND_PUT, value: `${k}-old` });
            seq += 2;
            model.set(k, versions);
          }
          const file = path.join(dir, '000001.sst');
          const tb = TableBuilder.create(file, { blockSize, restartInterval, bloomBitsPerKey: 10, compression, formatVersion: FORMAT_VERSION });
          for (const [k, versions] of model) for (const v of versions) tb.add(b(pad + k), v.seq, v.kind, b(v.value));
          tb.finish();
          tb.close();
          const table = Table.open(file, 1, null, { bytesRead: 0, blockReads: 0 });
          try {
            expect(table.numBlocks).toBeGreaterThan(pad === '' ? 10 : 1);
            // Steps of one (kept intervals and the entry after them), a few (the interval next to it, another in the block), and jumps (other blocks, keys that share the kept keys' prefix only in part).
            let at = Math.floor(r() * universe.length);
            for (let i = 0; i < 4000; i++) {
              const x = r();
              const step = x < 0.7 ? (r() < 0.5 ? -1 : 1) : x < 0.9 ? Math.floor(r() * 9) - 4 : Math.floor(r() * universe.length) - at;
              at = Math.min(universe.length - 1, Math.max(0, at + step));
              const k = universe[at];
              // Mostly the latest; sometimes a snapshot between a key's two versions, or below all of them.
              const snapshot = r() < 0.85 ? Number.MAX_SAFE_INTEGER : Math.floor(r() * seq);
              const want = model.get(k)?.find((v) => v.seq <= snapshot);
              const got = table.get(b(pad + k), snapshot);
              expect(got === null ? null : { seq: got.seq, kind: got.kind, value: got.kind === KIND_PUT ? s(got.value) : '' }, `${k} at ${snapshot} (seed ${seed}, step ${i})`).toEqual(
                want === undefined ? null : { seq: want.seq, kind: want.kind, value: want.kind === KIND_PUT ? want.value : '' },
              );
            }
          } finally {
            table.unref();
          }
        } finally {
          rmrf(dir);
        }
      }
    });
  }
  test('keys of a kept interval that differ from the target before its common prefix with the interval or its restart key', () => {
    const dir = tempDir();
    try {
      // One block, restart interval 3: [aaa aab aac] [acb acc b] [bac bb bc] [k0a k0b k0c] [k1d k1e].
      const stored = ['aaa', 'aab', 'aac', 'acb', 'acc', 'b', 'bac', 'bb', 'bc', 'k0a', 'k0b', 'k0c', 'k1d', 'k1e'];
      const file = path.join(dir, '000001.sst');
      const tb = TableBuilder.create(file, { blockSize: 4096, restartInterval: 3, bloomBitsPerKey: 10, compression: 'none', formatVersion: FORMAT_VERSION });
      for (const k of stored) tb.add(b(k), 1, KIND_PUT, b(`v-${k}`));
      tb.finish();
      tb.close();
      const table = Table.open(file, 1, null, { bytesRead: 0, blockReads: 0 });
      try {
        expect(table.numBlocks).toBe(1);
        const read = (k: string) => s(table.get(b(k), 5)?.value);
        // Down from [bac bb bc] into [acb acc b] at acc, not its last key: b shares nothing with acc, which shares ac with the restart key acb (and bac, after b, ends as acc does).
        for (const k of ['bb', 'bc']) expect(read(k)).toBe(`v-${k}`);
        expect(read('acc')).toBe('v-acc');
        // [k0a k0b k0c] kept (they share k0), then a key past them that shares k0 and, after it, the next restart key's bytes (k1d).
        for (const k of ['k0a', 'k0b']) expect(read(k)).toBe(`v-${k}`);
        expect(read('k0d')).toBeUndefined();
        expect(read('k1d')).toBe('v-k1d');
      } finally {
        table.unref();
      }
    } finally {
      rmrf(dir);
    }
  });
});

describe('db point lookups of flushed adjacent keys', () => {
  test('deleted and range-deleted elements read in both directions agree with a model', async () => {
    const dir = tempDir();
    try {
      const db = await open(dir, { syncPolicy: 'no', fsync: false, blockSize: 256, blockRestartInterval: 4, compactionMode: 'inline', rowCacheBytes: 0 });
      try {
        const n = 3000;
        const model = new Map<number, string>();
        for (let p = 0; p < n; p++) {
          db.put(elementKey('l:x:', p), b(`e${p}`));
          model.set(p, `e${p}`);
        }
        await db.flush();
        // Deletions and a range tombstone in the memtable over the flushed elements, then flushed too: the tables hold them.
        for (let p = 0; p < n; p += 11) {
          db.delete(elementKey('l:x:', p));
          model.delete(p);
        }
        db.deleteRange(elementKey('l:x:', 1000), elementKey('l:x:', 1300));
        for (let p = 1000; p < 1300; p++) model.delete(p);
        await db.flush();
        for (const order of lookupOrders(n + 20, 3)) {
          for (const p of order) expect(s(db.get(elementKey('l:x:', p))), `position ${p}`).toBe(model.get(p));
        }
      } finally {
        await db.close();
      }
    } finally {
      rmrf(dir);
    }
  });

  test('elements spread over overlapping L0 tables, some deleted in newer ones, read in every order agree with a model', async () => {
    const dir = tempDir();
    try {
      const db = await open(dir, { syncPolicy: 'no', fsync: false, blockSize: 128, blockRestartInterval: 4, compactionMode: 'off', rowCacheBytes: 0 });
      try {
        const n = 2000;
        const model = new Map<number, string>();
        // Four tables, each every fourth position over the whole range; then one of deletions (every ninth) and rewrites (every thirteenth) across all of them.
        for (let t = 0; t < 4; t++) {
          for (let p = t; p < n; p += 4) {
            db.put(elementKey('l:x:', p), b(`e${p}`));
            model.set(p, `e${p}`);
          }
          await db.flush();
        }
        for (let p = 0; p < n; p += 9) {
          db.delete(elementKey('l:x:', p));
          model.delete(p);
        }
        for (let p = 0; p < n; p += 13) {
          db.put(elementKey('l:x:', p), b(`r${p}`));
          model.set(p, `r${p}`);
        }
        await db.flush();
        expect(db.stats().levels[0].files).toBe(5);
        for (const order of lookupOrders(n + 20, 5)) {
          for (const p of order) expect(s(db.get(elementKey('l:x:', p))), `position ${p}`).toBe(model.get(p));
        }
      } finally {
        await db.close();
      }
    } finally {
      rmrf(dir);
    }
  });
});

describe('db writes of the key the last read found', () => {
  test('reads then writes of the same key or of a neighbour, under snapshots and iterators and across memtable switches, agree with a model and with recovery', async () => {
    const dir = tempDir();
    try {
      const options = { syncPolicy: 'no' as const, fsync: false, memtableSize: 16 * 1024, compactionMode: 'inline' as const, rowCacheKeys: () => true };
      const model = new Map<number, string>();
      const r = rng(7);
      const keys = 64;
      let db = await open(dir, options);
      try {
        for (let step = 0; step < 20000; step++) {
          const p = Math.floor(r() * keys);
          // Mostly the key just read (its found place), sometimes a neighbour of the same length (a place that is not its).
          const target = r() < 0.8 ? p : (p + 1) % keys;
          expect(s(db.get(elementKey('l:y:', p))), `read of ${p} at step ${step}`).toBe(model.get(p));
          const snapshot = r() < 0.05 ? db.snapshot() : null;
          const it = r() < 0.05 ? db.iterator() : null;
          const batch = db.batch();
          const roll = r();
          if (roll < 0.3) {
            batch.delete(elementKey('l:y:', target));
            model.delete(target);
          } else {
            // Values shorter, as long as and longer than the last: some fit the found entry, some do not.
            const value = 'v'.repeat(1 + Math.floor(r() * 6)) + step;
            batch.put(elementKey('l:y:', target), b(value));
            model.set(target, value);
          }
          db.write(batch);
          snapshot?.release();
          it?.close();
          if (step % 5000 === 4999) {
            await db.close();
            db = await open(dir, options);
          }
        }
        for (let p = 0; p < keys; p++) expect(s(db.get(elementKey('l:y:', p))), `position ${p}`).toBe(model.get(p));
      } finally {
        await db.close();
      }
    } finally {
      rmrf(dir);
    }
  });
});
