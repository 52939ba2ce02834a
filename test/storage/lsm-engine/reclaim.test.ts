// Reclaiming the space of deleted, overwritten and expired collections on a
// real server (--engine lsm): DEBUG COMPACT runs the compaction filter over
// everything; table entries and .sst bytes drop, live data survives.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Redis from "ioredis";
import { startAikv, type RunningServer } from "../../helpers/server.ts";

/** The size for one test; the other cases use fewer elements to keep the file fast on a loaded machine. */
const BIG = 100_000;
const MEDIUM = 20_000;
const LSM = ["--engine", "lsm", "--enable-debug-command", "yes"];

function sstBytes(dir: string): number {
  let bytes = 0;
  const visit = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) visit(join(d, e.name));
      else if (e.name.endsWith(".sst")) bytes += statSync(join(d, e.name)).size;
    }
  };
  visit(dir);
  return bytes;
}

async function lsmInfo(r: Redis): Promise<Record<string, number>> {
  const fields: Record<string, number> = {};
  for (const line of (await r.info("persistence")).split("\r\n")) {
    const [k, v] = line.split(":");
    if (k.startsWith("lsm_")) fields[k] = Number(v);
  }
  return fields;
}

/** HSET/SADD of `count` elements in commands of 1000. */
async function fill(r: Redis, type: "hash" | "set", key: string, count: number, tag = ""): Promise<void> {
  const pipe = r.pipeline();
  for (let base = 0; base < count; base += 1000) {
    const args: string[] = [];
    for (let i = base; i < Math.min(count, base + 1000); i++) {
      if (type === "hash") args.push(`field:${i}`, `value:${tag}${i}`);
      else args.push(`member:${tag}${i}`);
    }
    if (type === "hash") pipe.hset(key, ...args);
    else pipe.sadd(key, ...args);
  }
  await pipe.exec();
}

describe("reclaim of stale sub-keys (lsm)", () => {
  let srv: RunningServer;
  let r: Redis;
  beforeAll(async () => {
    srv = await startAikv([...LSM, "--appendfsync", "no"]);
    r = srv.client();
  });
  afterAll(async () => {
    await srv.stop();
  });

  /** Fills, compacts, runs `orphan`, compacts again: entries and bytes must drop to (almost) nothing. */
  async function expectReclaimed(type: "hash" | "set", elements: number, orphan: () => Promise<void>): Promise<void> {
    await r.flushall();
    await fill(r, type, "big", elements);
    expect(await r.call("debug", "compact")).toBe("OK");
    const before = await lsmInfo(r);
    const bytesBefore = sstBytes(srv.dir);
    expect(before.lsm_table_entries).toBeGreaterThanOrEqual(elements);
    await orphan();
    const pending = await lsmInfo(r);
    expect(pending.lsm_reclaim_pending_subkeys_estimate).toBeGreaterThanOrEqual(elements);
    expect(pending.lsm_reclaim_pending_bytes_estimate).toBeGreaterThan(elements * 10);
    expect(await r.call("debug", "compact")).toBe("OK");
    const after = await lsmInfo(r);
    expect(after.lsm_table_entries).toBeLessThan(100);
    expect(after.lsm_reclaim_pending_subkeys_estimate).toBe(0);
    expect(sstBytes(srv.dir)).toBeLessThan(bytesBefore / 20);
  }

  test("DEL of a 100k-field hash", async () => {
    await expectReclaimed("hash", BIG, async () => {
      expect(await r.del("big")).toBe(1);
    });
  }, 60_000);

  test("overwrite of a 20k-member set by SET", async () => {
    await expectReclaimed("set", MEDIUM, async () => {
      expect(await r.set("big", "small now")).toBe("OK");
    });
    expect(await r.get("big")).toBe("small now");
  }, 60_000);

  test("expiry of a 20k-field hash", async () => {
    await expectReclaimed("hash", MEDIUM, async () => {
      await r.pexpire("big", 1);
      // Untouched: active expiry (the expiry index, no scan) deletes the metadata; DBSIZE does not expire lazily.
      for (let i = 0; i < 100 && (await r.dbsize()) !== 0; i++) await Bun.sleep(20);
      expect(await r.dbsize()).toBe(0);
    });
  }, 60_000);

  test("live keys keep their elements through compactions and a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aikv-reclaim-"));
    try {
      let server = await startAikv(LSM, { dir });
      let c = server.client();
      await fill(c, "hash", "live", 2000);
      await fill(c, "set", "gone", 2000);
      await c.del("gone");
      expect(await c.call("debug", "compact")).toBe("OK");
      expect(await c.hlen("live")).toBe(2000);
      await server.stop();
      server = await startAikv(LSM, { dir });
      c = server.client();
      expect(await c.call("debug", "compact")).toBe("OK");
      const all = await c.hgetall("live");
      expect(Object.keys(all).length).toBe(2000);
      expect(all["field:1999"]).toBe("value:1999");
      expect(await c.exists("gone")).toBe(0);
      await server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("a key recreated while the compaction runs keeps its new data", async () => {
    await r.flushall();
    await fill(r, "hash", "big", MEDIUM);
    expect(await r.call("debug", "compact")).toBe("OK");
    await r.del("big");
    const events: string[] = [];
    const compacting = r.call("debug", "compact").then((reply) => events.push(`compact ${reply}`));
    // A second connection is served while the first waits for the compaction.
    const other = srv.client();
    await fill(other, "hash", "big", 1000, "new:");
    events.push("recreated");
    await compacting;
    expect(events).toEqual(["recreated", "compact OK"]);
    expect(await r.call("debug", "compact")).toBe("OK");
    expect(await r.hlen("big")).toBe(1000);
    expect(await r.hget("big", "field:999")).toBe("value:new:999");
    expect(await r.hget("big", "field:1000")).toBeNull();
    other.disconnect();
  }, 60_000);

  test("DEBUG COMPACT is refused inside MULTI and on the memory engine", async () => {
    const multi = r.multi();
    multi.call("debug", "compact");
    const [[err]] = (await multi.exec()) as [Error | null, unknown][];
    expect(String(err)).toContain("cannot run inside MULTI");
    const mem = await startAikv(["--engine", "memory", "--enable-debug-command", "yes"]);
    try {
      await expect(mem.client().call("debug", "compact")).rejects.toThrow("needs --engine lsm");
    } finally {
      await mem.stop();
    }
  });
});
