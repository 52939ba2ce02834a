// Keyspace events of the generic key commands, observed in-process through
// Keyspace.onKeyEvent on a real Server (pub/sub delivery belongs to another
// module), compared with the __keyevent@<db>__ messages of a real
// redis-server running the same commands.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { Config } from "../../src/config/config.ts";
import { bytesToStr, strToBytes } from "../../src/net/bytes.ts";
import { Client } from "../../src/net/client.ts";
import { Server } from "../../src/server.ts";
import { openTestEngine, type TestEngine } from "../helpers/engines.ts";
import { ENGINES, hasRedisServer, startRedis, type RunningServer } from "../helpers/server.ts";

type Command = (string | number)[];

/** Runs commands on an in-process AiKv and returns the events as "db:class:event:key". */
function aikvEvents(store: TestEngine, commands: Command[], dumpOf: Map<string, Buffer>): string[] {
  store.reset();
  const server = new Server(new Config(), store.engine);
  const c = new Client(server, null, 1);
  const events: string[] = [];
  server.keyspace.onKeyEvent((cls, event, key, db) => events.push(`${db}:${cls}:${event}:${bytesToStr(key)}`));
  for (const cmd of commands) {
    server.out.reset();
    server.execute(c, cmd.map((a) => (dumpOf.has(String(a)) ? new Uint8Array(dumpOf.get(String(a))!) : strToBytes(String(a)))));
  }
  return events;
}

const SEQUENCES: Record<string, Command[]> = {
  "DEL, UNLINK": [["set", "a", "1"], ["set", "b", "1"], ["del", "a", "nokey"], ["unlink", "b"], ["del", "b"]],
  "EXPIRE family and PERSIST": [
    ["set", "k", "1"], ["expire", "k", "100"], ["pexpire", "k", "200000", "gt"], ["expire", "k", "1", "gt"],
    ["persist", "k"], ["persist", "k"], ["expireat", "k", "4102444800"], ["pexpireat", "k", "1"], ["expire", "nokey", "5"],
  ],
  "RENAME, RENAMENX": [
    ["set", "a", "1"], ["set", "b", "2"], ["rename", "a", "c"], ["renamenx", "c", "b"], ["renamenx", "c", "d"], ["rename", "d", "d"],
  ],
  "COPY, MOVE": [
    ["set", "a", "1"], ["copy", "a", "b"], ["copy", "a", "b"], ["copy", "a", "b", "replace"], ["copy", "a", "a", "db", "2"],
    ["move", "a", "1"], ["move", "b", "1"], ["select", "1"], ["move", "a", "0"],
  ],
  "RESTORE": [
    ["set", "src", "v"], ["restore", "dst", "0", "DUMP:src"], ["restore", "dst", "0", "DUMP:src", "replace"],
    ["restore", "dst", "1", "DUMP:src", "replace", "absttl"], ["restore", "gone", "1", "DUMP:src", "absttl"],
  ],
  "FLUSHDB, SWAPDB notify nothing": [["set", "a", "1"], ["swapdb", "0", "1"], ["flushall"]],
};

for (const engine of ENGINES) {
  let store: TestEngine;
  beforeAll(async () => {
    store = await openTestEngine(engine);
  });
  afterAll(async () => {
    await store.close();
  });

  describe.skipIf(!hasRedisServer())(`keyspace events equal redis-server's (${engine})`, () => {
    let redis: RunningServer;
    let r: Redis;
    let sub: Redis;
    const received: string[] = [];
    beforeAll(async () => {
      redis = await startRedis(["--notify-keyspace-events", "KEAmn"]);
      r = redis.client();
      sub = redis.client();
      sub.on("pmessage", (_pattern: string, channel: string, key: string) => {
        const m = /^__keyevent@(\d+)__:(.*)$/.exec(channel)!;
        received.push(`${m[1]}:${m[2]}:${key}`);
      });
      await sub.psubscribe("__keyevent@*__:*");
    });
    afterAll(async () => {
      await redis?.stop();
    });

    for (const [name, commands] of Object.entries(SEQUENCES)) {
      test(name, async () => {
        await r.flushall();
        await r.select(0);
        await r.set("src", "v");
        const dumpOf = new Map([["DUMP:src", (await r.dumpBuffer("src"))!]]);
        await r.flushall();
        await r.ping(); // events of the setup are delivered before we start recording
        await sub.ping();
        received.length = 0;
        for (const cmd of commands) {
          const args = cmd.map((a) => dumpOf.get(String(a)) ?? String(a));
          await r.call(String(args[0]), ...args.slice(1)).catch(() => null);
        }
        await r.ping();
        await Bun.sleep(20);
        const ours = aikvEvents(store, commands, dumpOf).map((e) => e.replace(/^(\d+):.:/, "$1:"));
        expect(ours).toEqual(received);
      });
    }
  });

  describe(`keyspace event classes (${engine})`, () => {
    test("generic events are class g, expirations class x", async () => {
      const events = aikvEvents(store, [["set", "a", "1"], ["del", "a"], ["set", "b", "1", "px", "1"]], new Map());
      expect(events).toEqual(["0:n:new:a", "0:$:set:a", "0:g:del:a", "0:n:new:b", "0:$:set:b", "0:g:expire:b"]);
      store.reset();
      const server = new Server(new Config(), store.engine);
      const c = new Client(server, null, 1);
      const seen: string[] = [];
      server.keyspace.onKeyEvent((cls, event, key) => seen.push(`${cls}:${event}:${bytesToStr(key)}`));
      server.execute(c, ["set", "k", "v", "px", "1"].map(strToBytes));
      await Bun.sleep(5);
      server.execute(c, ["get", "k"].map(strToBytes));
      expect(seen).toEqual(["n:new:k", "$:set:k", "g:expire:k", "x:expired:k", "m:keymiss:k"]);
    });
  });
}
