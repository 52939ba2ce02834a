// Keyspace notifications delivered over pub/sub: the same commands run on
// AiKv and on a real redis-server 7.0.15 produce the same
// __keyspace@<db>__ / __keyevent@<db>__ messages, for several
// notify-keyspace-events settings; expiry events come from active expiry.
// Not covered: classes "n" (new key) and "m" (key miss), which AiKv doesn't emit yet.

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

/** Runs COMMANDS on a fresh connection and returns the notifications seen, in order, as "channel message". */
async function notifications(srv: RunningServer, setting: string): Promise<string[]> {
  const admin = srv.client();
  await admin.flushall();
  await admin.config("SET", "notify-keyspace-events", setting);
  const sub: Redis = srv.client();
  const seen: string[] = [];
  sub.on("pmessage", (_p: string, ch: string, msg: string) => seen.push(`${ch} ${msg}`));
  await sub.psubscribe("__key*__:*");
  const r = srv.client();
  for (const cmd of COMMANDS) await r.call(String(cmd[0]), ...cmd.slice(1).map(String));
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
