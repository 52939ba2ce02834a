// Sets and sorted sets through a real client: encodings, scans of large
// collections (every member exactly once), blocking-free pops and stores.
// Reply-by-reply equality with Redis is covered by test/differential.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ENGINES, rawConnect, startAikv, type RunningServer } from "../helpers/server.ts";

for (const engine of ENGINES) {
  describe(`sets and sorted sets (${engine})`, () => {
    let srv: RunningServer;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("set encodings follow Redis 7.0 (intset until a string or 512 members)", async () => {
      const r = srv.client();
      await r.sadd("ints", 3, 1, 2);
      expect(await r.object("ENCODING", "ints")).toBe("intset");
      expect(await r.smembers("ints")).toEqual(["1", "2", "3"]);
      await r.sadd("ints", "x");
      expect(await r.object("ENCODING", "ints")).toBe("hashtable");
      await r.srem("ints", "x");
      expect(await r.object("ENCODING", "ints")).toBe("hashtable");
    });

    test("SSCAN over a large set returns every member exactly once", async () => {
      const r = srv.client();
      const members = Array.from({ length: 5000 }, (_, i) => `m${i}`);
      await r.sadd("big", ...members);
      const seen: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await r.sscan("big", cursor, "COUNT", 100);
        seen.push(...batch);
        cursor = next;
      } while (cursor !== "0");
      expect(seen.length).toBe(5000);
      expect(new Set(seen).size).toBe(5000);
    });

    test("ZSCAN over a growing zset never repeats a member present throughout", async () => {
      const r = srv.client();
      await r.zadd("gz", ...Array.from({ length: 2000 }, (_, i) => [i, `m${i}`]).flat());
      const seen = new Map<string, number>();
      let cursor = "0";
      let round = 0;
      do {
        const [next, batch] = await r.zscan("gz", cursor, "COUNT", 50);
        for (let i = 0; i < batch.length; i += 2) seen.set(batch[i], (seen.get(batch[i]) ?? 0) + 1);
        // Growth between calls (a rehash) must not make the cursor skip or repeat old members.
        await r.zadd("gz", 5000 + round, `new${round++}`);
        cursor = next;
      } while (cursor !== "0");
      for (let i = 0; i < 2000; i++) expect(seen.get(`m${i}`)).toBe(1);
    });

    test("zset encoding converts to skiplist past 128 members and stays", async () => {
      const r = srv.client();
      await r.zadd("enc", 1, "a");
      expect(await r.object("ENCODING", "enc")).toBe("listpack");
      await r.zadd("enc", ...Array.from({ length: 130 }, (_, i) => [i, `x${i}`]).flat());
      expect(await r.object("ENCODING", "enc")).toBe("skiplist");
      await r.zremrangebyrank("enc", 1, -1);
      expect(await r.object("ENCODING", "enc")).toBe("skiplist");
    });

    test("RESP3 replies: doubles, nested pairs, sets", async () => {
      // ioredis speaks RESP2 only: check the RESP3 bytes on a raw connection.
      const conn = await rawConnect(srv.port);
      conn.send("HELLO 3\r\n");
      await conn.readReplies(1);
      conn.send("ZADD r3 1.5 a 2 b\r\nZSCORE r3 a\r\nZRANGE r3 0 -1 WITHSCORES\r\nSADD s3 x\r\nSMEMBERS s3\r\n");
      expect(await conn.readReplies(5)).toBe(":2\r\n,1.5\r\n*2\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n$1\r\nb\r\n,2\r\n:1\r\n~1\r\n$1\r\nx\r\n");
      conn.close();
    });

    test("empty collections are deleted", async () => {
      const r = srv.client();
      await r.sadd("e1", "a");
      await r.spop("e1");
      expect(await r.exists("e1")).toBe(0);
      await r.zadd("e2", 1, "a");
      await r.zpopmin("e2");
      expect(await r.exists("e2")).toBe(0);
      await r.zadd("e3", 1, "a");
      expect(await r.zinterstore("e3", 2, "e3", "missing")).toBe(0);
      expect(await r.exists("e3")).toBe(0);
    });

    test("SPOP without a count pops each member once, then nil on the deleted key", async () => {
      const r = srv.client();
      await r.sadd("p1", "a", "b", "c", "7");
      const popped: (string | null)[] = [];
      for (let i = 0; i < 4; i++) popped.push(await r.spop("p1"));
      expect(popped.sort()).toEqual(["7", "a", "b", "c"]);
      expect(await r.exists("p1")).toBe(0);
      expect(await r.spop("p1")).toBeNull();
    });
  });
}
