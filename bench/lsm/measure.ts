// What the lsm worker benches (background.ts, sort_ab.ts, merge_ab.ts, flush_ab.ts) measure with.
export { threadCpuNs } from "../../src/util/thread-cpu.ts";

/** The median of a (NaN when empty). */
export function median(a: number[]): number {
  const b = a.slice().sort((x, y) => x - y);
  return b.length === 0 ? NaN : b.length % 2 === 1 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
}
