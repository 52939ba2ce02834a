/**
 * DB.putDeferred: a put whose value bytes the caller rewrites in place
 * reaches the memtable and the WAL once, with the bytes it holds then, and
 * nobody can tell it was held back: reads, iterators, snapshots and writes
 * of the key see (or follow) its newest bytes, and a crash after an
 * event-loop turn finds it in the same WAL record as the writes made with
 * it, across memtable switches too.
 */
import { describe, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, WriteBatch, type DB } from '../../../src/storage/lsm/index.ts';
import type { MemtablePlace } from '../../../src/storage/lsm/write_batch.ts';
import { DEFERRED_MAX } from '../../../src/storage/lsm/deferred_puts.ts';
import { b, inTempDir, s, tempDir, rmrf } from './helpers.ts';

const place = (): MemtablePlace => ({ placeMemtable: 0, placeSlot: 0, placeNode: 0 });
const nextTurn = (): Promise<void> => new Promise((done) => setImmediate(done));

/** The DB's files as a kill -9 would leave them (what its writes handed to the OS), opened as a DB of their own. */
async function crashCopy(dir: string): Promise<{ db: DB; dir: string }> {
  const copy = tempDir();
  for (const name of fs.readdirSync(dir)) {
    if (name === 'LOCK') continue;
    try {
      fs.copyFileSync(path.join(dir, name), path.join(copy, name));
    } catch (e) {
      // Unlinked since the listing: an obsolete file.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return { db: await open(copy, { syncPolicy: 'no', fsync: false }), dir: copy };
}

/** A counter record rewritten in place, as the LSM engine rewrites a list's metadata. */
function counter(n: number): Uint8Array {
  return b(`count=${String(n).padStart(6, '0')}`);
}
function rewrite(value: Uint8Array, n: number): void {
  value.set(counter(n));
}

describe('deferred puts', () => {
  test('reads, iterators and snapshots see the bytes the value holds when they look', () =>
    inTempDir(async (dir) => {
      const db = await open(dir, { syncPolicy: 'no', fsync: false });
      const head = b('meta:');
      const key = b('mylist');
      const value = counter(0);
      const p = place();
      for (let n = 1; n <= 5; n++) {
        rewrite(value, n);
        db.put(b(`element:${n}`), b('x'));
        db.putDeferred(head, key, value, p);
      }
      expect(s(db.get(b('meta:mylist')))).toBe('count=000005');
      rewrite(value, 6);
      db.putDeferred(head, key, value, p);
      const it = db.iterator({ gte: b('meta:'), lt: b('meta;') });
      it.seekToFirst();
      expect(s(it.value())).toBe('count=000006');
      it.close();
      rewrite(value, 7);
      db.putDeferred(head, key, value, p);
      const snap = db.snapshot();
      rewrite(value, 8);
      db.putDeferred(head, key, value, p);
      expect(s(db.get(b('meta:mylist'), { snapshot: snap }))).toBe('count=000007');
      expect(s(db.get(b('meta:mylist')))).toBe('count=000008');
      snap.release();
      await db.close();
    }));

  test('a write of the key after its deferred put wins: put, delete, a batch, a range deletion', () =>
    inTempDir(async (dir) => {
      const db = await open(dir, { syncPolicy: 'no', fsync: false });
      const head = b('meta:');
      const value = counter(1);
      const p = place();
      db.putDeferred(head, b('k'), value, p);
      db.put(b('meta:k'), b('plain'));
      rewrite(value, 2); // bytes no longer held back: nothing changes
      expect(s(db.get(b('meta:k')))).toBe('plain');

      db.putDeferred(head, b('k'), value, p);
      db.delete(b('meta:k'));
      expect(db.get(b('meta:k'))).toBeUndefined();

      db.putDeferred(head, b('k'), value, p);
      const batch = db.batch();
      batch.put(b('other'), b('o'));
      batch.put(b('meta:k'), b('batched'));
      db.write(batch);
      expect(s(db.get(b('meta:k')))).toBe('batched');

      db.putDeferred(head, b('k'), value, p);
      db.write(new WriteBatch().deleteRange(b('meta:a'), b('meta:z')));
      expect(db.get(b('meta:k'))).toBeUndefined();
      await nextTurn();
      await db.close();
      const reopened = await open(dir, { syncPolicy: 'no', fsync: false });
      expect(reopened.get(b('meta:k'))).toBeUndefined();
      expect(s(reopened.get(b('other')))).toBe('o');
      await reopened.close();
    }));

  test('a crash after a turn finds the deferred put with the writes made with it, across memtable switches', () =>
    inTempDir(async (dir) => {
      const db = await open(dir, { syncPolicy: 'no', fsync: false, memtableSize: 4 * 1024 });
      const head = b('meta:');
      const value = counter(0);
      const p = place();
      let n = 0;
      for (let turn = 0; turn < 40; turn++) {
        for (let i = 0; i < 16; i++) {
          n++;
          rewrite(value, n);
          // The order of a list command: the record rewritten and held back, then the command's other writes.
          db.putDeferred(head, b('mylist'), value, p);
          db.put(b(`element:${String(n).padStart(6, '0')}`), b('x'.repeat(40)));
        }
        await nextTurn();
        if (turn % 8 !== 7) continue;
        const crashed = await crashCopy(dir);
        try {
          expect(s(crashed.db.get(b('meta:mylist')))).toBe(`count=${String(n).padStart(6, '0')}`);
          expect(s(crashed.db.get(b(`element:${String(n).padStart(6, '0')}`)))).toBe('x'.repeat(40));
        } finally {
          await crashed.db.close();
          rmrf(crashed.dir);
        }
      }
      expect(db.stats().flushes).toBeGreaterThan(0);
      await db.close();
    }));

  test('an atomic group logs its deferred puts with its writes, at its end', () =>
    inTempDir(async (dir) => {
      const db = await open(dir, { syncPolicy: 'no', fsync: false });
      const value = counter(1);
      db.beginAtomic();
      db.putDeferred(b('meta:'), b('g'), value, place());
      await nextTurn(); // a script yielding: the group's record waits
      rewrite(value, 2);
      db.put(b('in-group'), b('1'));
      db.endAtomic();
      await nextTurn();
      const crashed = await crashCopy(dir);
      try {
        expect(s(crashed.db.get(b('meta:g')))).toBe('count=000002');
        expect(s(crashed.db.get(b('in-group')))).toBe('1');
      } finally {
        await crashed.db.close();
        rmrf(crashed.dir);
      }
      await db.close();
    }));

  test(`more than ${DEFERRED_MAX} keys held back: the oldest are written first, every one is found`, () =>
    inTempDir(async (dir) => {
      const db = await open(dir, { syncPolicy: 'no', fsync: false });
      const keys = DEFERRED_MAX * 3;
      const values = Array.from({ length: keys }, (_, i) => counter(i));
      const places = values.map(place);
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < keys; i++) {
          rewrite(values[i], i + 1000 * round);
          db.putDeferred(b('meta:'), b(`key${i}`), values[i], places[i]);
        }
      }
      for (let i = 0; i < keys; i++) expect(s(db.get(b(`meta:key${i}`)))).toBe(`count=${String(i + 2000).padStart(6, '0')}`);
      await db.close();
      const reopened = await open(dir, { syncPolicy: 'no', fsync: false });
      for (let i = 0; i < keys; i++) expect(s(reopened.get(b(`meta:key${i}`)))).toBe(`count=${String(i + 2000).padStart(6, '0')}`);
      await reopened.close();
    }));
});
