/**
 * Table.lookup's restart hint (the restart whose interval the last lookup in
 * the same block scanned, probed first: a list's pops read adjacent keys):
 * lookups in every order, across block and restart boundaries, of stored,
 * missing, deleted and range-deleted keys, compared with a model. A probe
 * past the block's last restart (blockGetAt without its `probe <= right`)
 * fails them.
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
});
