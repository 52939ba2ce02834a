// A/B of two trees' compaction job (compaction_job.ts runCompactionJob, run
// on this thread) on an L0 -> L1 compaction of background.ts's workload: the
// memtables dump_memtables.ts wrote, as tables (memtables 1-4 as L0, 0 as
// L1), merged into the bottom level by both trees in turn (ABBA). With
// --filter, through a filter that keeps every key (prepare and groups, as
// the server's reclaim filter: the windowed input a server's compaction
// reads); without, straight from the merge. Prints each tree's median thread
// CPU per job and the median of the pairs' B/A ratios (compare both orders
// of the trees: the later slot may run slower).
//
//   ./node_modules/.bin/bun bench/lsm/merge_ab.ts TREE_A TREE_B [--rounds=16] [--filter] [--dir=/tmp/aikv-memtables]

import { mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { CompactionJob, CompactionJobResult } from "../../src/storage/lsm/compaction_job.ts";
import type { CompactionFilter } from "../../src/storage/lsm/compaction.ts";
import { compareRanges } from "../../src/storage/lsm/key_sort.ts";
import { fileName } from "../../src/storage/lsm/dbformat.ts";
import { TableBuilder } from "../../src/storage/lsm/table_builder.ts";
import type { FileMeta } from "../../src/storage/lsm/version_edit.ts";
import { median, threadCpuNs } from "./measure.ts";
import { readDumps } from "./memtable_dumps.ts";

type RunCompactionJob = (job: CompactionJob, host: undefined, filter: CompactionFilter | undefined) => Promise<CompactionJobResult>;

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const trees = process.argv.slice(2, 4).map((t) => resolve(t));
if (trees.length !== 2) throw new Error("usage: merge_ab.ts TREE_A TREE_B [--rounds=N] [--filter]");
const ROUNDS = Number(arg("rounds", "16"));
const FILTER: CompactionFilter | undefined = process.argv.includes("--filter")
  ? { prepare: async () => {}, decide: () => "keep", groupLength: (_buf, _off, len) => (len > 20 ? 20 : 0) }
  : undefined;
const jobs: RunCompactionJob[] = [];
for (const tree of trees) jobs.push((await import(`${tree}/src/storage/lsm/compaction_job.ts`)).runCompactionJob);
const table = { blockSize: 4096, restartInterval: 16, bloomBitsPerKey: 10, compression: "none" as const };
const dir = mkdtempSync(join(tmpdir(), "aikv-merge-ab-"));

/** The dumps as tables: each memtable's entries in order, its sequence numbers above the last one's (later memtables are newer). */
const tables: FileMeta[] = readDumps(arg("dir", "/tmp/aikv-memtables"), 5).map((m, number) => {
  const n = m.keyStarts.length;
  const seqBase = number * 1e8;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => compareRanges(m.arena, m.keyStarts[a], m.keyEnds[a], m.arena, m.keyStarts[b], m.keyEnds[b]) || m.seqs[b] - m.seqs[a],
  );
  const builder = TableBuilder.create(fileName(dir, number, "sst"), table);
  for (const i of order) builder.add(m.arena.subarray(m.keyStarts[i], m.keyEnds[i]), seqBase + m.seqs[i], m.kinds[i], m.arena, m.keyEnds[i] - m.keyStarts[i], m.keyEnds[i], m.valueEnds[i]);
  const { fileSize, props } = builder.finish();
  builder.close();
  return { number, size: fileSize, smallest: props.smallest, largest: props.largest, smallestSeq: props.smallestSeq, largestSeq: props.largestSeq, cleanSeq: 0, numEntries: props.numEntries };
});
const lastSequence = Math.max(...tables.map((f) => f.largestSeq));
let nextNumber = 1000;
const ms: number[][] = [[], []];
const ratios: number[] = [];
const entriesOut = [0, 0];

async function compactOnce(t: number): Promise<number> {
  const outputNumbers = Array.from({ length: 64 }, () => nextNumber++);
  // No snapshot older than the last write (a DB's lastSequence): a key's older versions and, at the bottom, deletions go.
  const params = { dir, outputNumbers, targetFileSize: 64 << 20, bottommost: true, smallestSnapshot: lastSequence, rangeDels: [], table, sync: false };
  const start = threadCpuNs();
  const result = await jobs[t]({ params, inputs: [tables.slice(1), [tables[0]]], sourceLevel: 0 }, undefined, FILTER);
  const took = (threadCpuNs() - start) / 1e6;
  entriesOut[t] = result.stats.entriesOut;
  for (const f of result.outputs) unlinkSync(fileName(dir, f.number, "sst"));
  return took;
}

for (let round = 0; round < ROUNDS; round++) {
  const pair = [0, 0];
  for (const t of round % 2 === 0 ? [0, 1] : [1, 0]) ms[t].push((pair[t] = await compactOnce(t)));
  // The first round compiles.
  if (round > 0) ratios.push(pair[1] / pair[0]);
}
console.log(`A ${trees[0]}: median ${median(ms[0]).toFixed(0)} ms per job; B ${trees[1]}: ${median(ms[1]).toFixed(0)} ms; B/A median ${median(ratios).toFixed(3)} over ${ratios.length} pairs; entries out ${entriesOut.join(" / ")}`);
rmSync(dir, { recursive: true, force: true });
