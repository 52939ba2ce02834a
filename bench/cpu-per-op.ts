// Server CPU time per command and throughput, AiKv (memory engine) against
// redis-server, for redis-benchmark tests. Throughput on a shared, loaded
// machine mostly measures scheduling; the main thread's CPU time per command
// (Linux /proc/PID/schedstat) is what bounds throughput on a quiet one, so its
// ratio predicts the throughput ratio there. "all" adds the server's other
// threads (GC, JIT, allocator scavenger), which share the machine's cores.
//
//   ./node_modules/.bin/bun bench/cpu-per-op.ts [tests=set,get,...] [pipeline=16] [requests=200000] [rounds=1] [tree...]
//
// Each tree (default: this one) is a checkout whose src/main.ts is started;
// giving two (e.g. a `git worktree` of the base commit, then this tree) makes
// a same-run A/B: every round runs each test on every server in turn,
// redis-server last, and medians are reported. Prints per test and server:
// CPU ns per command (main thread, all threads), requests/s, and
// redis/AiKv main-thread CPU (1.00 = parity, higher is better for AiKv, like
// bench-vs-redis.sh's throughput ratio). Not a test.
//
// AIKV_ENGINE=lsm runs the LSM engine instead (--appendonly yes --appendfsync
// everysec, a fresh data dir per server, removed at the end) against
// redis-server with the same AOF settings, as bench-vs-redis.sh --aof does.

import { spawn } from "bun";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

const tests = (process.argv[2] ?? "set,get,incr,mset,lpush,rpop,lrange_100,sadd,spop,hset,zadd,zpopmin").split(",");
const pipeline = process.argv[3] ?? "16";
const requests = Number(process.argv[4] ?? 200_000);
const rounds = Number(process.argv[5] ?? 1);
const trees = process.argv.length > 6 ? process.argv.slice(6).map((t) => resolve(t)) : [join(import.meta.dir, "..")];

function threadCpuNs(pid: number, tid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1").split(" ")[0]);
}

/** CPU ns of the main thread and of all threads of a process. */
function cpuNs(pid: number): { main: number; all: number } {
  let all = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) all += threadCpuNs(pid, Number(tid));
  return { main: threadCpuNs(pid, pid), all };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitForPing(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const p = spawn(["redis-cli", "-p", String(port), "ping"], { stdout: "pipe", stderr: "ignore" });
    if ((await new Response(p.stdout).text()).includes("PONG")) return;
    await Bun.sleep(100);
  }
  throw new Error(`no server on port ${port}`);
}

interface Measured {
  main: number[];
  all: number[];
  rps: number[];
}

/** Runs one redis-benchmark test; records the server's CPU ns per request and the requests per second. */
async function measure(port: number, pid: number, test: string, into: Measured): Promise<void> {
  const before = cpuNs(pid);
  const started = performance.now();
  const run = spawn(["redis-benchmark", "-p", String(port), "-t", test, "-P", pipeline, "-c", "50", "-r", "100000", "-d", "3", "-n", String(requests), "-q"], {
    stdout: "ignore",
    stderr: "ignore",
  });
  await run.exited;
  const seconds = (performance.now() - started) / 1000;
  // LRANGE_100 first fills the list with as many LPUSHes: count both.
  const commands = test.startsWith("lrange") ? 2 * requests : requests;
  const after = cpuNs(pid);
  into.main.push((after.main - before.main) / commands);
  into.all.push((after.all - before.all) / commands);
  into.rps.push(commands / seconds);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const lsm = process.env.AIKV_ENGINE === "lsm";
const dataDirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "aikv-cpu-per-op-"));
  dataDirs.push(dir);
  return dir;
}
const engineArgs = (): string[] => (lsm ? ["--engine", "lsm", "--dir", dataDir(), "--appendonly", "yes", "--appendfsync", "everysec"] : ["--engine", "memory"]);
const redisPersistence = (): string[] => (lsm ? ["--appendonly", "yes", "--appendfsync", "everysec", "--dir", dataDir()] : ["--appendonly", "no"]);

const servers: { name: string; port: number; pid: number; kill: () => void }[] = [];
try {
  for (const tree of trees) {
    const port = await freePort();
    const p = spawn([process.execPath, join(tree, "src/main.ts"), "--port", String(port), "--save", "", ...engineArgs()], { cwd: tree, stdout: "ignore", stderr: "ignore" });
    servers.push({ name: trees.length > 1 ? tree : "AiKv", port, pid: p.pid, kill: () => p.kill() });
  }
  const redisPort = await freePort();
  const redis = spawn(["redis-server", "--port", String(redisPort), "--save", "", ...redisPersistence()], { stdout: "ignore" });
  servers.push({ name: "redis", port: redisPort, pid: redis.pid, kill: () => redis.kill() });
  for (const s of servers) await waitForPing(s.port);
  console.log(`server CPU per command, redis-benchmark -P ${pipeline} -c 50 -r 100000 -d 3 -n ${requests}, ${rounds} round(s), medians`);
  const results = new Map<string, Measured[]>(tests.map((t) => [t, servers.map(() => ({ main: [], all: [], rps: [] }))]));
  for (let r = 0; r < rounds; r++) {
    for (const test of tests) for (const [i, s] of servers.entries()) await measure(s.port, s.pid, test, results.get(test)![i]);
  }
  for (const test of tests) {
    const m = results.get(test)!;
    const redisMain = median(m[m.length - 1].main);
    const cols = servers.map((s, i) => {
      const ratio = i < servers.length - 1 ? ` ratio ${(redisMain / median(m[i].main)).toFixed(2)}` : "";
      return `${s.name}: main ${median(m[i].main).toFixed(0)} all ${median(m[i].all).toFixed(0)} ns, ${median(m[i].rps).toFixed(0)} req/s${ratio}`;
    });
    console.log(`${test.padEnd(11)} ${cols.join(" | ")}`);
  }
} finally {
  for (const s of servers) s.kill();
  if (dataDirs.length > 0) {
    await Bun.sleep(1500); // the servers' shutdown
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}
