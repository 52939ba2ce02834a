// A/B of two trees' key sort (key_sort.ts sortKeys) on a flush's input: the
// memtables dump_memtables.ts wrote, each sorted as FlushEntries.sorted does
// (ids in insertion order, newest version first), by both trees in one
// process, the trees alternating per memtable (ABBA), the caches flushed of
// the memtable before each sort (a flush worker finds it cold). Prints each
// tree's median thread CPU per sort and the median of the pairs' B/A ratios
// (compare both orders of the trees: the later slot may run slower), and
// whether both sorted into the same order.
//
//   ./node_modules/.bin/bun bench/lsm/sort_ab.ts TREE_A TREE_B [--rounds=12] [--dir=/tmp/aikv-memtables] [--count=5]

import { resolve } from "node:path";
import type { KeyRanges } from "../../src/storage/lsm/key_sort.ts";
import { median, threadCpuNs } from "./measure.ts";
import { readDumps } from "./memtable_dumps.ts";

type SortKeys = (k: KeyRanges, ids: Int32Array<ArrayBuffer>) => void;

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const trees = process.argv.slice(2, 4).map((t) => resolve(t));
if (trees.length !== 2) throw new Error("usage: sort_ab.ts TREE_A TREE_B [--rounds=N]");
const ROUNDS = Number(arg("rounds", "12"));
const sorts: SortKeys[] = [];
for (const tree of trees) sorts.push((await import(`${tree}/src/storage/lsm/key_sort.ts`)).sortKeys);
const memtables = readDumps(arg("dir", "/tmp/aikv-memtables"), Number(arg("count", "5")));
const most = Math.max(...memtables.map((m) => m.keyStarts.length));
const hi = new Int32Array(most);
const lo = new Int32Array(most);
const ids = new Int32Array(most);
/** One buffer: every entry's bufferOf is 0. */
const bufferOf = new Int32Array(most);
/** Written over before each sort: more than the L3 cache (32 MiB here). */
const evictor = new Uint8Array(64 << 20);
const ms: number[][] = [[], []];
const ratios: number[] = [];
/** Per tree: a hash of the orders it made. */
const orders = [0, 0];

function sortOnce(t: number, m: (typeof memtables)[number]): number {
  for (let i = 0; i < evictor.length; i += 64) evictor[i]++;
  const n = m.keyStarts.length;
  const order = ids.subarray(0, n);
  for (let i = 0; i < n; i++) order[i] = i;
  const seqs = m.seqs;
  const start = threadCpuNs();
  sorts[t]({ buffers: [m.arena], bufferOf, starts: m.keyStarts, ends: m.keyEnds, hi, lo, versionOrder: (a, b) => seqs[b] - seqs[a] }, order);
  const took = (threadCpuNs() - start) / 1e6;
  let h = orders[t];
  for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + order[i]) | 0;
  orders[t] = h;
  return took;
}

for (let round = 0; round < ROUNDS; round++)
  for (const m of memtables) {
    const pair = [0, 0];
    for (const t of round % 2 === 0 ? [0, 1] : [1, 0]) ms[t].push((pair[t] = sortOnce(t, m)));
    // The first round compiles.
    if (round > 0) ratios.push(pair[1] / pair[0]);
  }
console.log(`A ${trees[0]}: median ${median(ms[0]).toFixed(1)} ms per sort; B ${trees[1]}: ${median(ms[1]).toFixed(1)} ms; B/A median ${median(ratios).toFixed(3)} over ${ratios.length} pairs; same order: ${orders[0] === orders[1]}`);
