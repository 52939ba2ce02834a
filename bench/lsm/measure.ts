// What the lsm worker benches (background.ts, sort_ab.ts, merge_ab.ts, flush_ab.ts) measure with.
import { dlopen, FFIType, ptr } from "bun:ffi";

const CLOCK_THREAD_CPUTIME_ID = 3;
const libc = dlopen("libc.so.6", { clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 } });
const timespec = new BigInt64Array(2);
const timespecPtr = ptr(timespec);

/**
 * This thread's CPU time in ns (CLOCK_THREAD_CPUTIME_ID through bun:ffi, as
 * bench/lsm-engine/paired-ab.ts): A/B figures that leave out the time other
 * processes ran. Not schedstat's first field, which on this VM moves in
 * ticks of 4 ms while a thread runs: a 70 ms flush was measured in steps of
 * ~6%, and a median of B/A ratios of such steps reads 1.000 for any change
 * smaller than a step.
 */
export function threadCpuNs(): number {
  if (libc.symbols.clock_gettime(CLOCK_THREAD_CPUTIME_ID, timespecPtr) !== 0) throw new Error("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
  return Number(timespec[0]) * 1e9 + Number(timespec[1]);
}

/** The median of a (NaN when empty). */
export function median(a: number[]): number {
  const b = a.slice().sort((x, y) => x - y);
  return b.length === 0 ? NaN : b.length % 2 === 1 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
}
