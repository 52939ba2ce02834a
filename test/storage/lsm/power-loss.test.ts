/**
 * A power loss while a retired WAL's sync is still queued (DB.rotateMemtable
 * syncs it off the main thread) can leave that WAL cut short, at a record
 * boundary or in a record, while the next WAL reached the disk whole.
 * Recovery must then stop at the gap in the sequence numbers: what it
 * rebuilds is a prefix of the writes, never writes after a gap.
 *
 * The images are made by hand: one WAL of single-put records (each put in
 * its own event-loop turn) split in two files, the first then cut.
 */
import { describe, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptionError, type DBOptions, open } from '../../../src/storage/lsm/index.ts';
import { readLogFile } from '../../../src/storage/lsm/log_reader.ts';
import { LogWriter } from '../../../src/storage/lsm/log_writer.ts';
import { b, rmrf, s, tempDir } from './helpers.ts';

const base: DBOptions = { syncPolicy: 'no', fsync: false, compactionMode: 'inline', memtableSize: 64 << 20 };
const COUNT = 200;
/** Where the second WAL starts (a record index). */
const SPLIT = 120;
const key = (i: number) => b('key' + String(i).padStart(6, '0'));
const val = (i: number) => 'value-' + i + '-'.repeat(i % 50);

/** A dir with keys [0, COUNT) in two WALs: records [0, SPLIT) in the first, the rest in the next; returns the WAL paths. */
async function twoWals(dir: string): Promise<[string, string]> {
  const db = await open(dir, base);
  for (let i = 0; i < COUNT; i++) {
    db.put(key(i), b(val(i)));
    // The next event-loop turn: each put its own WAL record (one turn's writes share one).
    await new Promise((resolve) => setImmediate(resolve));
  }
  await db.close(); // not flushed: the data is only in the WAL
  const [name] = fs.readdirSync(dir).filter((f) => /^\d+\.log$/.test(f));
  const first = path.join(dir, name);
  const { records } = readLogFile(first, 'strict');
  expect(records.length).toBe(COUNT);
  const second = path.join(dir, `${String(Number(name.slice(0, -4)) + 1).padStart(6, '0')}.log`);
  const w = LogWriter.create(second);
  for (const r of records.slice(SPLIT)) w.addRecord(r.data);
  w.syncSync(false);
  w.close();
  fs.truncateSync(first, records[SPLIT].offset);
  return [first, second];
}

/** The offset of record i of a WAL. */
const recordOffset = (wal: string, i: number): number => readLogFile(wal, 'strict').records[i].offset;

async function withTwoWals(run: (dir: string, first: string, second: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    const [first, second] = await twoWals(dir);
    await run(dir, first, second);
  } finally {
    rmrf(dir);
  }
}

/** Which of keys [0, COUNT) the db holds (checking each value). */
function present(db: Awaited<ReturnType<typeof open>>): number[] {
  const found: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const v = db.get(key(i));
    if (v === undefined) continue;
    expect(s(v)).toBe(val(i));
    found.push(i);
  }
  return found;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('WAL recovery after a power loss', () => {
  test('two whole WALs replay in full (sequence numbers run on across WALs)', () =>
    withTwoWals(async (dir) => {
      const db = await open(dir, base);
      expect(db.recovery.sequenceGap).toBeNull();
      expect(db.recovery.walFiles.length).toBe(2);
      expect(present(db)).toEqual(range(0, COUNT));
      await db.close();
    }));

  for (const cut of ['at a record boundary', 'in a record'] as const) {
    test(`the first WAL cut ${cut}: replay stops at the gap, the later WAL is dropped for good`, () =>
      withTwoWals(async (dir, first, second) => {
        const kept = 70;
        const at = recordOffset(first, kept) + (cut === 'in a record' ? 9 : 0);
        fs.truncateSync(first, at);
        const db = await open(dir, base);
        expect(present(db)).toEqual(range(0, kept));
        expect(db.recovery.sequenceGap).toEqual({ file: path.basename(second), offset: 0, expected: kept + 1, found: SPLIT + 1, dropped: [path.basename(second)] });
        expect(db.recovery.tornTails.length).toBe(cut === 'in a record' ? 1 : 0);
        // New writes go on from there; the dropped WAL never comes back.
        db.put(key(COUNT), b('after'));
        await db.close();
        expect(fs.existsSync(second)).toBe(false);
        const again = await open(dir, base);
        expect(again.recovery.sequenceGap).toBeNull();
        expect(present(again)).toEqual(range(0, kept));
        expect(s(again.get(key(COUNT)))).toBe('after');
        await again.close();
      }));
  }

  test('strict mode refuses a gap, naming the WAL after it', () =>
    withTwoWals(async (dir, first, second) => {
      fs.truncateSync(first, recordOffset(first, 50));
      try {
        await open(dir, { ...base, walRecovery: 'strict' });
        throw new Error('expected CorruptionError');
      } catch (e) {
        expect(e).toBeInstanceOf(CorruptionError);
        expect((e as CorruptionError).file).toBe(path.basename(second));
        expect((e as CorruptionError).message).toContain('sequence gap');
      }
    }));

  test('salvage mode replays past the gap', () =>
    withTwoWals(async (dir, first) => {
      fs.truncateSync(first, recordOffset(first, 50));
      const db = await open(dir, { ...base, walRecovery: 'salvage' });
      expect(db.recovery.sequenceGap).toBeNull();
      expect(present(db)).toEqual([...range(0, 50), ...range(SPLIT, COUNT)]);
      await db.close();
    }));
});
