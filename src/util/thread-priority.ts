/**
 * Moves the calling thread to the lowest CPU priority, so that the LSM's
 * background work (flushes, compactions) runs only when the event loop that
 * runs commands leaves a core idle. RocksDB lowers its low-priority pool the
 * same way (Env::LowerThreadPoolCPUPriority, CpuPriority::kIdle).
 *
 * SCHED_IDLE rather than a high nice value: the scheduler takes a core that
 * runs only SCHED_IDLE threads for an idle one when it places a waking
 * thread, so the event loop, woken by a client's bytes, preempts a
 * compaction at once instead of waiting for its share or queueing behind
 * redis-benchmark on the other core.
 *
 * Background work cannot starve: durability does not depend on it, and
 * when it falls behind, writers stop (DB.whenWritable) or flush on the
 * event loop's own thread (a write stall), which leaves the cores to it.
 * Best effort: where SCHED_IDLE is refused the nice value is raised instead;
 * null where neither can be done (not Linux, no libc).
 */
import { dlopen, FFIType, ptr } from 'bun:ffi';

/** The nice value used where SCHED_IDLE is refused (0 = the main thread's priority, 19 = the lowest). */
export const BACKGROUND_NICE = 10;
/** Linux's SCHED_IDLE policy number (sched.h). */
export const SCHED_IDLE = 5;

export function lowerThisThreadPriority(): 'idle' | 'nice' | null {
  if (process.platform !== 'linux') return null;
  try {
    const libc = dlopen('libc.so.6', {
      sched_setscheduler: { args: [FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
      setpriority: { args: [FFIType.i32, FFIType.u32, FFIType.i32], returns: FFIType.i32 },
    });
    try {
      // pid 0 is the calling thread: Linux schedules threads, and both calls act on one (sched_setscheduler(2), setpriority(2) NOTES).
      const param = new Int32Array(1); // struct sched_param { int sched_priority = 0 }
      if (libc.symbols.sched_setscheduler(0, SCHED_IDLE, ptr(param)) === 0) return 'idle';
      return libc.symbols.setpriority(0, 0, BACKGROUND_NICE) === 0 ? 'nice' : null;
    } finally {
      libc.close();
    }
  } catch {
    return null;
  }
}
