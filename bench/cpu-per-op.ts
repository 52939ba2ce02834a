// Server CPU time per command, AiKv (memory engine) against redis-server, for
// redis-benchmark tests. Throughput on a shared, loaded machine mostly
// measures scheduling; the main thread's CPU time per command (Linux
// /proc/PID/schedstat) is what bounds throughput on a quiet one, so its
// ratio predicts the throughput ratio there.
//
//   ./node_modules/.bin/bun bench/cpu-per-op.ts [tests=set,get,...] [pipeline=16] [requests=200000]
//
// Prints per test: CPU ns per command on each server and redis/AiKv (1.00 = parity,
// higher is better for AiKv, like bench-vs-redis.sh's ratio). Not a test.

import { spawn } from "bun";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

const tests = (process.argv[2] ?? "set,get,incr,mset,lpush,rpop,lrange_100,sadd,spop,hset,zadd,zpopmin").split(",");
const pipeline = process.argv[3] ?? "16";
const requests = Number(process.argv[4] ?? 200_000);

function mainThreadCpuNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "latin1").split(" ")[0]);
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

/** Runs one redis-benchmark test; returns the server's CPU ns per request. */
async function cpuPerOp(port: number, pid: number, test: string): Promise<number> {
  const before = mainThreadCpuNs(pid);
  const run = spawn(["redis-benchmark", "-p", String(port), "-t", test, "-P", pipeline, "-c", "50", "-r", "100000", "-n", String(requests), "-q"], {
    stdout: "ignore",
    stderr: "ignore",
  });
  await run.exited;
  // LRANGE_100 first fills the list with as many LPUSHes: count both.
  const commands = test.startsWith("lrange") ? 2 * requests : requests;
  return (mainThreadCpuNs(pid) - before) / commands;
}

const aikvPort = await freePort();
const aikv = spawn([process.execPath, join(import.meta.dir, "../src/main.ts"), "--port", String(aikvPort), "--save", "", "--engine", "memory"], { stdout: "ignore", stderr: "ignore" });
const redisPort = await freePort();
const redis = spawn(["redis-server", "--port", String(redisPort), "--save", "", "--appendonly", "no"], { stdout: "ignore" });
try {
  await waitForPing(aikvPort);
  await waitForPing(redisPort);
  console.log(`server CPU per command, redis-benchmark -P ${pipeline} -c 50 -r 100000 -n ${requests}`);
  for (const test of tests) {
    const a = await cpuPerOp(aikvPort, aikv.pid, test);
    const r = await cpuPerOp(redisPort, redis.pid, test);
    console.log(`${test.padEnd(12)} AiKv ${a.toFixed(0).padStart(6)} ns  redis ${r.toFixed(0).padStart(6)} ns  ratio ${(r / a).toFixed(2)}`);
  }
} finally {
  aikv.kill();
  redis.kill();
}
