import { expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, WriteBatch } from '../../../src/storage/lsm/index.ts';
import { b, inTempDir, rmrf, s, tempDir } from './helpers.ts';

/** A copy of dir as a crash would leave it, its WAL cut to `keep` bytes (all when undefined). */
function crashCopy(dir: string, keep?: number): string {
  const copy = tempDir();
  for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
  const wal = fs.readdirSync(copy).filter((f) => f.endsWith('.log')).sort().at(-1)!;
  if (keep !== undefined) fs.truncateSync(path.join(copy, wal), keep);
  return copy;
}

test('an atomic group is one WAL record: visible at once, recovered whole or not at all', () =>
  inTempDir(async (dir) => {
    const db = await open(dir, { syncPolicy: 'always', compactionMode: 'off' });
    db.put(b('before'), b('1'));
    await db.whenDurable();
    const walBefore = fs.statSync(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.log'))!)).size;
    const big = new Uint8Array(40_000).fill(120); // the record spans blocks of the log
    db.beginAtomic();
    db.put(b('a'), big);
    db.beginAtomic(); // groups nest
    db.write(new WriteBatch().put(b('b'), big).delete(b('before')));
    db.endAtomic();
    expect(db.get(b('a'))?.length).toBe(40_000);
    expect(db.get(b('before'))).toBeUndefined();
    db.put(b('c'), b('3'));
    db.endAtomic();
    await db.whenDurable();

    const torn = crashCopy(dir, walBefore + 60_000); // past where a first batch alone would end
    const whole = crashCopy(dir);
    try {
      const t = await open(torn, { compactionMode: 'off' });
      expect(t.recovery.tornTails.length).toBe(1);
      expect([s(t.get(b('before'))), t.get(b('a')), t.get(b('b')), t.get(b('c'))]).toEqual(['1', undefined, undefined, undefined]);
      await t.close();
      const w = await open(whole, { compactionMode: 'off' });
      expect(w.recovery.recordsReplayed).toBe(2);
      expect([w.get(b('before')), w.get(b('a'))?.length, w.get(b('b'))?.length, s(w.get(b('c')))]).toEqual([undefined, 40_000, 40_000, '3']);
      await w.close();
    } finally {
      rmrf(torn);
      rmrf(whole);
      await db.close();
    }
  }));

test("one event-loop turn's writes share one WAL record, atomic groups whole; a written batch may be reused at once", () =>
  inTempDir(async (dir) => {
    const db = await open(dir, { syncPolicy: 'always', compactionMode: 'off' });
    const batch = new WriteBatch();
    db.put(b('plain'), b('0'));
    db.beginAtomic();
    db.write(batch.put(b('sole'), b('1')));
    db.endAtomic();
    batch.clear();
    db.beginAtomic();
    db.write(batch.put(b('x'), b('2')).put(b('y'), b('3')));
    batch.clear(); // reused inside the group too
    db.write(batch.delete(b('x')));
    batch.clear();
    batch.put(b('z'), b('overwritten'));
    db.endAtomic();
    db.write(new WriteBatch().put(b('last'), b('4')));
    await db.whenDurable();
    db.put(b('next turn'), b('5'));
    await db.whenDurable();
    const whole = crashCopy(dir);
    try {
      const w = await open(whole, { compactionMode: 'off' });
      expect(w.recovery.recordsReplayed).toBe(2);
      expect([s(w.get(b('plain'))), s(w.get(b('sole'))), w.get(b('x')), s(w.get(b('y'))), w.get(b('z')), s(w.get(b('last'))), s(w.get(b('next turn')))]).toEqual([
        '0',
        '1',
        undefined,
        '3',
        undefined,
        '4',
        '5',
      ]);
      await w.close();
    } finally {
      rmrf(whole);
      await db.close();
    }
  }));

test('setSyncPolicy: whenDurable follows the new policy at once', () =>
  inTempDir(async (dir) => {
    const db = await open(dir, { syncPolicy: 'everysec', compactionMode: 'off' });
    db.put(b('k'), b('v'));
    db.setSyncPolicy('always');
    const t0 = performance.now();
    await db.whenDurable(); // everysec would take up to a second
    expect(performance.now() - t0).toBeLessThan(900);
    db.setSyncPolicy('no');
    db.put(b('k2'), b('v'));
    await db.whenDurable();
    expect(db.backgroundError).toBeNull();
    await db.close();
  }));

test("DB.batch(): its ops go into the WAL record being gathered and count once written; another write, a logged record or the next batch() before that leaves them out of it", () =>
  inTempDir(async (dir) => {
    const db = await open(dir, { syncPolicy: 'always', compactionMode: 'off' });
    const opened = db.lastSequence;
    db.put(b('plain'), b('0'));
    db.write(db.batch().put(b('lent'), b('1')).delete(b('plain')));
    expect([db.get(b('plain')), s(db.get(b('lent')))]).toEqual([undefined, '1']);

    // Another write while the batch is being built: it is written first, the batch after it, whole.
    const interrupted = db.batch().put(b('first op'), b('2'));
    db.put(b('between'), b('3'));
    db.write(interrupted.put(b('second op'), b('4')).put(b('between'), b('4')));
    expect([s(db.get(b('first op'))), s(db.get(b('second op'))), s(db.get(b('between')))]).toEqual(['2', '4', '4']);

    // Dropped: the next batch() empties it, so its ops are never written.
    db.batch().put(b('dropped'), b('5'));
    db.write(db.batch().put(b('kept'), b('6')));
    expect([db.get(b('dropped')), s(db.get(b('kept')))]).toEqual([undefined, '6']);

    // Not written when the record is logged (the event-loop turn ends): the log holds none of its ops; written later, all of them.
    const late = db.batch().put(b('late'), b('7'));
    await db.whenDurable();
    const beforeLate = crashCopy(dir);
    db.write(late.delete(b('kept')));
    // A written batch is emptied: writing it again writes nothing.
    db.write(late);
    await db.whenDurable();
    const whole = crashCopy(dir);
    try {
      const t = await open(beforeLate, { compactionMode: 'off' });
      expect([t.get(b('late')), s(t.get(b('kept'))), t.get(b('dropped')), s(t.get(b('between')))]).toEqual([undefined, '6', undefined, '4']);
      await t.close();
      const w = await open(whole, { compactionMode: 'off' });
      expect([w.get(b('plain')), s(w.get(b('lent'))), s(w.get(b('first op'))), s(w.get(b('second op'))), s(w.get(b('between')))]).toEqual([undefined, '1', '2', '4', '4']);
      expect([w.get(b('dropped')), w.get(b('kept')), s(w.get(b('late')))]).toEqual([undefined, undefined, '7']);
      // Every op written has its sequence number (none went to a dropped one).
      expect(w.lastSequence).toBe(db.lastSequence);
      expect(db.lastSequence - opened).toBe(10);
      await w.close();
    } finally {
      rmrf(beforeLate);
      rmrf(whole);
      await db.close();
    }
  }));
