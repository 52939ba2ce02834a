// Larger-than-cache reads on the lsm engine (issue 6): load N keys with
// 100-byte values under a small cache budget (maxmemory, see
// src/storage/lsm-engine/cache-budget.ts), then random GETs at 50 clients with
// redis-benchmark; the same GET run on a dataset that fits in the cache gives
// the ratio. Also reports disk space after the load and after DEL of half of
// the keys plus DEBUG COMPACT. Results: README.md next to this file.
//
//   bun bench/lsm-engine/larger-than-memory.ts [--keys=N] [--small-keys=N] [--maxmemory-mb=M] [--gets=N] [--mset=K]
//
// The load sends MSETs of K keys (default 100; --mset=1: one key per
// command), and the DEL of half of the keys DELs of K keys: one command,
// one atomic WAL record per K keys.

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type Redis from "ioredis";
import { startAikv } from "../../test/helpers/server.ts";

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}

const KEYS = flag("keys", 2_000_000);
const SMALL_KEYS = flag("small-keys", 10_000);
const MAXMEMORY_MB = flag("maxmemory-mb", 8);
const GETS = flag("gets", 300_000);
const VALUE = "v".repeat(100);
const MSET_KEYS = flag("mset", 100);
/** Keys per pipeline. */
const BATCH = 1000;
const IN_FLIGHT = 4;

/** redis-benchmark's `-r` keys: "key:" and the number zero-padded to 12 digits. */
function keyName(i: number): string {
  return `key:${String(i).padStart(12, "0")}`;
}

function diskBytes(dir: string): number {
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    // The server deletes obsolete WAL files and tables meanwhile: a file gone by its stat counts 0.
    if (e.isFile()) bytes += statSync(join(e.parentPath, e.name), { throwIfNoEntry: false })?.size ?? 0;
  }
  return bytes;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Calls `add` for indexes in [0, count) with `step`, `batch` per pipeline, IN_FLIGHT pipelines at a time. */
async function pipelined(r: Redis, count: number, step: number, add: (p: ReturnType<Redis["pipeline"]>, i: number) => void, batch = BATCH): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const p = r.pipeline();
      const end = Math.min(count, next + batch * step);
      for (let i = next; i < end; i += step) add(p, i);
      next = end;
      await p.exec();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/** Sends one command per MSET_KEYS keys of [0, count) with `step`: `send(pipeline, keys)`. */
async function grouped(r: Redis, count: number, step: number, send: (p: ReturnType<Redis["pipeline"]>, keys: string[]) => void): Promise<void> {
  const perCommand = MSET_KEYS * step;
  await pipelined(r, Math.ceil(count / perCommand), 1, (p, j) => {
    const keys: string[] = [];
    for (let i = j * perCommand; i < Math.min(count, (j + 1) * perCommand); i += step) keys.push(keyName(i));
    send(p, keys);
  }, Math.max(1, Math.floor(BATCH / MSET_KEYS)));
}

/** Writes keys [0, count) with VALUE: MSETs of MSET_KEYS keys. */
function load(r: Redis, count: number): Promise<void> {
  return grouped(r, count, 1, (p, keys) => p.mset(...keys.flatMap((k) => [k, VALUE])));
}

async function redisBenchmarkGet(port: number, keys: number): Promise<{ rps: number; p50: number; p99: number }> {
  const proc = Bun.spawn(["redis-benchmark", "-p", String(port), "-t", "get", "-r", String(keys), "-c", "50", "-n", String(GETS), "--csv"], { stdout: "pipe", stderr: "pipe" });
  const csv = await new Response(proc.stdout).text();
  await proc.exited;
  const row = csv.trim().split("\n").at(-1)!.replaceAll('"', "").split(",");
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  return { rps: Number(row[1]), p50: Number(row[4]), p99: Number(row[6]) };
}

async function getRun(keys: number, label: string): Promise<{ rps: number; p99: number }> {
  const srv = await startAikv(["--engine", "lsm", "--enable-debug-command", "yes", "--maxmemory", `${MAXMEMORY_MB}mb`, "--save", ""]);
  const r = srv.client();
  try {
    const started = performance.now();
    await load(r, keys);
    const loadSecs = (performance.now() - started) / 1000;
    console.log(`${label}: loaded ${keys} keys x 100 B in ${loadSecs.toFixed(1)} s (${Math.round(keys / loadSecs)} SET/s), disk ${mb(diskBytes(srv.dir))}`);
    await r.call("DEBUG", "COMPACT");
    console.log(`${label}: after DEBUG COMPACT disk ${mb(diskBytes(srv.dir))}`);
    // One warm-up pass so both runs measure a steady cache, then the measured one.
    await redisBenchmarkGet(srv.port, keys);
    const result = await redisBenchmarkGet(srv.port, keys);
    const info = await r.info("persistence");
    const cache = info.split("\r\n").filter((l) => l.startsWith("lsm_block_cache_")).join(" ");
    console.log(`${label}: GET -c 50 -r ${keys}: ${Math.round(result.rps)} rps, p50 ${result.p50} ms, p99 ${result.p99} ms; ${cache}`);
    if (keys === KEYS) {
      await grouped(r, keys, 2, (p, group) => p.del(...group));
      await r.call("DEBUG", "COMPACT");
      console.log(`${label}: after DEL of half the keys + DEBUG COMPACT disk ${mb(diskBytes(srv.dir))}, DBSIZE ${await r.dbsize()}`);
    }
    return result;
  } finally {
    r.disconnect();
    await srv.stop();
  }
}

console.log(`block cache ${MAXMEMORY_MB / 2} MiB (maxmemory ${MAXMEMORY_MB} MB), ${GETS} GETs per run`);
const small = await getRun(SMALL_KEYS, "fits-in-cache");
const large = await getRun(KEYS, "larger-than-cache");
console.log(`ratio larger/fits: ${(large.rps / small.rps).toFixed(2)}x throughput; p99 ${large.p99} ms vs ${small.p99} ms`);
