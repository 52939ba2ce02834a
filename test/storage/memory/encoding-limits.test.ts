// Collection encodings follow the CONFIG SET thresholds (hash/zset
// *-max-listpack-*, their ziplist aliases, set-max-intset-entries): the same
// script on AiKv's engines and on redis-server gives the same OBJECT
// ENCODING (and scores: the member that converts a zset keeps -0) at each step;
// so does the lsm engine, which keeps the encoding Redis would have in a flag.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ENGINES, hasRedisServer, type RunningServer, startAikv, startRedis } from "../../helpers/server.ts";

type Step = (string | number)[];

const SCRIPT: Step[] = [
  ["CONFIG", "SET", "hash-max-ziplist-entries", "2"],
  ["HSET", "h", "a", "1", "b", "2"],
  ["OBJECT", "ENCODING", "h"],
  ["HSET", "h", "c", "3"],
  ["OBJECT", "ENCODING", "h"],
  ["CONFIG", "SET", "hash-max-listpack-value", "3"],
  ["HSET", "h2", "abc", "1"],
  ["OBJECT", "ENCODING", "h2"],
  ["HSET", "h2", "x", "abcd"],
  ["OBJECT", "ENCODING", "h2"],
  ["CONFIG", "SET", "set-max-intset-entries", "2"],
  ["SADD", "s", "1", "2"],
  ["OBJECT", "ENCODING", "s"],
  ["SADD", "s", "3"],
  ["OBJECT", "ENCODING", "s"],
  ["CONFIG", "SET", "zset-max-listpack-entries", "2"],
  ["ZADD", "z", "-0", "a", "1", "b"],
  ["OBJECT", "ENCODING", "z"],
  ["ZADD", "z", "-0", "c"],
  ["OBJECT", "ENCODING", "z"],
  ["ZSCORE", "z", "a"],
  ["ZSCORE", "z", "c"],
  ["COPY", "z", "zc"],
  ["OBJECT", "ENCODING", "zc"],
  ["ZSCORE", "zc", "c"],
  ["CONFIG", "SET", "zset-max-ziplist-entries", "0"],
  ["ZADD", "z0", "-0", "x"],
  ["OBJECT", "ENCODING", "z0"],
  ["ZSCORE", "z0", "x"],
  ["CONFIG", "SET", "zset-max-listpack-entries", "128"],
  ["CONFIG", "SET", "zset-max-listpack-value", "2"],
  ["ZADD", "z3", "1", "ab"],
  ["OBJECT", "ENCODING", "z3"],
  ["ZADD", "z3", "2", "abc"],
  ["OBJECT", "ENCODING", "z3"],
];

for (const engine of ENGINES) describe.skipIf(!hasRedisServer())(`encoding thresholds follow CONFIG SET (${engine} engine vs redis-server)`, () => {
  let aikv: RunningServer;
  let redis: RunningServer;
  beforeAll(async () => {
    [aikv, redis] = await Promise.all([startAikv(["--engine", engine]), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([aikv.stop(), redis.stop()]);
  });

  test("OBJECT ENCODING and scores after each step", async () => {
    const a = aikv.client();
    const r = redis.client();
    for (const [cmd, ...args] of SCRIPT) {
      const [got, want] = await Promise.all([a.call(String(cmd), ...args), r.call(String(cmd), ...args)]);
      expect({ step: [cmd, ...args].join(" "), reply: got }).toEqual({ step: [cmd, ...args].join(" "), reply: want });
    }
  });
});
