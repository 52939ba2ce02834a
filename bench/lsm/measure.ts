// What the lsm worker benches (background.ts, sort_ab.ts, merge_ab.ts) measure with.
import { readFileSync } from "node:fs";

/** This thread's CPU time in ns (Linux schedstat): A/B figures that leave out the time other processes ran. */
export function threadCpuNs(): number {
  return Number(readFileSync("/proc/thread-self/schedstat", "latin1").split(" ", 1)[0]);
}

/** The median of a (NaN when empty). */
export function median(a: number[]): number {
  const b = a.slice().sort((x, y) => x - y);
  return b.length === 0 ? NaN : b.length % 2 === 1 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
}
