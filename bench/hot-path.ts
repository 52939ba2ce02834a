// The server's per-command JS cost without the network: feeds pipelined
// batches like redis-benchmark's (-P 16, random keys from -r 100000) straight
// into the server's read handler for a client with no socket, so a profile
// shows only parsing, dispatch, commands and storage (no kernel, no client).
//
//   ./node_modules/.bin/bun bench/hot-path.ts [test,...] [seconds per test] [batches]
//   ./node_modules/.bin/bun --cpu-prof bench/hot-path.ts zadd 5
//
// Tests: set get incr mset lpush rpop lrange_100 sadd spop hset zadd zpopmin.
// Prints CPU ns per command (process CPU time, all threads: GC helpers count),
// which a loaded machine disturbs less than wall time; compare runs on the same machine only.
// The batches (default 256, so 4,096 commands) are fed again and again, so
// their keys stay in cache; 6250 batches touch most of the 100k keys, as the
// server's benchmark does, and so count their cache misses too.
//
//   ./node_modules/.bin/bun bench/hot-path.ts --alloc [test,...] [seconds per test]
//
// prints bytes allocated per command instead, which load does not disturb:
// it runs itself again under BUN_JSC_logGC=1 and adds up the bytes each
// eden collection reports as allocated during each measured run (so the
// resolution is the 8 MB eden size over the commands run: give it seconds).
//
//   ./node_modules/.bin/bun bench/hot-path.ts --engine lsm [test,...] [seconds per test]
//
// runs the lsm engine instead (a fresh temp dir, appendfsync everysec, removed
// at the end): each batch is followed by an event-loop turn, as a server's
// read is, so the WAL's group commit, the flush and compaction workers run as
// in a server; a test that consumes (rpop...) runs at most as many commands
// as its fill did, so every pop finds an element; it prints the main
// thread's CPU ns per command (Linux schedstat) and all threads'.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommandLine } from "../src/config/cli.ts";
import { Client } from "../src/net/client.ts";
import { Server } from "../src/server.ts";
import type { StorageEngine } from "../src/storage/engine.ts";
import { followMaxmemory } from "../src/storage/lsm-engine/cache-budget.ts";
import { LsmEngine } from "../src/storage/lsm-engine/lsm-engine.ts";
import { MemoryEngine } from "../src/storage/memory/memory-engine.ts";

const PIPELINE = 16;
const KEYSPACE = 100_000;

/** The commands of one benchmark test, as redis-benchmark sends them (__rand_int__ replaced per command). */
const TESTS: Record<string, () => string[]> = {
  set: () => ["SET", `key:${rand()}`, "xxx"],
  get: () => ["GET", `key:${rand()}`],
  incr: () => ["INCR", `counter:${rand()}`],
  mset: () => ["MSET", ...Array.from({ length: 10 }, () => [`key:${rand()}`, "xxx"]).flat()],
  lpush: () => ["LPUSH", "mylist", "xxx"],
  rpop: () => ["RPOP", "mylist"],
  lrange_100: () => ["LRANGE", "mylist", "0", "99"],
  sadd: () => ["SADD", "myset", `element:${rand()}`],
  spop: () => ["SPOP", "myset"],
  hset: () => ["HSET", "myhash", `element:${rand()}`, "xxx"],
  zadd: () => ["ZADD", "myzset", String(rand()), `element:${rand()}`],
  zpopmin: () => ["ZPOPMIN", "myzset"],
};
/** Tests that consume data another test fills first (as redis-benchmark's order does). */
const FILL: Record<string, string> = { rpop: "lpush", lrange_100: "lpush", spop: "sadd", zpopmin: "zadd" };

function rand(): number {
  return Math.floor(Math.random() * KEYSPACE);
}

function encode(argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
}

function batches(test: string): Uint8Array[] {
  const make = TESTS[test];
  return Array.from({ length: batchCount }, () => Buffer.from(Array.from({ length: PIPELINE }, () => encode(make())).join(""), "latin1"));
}

const alloc = process.argv[2] === "--alloc";
const rawArgs = process.argv.slice(alloc ? 3 : 2);
const lsm = rawArgs[0] === "--engine" && rawArgs[1] === "lsm";
const args = lsm ? rawArgs.slice(2) : rawArgs;
// The lsm engine's workers have GC heaps of their own, whose log lines the --alloc count would mix in.
if (alloc && lsm) throw new Error("--alloc measures the memory engine only");

