// Hash commands through a real server: encodings, HSCAN over a large hash,
// HRANDFIELD shapes, RESP3 maps. Argument and error paths are covered
// against redis-server by test/differential/hashes.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { ENGINES, startAikv, type RunningServer } from "../helpers/server.ts";
import { rawConn } from "./raw-conn.ts";

for (const engine of ENGINES) {
  describe(`hash commands (${engine})`, () => {
    let srv: RunningServer;
    let r: Redis;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
      r = srv.client();
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("set, get, delete; an emptied hash is deleted", async () => {
      expect(await r.hset("h", "a", "1", "b", "2")).toBe(2);
      expect(await r.hset("h", "a", "3", "c", "4")).toBe(1);
      expect(await r.hmget("h", "a", "x", "c")).toEqual(["3", null, "4"]);
      expect(await r.hsetnx("h", "a", "9")).toBe(0);
      expect(await r.hstrlen("h", "c")).toBe(1);
      expect(await r.hgetall("h")).toEqual({ a: "3", b: "2", c: "4" });
      expect(await r.hdel("h", "a", "b", "c", "d")).toBe(3);
      expect(await r.exists("h")).toBe(0);
    });

    test("increments: integers, long-double floats, errors", async () => {
      expect(await r.hincrby("n", "i", 5)).toBe(5);
      expect(await r.hincrby("n", "i", -7)).toBe(-2);
      expect(await r.hincrbyfloat("n", "f", "0.1")).toBe("0.1");
      expect(await r.hincrbyfloat("n", "f", "0.2")).toBe("0.3");
      await r.hset("n", "s", "abc", "max", "9223372036854775807");
      await expect(r.hincrby("n", "s", 1)).rejects.toThrow("ERR hash value is not an integer");
      await expect(r.hincrby("n", "max", 1)).rejects.toThrow("ERR increment or decrement would overflow");
      await expect(r.hincrbyfloat("n", "s", "1")).rejects.toThrow("ERR hash value is not a float");
    });

    test("encoding turns from listpack to hashtable on many fields or a long value, and stays", async () => {
      await r.hset("e1", "f", "v");
      expect(await r.object("ENCODING", "e1")).toBe("listpack");
      await r.hset("e1", "long", "x".repeat(65));
      expect(await r.object("ENCODING", "e1")).toBe("hashtable");
      await r.hdel("e1", "long");
      expect(await r.object("ENCODING", "e1")).toBe("hashtable");
      const args: string[] = [];
      for (let i = 0; i < 513; i++) args.push(`f${i}`, "v");
      await r.hset("e2", ...args.slice(0, 1024));
      expect(await r.object("ENCODING", "e2")).toBe("listpack");
      await r.hset("e2", "f512", "v");
      expect(await r.object("ENCODING", "e2")).toBe("hashtable");
    });

    test("HSCAN over a large hash returns every field exactly once", async () => {
      const args: string[] = [];
      for (let i = 0; i < 2000; i++) args.push(`field:${i}`, String(i));
      await r.hset("scan", ...args);
      const seen = new Map<string, string>();
      let cursor = "0";
      do {
        const [next, flat] = await r.hscan("scan", cursor, "COUNT", 37);
        for (let i = 0; i < flat.length; i += 2) {
          expect(seen.has(flat[i])).toBe(false);
          seen.set(flat[i], flat[i + 1]);
        }
        cursor = next;
      } while (cursor !== "0");
      expect(seen.size).toBe(2000);
      expect(seen.get("field:1234")).toBe("1234");
      const [, matched] = await r.hscan("scan", 0, "MATCH", "field:1?", "COUNT", 100000);
      expect(matched.filter((_, i) => i % 2 === 0).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `field:1${i}`));
    });

    test("HRANDFIELD: distinct with positive counts, repeats with negative ones", async () => {
      await r.hset("rand", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6", "g", "7", "h", "8", "i", "9", "j", "10");
      const some = (await r.hrandfield("rand", 3)) as string[];
      expect(new Set(some).size).toBe(3);
      const all = (await r.hrandfield("rand", 100)) as string[];
      expect(all.sort()).toEqual(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]);
      const many = (await r.hrandfield("rand", -50, "WITHVALUES")) as string[];
      expect(many.length).toBe(100);
      for (let i = 0; i < many.length; i += 2) expect(many[i + 1]).toBe(String(many[i].charCodeAt(0) - 96));
      expect(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]).toContain((await r.hrandfield("rand")) as string);
    });

    test("RESP3: HGETALL is a map, HRANDFIELD WITHVALUES nested pairs", async () => {
      await r.del("r3");
      await r.hset("r3", "f", "v");
      const conn = await rawConn(srv.port);
      await conn.call("HELLO", 3);
      expect(await conn.call("HGETALL", "r3")).toBe("%1\r\n$1\r\nf\r\n$1\r\nv\r\n");
      expect(await conn.call("HRANDFIELD", "r3", -1, "WITHVALUES")).toBe("*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
      expect(await conn.call("HGETALL", "none")).toBe("%0\r\n");
      conn.close();
    });
  });
}
