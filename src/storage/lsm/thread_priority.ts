/**
 * Lowers the calling thread's CPU priority (Linux nice value), so that the
 * LSM's background work (flushes, compactions) yields the CPU to the event
 * loop that runs commands: on a machine whose cores are busy it proceeds in
 * the gaps instead of taking an equal share from the commands. RocksDB does
 * the same for its low-priority pool (Env::LowerThreadPoolCPUPriority).
 * Durability does not depend on it, and the write stall triggers still slow
 * writers down if background work falls behind. Best effort: false where it
 * cannot be done (not Linux, no libc).
 */
import { dlopen, FFIType } from 'bun:ffi';

/** The nice value of the LSM's worker threads (0 = the main thread's priority, 19 = the lowest). */
export const BACKGROUND_NICE = 10;

export function lowerThisThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const libc = dlopen('libc.so.6', { setpriority: { args: [FFIType.i32, FFIType.u32, FFIType.i32], returns: FFIType.i32 } });
    // PRIO_PROCESS (0) of who 0 is the calling thread on Linux, where the nice value is per thread (setpriority(2), NOTES).
    const done = libc.symbols.setpriority(0, 0, nice) === 0;
    libc.close();
    return done;
  } catch {
    return false;
  }
}
