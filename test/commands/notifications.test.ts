// Keyspace notifications delivered over pub/sub: the same commands run on
// AiKv and on a real redis-server 7.0.15 produce the same
// __keyspace@<db>__ / __keyevent@<db>__ messages, for several
// notify-keyspace-events settings; expiry events come from active expiry.
// Classes "n" (new key) and "m" (key miss), which "A" leaves out, run their
// own command list covering the ways keys are created and read.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { ENGINES, hasRedisServer, startAikv, startRedis, type RunningServer } from "../helpers/server.ts";

type Command = (string | number)[];

const COMMANDS: Command[] = [
  ["set", "k", "1"], ["incr", "k"], ["append", "k", "x"], ["expire", "k", 100], ["persist", "k"],
  ["rpush", "l", "a", "b"], ["lpop", "l"], ["hset", "h", "f", "v"], ["sadd", "s", "m"], ["zadd", "z", 1, "m"],
  ["rename", "k", "k2"], ["select", 1], ["set", "k", "v"], ["move", "k", 0], ["select", 0], ["del", "k2", "l", "nokey"],
  ["get", "nokey"], ["flushall"],
];

/** Key creation through every kind of write, and reads of missing keys (classes "n" and "m"). */
const NEW_AND_MISS_COMMANDS: Command[] = [
  ["set", "a", "1"], ["set", "a", "2"], ["get", "nokey"], ["get", "a"], ["mget", "a", "x", "y"], ["exists", "x", "a"],
  ["type", "x"], ["ttl", "x"], ["pttl", "a"], ["object", "encoding", "x"], ["strlen", "x"], ["getdel", "x"], ["getex", "x"],
  ["incr", "c"], ["incrbyfloat", "f", "1.5"], ["append", "ap", "x"], ["setrange", "sr", "0", "x"], ["setbit", "sb", "1", "1"],
  ["msetnx", "m1", "1", "m2", "2"], ["mset", "m1", "1", "m3", "3"], ["setnx", "m3", "x"], ["setnx", "m4", "x"], ["getset", "gs", "v"],
  ["rpush", "l", "a"], ["lpush", "l", "b"], ["lpop", "l", "2"], ["lrange", "nol", "0", "-1"], ["llen", "nol"],
  ["rpush", "l2", "a"], ["lmove", "l2", "l3", "left", "right"], ["lmove", "nol", "l4", "left", "right"], ["rpoplpush", "l3", "l5"],
  ["hset", "h", "f", "v"], ["hget", "h", "nofield"], ["hget", "noh", "f"], ["hincrby", "hi", "f", "1"], ["hgetall", "noh"],
  ["sadd", "s", "m"], ["smove", "s", "s2", "m"], ["scard", "nos"], ["sismember", "nos", "m"], ["sunionstore", "dest", "s2", "x"],
  ["sinterstore", "dest2", "s2", "x"], ["sdiffstore", "dest3", "x"], ["zadd", "z", "1", "m"], ["zrangestore", "zr", "x", "0", "-1"], ["zrange", "noz", "0", "-1"], ["zunionstore", "zd", "1", "z"],
  ["zincrby", "zi", "1", "m"], ["zscore", "noz", "m"], ["sort", "l5", "alpha", "store", "sorted"],
  ["rename", "h", "h2"], ["copy", "h2", "h3"], ["copy", "h2", "h3", "replace"], ["hset", "h4", "f", "v"], ["rename", "h2", "h4"],
  ["renamenx", "h4", "h5"], ["select", "1"], ["set", "k", "v"], ["move", "k", "0"], ["select", "0"], ["del", "a"], ["set", "a", "3"],
  ["eval", "redis.call('set', 'ev', '1') return redis.call('get', 'nokey2')", "0"], ["lindex", "nol", "0"],
  ["bitcount", "x"], ["getrange", "x", "0", "1"], ["dump", "x"], ["expire", "x", "10"], ["persist", "x"], ["touch", "x"],
];

/** Runs commands on a fresh connection and returns the notifications seen, in order, as "channel message". */
async function notifications(srv: RunningServer, setting: string, commands = COMMANDS): Promise<string[]> {
  const admin = srv.client();
  await admin.flushall();
  await admin.config("SET", "notify-keyspace-events", setting);
  const sub: Redis = srv.client();
  const seen: string[] = [];
  sub.on("pmessage", (_p: string, ch: string, msg: string) => seen.push(`${ch} ${msg}`));
  await sub.psubscribe("__key*__:*");
  const r = srv.client();
  for (const cmd of commands) await r.call(String(cmd[0]), ...cmd.slice(1).map(String)).catch(() => null);
  await r.ping();
  await Bun.sleep(100);
  sub.disconnect();
  r.disconnect();
  await admin.config("SET", "notify-keyspace-events", "");
  return seen;
}

for (const engine of ENGINES) {
  describe(`keyspace notifications (${engine})`, () => {
    let srv: RunningServer;
    let redis: RunningServer | null = null;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
      if (hasRedisServer()) redis = await startRedis();
    });
    afterAll(async () => {
      await srv.stop();
      await redis?.stop();
    });

    test("none by default", async () => {
      expect(await notifications(srv, "")).toEqual([]);
    });

    test("KEA: both channel kinds for every class", async () => {
      const seen = await notifications(srv, "KEA");
      expect(seen.slice(0, 4)).toEqual(["__keyspace@0__:k set", "__keyevent@0__:set k", "__keyspace@0__:k incrby", "__keyevent@0__:incrby k"]);
      expect(seen).toContain("__keyevent@1__:move_from k");
      expect(seen).toContain("__keyevent@0__:move_to k");
      if (redis) expect(seen).toEqual(await notifications(redis, "KEA"));
    });

    for (const setting of ["E$", "Kg", "Elshz", "Eg$"]) {
      test(`class filter ${setting} matches redis-server`, async () => {
        const seen = await notifications(srv, setting);
        if (redis) expect(seen).toEqual(await notifications(redis, setting));
        else expect(seen.length).toBeGreaterThanOrEqual(0);
      });
    }

    for (const setting of ["KEmn", "En", "Km", "KEA"]) {
      test(`new-key and key-miss events (${setting}) match redis-server`, async () => {
        const seen = await notifications(srv, setting, NEW_AND_MISS_COMMANDS);
        if (setting.includes("n")) expect(seen).toContain("__keyevent@0__:new a");
        if (setting.includes("m")) expect(seen).toContain("__keyspace@0__:nokey keymiss");
        if (redis) expect(seen).toEqual(await notifications(redis, setting, NEW_AND_MISS_COMMANDS));
      });
    }

    test("expired events come from active expiry, with the db index", async () => {
      const admin = srv.client();
      await admin.config("SET", "notify-keyspace-events", "Ex");
      const sub = srv.client();
      const seen: string[] = [];
      sub.on("message", (ch: string, msg: string) => seen.push(`${ch} ${msg}`));
      await sub.subscribe("__keyevent@3__:expired");
      const r = srv.client();
      await r.select(3);
      await r.set("short", "v", "PX", 30);
      const deadline = Date.now() + 3000;
      while (seen.length === 0 && Date.now() < deadline) await Bun.sleep(20);
      expect(seen).toEqual(["__keyevent@3__:expired short"]);
      await admin.config("SET", "notify-keyspace-events", "");
    });
  });
}
