// Background threads' CPU priority (src/util/thread-priority.ts): the LSM's
// flush and compaction workers move their threads to SCHED_IDLE, the server
// gives the JIT's compiler threads nice 10, and the thread running commands
// keeps its policy and nice value.
import { expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from '../../src/storage/lsm/index.ts';
import { BACKGROUND_NICE, COMPILER_THREAD_NAME, SCHED_IDLE } from '../../src/util/thread-priority.ts';
import { startAikv } from '../helpers/server.ts';

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

test.skipIf(process.platform !== 'linux')('the server runs the JIT compiler threads at nice 10 and commands at its own priority', async () => {
  const server = await startAikv(['--engine', 'memory', '--save', '']);
  try {
    const threads = (): { name: string; nice: number; policy: number }[] =>
      readdirSync(`/proc/${server.proc.pid}/task`).map((tid) => threadInfo(`/proc/${server.proc.pid}/task/${tid}/stat`));
    const own = threadInfo('/proc/thread-self/stat');
    const compilers = threads().filter((t) => t.name === COMPILER_THREAD_NAME);
    expect(compilers.length).toBeGreaterThan(0);
    for (const t of compilers) expect(t).toMatchObject({ nice: BACKGROUND_NICE, policy: 0 });
    // The thread running commands (the process's first, named after the executable) keeps the test's priority.
    expect(threadInfo(`/proc/${server.proc.pid}/stat`)).toMatchObject({ nice: own.nice, policy: own.policy });
  } finally {
    await server.stop();
  }
});
