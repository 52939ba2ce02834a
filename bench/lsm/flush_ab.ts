// A/B of two trees' flush job (compaction_job.ts runFlushJob, run on this
// thread) on the memtables dump_memtables.ts wrote, each rebuilt as a
// shared memtable (its entries added in their order, with their sequence
// numbers) and flushed by both trees in turn, the trees alternating per
// memtable (ABBA), the caches flushed of the memtable before each flush (a
// flush worker finds it cold). As the server's flushes: through the lsm
// engine's reclaim filter (its queries answered "unknown": keep), with the
// tables of the up to 3 memtables before as the tables below (level 0, the
// deletions of keys none of them may hold are dropped). Prints each tree's
// median thread CPU per flush and the median of the pairs' B/A ratios
// (compare both orders of the trees: the later slot may run slower), and
// whether both wrote the same tables.
//
//   ./node_modules/.bin/bun bench/lsm/flush_ab.ts TREE_A TREE_B [--rounds=8] [--dir=/tmp/aikv-memtables] [--count=5]

import { mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { CompactionJobResult, FlushJobSpec } from "../../src/storage/lsm/compaction_job.ts";
import type { CompactionFilterHost } from "../../src/storage/lsm/compaction.ts";
import { fileName } from "../../src/storage/lsm/dbformat.ts";
import { compareRanges } from "../../src/storage/lsm/key_sort.ts";
import { MemTable, memtableMemoryBytes, type SharedMemtable } from "../../src/storage/lsm/memtable.ts";
import { TableBuilder } from "../../src/storage/lsm/table_builder.ts";
import type { FileMeta } from "../../src/storage/lsm/version_edit.ts";
import { median, threadCpuNs } from "./measure.ts";
import { readDumps } from "./memtable_dumps.ts";

type RunFlushJob = (spec: FlushJobSpec, host: CompactionFilterHost) => Promise<CompactionJobResult>;

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const trees = process.argv.slice(2, 4).map((t) => resolve(t));
if (trees.length !== 2) throw new Error("usage: flush_ab.ts TREE_A TREE_B [--rounds=N]");
const ROUNDS = Number(arg("rounds", "8"));
const flushes: RunFlushJob[] = [];
for (const tree of trees) flushes.push((await import(`${tree}/src/storage/lsm/compaction_job.ts`)).runFlushJob);
const filter = { module: resolve(import.meta.dir, "../../src/storage/lsm-engine/reclaim-filter.ts") };
/** The reclaim filter's queries, answered "unknown" for every key (the filter then keeps it). */
const host: CompactionFilterHost = { query: async (request) => (request as unknown[]).map(() => null) };
const table = { blockSize: 4096, restartInterval: 16, bloomBitsPerKey: 10, compression: "none" as const };
/** The server's memtable size (the workload's, with its room past the cut). */
const SIZE_LIMIT = 40 << 20;
const dir = mkdtempSync(join(tmpdir(), "aikv-flush-ab-"));
const dumps = readDumps(arg("dir", "/tmp/aikv-memtables"), Number(arg("count", "5")));

/** Each dump as a shared memtable, and as a table (the next ones' tables below). */
const memtables: { shared: SharedMemtable; lastSeq: number }[] = [];
const tables: FileMeta[] = [];
for (const [number, m] of dumps.entries()) {
  const n = m.keyStarts.length;
  const memtable = new MemTable(0, SIZE_LIMIT, new SharedArrayBuffer(memtableMemoryBytes(SIZE_LIMIT)));
  for (let i = 0; i < n; i++) memtable.add(m.arena.slice(m.keyStarts[i], m.keyEnds[i]), m.seqs[i], m.kinds[i], m.arena.slice(m.keyEnds[i], m.valueEnds[i]));
  const shared = memtable.shared();
  if (shared === null) throw new Error("the memtable outgrew its shared memory");
  memtables.push({ shared, lastSeq: Math.max(...m.seqs) });
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => compareRanges(m.arena, m.keyStarts[a], m.keyEnds[a], m.arena, m.keyStarts[b], m.keyEnds[b]) || m.seqs[b] - m.seqs[a],
  );
  const builder = TableBuilder.create(fileName(dir, number + 1, "sst"), table);
  for (const i of order) builder.add(m.arena.subarray(m.keyStarts[i], m.keyEnds[i]), m.seqs[i], m.kinds[i], m.arena, m.keyEnds[i] - m.keyStarts[i], m.keyEnds[i], m.valueEnds[i]);
  const { fileSize, props } = builder.finish();
  builder.close();
  tables.push({ number: number + 1, size: fileSize, smallest: props.smallest, largest: props.largest, smallestSeq: props.smallestSeq, largestSeq: props.largestSeq, cleanSeq: 0, numEntries: props.numEntries });
}
/** Written over before each flush: more than the L3 cache (32 MiB here). */
const evictor = new Uint8Array(64 << 20);
let nextNumber = 1000;
const ms: number[][] = [[], []];
const ratios: number[] = [];
/** Per tree: a hash of the tables it wrote. */
const written = [0, 0];

async function flushOnce(t: number, i: number): Promise<number> {
  for (let j = 0; j < evictor.length; j += 64) evictor[j]++;
  const number = nextNumber++;
  // Newest first, as a version lists level 0.
  const below = tables.slice(Math.max(0, i - 3), i).reverse();
  const params = { dir, outputNumbers: [number], targetFileSize: Number.MAX_SAFE_INTEGER, bottommost: false, smallestSnapshot: memtables[i].lastSeq, rangeDels: [], table, sync: false };
  const start = threadCpuNs();
  await flushes[t]({ params, walFile: "", memtable: memtables[i].shared, filter, below: { db: 1, levels: [below, []] } }, host);
  const took = (threadCpuNs() - start) / 1e6;
  const path = fileName(dir, number, "sst");
  const bytes = readFileSync(path);
  let h = written[t];
  for (let j = 0; j + 4 <= bytes.length; j += 4) h = (Math.imul(h, 31) + bytes.readInt32LE(j)) | 0;
  written[t] = h;
  unlinkSync(path);
  return took;
}

for (let round = 0; round < ROUNDS; round++)
  for (let i = 0; i < memtables.length; i++) {
    const pair = [0, 0];
    for (const t of (round + i) % 2 === 0 ? [0, 1] : [1, 0]) ms[t].push((pair[t] = await flushOnce(t, i)));
    // The first round compiles.
    if (round > 0) ratios.push(pair[1] / pair[0]);
  }
console.log(`A ${trees[0]}: median ${median(ms[0]).toFixed(1)} ms per flush; B ${trees[1]}: ${median(ms[1]).toFixed(1)} ms; B/A median ${median(ratios).toFixed(3)} over ${ratios.length} pairs; same tables: ${written[0] === written[1]}`);
rmSync(dir, { recursive: true, force: true });
