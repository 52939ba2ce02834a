/**
 * This thread's CPU time in ns: clock_gettime(CLOCK_THREAD_CPUTIME_ID)
 * through bun:ffi, for the LSM's flush and compaction CPU in DB.stats() and
 * for the benches' A/Bs. Not /proc/thread-self/schedstat's first field,
 * which on the VMs measured here moves in ticks of 2.5-4 ms while a thread
 * runs (a 70 ms flush read in steps of ~6%). 0 where libc's clock cannot be
 * called (not Linux).
 */
import { dlopen, FFIType, ptr } from 'bun:ffi';

const CLOCK_THREAD_CPUTIME_ID = 3;
const timespec = new BigInt64Array(2); // struct timespec { tv_sec; tv_nsec }
const timespecPtr = ptr(timespec);
const clockGettime = openClock();

function openClock(): ((clock: number, out: typeof timespecPtr) => number) | null {
  if (process.platform !== 'linux') return null;
  try {
    return dlopen('libc.so.6', { clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 } }).symbols.clock_gettime;
  } catch {
    return null;
  }
}

export function threadCpuNs(): number {
  if (clockGettime === null || clockGettime(CLOCK_THREAD_CPUTIME_ID, timespecPtr) !== 0) return 0;
  return Number(timespec[0]) * 1e9 + Number(timespec[1]);
}
