// Stream commands with real clients: what the differential family can't show
// (auto ids, blocking with several clients, wake-ups after MULTI, key-level
// commands on streams, notifications, scripts). Exact replies and errors are
// compared with redis-server by test/differential/streams.test.ts.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { ENGINES, hasRedisServer, rawConnect, startAikv, startRedis, type RunningServer } from "../helpers/server.ts";

for (const engine of ENGINES) {
  describe(`streams (${engine})`, () => {
    let srv: RunningServer;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("XADD * ids are <ms>-<seq>, increasing, and never go back", async () => {
      const r = srv.client();
      const before = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) ids.push((await r.xadd("auto", "*", "i", String(i)))!);
      const parsed = ids.map((id) => id.split("-").map(BigInt));
      for (let i = 1; i < parsed.length; i++) {
        const [pm, ps] = parsed[i - 1];
        const [m, s] = parsed[i];
        expect(m > pm || (m === pm && s === ps + 1n)).toBe(true);
      }
      expect(Number(parsed[0][0])).toBeGreaterThanOrEqual(before - 5);
      // A last id in the future: `*` continues from it.
      await r.call("XSETID", "auto", `${Date.now() + 100000}-5`);
      const next = (await r.xadd("auto", "*", "x", "y"))!;
      expect(next.endsWith("-6")).toBe(true);
      expect(await r.xlen("auto")).toBe(51);
    });

    test("XADD with MAXLEN keeps the newest entries; NOMKSTREAM creates nothing", async () => {
      const r = srv.client();
      for (let i = 1; i <= 10; i++) await r.xadd("capped", "MAXLEN", "3", `${i}-1`, "n", String(i));
      expect(await r.xrange("capped", "-", "+")).toEqual([
        ["8-1", ["n", "8"]],
        ["9-1", ["n", "9"]],
        ["10-1", ["n", "10"]],
      ]);
      expect(await r.call("XADD", "missing", "NOMKSTREAM", "*", "a", "b")).toBeNull();
      expect(await r.exists("missing")).toBe(0);
    });

    test("TYPE, OBJECT ENCODING, RENAME, COPY and MOVE keep entries and groups", async () => {
      const r = srv.client();
      await r.xadd("orig", "1-1", "a", "1");
      await r.xgroup("CREATE", "orig", "grp", "0");
      await r.call("XREADGROUP", "GROUP", "grp", "alice", "STREAMS", "orig", ">");
      expect(await r.type("orig")).toBe("stream");
      expect(await r.object("ENCODING", "orig")).toBe("stream");
      await r.rename("orig", "renamed");
      expect(await r.call("COPY", "renamed", "copied")).toBe(1);
      // The copy is independent: acking in it leaves the original's PEL alone.
      expect(await r.xack("copied", "grp", "1-1")).toBe(1);
      expect(((await r.call("XPENDING", "renamed", "grp")) as unknown[])[0]).toBe(1);
      expect(await r.move("renamed", 1)).toBe(1);
      await r.select(1);
      expect(await r.xrange("renamed", "-", "+")).toEqual([["1-1", ["a", "1"]]]);
      expect(((await r.call("XPENDING", "renamed", "grp")) as unknown[])[0]).toBe(1);
      await r.select(0);
    });

    test("XREAD BLOCK: every reader of a stream gets the new entry; $ means entries after the call", async () => {
      const [a, b, w] = [srv.client(), srv.client(), srv.client()];
      await w.xadd("feed", "1-0", "old", "1");
      const first = a.call("XREAD", "BLOCK", "5000", "STREAMS", "feed", "$");
      const second = b.call("XREAD", "COUNT", "10", "BLOCK", "5000", "STREAMS", "other", "feed", "0-0", "$");
      await Bun.sleep(50);
      await w.xadd("feed", "2-0", "new", "2");
      const expected = [["feed", [["2-0", ["new", "2"]]]]];
      expect(await first).toEqual(expected);
      expect(await second).toEqual(expected);
    });

    test("XREAD BLOCK times out with a null reply; BLOCK in MULTI does not block", async () => {
      const r = srv.client();
      const t = Date.now();
      expect(await r.call("XREAD", "BLOCK", "150", "STREAMS", "quiet", "$")).toBeNull();
      expect(Date.now() - t).toBeGreaterThanOrEqual(140);
      const replies = await r.multi().call("XREAD", "BLOCK", "0", "STREAMS", "quiet", "$").exec();
      expect(replies).toEqual([[null, null]]);
    });

    test("XREADGROUP BLOCK: consumers of one group are served first come, first served, one entry each", async () => {
      const [a, b, w] = [srv.client(), srv.client(), srv.client()];
      await w.xgroup("CREATE", "jobs", "workers", "$", "MKSTREAM");
      const first = a.call("XREADGROUP", "GROUP", "workers", "c1", "BLOCK", "5000", "STREAMS", "jobs", ">");
      await Bun.sleep(30);
      const second = b.call("XREADGROUP", "GROUP", "workers", "c2", "BLOCK", "5000", "STREAMS", "jobs", ">");
      await Bun.sleep(30);
      await w.xadd("jobs", "1-0", "job", "one");
      expect(await first).toEqual([["jobs", [["1-0", ["job", "one"]]]]]);
      await w.xadd("jobs", "2-0", "job", "two");
      expect(await second).toEqual([["jobs", [["2-0", ["job", "two"]]]]]);
      const pending = (await w.call("XPENDING", "jobs", "workers")) as unknown[];
      expect(pending).toEqual([2, "1-0", "2-0", [["c1", "1"], ["c2", "1"]]]);
    });

    test("a transaction's XADD wakes readers after EXEC, seeing its final effect", async () => {
      const [a, w] = [srv.client(), srv.client()];
      await w.xadd("tx", "1-0", "f", "v");
      const pending = a.call("XREAD", "BLOCK", "5000", "STREAMS", "tx", "$");
      await Bun.sleep(50);
      await w.multi().xadd("tx", "2-0", "f", "a").xadd("tx", "3-0", "f", "b").exec();
      expect(await pending).toEqual([["tx", [["2-0", ["f", "a"]], ["3-0", ["f", "b"]]]]]);
    });

    test("XGROUP DESTROY ends a blocked XREADGROUP with -NOGROUP", async () => {
      const [a, w] = [srv.client(), srv.client()];
      await w.xgroup("CREATE", "doomed", "g", "$", "MKSTREAM");
      const pending = a.call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "5000", "STREAMS", "doomed", ">");
      await Bun.sleep(50);
      expect(await w.xgroup("DESTROY", "doomed", "g")).toBe(1);
      expect(pending).rejects.toThrow("NOGROUP the consumer group this client was blocked on no longer exists");
    });

    test("deleting or overwriting the stream ends a blocked XREADGROUP; XREAD keeps waiting", async () => {
      const [a, b, w] = [srv.client(), srv.client(), srv.client()];
      await w.xgroup("CREATE", "gone", "g", "$", "MKSTREAM");
      await w.xadd("gone2", "1-0", "f", "v");
      const grouped = a.call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "5000", "STREAMS", "gone", ">");
      const plain = b.call("XREAD", "BLOCK", "300", "STREAMS", "gone2", "$");
      await Bun.sleep(50);
      await w.del("gone2");
      await w.set("gone", "not a stream");
      expect(grouped).rejects.toThrow("UNBLOCKED the stream key no longer exists");
      expect(await plain).toBeNull();
    });

    test("claims move pending entries between consumers", async () => {
      const r = srv.client();
      await r.xgroup("CREATE", "claims", "g", "0", "MKSTREAM");
      for (let i = 1; i <= 4; i++) await r.xadd("claims", `${i}-0`, "n", String(i));
      await r.call("XREADGROUP", "GROUP", "g", "dead", "STREAMS", "claims", ">");
      expect(await r.call("XCLAIM", "claims", "g", "alive", "0", "1-0", "2-0", "JUSTID")).toEqual(["1-0", "2-0"]);
      // XAUTOCLAIM walks the PEL from a cursor, COUNT at a time.
      expect(await r.call("XAUTOCLAIM", "claims", "g", "alive", "0", "0", "COUNT", "1")).toEqual(["2-0", [["1-0", ["n", "1"]]], []]);
      await r.xdel("claims", "4-0");
      expect(await r.call("XAUTOCLAIM", "claims", "g", "other", "0", "3-0")).toEqual(["0-0", [["3-0", ["n", "3"]]], ["4-0"]]);
      const rows = (await r.call("XPENDING", "claims", "g", "-", "+", "10")) as [string, string, number, number][];
      expect(rows.map(([id, owner, , deliveries]) => [id, owner, deliveries])).toEqual([
        ["1-0", "alive", 2],
        ["2-0", "alive", 1],
        ["3-0", "other", 2],
      ]);
    });

    test("keyspace notifications for stream events", async () => {
      const [r, sub] = [srv.client(), srv.client()];
      await r.config("SET", "notify-keyspace-events", "Et");
      const events: string[] = [];
      await sub.subscribe("__keyevent@0__:xadd", "__keyevent@0__:xtrim", "__keyevent@0__:xdel", "__keyevent@0__:xgroup-create", "__keyevent@0__:xgroup-createconsumer", "__keyevent@0__:xsetid");
      sub.on("message", (channel: string, key: string) => events.push(`${channel.split(":")[1]} ${key}`));
      await r.xadd("ev", "1-0", "a", "1");
      await r.xadd("ev", "MAXLEN", "1", "2-0", "a", "2");
      await r.xdel("ev", "2-0");
      await r.xgroup("CREATE", "ev", "g", "0");
      await r.xgroup("CREATECONSUMER", "ev", "g", "c");
      await r.call("XSETID", "ev", "5-0");
      await Bun.sleep(50);
      await r.config("SET", "notify-keyspace-events", "");
      expect(events).toEqual(["xadd ev", "xadd ev", "xtrim ev", "xdel ev", "xgroup-create ev", "xgroup-createconsumer ev", "xsetid ev"]);
    });

    test("scripts may read streams but not block on them", async () => {
      const r = srv.client();
      await r.xadd("scripted", "1-0", "a", "1");
      expect(await r.eval("return redis.call('XRANGE', KEYS[1], '-', '+')", 1, "scripted")).toEqual([["1-0", ["a", "1"]]]);
      expect(r.eval("return redis.call('XREAD', 'BLOCK', '0', 'STREAMS', KEYS[1], '$')", 1, "scripted")).rejects.toThrow(
        "XREAD command is not allowed with BLOCK option from scripts",
      );
    });

    test("with lua-atomic-rollback, a failed script's stream writes are undone (groups and PELs too)", async () => {
      const r = srv.client();
      await r.xadd("undo", "1-0", "a", "1");
      await r.config("SET", "lua-atomic-rollback", "yes");
      try {
        await r.xgroup("CREATE", "undo", "g", "0");
        await r.xreadgroup("GROUP", "g", "c", "STREAMS", "undo", ">");
        const before = await r.call("XINFO", "STREAM", "undo", "FULL");
        const script = "redis.call('XADD', KEYS[1], '2-0', 'b', '2'); redis.call('XACK', KEYS[1], 'g', '1-0'); redis.call('XGROUP', 'DESTROY', KEYS[1], 'g'); error('boom')";
        expect(r.eval(script, 1, "undo")).rejects.toThrow("boom");
        expect(await r.call("XINFO", "STREAM", "undo", "FULL")).toEqual(before);
      } finally {
        await r.config("SET", "lua-atomic-rollback", "no");
      }
    });

    test.skipIf(!hasRedisServer())("stream-node-max-entries/-bytes (CONFIG SET) split nodes as redis-server does: same ~ trims and node counts", async () => {
      const redis = await startRedis();
      try {
        const run = async (r: Redis) => {
          const log: unknown[] = [];
          await r.del("nodes");
          for (const [name, value] of [["stream-node-max-entries", "3"], ["stream-node-max-bytes", "60"]]) {
            await r.config("SET", name, value);
            for (let i = 1; i <= 40; i++) await r.xadd("nodes", `${log.length + 1}-${i}`, "f", "x".repeat(i % 7), ...(i % 5 === 0 ? ["g", "y"] : []));
            log.push(await r.call("XTRIM", "nodes", "MAXLEN", "~", "25"), await r.call("XINFO", "STREAM", "nodes"));
            log.push(await r.call("XTRIM", "nodes", "MINID", "~", `${log.length}-30`), await r.xlen("nodes"));
          }
          await r.config("SET", "stream-node-max-entries", "100");
          await r.config("SET", "stream-node-max-bytes", "4096");
          // radix-tree-nodes is Redis's inner rax node count: not comparable.
          return JSON.stringify(log).replace(/"radix-tree-nodes",\d+/g, "");
        };
        expect(await run(srv.client())).toBe(await run(redis.client()));
      } finally {
        await redis.stop();
      }
    });

    test.skipIf(!hasRedisServer())("DUMP/RESTORE of streams with redis-server both ways: same bytes, same entries, counters, groups and PELs", async () => {
      const redis = await startRedis();
      try {
        const build = async (r: Redis) => {
          await r.del("dumped");
          for (let i = 1; i <= 230; i++) await r.xadd("dumped", `${i}-${i % 3}`, "f", `v${i}`, ...(i % 5 === 0 ? ["g", "12345"] : []));
          await r.xgroup("CREATE", "dumped", "g1", "0");
          await r.xgroup("CREATE", "dumped", "g2", "$");
          await r.xreadgroup("GROUP", "g1", "alice", "COUNT", 3, "STREAMS", "dumped", ">");
          await r.xreadgroup("GROUP", "g1", "bob", "COUNT", 2, "STREAMS", "dumped", ">");
        };
        const a = srv.client();
        const b = redis.client();
        await build(a);
        await build(b);
        // Delivery and seen times differ between the servers: the payloads agree up to the first PEL entry.
        const fromAikv = await a.dumpBuffer("dumped");
        const fromRedis = await b.dumpBuffer("dumped");
        const pelStart = fromRedis.indexOf(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), 100);
        expect(fromAikv.subarray(0, pelStart)).toEqual(fromRedis.subarray(0, pelStart));
        const view = async (r: Redis, key: string) =>
          JSON.stringify([await r.xrange(key, "-", "+"), await r.call("XINFO", "STREAM", key, "FULL")]).replace(/"radix-tree-nodes",\d+/g, "");
        expect(await a.restore("from-redis", 0, fromRedis)).toBe("OK");
        expect(await view(a, "from-redis")).toBe(await view(b, "dumped"));
        expect(await b.restore("from-aikv", 0, fromAikv)).toBe("OK");
        expect(await view(b, "from-aikv")).toBe(await view(a, "dumped"));
      } finally {
        await redis.stop();
      }
    });

    test("RESP3: XREAD replies with a map of streams, XINFO with maps", async () => {
      const r = srv.client();
      await r.xadd("info3", "1-0", "a", "1");
      await r.xgroup("CREATE", "info3", "g", "0");
      const conn = await rawConnect(srv.port);
      conn.send("HELLO 3\r\n");
      await conn.readReplies(1);
      conn.send("XREAD STREAMS info3 0\r\n");
      expect(await conn.readReplies(1)).toBe("%1\r\n$5\r\ninfo3\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
      conn.send("XINFO GROUPS info3\r\n");
      expect(await conn.read()).toBe(
        "*1\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n:1\r\n",
      );
      conn.close();
    });
  });
}
