/**
 * CPU priority of the process's background threads, so that the event loop
 * that runs commands, and the clients on the same machine, come first.
 *
 * The LSM's flush and compaction workers move their own threads to
 * SCHED_IDLE (lowerThisThreadPriority): they run only when the event loop
 * leaves a core idle. RocksDB lowers its low-priority pool the same way
 * (Env::LowerThreadPoolCPUPriority, CpuPriority::kIdle). SCHED_IDLE rather
 * than a high nice value: the scheduler takes a core that runs only
 * SCHED_IDLE threads for an idle one when it places a waking thread, so the
 * event loop, woken by a client's bytes, preempts a compaction at once
 * instead of waiting for its share or queueing behind redis-benchmark on the
 * other core. Background work cannot starve: durability does not depend on
 * it, and when it falls behind, writers stop (DB.whenWritable) or flush on
 * the event loop's own thread (a write stall), which leaves the cores to it.
 *
 * JavaScriptCore's JIT compiler threads ("JITWorker", one worklist for the
 * whole process, the workers' compilations included) get nice 10 instead
 * (lowerCompilerThreadPriority): at the default priority they took a fair
 * share of a core from the event loop and from the clients whenever
 * compilations queued up (~150 of the event loop's ~600 ticks over the
 * issue 6 benchmark). Not SCHED_IDLE: a compilation the event loop waits for
 * must not starve on a busy machine; at nice 10 it still gets about a tenth
 * of a contended core.
 *
 * Best effort: where SCHED_IDLE is refused the nice value is raised instead;
 * nothing is changed where neither can be done (not Linux, no libc).
 */
import { dlopen, FFIType, ptr } from 'bun:ffi';
import { readdirSync, readFileSync } from 'node:fs';

/** The nice value of background threads that are not SCHED_IDLE (0 = the event loop's priority, 19 = the lowest). */
export const BACKGROUND_NICE = 10;
/** Linux's SCHED_IDLE policy number (sched.h). */
export const SCHED_IDLE = 5;
/** The name JavaScriptCore gives its JIT compiler threads (/proc/self/task/TID/comm). */
export const COMPILER_THREAD_NAME = 'JITWorker';

type Lowered = 'idle' | 'nice' | null;

/**
 * Lowers thread tid (0: the calling thread; Linux schedules threads, and
 * both calls act on one: sched_setscheduler(2), setpriority(2) NOTES) to
 * SCHED_IDLE when idle is asked and allowed, else to BACKGROUND_NICE.
 */
function lowerThread(tid: number, idle: boolean): Lowered {
  if (process.platform !== 'linux') return null;
  try {
    const libc = dlopen('libc.so.6', {
      sched_setscheduler: { args: [FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
      setpriority: { args: [FFIType.i32, FFIType.u32, FFIType.i32], returns: FFIType.i32 },
    });
    try {
      const param = new Int32Array(1); // struct sched_param { int sched_priority = 0 }
      if (idle && libc.symbols.sched_setscheduler(tid, SCHED_IDLE, ptr(param)) === 0) return 'idle';
      // PRIO_PROCESS (0) with a thread id acts on that thread alone.
      return libc.symbols.setpriority(0, tid, BACKGROUND_NICE) === 0 ? 'nice' : null;
    } finally {
      libc.close();
    }
  } catch {
    return null;
  }
}

/** Moves the calling thread (a background worker's) to SCHED_IDLE, or to BACKGROUND_NICE where that is refused. */
export function lowerThisThreadPriority(): Lowered {
  return lowerThread(0, true);
}

/**
 * Gives the process's JIT compiler threads BACKGROUND_NICE; returns how many
 * it lowered. JavaScriptCore starts them at its first compilation, so call it
 * once code has run (the server does at start-up, when it is ready).
 */
export function lowerCompilerThreadPriority(): number {
  if (process.platform !== 'linux') return 0;
  let lowered = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    let name: string;
    try {
      name = readFileSync(`/proc/self/task/${tid}/comm`, 'latin1').trim();
    } catch {
      continue; // the thread ended meanwhile
    }
    if (name === COMPILER_THREAD_NAME && lowerThread(Number(tid), false) === 'nice') lowered++;
  }
  return lowered;
}
