// The LSM's flush and compaction workers move their threads to SCHED_IDLE
// (thread_priority.ts); the thread running commands keeps its policy and nice value.
import { expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from '../../../src/storage/lsm/index.ts';
import { SCHED_IDLE } from '../../../src/storage/lsm/thread_priority.ts';

/** A thread's name, nice value and scheduling policy from /proc (stat fields 19 and 41; the name may hold spaces, so fields are counted after its ')'). */
function threadInfo(statPath: string): { name: string; nice: number; policy: number } {
  const stat = readFileSync(statPath, 'latin1');
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return { name: stat.slice(stat.indexOf('(') + 1, close), nice: Number(fields[16]), policy: Number(fields[38]) };
}

test.skipIf(process.platform !== 'linux')('a flush runs in a worker thread under SCHED_IDLE; the thread running commands keeps its priority', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aikv-lsm-nice-'));
  try {
    const db = await open(dir, { memtableSize: 64 * 1024, compactionMode: 'worker' });
    for (let i = 0; i < 2000; i++) db.put(new TextEncoder().encode(`key:${i}`), new Uint8Array(64));
    await db.flush();
    expect(db.stats().flushes).toBeGreaterThan(0);
    // The workers may be older than this DB (a pool shared by the process's DBs): every Worker thread is looked at.
    const threads = readdirSync('/proc/self/task').map((tid) => threadInfo(`/proc/self/task/${tid}/stat`));
    expect(threads.filter((t) => t.name === 'Worker').map((t) => t.policy)).toContain(SCHED_IDLE);
    expect(threadInfo('/proc/thread-self/stat')).toMatchObject({ nice: 0, policy: 0 });
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
