/**
 * Worker flushes (compaction_job.ts runFlushJob) read a memtable's entries in
 * its shared memory, or rebuild it from its WAL when its arrays outgrew that
 * memory: the table holds exactly the memtable's newest data either way.
 */
import { describe, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, WriteBatch, type DB, type DBOptions } from '../../../src/storage/lsm/index.ts';
import { fileName } from '../../../src/storage/lsm/dbformat.ts';
import { Table } from '../../../src/storage/lsm/table.ts';
import type { FileMeta } from '../../../src/storage/lsm/version_edit.ts';
import { mulberry32 } from '../../../src/util/prng.ts';
import { b, inTempDir, rmrf, s, tempDir } from './helpers.ts';

/** One memtable, flushed by the worker only when asked (DB.flush). */
const options: DBOptions = { syncPolicy: 'no', fsync: false, compactionMode: 'worker', memtableSize: 64 << 20, l0CompactionTrigger: 100 };

/**
 * How a flush gets the memtable's entries: from its shared memory, or from
 * its WAL, which a last value larger than the memtable forces (the arena
 * grows out of the shared memory: MemTable.shared). The memtables are small
 * enough to take shared memory at once (large ones take it from the prefault
 * worker, so a DB's first memtable is a plain one, flushed from its WAL).
 */
type FlushSource = 'memory' | 'wal';
const SOURCES: FlushSource[] = ['memory', 'wal'];
const sharedMemtableOptions: DBOptions = { ...options, memtableSize: 512 << 10 };

/** For 'wal': a value the memtable's arena cannot hold (it rotates after it). */
function outgrow(db: DB, source: FlushSource, model: Map<string, string>): void {
  if (source === 'memory') return;
  const huge = 'h'.repeat(2 << 20);
  db.put(b('huge'), b(huge));
  model.set('huge', huge);
}

/** One flush, from the expected source. */
async function flushFrom(db: DB, source: FlushSource): Promise<void> {
  await db.flush();
  const stats = db.stats();
  expect(stats.flushes).toBe(1);
  expect(stats.walFlushes).toBe(source === 'wal' ? 1 : 0);
}

/** Asks which keys of each window are dead (none here): the filtered flush reads the WAL in windows. */
const FILTER = { module: path.join(import.meta.dir, 'fixtures/query_filter.ts') };

/**
 * Overwrites (single ops and many versions in one atomic record), deletes, a
 * range deletion, a value larger than a log block (a record in several
 * fragments) between small ones; returns the expected contents.
 */
function writeMix(db: DB): Map<string, string> {
  const model = new Map<string, string>();
  const rand = mulberry32(6);
  for (let i = 0; i < 3000; i++) {
    const k = `k:${String(Math.floor(rand() * 500)).padStart(4, '0')}`;
    if (rand() < 0.15) {
      db.delete(b(k));
      model.delete(k);
    } else {
      const v = `v${i}`;
      db.put(b(k), b(v));
      model.set(k, v);
    }
    if (i === 1000) {
      const big = 'x'.repeat(100_000);
      db.put(b('big'), b(big));
      model.set('big', big);
    }
    if (i === 2000) {
      db.deleteRange(b('k:0100'), b('k:0200'));
      for (const key of [...model.keys()]) if (key >= 'k:0100' && key < 'k:0200') model.delete(key);
    }
  }
  // One record of many ops, several versions of a key among them (a command's metadata rewritten).
  db.beginAtomic();
  for (let i = 0; i < 50; i++) {
    const batch = new WriteBatch().put(b('meta'), b(`m${i}`)).put(b(`sub:${i}`), b(''));
    db.write(batch);
    model.set('meta', `m${i}`);
    model.set(`sub:${i}`, '');
  }
  db.endAtomic();
  return model;
}

/** A compaction of everything, then a reopen, leave the DB's contents as model says. */
async function expectAfterCompactionAndReopen(db: DB, dir: string, model: Map<string, string>): Promise<void> {
  await db.compactRange(null, null);
  expect(db.backgroundError).toBeNull();
  expect(contents(db)).toEqual(model);
  await db.close();
  const reopened = await open(dir, options);
  expect(contents(reopened)).toEqual(model);
  await reopened.close();
}

