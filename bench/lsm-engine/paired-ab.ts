// Paired A/B of two trees' lsm engines in one process: each tree's Server
// (with its own LsmEngine in a fresh temp dir, appendfsync everysec) is fed
// the same chunks of pipelined commands as redis-benchmark sends them (-P 16,
// -r 100000, 3-byte values) in turn, A B then B A, with an event-loop turn
// after each batch of 16 (the WAL's group commit, the workers run as in a
// server). Per chunk it reads this thread's CPU time (src/util/thread-cpu.ts:
// schedstat and getrusage are tick-granular on this VM, 4 ms),
// and prints per test the medians of ns per command and of B/A per pair of
// chunks, which load that comes and goes disturbs far less than two runs
// minutes apart: A against A gave 0.988-1.022 (load 2-7, two runs of
// set,incr,lpush,rpop), where bench/cpu-per-op.ts's medians of 10 rounds
// moved by +-10%.
//
//   ./node_modules/.bin/bun bench/lsm-engine/paired-ab.ts TREE_A TREE_B [tests=set,incr,lpush,rpop] [chunks=60] [batches per chunk=300]
//   AB_INPUTS=46 ./node_modules/.bin/bun bench/lsm-engine/paired-ab.ts TREE_A TREE_B set,incr,sadd,hset,sadd,hset,sadd 40 300
//
// TREE_A, TREE_B: checkouts (e.g. `git worktree add /tmp/base <commit>` with
// node_modules linked). Tests: set get incr lpush rpop rpop-tables sadd hset
// zadd; before each rpop chunk each tree is fed as many LPUSHes, and before an
// rpop-tables chunk the LPUSHes are flushed too (its pops read the tables, as
// in redis-benchmark's later rounds, where the memtable filled while it
// pushed). The first 6 pairs warm up (JIT) and are not counted. Main thread
// only: the trees' workers run on other threads, at the same time. Not a test.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { threadCpuNs } from "../../src/util/thread-cpu.ts";

const PIPELINE = 16;
const KEYSPACE = 100_000;
const WARM_UP_PAIRS = 6;
/**
 * Distinct inputs a test's chunks cycle through (so random keys keep coming
 * from the whole keyspace). AB_INPUTS=46 with 40 chunks makes every chunk new,
 * so a SADD or HSET test's members keep arriving as in redis-benchmark's
 * rounds (new ones, then more and more of them already there), not 8 chunks'
 * ~32k members read again and again.
 */
const INPUTS = Number(process.env.AB_INPUTS ?? 8);

const [treeA, treeB] = [resolve(process.argv[2]), resolve(process.argv[3])];
const tests = (process.argv[4] ?? "set,incr,lpush,rpop").split(",");
const chunks = Number(process.argv[5] ?? 60);
const batchesPerChunk = Number(process.argv[6] ?? 300);

const rand = (): number => Math.floor(Math.random() * KEYSPACE);
const TESTS: Record<string, () => string[]> = {
  set: () => ["SET", `key:${rand()}`, "xxx"],
  get: () => ["GET", `key:${rand()}`],
  incr: () => ["INCR", `counter:${rand()}`],
  lpush: () => ["LPUSH", "mylist", "xxx"],
  rpop: () => ["RPOP", "mylist"],
  "rpop-tables": () => ["RPOP", "mylist"],
  sadd: () => ["SADD", "myset", `element:${rand()}`],
  hset: () => ["HSET", "myhash", `element:${rand()}`, "xxx"],
  zadd: () => ["ZADD", "myzset", String(rand()), `element:${rand()}`],
};
for (const t of tests) if (!(t in TESTS)) throw new Error(`unknown test ${t}`);

const encode = (argv: string[]): string => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
const batch = (test: string): Uint8Array => Buffer.from(Array.from({ length: PIPELINE }, () => encode(TESTS[test]())).join(""), "latin1");

const nextTurn = (): Promise<void> => new Promise((done) => setImmediate(done));

interface Fed {
  feed(data: Uint8Array): void;
  /** Flushes the memtable: what was written is in the tables. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A server of tree's code on an lsm engine in a fresh dir, fed as its socket's read callback would be. */
async function serverOf(tree: string): Promise<Fed> {
  const { parseCommandLine } = await import(join(tree, "src/config/cli.ts"));
  const { Client } = await import(join(tree, "src/net/client.ts"));
  const { Server } = await import(join(tree, "src/server.ts"));
  const { LsmEngine } = await import(join(tree, "src/storage/lsm-engine/lsm-engine.ts"));
  const { followMaxmemory } = await import(join(tree, "src/storage/lsm-engine/cache-budget.ts"));
  const cli = parseCommandLine(["--save", "", "--engine", "lsm"], "bench");
  if (cli.kind === "exit") throw new Error(cli.output);
  const dir = mkdtempSync(join(tmpdir(), "aikv-paired-ab-"));
  const engine = await LsmEngine.open({ dir, dbCount: cli.config.num("databases"), syncPolicy: "everysec" });
  followMaxmemory(cli.config, engine);
  const server = new Server(cli.config, engine);
  const client = new Client(server, null, 1);
  const onData = (server as unknown as { onData(c: unknown, d: Uint8Array): void }).onData.bind(server);
  return {
    feed: (data) => onData(client, data),
    flush: () => engine.lsm.flush(),
    close: async () => {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function feedAll(server: Fed, input: Uint8Array[]): Promise<void> {
  for (const b of input) {
    server.feed(b);
    await nextTurn();
  }
}

/** Main-thread CPU ns per command of feeding input to server. */
async function nsPerCommand(server: Fed, input: Uint8Array[]): Promise<number> {
  const start = threadCpuNs();
  await feedAll(server, input);
  return (threadCpuNs() - start) / (input.length * PIPELINE);
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const a = await serverOf(treeA);
const b = await serverOf(treeB);
for (const test of tests) {
  const inputs = Array.from({ length: INPUTS }, () => Array.from({ length: batchesPerChunk }, () => batch(test)));
  const fill = test.startsWith("rpop") ? Array.from({ length: batchesPerChunk }, () => batch("lpush")) : null;
  const nsA: number[] = [];
  const nsB: number[] = [];
  for (let pair = 0; pair < WARM_UP_PAIRS + chunks; pair++) {
    const input = inputs[pair % INPUTS];
    if (fill !== null) {
      await feedAll(a, fill);
      await feedAll(b, fill);
    }
    if (test === "rpop-tables") {
      await a.flush();
      await b.flush();
    }
    const aFirst = pair % 2 === 0;
    const first = await nsPerCommand(aFirst ? a : b, input);
    const second = await nsPerCommand(aFirst ? b : a, input);
    if (pair < WARM_UP_PAIRS) continue;
    nsA.push(aFirst ? first : second);
    nsB.push(aFirst ? second : first);
  }
  const ratio = median(nsB.map((ns, i) => ns / nsA[i]));
  console.log(`${test.padEnd(11)} A ${median(nsA).toFixed(0).padStart(5)} B ${median(nsB).toFixed(0).padStart(5)} ns/command (medians of ${chunks})  B/A ${ratio.toFixed(3)}`);
}
await a.close();
await b.close();
process.exit(0);
