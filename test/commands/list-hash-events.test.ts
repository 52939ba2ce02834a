// Keyspace events of list and hash commands: class and name checked
// in-process through Keyspace.onKeyEvent on a real Server, and the event
// sequence of whole command sequences compared with the __keyevent@0__
// messages of a real redis-server.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { Config } from "../../src/config/config.ts";
import { bytesToStr, strToBytes } from "../../src/net/bytes.ts";
import { Client } from "../../src/net/client.ts";
import { Server } from "../../src/server.ts";
import { openTestEngine, type TestEngine } from "../helpers/engines.ts";
import { ENGINES, hasRedisServer, startRedis, type RunningServer } from "../helpers/server.ts";

/**
 * An in-process server; run() executes one command and returns its events as
 * "class:event:key", leaving out the classes in `skip`.
 */
function harness(store: TestEngine, skip = ""): { run(...args: string[]): string[] } {
  store.reset();
  const server = new Server(new Config(), store.engine);
  const c = new Client(server, null, 1);
  let events: string[] = [];
  server.keyspace.onKeyEvent((cls, event, key) => {
    if (!skip.includes(cls)) events.push(`${cls}:${event}:${bytesToStr(key)}`);
  });
  return {
    run(...args) {
      events = [];
      server.out.reset();
      server.execute(c, args.map(strToBytes));
      return events;
    },
  };
}

// New-key and key-miss events ("n", "m") are checked by the sequences against redis-server.
const SEQUENCES: Record<string, string[][]> = {
  "pushes, pops, moves": [
    ["RPUSH", "l", "a", "b", "c"], ["LPUSHX", "l", "z"], ["RPUSHX", "none", "z"], ["LPOP", "l"], ["RPOP", "l", "0"],
    ["LMOVE", "l", "l", "LEFT", "RIGHT"], ["LMOVE", "l", "m", "RIGHT", "LEFT"], ["RPOPLPUSH", "m", "m"],
    ["LMPOP", "2", "none", "l", "RIGHT", "COUNT", "9"], ["BLMPOP", "0", "1", "m", "LEFT", "COUNT", "5"], ["BLPOP", "m", "0.01"],
  ],
  "in-place edits": [
    ["RPUSH", "l", "a", "b", "a", "c"], ["LSET", "l", "-1", "d"], ["LINSERT", "l", "AFTER", "b", "x"], ["LREM", "l", "-1", "a"],
    ["LREM", "l", "0", "q"], ["LTRIM", "l", "1", "-1"], ["LTRIM", "l", "0", "-1"], ["LTRIM", "l", "9", "1"],
  ],
  "hashes": [
    ["HSET", "h", "a", "1"], ["HMSET", "h", "b", "2"], ["HSETNX", "h", "a", "x"], ["HSETNX", "h", "c", "3"],
    ["HINCRBY", "h", "a", "5"], ["HINCRBYFLOAT", "h", "b", "0.5"], ["HINCRBY", "h", "c", "abc"], ["HDEL", "h", "a", "zz"],
    ["HDEL", "h", "b", "c"], ["HDEL", "h", "b"],
  ],
};

for (const engine of ENGINES) {
  let store: TestEngine;
  beforeAll(async () => {
    store = await openTestEngine(engine);
  });
  afterAll(async () => {
    await store.close();
  });

  describe(`keyspace event classes and names (${engine})`, () => {
    test("lists", () => {
      const h = harness(store, "nm");
      expect(h.run("RPUSH", "l", "a", "b")).toEqual(["l:rpush:l"]);
      expect(h.run("LPUSH", "l", "z")).toEqual(["l:lpush:l"]);
      expect(h.run("LINSERT", "l", "BEFORE", "a", "x")).toEqual(["l:linsert:l"]);
      expect(h.run("LINSERT", "l", "BEFORE", "nope", "x")).toEqual([]);
      expect(h.run("LSET", "l", "0", "y")).toEqual(["l:lset:l"]);
      expect(h.run("LREM", "l", "0", "x")).toEqual(["l:lrem:l"]);
      expect(h.run("LREM", "l", "0", "nope")).toEqual([]);
      expect(h.run("LTRIM", "l", "0", "-1")).toEqual(["l:ltrim:l"]);
      expect(h.run("LMOVE", "l", "m", "LEFT", "RIGHT")).toEqual(["l:rpush:m", "l:lpop:l"]);
      expect(h.run("RPOP", "l", "5")).toEqual(["l:rpop:l", "g:del:l"]);
      expect(h.run("RPOPLPUSH", "m", "n")).toEqual(["l:lpush:n", "l:rpop:m", "g:del:m"]);
      expect(h.run("LMPOP", "2", "m", "n", "LEFT")).toEqual(["l:lpop:n", "g:del:n"]);
      expect(h.run("RPUSH", "t", "a")).toEqual(["l:rpush:t"]);
      expect(h.run("LTRIM", "t", "5", "6")).toEqual(["l:ltrim:t", "g:del:t"]);
      // A connection-less client never blocks: BLPOP on an empty list answers at once.
      expect(h.run("BLPOP", "t", "0")).toEqual([]);
    });

    test("hashes", () => {
      const h = harness(store, "nm");
      expect(h.run("HSET", "h", "a", "1", "b", "2")).toEqual(["h:hset:h"]);
      expect(h.run("HSETNX", "h", "a", "1")).toEqual([]);
      expect(h.run("HSETNX", "h", "c", "1")).toEqual(["h:hset:h"]);
      expect(h.run("HINCRBY", "h", "a", "1")).toEqual(["h:hincrby:h"]);
      expect(h.run("HINCRBYFLOAT", "h", "a", "1.5")).toEqual(["h:hincrbyfloat:h"]);
      expect(h.run("HDEL", "h", "nope")).toEqual([]);
      expect(h.run("HDEL", "h", "a", "b", "c")).toEqual(["h:hdel:h", "g:del:h"]);
    });
  });

  describe.skipIf(!hasRedisServer())(`list and hash events equal redis-server's (${engine})`, () => {
    let redis: RunningServer;
    let r: Redis;
    const received: string[] = [];
    beforeAll(async () => {
      redis = await startRedis(["--notify-keyspace-events", "KEAmn"]);
      r = redis.client();
      const sub = redis.client();
      sub.on("pmessage", (_pattern: string, channel: string, key: string) => received.push(`${channel.replace("__keyevent@0__:", "")}:${key}`));
      await sub.psubscribe("__keyevent@0__:*");
    });
    afterAll(async () => {
      await redis?.stop();
    });

    for (const [name, commands] of Object.entries(SEQUENCES)) {
      test(name, async () => {
        await r.flushall();
        await r.ping();
        await Bun.sleep(20);
        received.length = 0;
        for (const [cmd, ...args] of commands) await r.call(cmd, ...args).catch(() => null);
        await r.ping();
        await Bun.sleep(30);
        const h = harness(store);
        const ours = commands.flatMap((cmd) => h.run(...cmd)).map((e) => e.replace(/^.:/, ""));
        expect(ours).toEqual(received);
      });
    }
  });
}