function contents(db: DB): Map<string, string> {
  const out = new Map<string, string>();
  const it = db.iterator();
  for (it.seekToFirst(); it.valid(); it.next()) out.set(s(it.key())!, s(it.value())!);
  it.close();
  return out;
}

describe('worker flush', () => {
  for (const source of SOURCES) {
    for (const filtered of [false, true]) {
      test(`from the ${source}: the flushed table holds the memtable's newest entries, and its compaction too${filtered ? ' (filter windows)' : ''}`, () =>
        inTempDir(async (dir) => {
          const db = await open(dir, filtered ? { ...sharedMemtableOptions, compactionFilter: FILTER, onCompactionFilterQuery: () => [] } : sharedMemtableOptions);
          const model = writeMix(db);
          outgrow(db, source, model);
          await flushFrom(db, source);
          expect(db.stats().compactions).toBe(0);
          expect(contents(db)).toEqual(model);
          for (const [k, v] of model) expect(s(db.get(b(k)))).toBe(v);
          // A compaction of it: filter windows buffer entries (values larger than their first buffer among them).
          await expectAfterCompactionAndReopen(db, dir, model);
        }), 60_000);
    }

    for (const snapshotted of [false, true]) {
      test(`from the ${source}: deletions of keys no table holds are dropped, the others kept${snapshotted ? ' (and all of them while a snapshot older than them lives)' : ''}`, () =>
        inTempDir(async (dir) => {
          const db = await open(dir, sharedMemtableOptions);
          const model = new Map<string, string>();
          for (let i = 0; i < 50; i++) {
            db.put(b(`old:${i}`), b(`o${i}`));
            model.set(`old:${i}`, `o${i}`);
          }
          await db.flush();
          const level0 = (): FileMeta[] => (db as unknown as { vs: { current: { files: FileMeta[][] } } }).vs.current.files[0];
          const openTable = (f: FileMeta): Table => Table.open(fileName(dir, f.number, 'sst'), f.number, null, { bytesRead: 0, blockReads: 0 });
          const first = openTable(level0()[0]);
          const snap = snapshotted ? db.snapshot() : null;
          // A list's elements pushed and popped in one memtable (each put becomes its deletion in place), in the first table's key range;
          // old keys deleted; keys never written, before its range, deleted.
          const popped = Array.from({ length: 200 }, (_, i) => `old:1n${i}`);
          for (const k of popped) db.put(b(k), b('x'));
          for (const k of popped) db.delete(b(k));
          for (let i = 0; i < 25; i++) {
            db.delete(b(`old:${i}`));
            model.delete(`old:${i}`);
          }
          for (let i = 0; i < 30; i++) db.delete(b(`a:${i}`));
          outgrow(db, source, model);
          await db.flush();
          expect(db.stats().flushes).toBe(2);
          expect(db.stats().walFlushes).toBe(source === 'wal' ? 1 : 0);
          const flushed = openTable(level0().reduce((newest, f) => (f.number > newest.number ? f : newest)));
          // Kept: the deletions of keys the first table may hold (its own, and popped ones its filter cannot tell from them); with the snapshot, every deletion and the puts it sees.
          const mayBeHeld = popped.filter((k) => first.mayContain(b(k))).length;
          expect(mayBeHeld).toBeLessThan(20);
          expect(flushed.props.numDeletions).toBe(snapshotted ? 200 + 25 + 30 : 25 + mayBeHeld);
          expect(flushed.props.numEntries).toBe((snapshotted ? 200 + 200 + 25 + 30 : 25 + mayBeHeld) + (source === 'wal' ? 1 : 0));
          first.unref();
          flushed.unref();
          if (snap !== null) {
            for (let i = 0; i < 50; i++) expect(s(db.get(b(`old:${i}`), { snapshot: snap }))).toBe(`o${i}`);
            snap.release();
          }
          expect(contents(db)).toEqual(model);
          for (const k of popped) expect(db.get(b(k))).toBeUndefined();
          await expectAfterCompactionAndReopen(db, dir, model);
        }), 60_000);
    }

    test(`from the ${source}: a DB opened in a dir whose files were replaced is not judged by the tables of the DB before (same file numbers)`, () =>
      inTempDir(async (dir) => {
        const level0Numbers = (db: DB): number[] => (db as unknown as { vs: { current: { files: FileMeta[][] } } }).vs.current.files[0].map((f) => f.number);
        // A table of 2000 keys (its filter tells keys apart), in a DB of its own, whose files then replace dir's.
        const fill = async (where: string, prefix: string): Promise<DB> => {
          const db = await open(where, sharedMemtableOptions);
          for (let i = 0; i < 2000; i++) db.put(b(`${prefix}:${i}`), b('v'));
          await db.flush();
          return db;
        };
        // Deletes some of prefix's keys and flushes; the worker opens the table below for its filter.
        const deleteSome = async (db: DB, prefix: string): Promise<void> => {
          for (let i = 0; i < 10; i++) db.delete(b(`${prefix}:${i}`));
          outgrow(db, source, new Map());
          await db.flush();
          for (let i = 0; i < 10; i++) expect(db.get(b(`${prefix}:${i}`))).toBeUndefined();
          expect(s(db.get(b(`${prefix}:10`)))).toBe('v');
        };
        const other = tempDir();
        try {
          const replacement = await fill(other, 'b');
          const replacementTables = level0Numbers(replacement);
          await replacement.close();
          const before = await fill(dir, 'a');
          expect(level0Numbers(before)).toEqual(replacementTables);
          await deleteSome(before, 'a');
          await before.close();
          rmrf(dir);
          fs.cpSync(other, dir, { recursive: true });
          // Judged by the first DB's table of that number (other keys), these deletions would be dropped: the keys back.
          const after = await open(dir, sharedMemtableOptions);
          await deleteSome(after, 'b');
          await after.close();
        } finally {
          rmrf(other);
        }
      }), 60_000);

    test(`from the ${source}: a snapshot taken between overwrites in place reads its versions after the flush`, () =>
      inTempDir(async (dir) => {
        const db = await open(dir, sharedMemtableOptions);
        const key = (i: number): string => `k:${String(i % 100).padStart(3, '0')}`;
        const model = new Map<string, string>();
        // No snapshot yet: each key's overwrites replace its memtable entry in place.
        for (let i = 0; i < 1000; i++) {
          db.put(b(key(i)), b(`a${i}`));
          model.set(key(i), `a${i}`);
        }
        const snap = db.snapshot();
        const seen = new Map(model);
        // The snapshot keeps the versions it sees: these overwrites and deletes are added beside them.
        for (let i = 0; i < 1000; i++) {
          if (i % 7 === 0) {
            db.delete(b(key(i)));
            model.delete(key(i));
          } else {
            db.put(b(key(i)), b(`b${i}`));
            model.set(key(i), `b${i}`);
          }
        }
        outgrow(db, source, model);
        await flushFrom(db, source);
        for (let i = 0; i < 100; i++) {
          expect(s(db.get(b(key(i)), { snapshot: snap }))).toBe(seen.get(key(i)));
          expect(s(db.get(b(key(i))))).toBe(model.get(key(i)));
        }
        snap.release();
        expect(contents(db)).toEqual(model);
        await db.close();
      }), 60_000);
  }

  test('keys that tie on their first bytes are ordered in full (long shared prefixes, prefixes of one another, zero bytes)', () =>
    inTempDir(async (dir) => {
      const db = await open(dir, { ...options, compactionFilter: FILTER, onCompactionFilterQuery: () => [] });
      const model = new Map<string, Uint8Array>();
      const rand = mulberry32(9);
      const latin1 = (k: Uint8Array): string => String.fromCharCode(...k);
      const put = (key: Uint8Array, value: Uint8Array): void => {
        db.put(key, value);
        model.set(latin1(key), value);
      };
      // A key-count-like record rewritten often, metadata-like keys of one shared prefix, sub-keys of
      // one collection (a long prefix then 8 bytes), and keys that extend others by zero bytes.
      const longPrefix = new Uint8Array(40).fill(7);
      for (let i = 0; i < 6000; i++) {
        const r = rand();
        if (r < 0.3) put(b('\0count:1'), b(`c${i}`));
        else if (r < 0.6) put(b(`\u0001meta:${String(Math.floor(rand() * 3000)).padStart(12, '0')}`), b(`m${i}`));
        else if (r < 0.9) {
          const key = new Uint8Array(48);
          key.set(longPrefix);
          new DataView(key.buffer).setFloat64(40, 2 ** 40 - Math.floor(rand() * 2000));
          put(key, b(`e${i}`));
        } else {
          const key = new Uint8Array(1 + Math.floor(rand() * 12)).fill(0x05);
          for (let j = 3; j < key.length; j++) key[j] = rand() < 0.5 ? 0 : 0x05;
          put(key, b(`z${i}`));
        }
      }
      await db.flush();
      expect(db.stats().flushes).toBe(1);
      const keys: string[] = [];
      const it = db.iterator();
      for (it.seekToFirst(); it.valid(); it.next()) {
        keys.push(latin1(it.key()));
        expect(it.value()).toEqual(model.get(keys[keys.length - 1])!);
      }
      it.close();
      const byBytes = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
      expect(keys).toEqual([...model.keys()].sort(byBytes));
      await db.close();
    }), 60_000);

  test("a flushed memtable's memory serves a later memtable: reads and iterators see only their own data", () =>
    inTempDir(async (dir) => {
      const db = await open(dir, sharedMemtableOptions);
      const rand = mulberry32(11);
      const model = new Map<string, string>();
      const key = (i: number): string => `k:${String(i).padStart(5, '0')}`;
      const write = (i: number): void => {
        const k = key(Math.floor(rand() * 3000));
        if (rand() < 0.1) {
          db.delete(b(k));
          model.delete(k);
        } else {
          // Values of varying length: some overwrite in place, some take a new entry.
          const v = `v${i}:${'x'.repeat(Math.floor(rand() * 40))}`;
          db.put(b(k), b(v));
          model.set(k, v);
        }
      };
      let i = 0;
      const deadline = Date.now() + 40_000;
      /** Writes in rounds, letting flushes and the reuse of their memory run between them, until `until` holds. */
      const writeRounds = async (until: () => boolean): Promise<void> => {
        for (let round = 0; round < 10 || !until(); round++) {
          expect(Date.now()).toBeLessThan(deadline);
          for (const end = i + 5000; i < end; i++) write(i);
          await new Promise((r) => setTimeout(r, 5));
          for (let j = 0; j < 200; j++) {
            const k = key(Math.floor(rand() * 3000));
            expect(s(db.get(b(k)))).toBe(model.get(k));
          }
        }
      };
      await writeRounds(() => db.stats().recycledMemtables >= 2);
      // An iterator open across later flushes keeps reading its memtables: no memory is reused meanwhile.
      const seen = new Map(model);
      const it = db.iterator();
      const recycledBefore = db.stats().recycledMemtables;
      const flushesBefore = db.stats().flushes;
      await writeRounds(() => db.stats().flushes >= flushesBefore + 3);
      expect(db.stats().recycledMemtables).toBeLessThanOrEqual(recycledBefore + 1); // one reused before the iterator opened
      const iterated = new Map<string, string>();
      for (it.seekToFirst(); it.valid(); it.next()) iterated.set(s(it.key())!, s(it.value())!);
      it.close();
      expect(iterated).toEqual(seen);
      const recycledAfter = db.stats().recycledMemtables;
      await writeRounds(() => db.stats().recycledMemtables >= recycledAfter + 2);
      expect(contents(db)).toEqual(model);
      expect(db.backgroundError).toBeNull();
      await db.close();
      const reopened = await open(dir, sharedMemtableOptions);
      expect(contents(reopened)).toEqual(model);
      await reopened.close();
    }), 60_000);

  test("a DB's first memtable, made before shared memory was ready, moves into it when it arrives", () =>
    inTempDir(async (dir) => {
      // Large enough to take its memory from the prefault worker: the first memtable starts with plain arrays.
      const db = await open(dir, { ...options, memtableSize: 2 << 20 });
      const shared = (): boolean => (db as unknown as { mem: { shared(): unknown } }).mem.shared() !== null;
      const model = new Map<string, string>();
      for (let i = 0; i < 300; i++) {
        db.put(b(`k:${i % 200}`), b(`v${i}`));
        model.set(`k:${i % 200}`, `v${i}`);
      }
      const seen = new Map(model);
      const it = db.iterator();
      const deadline = Date.now() + 30_000;
      while (!shared()) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 20));
      }
      for (let i = 0; i < 300; i++) {
        db.put(b(`k:${i % 250}`), b(`w${i}`));
        model.set(`k:${i % 250}`, `w${i}`);
        expect(s(db.get(b(`k:${(i * 7) % 250}`)))).toBe(model.get(`k:${(i * 7) % 250}`));
      }
      // An iterator opened before the move reads what it saw.
      const iterated = new Map<string, string>();
      for (it.seekToFirst(); it.valid(); it.next()) iterated.set(s(it.key())!, s(it.value())!);
      it.close();
      expect(iterated).toEqual(seen);
      await flushFrom(db, 'memory');
      expect(contents(db)).toEqual(model);
      await db.close();
    }), 60_000);

  test("a filter's groupLength: it is shown one key per run of a group (flush and compaction), its verdict applies to the run", () =>
    inTempDir(async (dir) => {
      // Groups `sub:NNN:` (8 bytes); the host answers that the even ones are dead.
      const group = (g: number): string => `sub:${String(g).padStart(3, '0')}:`;
      const dead = (keys: string[]): string[] => keys.filter((k) => k.length === 8 && Number(k.slice(4, 7)) % 2 === 0);
      const db = await open(dir, { ...options, compactionFilter: { ...FILTER, options: { keyPrefix: 'sub:', groupLength: 8 } }, onCompactionFilterQuery: (keys) => dead(keys as string[]) });
      const model = new Map<string, string>();
      const put = (k: string, v: string, live: boolean): void => {
        db.put(b(k), b(v));
        if (live) model.set(k, v);
      };
      for (let i = 0; i < 6000; i++) {
        const g = i % 300;
        put(`${group(g)}${i}`, `e${i}`, g % 2 === 1);
        put(`other:${i % 50}`, `o${i}`, true);
      }
      await db.flush();
      expect(db.stats().filterRemovedEntries).toBe(3000);
      expect(contents(db)).toEqual(model);
      // Groups spanning windows and tables in a compaction: the runs continue across the inputs.
      for (let i = 6000; i < 12000; i++) put(`${group(i % 300)}${i}`, `e${i}`, (i % 300) % 2 === 1);
      await db.flush();
      await db.compactRange(null, null);
      expect(db.backgroundError).toBeNull();
      expect(db.stats().filterRemovedEntries).toBe(6000);
      expect(contents(db)).toEqual(model);
      await db.close();
    }), 60_000);

  test("a filter's keyPrefix: it sees only keys with the prefix (flush and compaction), the others are kept", () =>
    inTempDir(async (dir) => {
      // Every key the filter asks about is dead: only the prefix keeps the others.
      const db = await open(dir, { ...options, compactionFilter: { ...FILTER, options: { keyPrefix: 'sub:' } }, onCompactionFilterQuery: (keys) => keys });
      const model = new Map<string, string>();
      for (let i = 0; i < 2000; i++) {
        db.put(b(`meta:${i % 300}`), b(`m${i}`));
        model.set(`meta:${i % 300}`, `m${i}`);
        db.put(b(`sub:${i}`), b(''));
      }
      await db.flush();
      expect(contents(db)).toEqual(model);
      for (let i = 0; i < 500; i++) {
        db.put(b(`sub:late${i}`), b(''));
        db.put(b(`zzz:${i}`), b(`z${i}`));
        model.set(`zzz:${i}`, `z${i}`);
      }
      await db.flush();
      await db.compactRange(null, null);
      expect(db.stats().compactions).toBeGreaterThan(0);
      expect(db.backgroundError).toBeNull();
      expect(contents(db)).toEqual(model);
      await db.close();
    }), 60_000);
});
