/**
 * WAL syncs across memtable switches: the retired WAL is synced off the main
 * thread (no fdatasyncSync of a WAL on a write), one sync at a time, oldest
 * WAL first, so acknowledgements under 'always' come in write order and what
 * a crash loses is always a suffix of the writes.
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

describe('WAL sync across memtable switches', () => {
  for (const syncPolicy of ['always', 'everysec'] as const) {
    test(`${syncPolicy}: retired WALs are synced asynchronously, one at a time, oldest first`, async () => {
      const dir = tempDir();
      const held: HeldSync[] = [];
      const syncAsync = spyOn(fs, 'fdatasync').mockImplementation(((fd: number, done: HeldSync['done']) => {
        held.push({ fd, log: Number(fileOf(fd).replace('.log', '')), done });
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