const cli = parseCommandLine(["--save", "", "--engine", lsm ? "lsm" : "memory"], "bench");
if (cli.kind === "exit") throw new Error(cli.output);
const lsmDir = lsm ? mkdtempSync(join(tmpdir(), "aikv-hot-path-")) : null;
let engine: StorageEngine;
if (lsmDir !== null) {
  const opened = await LsmEngine.open({ dir: lsmDir, dbCount: cli.config.num("databases"), syncPolicy: "everysec" });
  followMaxmemory(cli.config, opened);
  engine = opened;
} else engine = new MemoryEngine(cli.config.num("databases"));
const server = new Server(cli.config, engine);
const client = new Client(server, null, 1);
// onData is the socket's read callback; the bench calls it directly.
const feed = (data: Uint8Array) => (server as unknown as { onData(c: Client, d: Uint8Array): void }).onData(client, data);

/** Commands fed so far, all tests (the --alloc marks count a run's). */
let commandsRun = 0;

function run(test: string, seconds: number): number {
  const input = batches(test);
  let commands = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (const b of input) feed(b);
    commands += input.length * PIPELINE;
  }
  const used = process.cpuUsage(cpu);
  commandsRun += commands;
  return ((used.user + used.system) * 1000) / commands;
}

/** CPU ns of this process's main thread and of all its threads (Linux schedstat). */
function threadsCpuNs(): { main: number; all: number } {
  const ns = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "latin1").split(" ")[0]);
  let all = 0;
  for (const tid of readdirSync("/proc/self/task")) all += ns(tid);
  return { main: ns(String(process.pid)), all };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * run() for the lsm engine: an event-loop turn after each batch, for `seconds`
 * or at most maxCommands; CPU ns per command of the main thread and of all threads.
 */
async function runTurns(test: string, seconds: number, maxCommands = Infinity): Promise<{ main: number; all: number; commands: number }> {
  const input = batches(test);
  let commands = 0;
  const before = threadsCpuNs();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end && commands < maxCommands) {
    for (const b of input) {
      feed(b);
      await nextTurn();
    }
    commands += input.length * PIPELINE;
  }
  const after = threadsCpuNs();
  commandsRun += commands;
  return { main: (after.main - before.main) / commands, all: (after.all - before.all) / commands, commands };
}

/** Runs this script again under JSC's GC log and prints bytes allocated per command of each test (see the header). */
async function reportAllocations(args: string[]): Promise<void> {
  const child = Bun.spawn([process.execPath, import.meta.path, ...args], {
    env: { ...process.env, BUN_JSC_logGC: "1", HOT_PATH_MARKS: "1" },
    stdout: "ignore",
    stderr: "pipe",
  });
  let allocated = 0;
  let collections = 0;
  let measuring = false;
  for (const line of (await new Response(child.stderr).text()).split("\n")) {
    const mark = /^@@ (start|end) (\S+)(?: (\d+))?/.exec(line);
    if (mark?.[1] === "start") [measuring, allocated, collections] = [true, 0, 0];
    else if (mark?.[1] === "end") {
      measuring = false;
      const perCommand = (allocated / Number(mark[3])).toFixed(1);
      console.log(`${mark[2].padEnd(12)} ${perCommand.padStart(7)} bytes/command (${collections} collections, ${mark[3]} commands)`);
    } else if (measuring) {
      const cycle = /bytes allocated this cycle: (\d+)/.exec(line);
      if (cycle !== null) [allocated, collections] = [allocated + Number(cycle[1]), collections + 1];
    }
  }
  await child.exited;
}

if (alloc) {
  await reportAllocations(rawArgs);
  process.exit(0);
}
const tests = (args[0] ?? "set,get,incr,mset,lpush,rpop,lrange_100,sadd,spop,hset,zadd,zpopmin").split(",");
const seconds = Number(args[1] ?? 2);
const batchCount = Number(args[2] ?? 256);
const marks = process.env.HOT_PATH_MARKS === "1";
for (const test of tests) {
  if (!(test in TESTS)) throw new Error(`unknown test ${test}`);
  const fill = FILL[test];
  // On lsm the test then runs as many commands as the fill did, at most: every pop finds an element (as redis-benchmark's -n).
  let filled = Infinity;
  if (fill !== undefined) {
    if (lsmDir !== null) filled = (await runTurns(fill, seconds)).commands;
    else run(fill, seconds / 2);
  }
  if (marks) console.error(`@@ start ${test}`);
  const before = commandsRun;
  let result: string;
  if (lsmDir !== null) {
    const ns = await runTurns(test, seconds, filled);
    result = `main ${ns.main.toFixed(0).padStart(6)} all ${ns.all.toFixed(0).padStart(6)}`;
  } else result = run(test, seconds).toFixed(0).padStart(6);
  if (marks) console.error(`@@ end ${test} ${commandsRun - before}`);
  console.log(`${test.padEnd(12)} ${result} ns/command`);
}
if (lsmDir !== null) {
  await engine.close();
  rmSync(lsmDir, { recursive: true, force: true });
}
process.exit(0);
