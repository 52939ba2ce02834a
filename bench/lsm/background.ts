// What the lsm server's background work costs (not a test): the flushes and
// L0 -> L1 compactions of bench-vs-redis --aof's write tests. The server's
// keyspace (in-process, no sockets) takes redis-benchmark's commands of SET,
// INCR, LPUSH, RPOP, SADD, HSET and ZADD (100k each, -P 16, -r 100000, three
// rounds); each time its memtable holds 32 MiB (the server's size) that
// memtable is flushed by every tree's flush job, --repeat times (timed, the
// outputs deleted), then by the DB itself into L0 (the next compactions'
// inputs). At every 4th L0 file (the L0 trigger) every tree's compaction
// job merges those files with its own previous compaction's output (its
// L1), as DB.runCompaction would, --repeat times too. Jobs run in each
// tree's own flush and compaction workers (compaction_pool.ts), as in the
// server: prints their CPU (Linux schedstat; the filter's queries are
// answered on this thread, as the server's main thread does) and ns per
// input entry (a flush is shown the DB's tables as the tables below it, as
// DB.flushLoop does: it drops deletions of keys none of them may hold); the
// trees' jobs alternate (ABBA), so compare medians. A server's compaction
// worker runs one or two compactions per benchmark run, in code the JIT has
// not optimized yet: the first compaction's figures.
//
//   ./node_modules/.bin/bun bench/lsm/background.ts [--trees=.,/tmp/wt-base] [--repeat=2] [--rounds=3]
//
// --inline=flush or --inline=compaction runs only that kind of job, and on
// this thread (one kind only: a merge loop that saw both kinds of input is
// slower than either worker's), for a profile:
//
//   ./node_modules/.bin/bun --cpu-prof --cpu-prof-dir=/tmp/p bench/lsm/background.ts --inline=flush --repeat=1
//
// The keyspace (filling, the DB's own flushes) is this tree's; only the jobs are each tree's.

import { unlinkSync } from "node:fs";
import { resolve } from "node:path";
import { SERVER_MEMTABLE_BYTES } from "../../src/storage/lsm-engine/cache-budget.ts";
import { reachableVersions } from "../../src/storage/lsm-engine/reclaim.ts";
import type { CompactionJob, CompactionJobResult, FlushJobSpec } from "../../src/storage/lsm/compaction_job.ts";
import type { CompactionFilterHost, CompactionFilterSpec } from "../../src/storage/lsm/compaction.ts";
import { fileName } from "../../src/storage/lsm/dbformat.ts";
import type { MemTable } from "../../src/storage/lsm/memtable.ts";
import type { FileMeta } from "../../src/storage/lsm/version_edit.ts";
import type { Version } from "../../src/storage/lsm/version_set.ts";
import { median, threadCpuNs } from "./measure.ts";
import { openWorkloadServer } from "./workload.ts";

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const TREES = arg("trees", ".").split(",").map((t) => resolve(t));
const REPEAT = Number(arg("repeat", "2"));
const ROUNDS = Number(arg("rounds", "3"));
const MEMTABLE_BYTES = SERVER_MEMTABLE_BYTES;
/** The DB's default l0CompactionTrigger (the server's). */
const L0_TRIGGER = 4;

const INLINE = arg("inline", "");
if (!["", "flush", "compaction"].includes(INLINE)) throw new Error("--inline=flush or --inline=compaction");

interface TreeJobs {
  tree: string;
  flush(spec: FlushJobSpec): Promise<CompactionJobResult>;
  compact(job: CompactionJob): Promise<CompactionJobResult>;
  /** Its L1: the outputs of its last compaction. */
  level1: FileMeta[];
  flushMs: number[];
  compactionMs: number[];
  flushNsPerEntry: number[];
  compactionNsPerEntry: number[];
}
const trees: TreeJobs[] = [];
for (const tree of TREES) {
  const jobs = await import(`${tree}/src/storage/lsm/compaction_job.ts`);
  const pool = await import(`${tree}/src/storage/lsm/compaction_pool.ts`);
  trees.push({
    tree,
    flush: INLINE === "" ? (spec) => pool.runFlushInWorker(spec, answer) : (spec) => inlineCpu(() => jobs.runFlushJob(spec, host)),
    compact: INLINE === "" ? (job) => pool.runInWorker(job, answer) : (job) => inlineCpu(() => jobs.runCompactionJob(job, host)),
    level1: [],
    flushMs: [],
    compactionMs: [],
    flushNsPerEntry: [],
    compactionNsPerEntry: [],
  });
}


