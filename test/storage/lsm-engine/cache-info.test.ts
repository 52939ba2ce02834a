// The LSM block cache, the decoded-metadata cache and the row cache on a real server
// (--engine lsm): their budgets follow maxmemory (cache-budget.ts) and INFO
// persistence reports their capacity, usage, hits, misses and hit rate.

import { afterAll, beforeAll, expect, test } from "bun:test";
import type Redis from "ioredis";
import { blockCacheBudget, metaCacheBudget, rowCacheBudget } from "../../../src/storage/lsm-engine/cache-budget.ts";
import { startAikv, type RunningServer } from "../../helpers/server.ts";

const MiB = 1024 * 1024;
const KEYS = 2000;

let srv: RunningServer;
let r: Redis;

beforeAll(async () => {
  srv = await startAikv(["--engine", "lsm", "--enable-debug-command", "yes", "--maxmemory", "8mb"]);
  r = srv.client();
});

afterAll(async () => {
  r.disconnect();
  await srv.stop();
});

/** The INFO persistence fields starting with prefix, without it. */
async function cacheInfo(prefix: string): Promise<Record<string, number>> {
  const fields: Record<string, number> = {};
  for (const line of (await r.info("persistence")).split("\r\n")) {
    const [name, value] = line.split(":");
    if (name.startsWith(prefix)) fields[name.slice(prefix.length)] = Number(value);
  }
  return fields;
}

const blockCache = () => cacheInfo("lsm_block_cache_");
const metaCache = () => cacheInfo("lsm_meta_cache_");
const rowCache = () => cacheInfo("lsm_row_cache_");

test("the server writes uncompressed tables: no block cache, the metadata and row caches take three quarters of maxmemory (3:1), at start-up and after CONFIG SET", async () => {
  const capacities = async () => [(await blockCache()).capacity, (await metaCache()).capacity, (await rowCache()).capacity];
  expect(await capacities()).toEqual([0, 4.5 * MiB, 1.5 * MiB]);
  await r.config("SET", "maxmemory", "2mb");
  expect(await capacities()).toEqual([0, 1.125 * MiB, 0.375 * MiB]);
  await r.config("SET", "maxmemory", "0");
  expect(await capacities()).toEqual([0, 64 * MiB, 64 * MiB]);
  await r.config("SET", "maxmemory", "8mb");
  expect(await capacities()).toEqual([0, 4.5 * MiB, 1.5 * MiB]);
});

test("with compressed tables the block cache takes half of maxmemory, the metadata and row caches a quarter (3:1)", () => {
  expect([blockCacheBudget(8 * MiB, true), metaCacheBudget(8 * MiB, true), rowCacheBudget(8 * MiB, true)]).toEqual([4 * MiB, 1.5 * MiB, 0.5 * MiB]);
  expect([blockCacheBudget(0, true), metaCacheBudget(0, true), rowCacheBudget(0, true)]).toEqual([64 * MiB, 64 * MiB, 64 * MiB]);
});

test("the row cache answers a collection member's reads after its flush, and INFO counts it", async () => {
  await r.sadd("rows:set", "a", "b", "c");
  expect(await r.call("DEBUG", "COMPACT")).toBe("OK");
  const before = await rowCache();
  // Cached at the second miss (a read-then-write, as SADD's, at the write), then hits.
  for (let i = 0; i < 3; i++) expect(await r.sismember("rows:set", "b")).toBe(1);
  for (let i = 0; i < 3; i++) expect(await r.sismember("rows:set", "z")).toBe(0);
  const after = await rowCache();
  expect(after.misses - before.misses).toBe(4);
  expect(after.hits - before.hits).toBe(2);
  expect(after.entries).toBeGreaterThanOrEqual(2);
  expect(after.usage).toBeGreaterThan(0);
});

test("GETs of keys in tables read their blocks in place: the block cache (decompressed blocks only) stays empty", async () => {
  const pipe = r.pipeline();
  for (let i = 0; i < KEYS; i++) pipe.set(`key:${i}`, `value:${i}`);
  await pipe.exec();
  expect(await r.call("DEBUG", "COMPACT")).toBe("OK");
  // A metadata cache of a few hundred keys: reading all keys in order misses
  // it every time (each key was evicted before its turn), so reads go to the blocks.
  await r.config("SET", "maxmemory", "256kb");

  const readAll = async (): Promise<void> => {
    const reads = r.pipeline();
    for (let i = 0; i < KEYS; i++) reads.get(`key:${i}`);
    const replies = (await reads.exec())!;
    expect(replies[KEYS - 1][1]).toBe(`value:${KEYS - 1}`);
  };
  await readAll();
  const before = await cacheInfo("lsm_table_");
  await readAll();
  const after = await cacheInfo("lsm_table_");
  // Nearly every read goes to a block: a few keys may still be in the metadata
  // cache at their turn (its doorkeeper admits a key read from the tables on its second read).
  expect(after.block_reads - before.block_reads).toBeGreaterThanOrEqual(KEYS * 0.95);
  const cache = await blockCache();
  expect(cache.usage).toBe(0);
  expect(cache.hits + cache.misses).toBe(0);
  expect(cache.hit_rate).toBe(0);
  await r.config("SET", "maxmemory", "8mb");
});

test("repeated reads of hot keys hit the metadata cache, which follows writes", async () => {
  const hot = Array.from({ length: 100 }, (_, i) => `hot:${i}`);
  await r.mset(...hot.flatMap((key) => [key, "v1"]));
  const before = await metaCache();
  expect(await r.mget(...hot)).toEqual(hot.map(() => "v1"));
  const after = await metaCache();
  expect(after.hits - before.hits).toBeGreaterThanOrEqual(hot.length);
  expect(after.keys).toBeGreaterThanOrEqual(hot.length);
  expect(after.usage).toBeLessThanOrEqual(after.capacity);
  expect(after.hit_rate).toBeCloseTo(after.hits / (after.hits + after.misses), 3);
  // Overwrites, type changes and deletes are seen by the next read.
  await r.set("hot:0", "v2");
  await r.del("hot:1");
  await r.del("hot:2");
  await r.hset("hot:2", "f", "v");
  expect(await r.get("hot:0")).toBe("v2");
  expect(await r.get("hot:1")).toBeNull();
  expect(await r.type("hot:2")).toBe("hash");
  await r.flushdb();
  expect(await r.get("hot:3")).toBeNull();
  expect(await r.dbsize()).toBe(0);
});

test("the memtables follow maxmemory: with 8mb, 2 MiB of writes are flushed to tables without a DEBUG COMPACT", async () => {
  // An eighth of 8mb for 5 memtables is below the 1 MiB floor: each memtable is
  // 1 MiB, where the server's 8 MiB default would hold all of these writes.
  await r.flushall();
  const tablesBefore = (await cacheInfo("lsm_table_")).entries;
  const value = "v".repeat(10 * 1024);
  const writes = r.pipeline();
  for (let i = 0; i < 200; i++) writes.set(`big:${i}`, value);
  await writes.exec();
  const deadline = Date.now() + 30_000;
  while ((await cacheInfo("lsm_table_")).entries <= tablesBefore) {
    if (Date.now() > deadline) throw new Error("no memtable was flushed to a table");
    await Bun.sleep(50);
  }
  expect(await r.strlen("big:199")).toBe(value.length);
});
