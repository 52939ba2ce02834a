/**
 * Disk work off the main thread: the MANIFEST sync after a flush or
 * compaction runs asynchronously, the files its edit made obsolete stay
 * until it ends, and they are unlinked asynchronously too. (A memtable
 * switch's WAL sync stays synchronous: see DB.rotateMemtable.)
 */
import { describe, expect, spyOn, test } from 'bun:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DB, open } from '../../../src/storage/lsm/index.ts';
import { b, rmrf, s, tempDir } from './helpers.ts';

const fileOf = (fd: number): string => path.basename(fs.readlinkSync(`/proc/self/fd/${fd}`));
const realSyncNow = fs.fdatasyncSync;
const keyOf = (i: number): Uint8Array => b(`key:${String(i).padStart(5, '0')}`);

/** Polls cond every millisecond, for up to 10 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let t = 0; !cond(); t++) {
    if (t > 10_000) throw new Error('condition not reached in 10 s');
    await Bun.sleep(1);
  }
}

describe('MANIFEST sync after a flush', () => {
  test('runs off the main thread; the flushed WAL is deleted (off the main thread too) only once the MANIFEST is synced', async () => {
    const dir = tempDir();
    const held: ((err: NodeJS.ErrnoException | null) => void)[] = [];
    const heldFds: number[] = [];
    const syncAsync = spyOn(fs, 'fdatasync').mockImplementation(((fd: number, done: (err: NodeJS.ErrnoException | null) => void) => {
      if (!fileOf(fd).startsWith('MANIFEST')) {
        setImmediate(() => done(null));
        return;
      }
      heldFds.push(fd);
      held.push(done);
    }) as typeof fs.fdatasync);
    const manifestSyncsNow: string[] = [];
    const syncNow = spyOn(fs, 'fdatasyncSync').mockImplementation((fd: number) => {
      if (fileOf(fd).startsWith('MANIFEST')) manifestSyncsNow.push(fileOf(fd));
      realSyncNow(fd);
    });
    // Tables and WALs unlinked on the main thread (unlinking a 32 MiB WAL took 27-50 ms).
    const unlinkedNow: string[] = [];
    const realUnlinkNow = fs.unlinkSync;
    const unlinkNow = spyOn(fs, 'unlinkSync').mockImplementation((p: fs.PathLike) => {
      if (/\.(log|sst)$/.test(String(p))) unlinkedNow.push(path.basename(String(p)));
      realUnlinkNow(p);
    });
    let db: DB | null = null;
    try {
      db = await open(dir, { syncPolicy: 'no', memtableSize: 1 << 20 });
      const logsBefore = fs.readdirSync(dir).filter((f) => f.endsWith('.log'));
      expect(logsBefore.length).toBe(1);
      for (let i = 0; i < 100; i++) db.put(keyOf(i), b('v' + i));
      manifestSyncsNow.length = 0;
      const first = db.flush();
      await until(() => held.length === 1);
      expect(manifestSyncsNow).toEqual([]);
      // The MANIFEST record naming the table is not durable yet: the WAL that holds the same writes must stay.
      expect(fs.existsSync(path.join(dir, logsBefore[0]))).toBe(true);
      // A second flush while the first sync runs: its edit waits for the next sync, and no file goes before both end.
      for (let i = 100; i < 200; i++) db.put(keyOf(i), b('v' + i));
      const logsSecond = fs.readdirSync(dir).filter((f) => f.endsWith('.log') && f !== logsBefore[0]);
      const second = db.flush();
      await until(() => db!.stats().flushes === 2);
      expect(held.length).toBe(1);
      realSyncNow(heldFds[0]);
      held.shift()!(null);
      await until(() => held.length === 1);
      expect(fs.existsSync(path.join(dir, logsBefore[0]))).toBe(true);
      expect(fs.existsSync(path.join(dir, logsSecond[0]))).toBe(true);
      realSyncNow(heldFds[1]);
      held.shift()!(null);
      // flush() resolves once the files its edit made obsolete are deleted.
      await Promise.all([first, second]);
      expect(fs.existsSync(path.join(dir, logsBefore[0]))).toBe(false);
      expect(fs.existsSync(path.join(dir, logsSecond[0]))).toBe(false);
      expect(unlinkedNow).toEqual([]);
      await db.close();
      db = null;
      syncAsync.mockRestore();
      const reopened = await open(dir, { syncPolicy: 'no' });
      for (let i = 0; i < 200; i++) expect(s(reopened.get(keyOf(i)))).toBe('v' + i);
      await reopened.close();
    } finally {
      syncAsync.mockRestore();
      syncNow.mockRestore();
      unlinkNow.mockRestore();
      for (const done of held.splice(0)) done(null);
      await db?.close().catch(() => {});
      rmrf(dir);
    }
  }, 30_000);
});
