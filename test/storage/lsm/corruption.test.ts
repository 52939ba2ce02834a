/**
 * Corruption: flipped bytes in the WAL, an SSTable and the MANIFEST must give
 * a clear CorruptionError (file + offset) or be salvaged - never wrong data.
 */
import { describe, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptionError, open, type DBOptions } from '../../../src/storage/lsm/index.ts';
import { b, rmrf, s, tempDir } from './helpers.ts';

const base: DBOptions = { syncPolicy: 'no', fsync: false, compactionMode: 'inline' };
const key = (i: number) => b('key' + String(i).padStart(6, '0'));
const val = (i: number) => 'value-' + i + '-'.repeat(i % 50);

function flip(file: string, offset: number): void {
  const fd = fs.openSync(file, 'r+');
  const buf = Buffer.alloc(1);
  fs.readSync(fd, buf, 0, 1, offset);
  buf[0] ^= 0x5a;
  fs.writeSync(fd, buf, 0, 1, offset);
  fs.closeSync(fd);
}

function filesWith(dir: string, re: RegExp): string[] {
  return fs.readdirSync(dir).filter((f) => re.test(f)).map((f) => path.join(dir, f));
}

async function expectCorruption(p: Promise<unknown>, fileRe: RegExp): Promise<CorruptionError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CorruptionError);
    const c = e as CorruptionError;
    expect(c.file).toMatch(fileRe);
    expect(c.offset).toBeGreaterThanOrEqual(0);
    expect(c.message).toContain(c.file);
    return c;
  }
  throw new Error('expected CorruptionError');
}

