/**
 * Syncs off the main thread. WAL syncs across memtable switches: the retired
 * WAL is synced by fs.fdatasync (no fdatasyncSync of a WAL on a write), one
 * sync at a time, oldest WAL first, so acknowledgements under 'always' come
 * in write order and what a crash loses is always a suffix of the writes.
 * MANIFEST syncs after a flush or compaction: asynchronous too, and the files
 * the edit made obsolete stay until the sync ends.
 */
import { describe, expect, spyOn, test } from 'bun:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DB, open } from '../../../src/storage/lsm/index.ts';
import { b, rmrf, s, tempDir } from './helpers.ts';

/** An fdatasync the test holds back: the WAL's number (from its path) and the callback to run once released. */
interface HeldSync {
  fd: number;
  log: number;
  done: (err: NodeJS.ErrnoException | null) => void;
}

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

describe('WAL sync across memtable switches', () => {
  for (const syncPolicy of ['always', 'everysec'] as const) {
    test(`${syncPolicy}: retired WALs are synced asynchronously, one at a time, oldest first`, async () => {
      const dir = tempDir();
      const held: HeldSync[] = [];
      // WAL syncs are held; others (the MANIFEST's) go through.
      const syncAsync = spyOn(fs, 'fdatasync').mockImplementation(((fd: number, done: HeldSync['done']) => {
        if (/^\d+\.log$/.test(fileOf(fd))) held.push({ fd, log: Number(fileOf(fd).replace('.log', '')), done });
        else setImmediate(() => done(null));
      }) as typeof fs.fdatasync);
      // WALs (NNNNNN.log, not MANIFEST-NNNNNN) synced on the main thread.
      const walSyncsNow: string[] = [];
      const syncNow = spyOn(fs, 'fdatasyncSync').mockImplementation((fd: number) => {
        if (/^\d+\.log$/.test(fileOf(fd))) walSyncsNow.push(fileOf(fd));
        realSyncNow(fd);
      });
      // Releases the oldest held sync: the data really goes to disk, then the DB hears of it.
      const releaseOne = (): HeldSync => {
        const h = held.shift()!;
        realSyncNow(h.fd);
        h.done(null);
        return h;
      };
      let db: DB | null = null;
      try {
        db = await open(dir, { syncPolicy, memtableSize: 8 * 1024 });
        const count = 600;
        const acked: boolean[] = new Array(count).fill(false);
        const durable: Promise<void>[] = [];
        const value = b('v'.repeat(100));
        let lastLog = -1;
        const logsSynced = new Set<number>();
        // Never two syncs at once, and never an older WAL's after a newer one's.
        const checkHeld = (): void => {
          expect(held.length).toBeLessThanOrEqual(1);
          for (const h of held) {
            expect(h.log).toBeGreaterThanOrEqual(lastLog);
            lastLog = h.log;
            logsSynced.add(h.log);
          }
        };
        for (let i = 0; i < count; i++) {
          db.put(keyOf(i), value);
          durable.push(db.whenDurable().then(() => void (acked[i] = true)));
          if (i % 20 !== 19) continue;
          await Bun.sleep(0);
          if (syncPolicy === 'everysec' && i % 200 === 199) await Bun.sleep(1050);
          checkHeld();
          if (held.length > 0 && i % 40 === 39) releaseOne();
          await Bun.sleep(0);
          // Acknowledged writes are a prefix of the writes.
          const firstUnacked = acked.indexOf(false);
          if (firstUnacked >= 0) expect(acked.lastIndexOf(true)).toBeLessThan(firstUnacked);
        }
        // A memtable switch blocked the event loop on fdatasync before (11-229 ms each in a server run).
        expect(walSyncsNow).toEqual([]);
        expect(db.stats().flushes).toBeGreaterThan(3);
        // Unsynced writes wait their turn: each release lets the next sync start.
        while (acked.includes(false)) {
          checkHeld();
          if (held.length > 0) releaseOne();
          else await Bun.sleep(syncPolicy === 'everysec' ? 50 : 1);
        }
        await Promise.all(durable);
        // Retired WALs were synced by their own syncs.
        expect(logsSynced.size).toBeGreaterThan(2);
        let closed = false;
        const closing = db.close().then(() => void (closed = true));
        while (!closed) {
          if (held.length > 0) releaseOne();
          else await Bun.sleep(1);
        }
        await closing;
        db = null;
        syncAsync.mockRestore();
        syncNow.mockRestore();
        const reopened = await open(dir, { syncPolicy });
        for (let i = 0; i < count; i++) expect(s(reopened.get(keyOf(i)))).toBe(s(value));
        await reopened.close();
      } finally {
        syncAsync.mockRestore();
        syncNow.mockRestore();
        for (const h of held.splice(0)) h.done(null);
        await db?.close().catch(() => {});
        rmrf(dir);
      }
    }, 30_000);
  }
});

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
