// Streams on the lsm engine survive kill -9: entries, counters, node
// boundaries (XINFO's radix-tree-keys, later `~` trims), groups, consumers
// and PELs read the same before and after a restart on the same --dir.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Redis from "ioredis";
import { startAikv } from "../../helpers/server.ts";

/** Under appendfsync everysec the WAL reaches the disk within a second. */
const WAL_SYNC_MS = 1100;

/** Idle times grow while the server is down: XPENDING's extended form without them. */
function withoutIdle(rows: unknown): unknown {
  return (rows as unknown[][]).map(([id, consumer, , count]) => [id, consumer, count]);
}

/** Everything a client can read of the stream at key (absolute times only). */
async function snapshot(r: Redis, key: string, group: string, consumer: string): Promise<unknown> {
  return {
    type: await r.type(key),
    encoding: await r.object("ENCODING", key),
    entries: await r.xrange(key, "-", "+"),
    reversed: await r.xrevrange(key, "+", "-", "COUNT", 5),
    info: await r.call("XINFO", "STREAM", key),
    full: await r.call("XINFO", "STREAM", key, "FULL"),
    groups: await r.call("XINFO", "GROUPS", key),
    pendingSummary: await r.xpending(key, group),
    pending: withoutIdle(await r.xpending(key, group, "-", "+", 100)),
    pendingOfConsumer: withoutIdle(await r.xpending(key, group, "-", "+", 100, consumer)),
  };
}

describe("lsm engine: streams", () => {
  const dir = mkdtempSync(join(tmpdir(), "aikv-lsm-stream-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("entries, trims, groups, consumers and PELs read the same after kill -9", async () => {
    let before: unknown;
    let renamed: unknown;
    const fillAndSnapshot = async (r: Redis) => {
      for (let i = 1; i <= 350; i++) await r.xadd("s", `${i}-1`, "field", `v${i}`, ...(i % 7 === 0 ? ["other", "x"] : []));
      await r.xdel("s", "2-1", "5-1", "200-1", "350-1");
      await r.xtrim("s", "MAXLEN", "~", 260); // whole nodes only
      await r.xtrim("s", "MINID", "95-1"); // exact: into a node
      await r.xgroup("CREATE", "s", "g1", "0");
      await r.xgroup("CREATE", "s", "g2", "$", "ENTRIESREAD", 5);
      await r.xreadgroup("GROUP", "g1", "alice", "COUNT", 10, "STREAMS", "s", ">");
      await r.xreadgroup("GROUP", "g1", "bob", "COUNT", 5, "STREAMS", "s", ">");
      await r.xack("s", "g1", "96-1", "97-1");
      await r.xclaim("s", "g1", "bob", 0, "98-1", "99-1");
      await r.call("XGROUP", "CREATECONSUMER", "s", "g1", "carol");
      await r.xadd("s", "*", "after", "restart-check");
      await r.xadd("other", "1-1", "a", "1");
      await r.xgroup("CREATE", "other", "og", "0");
      await r.xreadgroup("GROUP", "og", "c", "STREAMS", "other", ">");
      await r.rename("other", "renamed");
      await r.copy("renamed", "copied");
      await r.expire("copied", 1000);
      await r.xadd("gone", "1-1", "a", "1");
      await r.del("gone");
      await r.xadd("gone", "5-5", "b", "2"); // a new version: the old entry is unreachable
      before = await snapshot(r, "s", "g1", "bob");
      renamed = await snapshot(r, "renamed", "og", "c");
    };
    const first = await startAikv(["--engine", "lsm"], { dir });
    try {
      await fillAndSnapshot(first.client());
      await Bun.sleep(WAL_SYNC_MS);
    } finally {
      await first.stop(); // SIGKILL
    }

    const second = await startAikv(["--engine", "lsm"], { dir });
    try {
      const s = second.client();
      expect(await snapshot(s, "s", "g1", "bob")).toEqual(before);
      expect(await snapshot(s, "renamed", "og", "c")).toEqual(renamed);
      expect(await s.exists("other")).toBe(0);
      expect(await s.xrange("copied", "-", "+")).toEqual([["1-1", ["a", "1"]]]);
      expect(await s.ttl("copied")).toBeGreaterThan(990);
      expect(await s.xrange("gone", "-", "+")).toEqual([["5-5", ["b", "2"]]]);
      expect(await s.memory("USAGE", "s")).toBeGreaterThan(0);
      // Writes go on from the recovered counters, node and PEL.
      const id = await s.xadd("s", "*", "field", "new");
      expect((await s.xrevrange("s", "+", "-", "COUNT", 1))[0][0]).toBe(id!);
      expect(await s.xack("s", "g1", "98-1")).toBe(1);
      expect(await s.call("XGROUP", "DELCONSUMER", "s", "g1", "bob")).toBe(6); // 105-1..109-1 read, 98-1 and 99-1 claimed, 98-1 acked
      expect(await s.xlen("s")).toBe((before as { entries: unknown[] }).entries.length + 1);
    } finally {
      await second.stop();
    }
  }, 30_000);
});
