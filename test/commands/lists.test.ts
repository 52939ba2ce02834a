// List commands through a real server: semantics on lists large enough to
// span many chunks (checked against an array model), encodings, edge cases.
// Argument and error paths are covered against redis-server by test/differential/lists.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { ENGINES, startAikv, type RunningServer } from "../helpers/server.ts";
import { rawConn } from "./raw-conn.ts";

for (const engine of ENGINES) {
  describe(`list commands (${engine})`, () => {
    let srv: RunningServer;
    let r: Redis;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
      r = srv.client();
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("pushes and pops at both ends keep order; an emptied list is deleted", async () => {
      expect(await r.rpush("l", "b", "c")).toBe(2);
      expect(await r.lpush("l", "a", "z")).toBe(4);
      expect(await r.lrange("l", 0, -1)).toEqual(["z", "a", "b", "c"]);
      expect(await r.lpop("l")).toBe("z");
      expect(await r.rpop("l", 2)).toEqual(["c", "b"]);
      expect(await r.lpop("l", 5)).toEqual(["a"]);
      expect(await r.exists("l")).toBe(0);
      expect(await r.lpop("l")).toBeNull();
      expect(await r.lpushx("l", "x")).toBe(0);
    });

    test("a long list behaves like an array (index, set, insert, rem, trim, range)", async () => {
      const model: string[] = [];
      for (let i = 0; i < 1000; i++) model.push(String(i % 37));
      await r.rpush("big", ...model);
      expect(await r.llen("big")).toBe(1000);
      for (const i of [0, 1, 127, 128, 500, 999, -1, -500]) expect(await r.lindex("big", i)).toBe(model.at(i)!);
      await r.lset("big", 300, "set");
      model[300] = "set";
      expect(await r.linsert("big", "AFTER", "set", "ins")).toBe(1001);
      model.splice(301, 0, "ins");
      expect(await r.linsert("big", "BEFORE", "36", "pre")).toBe(1002);
      model.splice(model.indexOf("36"), 0, "pre");
      expect(await r.lrem("big", -3, "5")).toBe(3);
      for (let n = 0, i = model.length - 1; i >= 0 && n < 3; i--) if (model[i] === "5") (model.splice(i, 1), n++);
      expect(await r.lrem("big", 0, "7")).toBe(27);
      for (let i = model.length - 1; i >= 0; i--) if (model[i] === "7") model.splice(i, 1);
      expect(await r.lrange("big", 0, -1)).toEqual(model);
      expect(await r.lrange("big", 100, 199)).toEqual(model.slice(100, 200));
      expect(await r.lpos("big", "3", "RANK", -2, "COUNT", 3)).toEqual(
        model.map((v, i) => (v === "3" ? i : -1)).filter((i) => i >= 0).reverse().slice(1, 4),
      );
      await r.ltrim("big", 10, -11);
      expect(await r.lrange("big", 0, -1)).toEqual(model.slice(10, -10));
      await r.ltrim("big", 5, 1);
      expect(await r.exists("big")).toBe(0);
    });

    test("LMOVE rotates a list onto itself and moves between lists", async () => {
      await r.rpush("rot", "a", "b", "c");
      expect(await r.lmove("rot", "rot", "LEFT", "RIGHT")).toBe("a");
      expect(await r.lrange("rot", 0, -1)).toEqual(["b", "c", "a"]);
      expect(await r.rpoplpush("rot", "other")).toBe("a");
      expect(await r.lrange("other", 0, -1)).toEqual(["a"]);
      await r.set("str", "x");
      await expect(r.lmove("rot", "str", "LEFT", "LEFT")).rejects.toThrow("WRONGTYPE");
      expect(await r.llen("rot")).toBe(2);
    });

    test("LMOVE of a one-element list onto itself keeps the key and its TTL", async () => {
      await r.rpush("one", "v");
      await r.expire("one", 100);
      expect(await r.lmove("one", "one", "RIGHT", "LEFT")).toBe("v");
      expect(await r.ttl("one")).toBeGreaterThan(90);
    });

    test("LMPOP pops from the first non-empty list", async () => {
      await r.rpush("mp-b", "1", "2", "3");
      expect(await r.lmpop(2, "mp-a", "mp-b", "LEFT", "COUNT", 2)).toEqual(["mp-b", ["1", "2"]]);
      expect(await r.lmpop(1, "mp-a", "RIGHT")).toBeNull();
    });

    test("binary-safe elements", async () => {
      const v = Buffer.from([0, 255, 13, 10, 128]);
      await r.rpush("bin", v);
      expect(Buffer.compare((await r.lindexBuffer("bin", 0))!, v)).toBe(0);
    });

    test("OBJECT ENCODING reports quicklist as Redis 7.0 does", async () => {
      await r.rpush("enc", "a");
      expect(await r.object("ENCODING", "enc")).toBe("quicklist");
    });

    test("LPOP with COUNT on a missing key: null array in RESP2, null in RESP3", async () => {
      const conn = await rawConn(srv.port);
      expect(await conn.call("LPOP", "missing", 2)).toBe("*-1\r\n");
      expect(await conn.call("LPOP", "missing")).toBe("$-1\r\n");
      await conn.call("HELLO", 3);
      expect(await conn.call("LPOP", "missing", 2)).toBe("_\r\n");
      expect(await conn.call("LPOP", "missing")).toBe("_\r\n");
      conn.close();
    });
  });
}
