import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Redis from "ioredis";
import { startAikv } from "../../helpers/server.ts";

// DBSIZE and INFO keyspace's expires come from counts stored with the writes
// (key-counts.ts), not from a scan at start-up: after kill -9 they must
// still match the keys there are.

/** Per db with keys: [keys, expires] counted from KEYS and TTL, and as INFO keyspace reports them. */
async function counts(r: Redis): Promise<{ actual: string[]; reported: string[] }> {
  const actual: string[] = [];
  for (let db = 0; db < 16; db++) {
    await r.select(db);
    const keys = await r.keys("*");
    let expires = 0;
    for (const k of keys) if ((await r.pttl(k)) >= 0) expires++;
    if (keys.length > 0) actual.push(`db${db}:keys=${keys.length},expires=${expires}`);
    expect(await r.dbsize()).toBe(keys.length);
  }
  await r.select(0);
  const reported = (await r.info("keyspace"))
    .split("\r\n")
    .filter((l) => l.startsWith("db"))
    .map((l) => l.replace(/,avg_ttl=\d+/, ""));
  return { actual, reported };
}

test("DBSIZE and expires survive kill -9 exactly (FLUSHDB, SWAPDB, MOVE, COPY, RENAME, MULTI, active expiry)", async () => {
  const lsm = ["--engine", "lsm", "--appendfsync", "always"];
  const dir = mkdtempSync(join(tmpdir(), "aikv-counts-"));
  const first = await startAikv(lsm, { dir });
  try {
    const r = first.client();
    await r.mset("a", "1", "b", "2", "c", "3");
    await r.set("ttl1", "x", "EX", 1000);
    await r.hset("h", "f", "v");
    await r.expire("h", 1000);
    await r.set("short", "x", "PX", 50);
    await r.rename("a", "b"); // overwrite: one key fewer
    await r.copy("c", "c2");
    await r.move("c2", 2);
    await r.multi().set("m1", "1").set("m2", "2").del("m1").exec();
    await r.select(1);
    await r.set("gone", "1");
    await r.flushdb();
    await r.set("kept", "1", "EX", 1000);
    await r.select(3);
    await r.sadd("s", "1");
    await r.swapdb(3, 4);
    await r.select(0);
    await r.persist("ttl1");
    for (const deadline = Date.now() + 20_000; (await r.exists("short")) === 1 && Date.now() < deadline; ) await Bun.sleep(50);
    const before = await counts(r);
    expect(before.reported).toEqual(before.actual);
    expect(before.actual).toEqual(["db0:keys=5,expires=1", "db1:keys=1,expires=1", "db2:keys=1,expires=0", "db4:keys=1,expires=0"]);
    await first.stop(); // SIGKILL
    const second = await startAikv(lsm, { dir });
    try {
      expect(second.output()).toContain("DB loaded from disk: 8 keys");
      expect(second.output()).not.toContain("Counted the keys by a scan");
      const after = await counts(second.client());
      expect(after).toEqual(before);
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
