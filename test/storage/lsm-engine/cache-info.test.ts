// The LSM block cache on a real server (--engine lsm): its budget follows
// maxmemory (cache-budget.ts) and INFO persistence reports its capacity,
// usage, hits, misses and hit rate.

import { afterAll, beforeAll, expect, test } from "bun:test";
import type Redis from "ioredis";
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

async function blockCache(): Promise<Record<string, number>> {
  const fields: Record<string, number> = {};
  for (const line of (await r.info("persistence")).split("\r\n")) {
    const [name, value] = line.split(":");
    if (name.startsWith("lsm_block_cache_")) fields[name.slice("lsm_block_cache_".length)] = Number(value);
  }
  return fields;
}

test("the block cache's capacity is half of maxmemory, at start-up and after CONFIG SET", async () => {
  expect((await blockCache()).capacity).toBe(4 * MiB);
  await r.config("SET", "maxmemory", "2mb");
  expect((await blockCache()).capacity).toBe(1 * MiB);
  await r.config("SET", "maxmemory", "0");
  expect((await blockCache()).capacity).toBe(64 * MiB);
  await r.config("SET", "maxmemory", "8mb");
  expect((await blockCache()).capacity).toBe(4 * MiB);
});

test("repeated GETs of keys in tables hit the block cache", async () => {
  const pipe = r.pipeline();
  for (let i = 0; i < KEYS; i++) pipe.set(`key:${i}`, `value:${i}`);
  await pipe.exec();
  expect(await r.call("DEBUG", "COMPACT")).toBe("OK");

  const readAll = async (): Promise<void> => {
    const reads = r.pipeline();
    for (let i = 0; i < KEYS; i++) reads.get(`key:${i}`);
    const replies = (await reads.exec())!;
    expect(replies[KEYS - 1][1]).toBe(`value:${KEYS - 1}`);
  };
  await readAll();
  const before = await blockCache();
  await readAll();
  const after = await blockCache();
  expect(after.hits - before.hits).toBeGreaterThanOrEqual(KEYS);
  expect(after.usage).toBeGreaterThan(0);
  expect(after.usage).toBeLessThanOrEqual(after.capacity);
  expect(after.hit_rate).toBeGreaterThan(0);
  expect(after.hit_rate).toBeCloseTo(after.hits / (after.hits + after.misses), 3);
});