const workload = await openWorkloadServer(MEMTABLE_BYTES);
const { dir, engine } = workload;
/** The DB's private parts this bench reads: its memtable, its filter, its files. */
const lsm = engine.lsm as unknown as { instance: number; mem: MemTable; o: { compactionFilter: CompactionFilterSpec }; vs: { current: Version; newFileNumber(): number } };
/** The filter's queries, answered as the server's main thread does. */
const answer = (request: unknown) => reachableVersions(engine.lsm, request as Uint8Array[]);
/** Inline: the queries' CPU, subtracted from the job's (the server's main thread, not its worker, answers them). */
let queryNs = 0;
const host: CompactionFilterHost = {
  query: async (request) => {
    const t = threadCpuNs();
    const reply = answer(request);
    queryNs += threadCpuNs() - t;
    return reply;
  },
};
/** A job run on this thread, with its CPU as a worker's result reports it. */
async function inlineCpu(run: () => Promise<CompactionJobResult>): Promise<CompactionJobResult> {
  queryNs = 0;
  const t = threadCpuNs();
  const result = await run();
  result.cpuNs = threadCpuNs() - t - queryNs;
  return result;
}
const table = { blockSize: 4096, restartInterval: 16, bloomBitsPerKey: 10, compression: "none" as const };
/** A flush's (DB.newFlushParams) or an L0 -> L1 compaction's (L1 is the last level with data here: bottommost). */
const params = (outputNumbers: number[], targetFileSize: number, bottommost: boolean) => ({
  dir,
  outputNumbers,
  targetFileSize,
  bottommost,
  smallestSnapshot: engine.lsm.lastSequence,
  rangeDels: [],
  table,
  sync: false,
});
/** ABBA...: the order of the trees' jobs in the i-th comparison. */
const order = (i: number) => (i % 2 === 0 ? trees : trees.slice().reverse());
let comparisons = 0;

async function timed(run: () => Promise<CompactionJobResult>): Promise<{ ms: number; nsPerEntry: number; result: CompactionJobResult }> {
  const result = await run();
  return { ms: result.cpuNs / 1e6, nsPerEntry: result.cpuNs / Math.max(1, result.stats.entriesIn), result };
}

async function flushMemtable(): Promise<void> {
  const memtable = lsm.mem.shared();
  if (memtable === null) throw new Error("the memtable is not in shared memory");
  const line: string[] = [];
  for (let r = 0; r < (INLINE === "compaction" ? 0 : REPEAT); r++)
    for (const t of order(comparisons++)) {
      const number = lsm.vs.newFileNumber();
      const { ms, nsPerEntry, result } = await timed(() => t.flush({ params: params([number], Number.MAX_SAFE_INTEGER, false), walFile: "", memtable, filter: lsm.o.compactionFilter, below: { db: lsm.instance, levels: lsm.vs.current.files } }));
      t.flushMs.push(ms);
      t.flushNsPerEntry.push(nsPerEntry);
      for (const f of result.outputs) unlinkSync(fileName(dir, f.number, "sst"));
      line.push(`${trees.indexOf(t)}: ${ms.toFixed(0)} ms (${nsPerEntry.toFixed(0)} ns/entry, ${result.stats.entriesIn} in, ${result.stats.entriesOut} out)`);
    }
  if (line.length > 0) console.log(`flush  ${line.join("  ")}`);
  await engine.lsm.flush();
}

async function compactLevel0(): Promise<void> {
  const level0 = lsm.vs.current.files[0].slice();
  const bytesIn = level0.reduce((n, f) => n + f.size, 0);
  const line: string[] = [];
  const outputs = new Map<TreeJobs, FileMeta[]>();
  for (let r = 0; r < REPEAT; r++)
    for (const t of order(comparisons++)) {
      const outputNumbers = Array.from({ length: 64 }, () => lsm.vs.newFileNumber());
      const { ms, nsPerEntry, result } = await timed(() =>
        t.compact({ params: params(outputNumbers, 64 << 20, true), inputs: [level0, t.level1], sourceLevel: 0, filter: lsm.o.compactionFilter }),
      );
      // The first repetition's outputs are the tree's next L1.
      if (r === 0) outputs.set(t, result.outputs);
      else for (const f of result.outputs) unlinkSync(fileName(dir, f.number, "sst"));
      t.compactionMs.push(ms);
      t.compactionNsPerEntry.push(nsPerEntry);
      line.push(`${trees.indexOf(t)}: ${ms.toFixed(0)} ms (${nsPerEntry.toFixed(0)} ns/entry, ${result.stats.entriesIn} in, ${result.stats.entriesOut} out)`);
    }
  for (const t of trees) {
    for (const f of t.level1) unlinkSync(fileName(dir, f.number, "sst"));
    t.level1 = outputs.get(t)!;
  }
  console.log(`compaction of ${(bytesIn / 1e6).toFixed(1)} MB of L0  ${line.join("  ")}`);
}

for (const [i, t] of trees.entries()) console.log(`${i}: ${t.tree}`);
await workload.feed(
  ROUNDS,
  async () => {
    await flushMemtable();
    if (lsm.vs.current.files[0].length >= L0_TRIGGER) {
      if (INLINE !== "flush") await compactLevel0();
      // The DB's own L0 -> L1 (each tree has its own L1): L0 then holds only the next compaction's inputs.
      await engine.lsm.compactRange();
    }
    return true;
  },
  (round, test) => console.log(`round ${round + 1} ${test} fed`),
);

const sum = (a: number[]) => a.reduce((n, x) => n + x, 0);
for (const [i, t] of trees.entries()) {
  // Per run of the benchmark: each flush and compaction once.
  const perRun = (sum(t.flushMs) + sum(t.compactionMs)) / REPEAT;
  console.log(
    `${i} ${t.tree}: flush median ${median(t.flushMs).toFixed(0)} ms (${median(t.flushNsPerEntry).toFixed(0)} ns/entry, ${t.flushMs.length} flushes); ` +
      `compaction median ${median(t.compactionMs).toFixed(0)} ms (${median(t.compactionNsPerEntry).toFixed(0)} ns/entry, ${t.compactionMs.length} compactions); ` +
      `all jobs per run of the benchmark ${perRun.toFixed(0)} ms`,
  );
}
await workload.close();
process.exit(0);
