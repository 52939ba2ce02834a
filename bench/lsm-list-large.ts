// One list of 1,000,000 elements on the lsm engine, next to redis-server in
// the same run: the time to RPUSH it (pipelined batches of 1000 elements per
// command), then the latency of index, range and end operations on it, which
// must not depend on the list's length (no whole-list load), and of DEL.
//
//   ./node_modules/.bin/bun bench/lsm-list-large.ts [elements=1000000]
//
// Redis runs with appendonly yes / appendfsync everysec, AiKv with its
// default appendfsync everysec. AiKv's latencies are measured after DEBUG
// COMPACT: the load's own flushes and compactions are not what is measured. Not a test: it prints numbers and never fails on them.

import type Redis from "ioredis";
import { startAikv, startRedis, type RunningServer } from "../test/helpers/server.ts";

const ELEMENTS = Number(process.argv[2] ?? 1_000_000);
const PER_COMMAND = 1000;
const COMMANDS_PER_PIPELINE = 20;
const REPEATS = 21;

async function load(r: Redis): Promise<number> {
  const start = performance.now();
  for (let sent = 0; sent < ELEMENTS; ) {
    const pipeline = r.pipeline();
    for (let i = 0; i < COMMANDS_PER_PIPELINE && sent < ELEMENTS; i++, sent += PER_COMMAND) {
      pipeline.rpush("big", ...Array.from({ length: Math.min(PER_COMMAND, ELEMENTS - sent) }, (_, j) => `element-${sent + j}`));
    }
    await pipeline.exec();
  }
  return performance.now() - start;
}

/** Min, median and max latency in ms of `run`, repeated (each repeat may change the list slightly). */
async function latency(run: () => Promise<unknown>): Promise<{ min: number; median: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { min: times[0], median: times[REPEATS >> 1], max: times[REPEATS - 1] };
}

function operations(r: Redis): Record<string, () => Promise<unknown>> {
  const middle = ELEMENTS >> 1;
  return {
    "LLEN": () => r.llen("big"),
    "LINDEX middle": () => r.lindex("big", middle),
    "LRANGE middle 10": () => r.lrange("big", middle, middle + 9),
    "LRANGE 0 9": () => r.lrange("big", 0, 9),
    "LSET middle": () => r.lset("big", middle, "x"),
    "LPOP": () => r.lpop("big"),
    "RPOP": () => r.rpop("big"),
    "LPUSH": () => r.lpush("big", "h"),
    "RPUSH": () => r.rpush("big", "t"),
    "LINSERT near head": () => r.linsert("big", "AFTER", "h", "i"),
    "LREM near tail": () => r.lrem("big", -1, "t"),
    "LPOS MAXLEN 100": () => r.lpos("big", "none", "MAXLEN", 100),
  };
}

async function measure(name: string, server: RunningServer) {
  const r = server.client();
  const loadMs = await load(r);
  // AiKv: flush and compact now (DEBUG COMPACT), so that the latencies are
  // not those of the load's own background work; redis-server answers an error.
  const compactStart = performance.now();
  const compacted = await r.call("DEBUG", "COMPACT").then(() => true, () => false);
  const compactMs = performance.now() - compactStart;
  const ops: Record<string, { min: number; median: number; max: number }> = {};
  for (const [op, run] of Object.entries(operations(r))) ops[op] = await latency(run);
  const delStart = performance.now();
  await r.del("big");
  const delMs = performance.now() - delStart;
  const compaction = compacted ? `, DEBUG COMPACT ${(compactMs / 1000).toFixed(1)} s` : "";
  console.log(`${name}: loaded in ${(loadMs / 1000).toFixed(1)} s (${Math.round(ELEMENTS / (loadMs / 1000))} elements/s)${compaction}, DEL ${delMs.toFixed(1)} ms`);
  return { loadMs, ops, delMs };
}

const aikv = await startAikv(["--engine", "lsm", "--enable-debug-command", "yes"]);
const redis = await startRedis(["--appendonly", "yes", "--appendfsync", "everysec"]);
try {
  console.log(`${ELEMENTS} elements, ${PER_COMMAND} per RPUSH, ${COMMANDS_PER_PIPELINE} RPUSH per pipeline`);
  const a = await measure("aikv lsm", aikv);
  const b = await measure("redis   ", redis);
  console.log(`load time ratio aikv/redis: ${(a.loadMs / b.loadMs).toFixed(1)}x`);
  const cells = (t: { min: number; median: number; max: number }) => [t.min, t.median, t.max].map((ms) => ms.toFixed(2).padStart(7)).join(" ");
  console.log(`${"operation (ms)".padEnd(20)} ${"aikv min  median     max".padEnd(24)}   redis min  median     max`);
  for (const op of Object.keys(a.ops)) console.log(`${op.padEnd(20)} ${cells(a.ops[op])}   ${cells(b.ops[op])}`);
} finally {
  await Promise.all([aikv.stop(), redis.stop()]);
}