describe('WAL', () => {
  async function makeWal(n: number): Promise<string> {
    const dir = tempDir();
    const db = await open(dir, { ...base, memtableSize: 64 << 20 });
    for (let i = 0; i < n; i++) {
      db.put(key(i), b(val(i)));
      // The next event-loop turn: each put its own WAL record (one turn's writes share one).
      await new Promise((resolve) => setImmediate(resolve));
    }
    await db.close(); // memtable not flushed: data only in the WAL
    return dir;
  }

  test('flipped byte in the middle is an error naming file and offset', async () => {
    const dir = await makeWal(3000);
    try {
      const [wal] = filesWith(dir, /\.log$/);
      const size = fs.statSync(wal).size;
      flip(wal, Math.floor(size / 3));
      const e = await expectCorruption(open(dir, base), /^\d+\.log$/);
      expect(e.offset).toBeLessThanOrEqual(Math.floor(size / 3));
      expect(e.offset).toBeGreaterThan(Math.floor(size / 3) - 32768);
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('salvage mode skips the damaged region and keeps everything else correct', async () => {
    const dir = await makeWal(3000);
    try {
      const [wal] = filesWith(dir, /\.log$/);
      flip(wal, Math.floor(fs.statSync(wal).size / 2));
      const db = await open(dir, { ...base, walRecovery: 'salvage' });
      expect(db.recovery.salvaged.length).toBeGreaterThan(0);
      let present = 0;
      for (let i = 0; i < 3000; i++) {
        const v = db.get(key(i));
        if (v !== undefined) {
          expect(s(v)).toBe(val(i));
          present++;
        }
      }
      expect(present).toBeGreaterThan(2500);
      expect(present).toBeLessThan(3000);
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('torn tail is truncated and reported', async () => {
    const dir = await makeWal(500);
    try {
      const [wal] = filesWith(dir, /\.log$/);
      fs.truncateSync(wal, fs.statSync(wal).size - 10);
      const db = await open(dir, base);
      expect(db.recovery.tornTails.length).toBe(1);
      expect(db.recovery.tornTails[0].file).toMatch(/\.log$/);
      for (let i = 0; i < 499; i++) expect(s(db.get(key(i)))).toBe(val(i));
      expect(db.get(key(499))).toBeUndefined();
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('strict mode refuses a torn tail', async () => {
    const dir = await makeWal(100);
    try {
      const [wal] = filesWith(dir, /\.log$/);
      fs.truncateSync(wal, fs.statSync(wal).size - 3);
      await expectCorruption(open(dir, { ...base, walRecovery: 'strict' }), /\.log$/);
    } finally {
      rmrf(dir);
    }
  }, 60_000);
});

describe('SSTable', () => {
  async function makeTables(): Promise<string> {
    const dir = tempDir();
    const db = await open(dir, { ...base, blockSize: 1024, memtableSize: 1 << 20 });
    for (let i = 0; i < 5000; i++) db.put(key(i), b(val(i)));
    await db.compactRange();
    await db.close();
    return dir;
  }

  test('flipped byte in a data block: reads of that block fail loudly, others are correct', async () => {
    const dir = await makeTables();
    try {
      const tables = filesWith(dir, /\.sst$/);
      expect(tables.length).toBeGreaterThan(0);
      const t = tables[0];
      flip(t, 2000); // inside the 2nd or 3rd data block
      const db = await open(dir, base);
      let errors = 0;
      for (let i = 0; i < 5000; i++) {
        try {
          const v = db.get(key(i));
          expect(s(v)).toBe(val(i));
        } catch (e) {
          expect(e).toBeInstanceOf(CorruptionError);
          expect((e as CorruptionError).file).toBe(path.basename(t));
          expect((e as CorruptionError).message).toContain('checksum');
          errors++;
        }
      }
      expect(errors).toBeGreaterThan(0);
      expect(errors).toBeLessThan(200);
      expect(() => {
        for (const _ of db.iterator()) {
        }
      }).toThrow(CorruptionError);
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('flipped byte in the footer / index', async () => {
    const dir = await makeTables();
    try {
      const t = filesWith(dir, /\.sst$/)[0];
      flip(t, fs.statSync(t).size - 20);
      const db = await open(dir, base);
      expect(() => db.get(key(1))).toThrow(CorruptionError);
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('compaction over a corrupt table reports a background error instead of writing bad data', async () => {
    const dir = await makeTables();
    try {
      const t = filesWith(dir, /\.sst$/)[0];
      flip(t, 100);
      const db = await open(dir, base);
      for (let i = 0; i < 100; i++) db.put(key(i), b('new'));
      await expect(db.compactRange()).rejects.toBeInstanceOf(CorruptionError);
      expect(db.stats().backgroundError).toContain('corruption');
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);
});

describe('MANIFEST', () => {
  async function makeManifest(): Promise<string> {
    const dir = tempDir();
    const db = await open(dir, { ...base, memtableSize: 4096 });
    for (let i = 0; i < 3000; i++) db.put(key(i), b(val(i)));
    await db.flush();
    await db.close();
    return dir;
  }

  test('flipped byte is an error naming the MANIFEST', async () => {
    const dir = await makeManifest();
    try {
      const [m] = filesWith(dir, /^.*MANIFEST-\d+$/);
      // Reopen appends edits; the snapshot record at the start is followed by more.
      const db = await open(dir, { ...base, memtableSize: 4096 });
      for (let i = 0; i < 2000; i++) db.put(key(i), b('x'));
      await db.flush();
      await db.close();
      const [m2] = filesWith(dir, /^.*MANIFEST-\d+$/);
      expect(m2).not.toBe(m);
      flip(m2, 20);
      await expectCorruption(open(dir, base), /^MANIFEST-\d+$/);
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('missing table named by the MANIFEST fails loudly', async () => {
    const dir = await makeManifest();
    try {
      const t = filesWith(dir, /\.sst$/)[0];
      fs.unlinkSync(t);
      const db = await open(dir, base);
      expect(() => {
        for (let i = 0; i < 3000; i++) db.get(key(i));
      }).toThrow();
      await db.close();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('bad CURRENT', async () => {
    const dir = await makeManifest();
    try {
      fs.writeFileSync(path.join(dir, 'CURRENT'), 'garbage\n');
      await expectCorruption(open(dir, base), /^CURRENT$/);
    } finally {
      rmrf(dir);
    }
  }, 60_000);
});
