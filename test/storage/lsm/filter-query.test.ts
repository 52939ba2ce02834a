/** Compaction filters that ask the DB's owner (host.query), 'remove' verdicts, and the filter on worker flushes. */
import { describe, expect, test } from 'bun:test';
import * as path from 'node:path';
import { open, type DBOptions } from '../../../src/storage/lsm/index.ts';
import { b, inTempDir, s, smallOptions } from './helpers.ts';

/** Asks which keys of each window are dead and removes them (fixtures/query_filter.ts). */
const FILTER = { module: path.join(import.meta.dir, 'fixtures/query_filter.ts') };

/** Options with the filter and a main-thread handler declaring every key starting with `dead:` dead, counting the questions. */
function withDeadKeys(options: DBOptions): { options: DBOptions; asked: { queries: number } } {
  const asked = { queries: 0 };
  const onCompactionFilterQuery = (keys: unknown) => {
    asked.queries++;
    return (keys as string[]).filter((k) => k.startsWith('dead:'));
  };
  return { options: { ...smallOptions, ...options, compactionFilter: FILTER, onCompactionFilterQuery }, asked };
}

function putBoth(db: { put(k: Uint8Array, v: Uint8Array): void }, count: number, value: string): void {
  for (let i = 0; i < count; i++) {
    db.put(b(`dead:${i}`), b(value));
    db.put(b(`live:${i}`), b(value));
  }
}

describe('compaction filter with main-thread queries', () => {
  for (const compactionMode of ['worker', 'inline'] as const) {
    test(`'remove' drops every version without a tombstone (${compactionMode})`, () =>
      inTempDir(async (dir) => {
        const { options, asked } = withDeadKeys({ compactionMode });
        const db = await open(dir, options);
        for (let round = 0; round < 3; round++) {
          putBoth(db, 300, `v${round}`);
          await db.flush();
        }
        await db.compactRange();
        expect(asked.queries).toBeGreaterThan(0);
        expect(db.get(b('dead:7'))).toBeUndefined();
        expect(s(db.get(b('live:7')))).toBe('v2');
        const stats = db.stats();
        expect(stats.tableEntries).toBe(300); // the live keys' newest versions; no tombstones for the dead ones
        expect(stats.filterRemovedEntries).toBeGreaterThanOrEqual(300);
        await db.close();
      }), 60_000);
  }

  test('worker flushes apply the filter: dead keys never reach L0', () =>
    inTempDir(async (dir) => {
      const { options } = withDeadKeys({ memtableSize: 1 << 20, l0CompactionTrigger: 100, compactionMode: 'worker' });
      const db = await open(dir, options);
      putBoth(db, 200, 'x');
      await db.flush();
      const stats = db.stats();
      expect(stats.compactions).toBe(0);
      expect(stats.tableEntries).toBe(200);
      expect(stats.filterRemovedEntries).toBe(200);
      expect(s(db.get(b('live:3')))).toBe('x');
      await db.close();
    }), 60_000);

  test('a failing query handler fails the job (the filter decides how to treat it)', () =>
    inTempDir(async (dir) => {
      const onCompactionFilterQuery = () => {
        throw new Error('no answer');
      };
      const db = await open(dir, { ...smallOptions, compactionMode: 'off', compactionFilter: FILTER, onCompactionFilterQuery });
      db.put(b('dead:1'), b('x'));
      await expect(db.compactRange()).rejects.toThrow('no answer');
      await db.close();
    }), 60_000);
});
