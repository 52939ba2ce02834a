import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAikv } from "../../helpers/server.ts";

// SET over a string of the same length and expiry writes over the cached
// record's bytes (LsmDb.overwriteString): replies already made, encodings,
// TTLs and what a restart finds must be as for a new record.

const dir = mkdtempSync(join(tmpdir(), "aikv-lsm-overwrite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lsm = ["--engine", "lsm", "--appendfsync", "always"];

test("SET over a same-length string: pipelined GETs see old then new values, encodings and TTLs follow, a restart finds the last values", async () => {
  const first = await startAikv(lsm, { dir });
  const big = (c: string) => c.repeat(1500);
  try {
    const r = first.client();
    await r.set("a", "aaa");
    await r.get("a"); // GET's copy of the value is kept with the cached record
    expect(await r.pipeline().get("a").set("a", "bbb").get("a").set("a", "ccc").get("a").exec()).toEqual([
      [null, "aaa"],
      [null, "OK"],
      [null, "bbb"],
      [null, "OK"],
      [null, "ccc"],
    ]);
    await r.set("big", big("x"));
    expect(await r.pipeline().get("big").set("big", big("y")).get("big").exec()).toEqual([
      [null, big("x")],
      [null, "OK"],
      [null, big("y")],
    ]);
    await r.set("n", "123");
    expect(await r.object("ENCODING", "n")).toBe("int");
    await r.set("n", "abc");
    expect(await r.object("ENCODING", "n")).toBe("embstr");
    expect(await r.incr("n").catch((e: Error) => e.message)).toContain("not an integer");
    await r.set("n", "456");
    expect(await r.incr("n")).toBe(457);
    await r.set("t", "he");
    await r.append("t", "llo"); // stored as text: "raw" until a SET
    expect(await r.object("ENCODING", "t")).toBe("raw");
    await r.set("t", "world");
    expect(await r.object("ENCODING", "t")).toBe("embstr");
    await r.set("e", "x", "EX", 1000);
    await r.set("e", "y"); // drops the TTL
    expect(await r.ttl("e")).toBe(-1);
    await r.set("k", "a", "EX", 1000);
    await r.set("k", "b", "KEEPTTL");
    expect(await r.ttl("k")).toBeGreaterThan(990);
    expect(await r.dbsize()).toBe(6);
  } finally {
    await first.stop(); // SIGKILL
  }
  const second = await startAikv(lsm, { dir });
  try {
    const r = second.client();
    expect(await r.mget("a", "big", "n", "t", "e", "k")).toEqual(["ccc", big("y"), "457", "world", "y", "b"]);
    expect(await r.ttl("k")).toBeGreaterThan(990);
    expect(await r.ttl("e")).toBe(-1);
    expect(await r.dbsize()).toBe(6);
  } finally {
    await second.stop();
  }
});

test("SET over a same-length string leaves the keys COPY made of it as they were (in its db and another)", async () => {
  const server = await startAikv(lsm, { dir: mkdtempSync(join(dir, "copy-")) });
  try {
    const r = server.client();
    await r.set("src", "old");
    expect(await r.copy("src", "dst")).toBe(1);
    expect(await r.copy("src", "dst", "DB", 1)).toBe(1);
    await r.set("src", "new");
    await r.set("dst", "two");
    expect(await r.mget("src", "dst")).toEqual(["new", "two"]);
    await r.select(1);
    expect(await r.get("dst")).toBe("old");
  } finally {
    await server.stop();
  }
});

test("SADD and HSET of new fields rewrite the cached record in place: a COPY, the TTL, the encoding and a restart see what was written", async () => {
  const setDir = mkdtempSync(join(dir, "fields-"));
  const first = await startAikv(lsm, { dir: setDir });
  try {
    const r = first.client();
    await r.sadd("s", "a", "b");
    await r.hset("h", "f1", "v1");
    expect(await r.copy("s", "s2")).toBe(1);
    expect(await r.copy("h", "h2")).toBe(1);
    await r.expire("s", 1000);
    expect(await r.sadd("s", "c", "b")).toBe(1);
    expect(await r.sadd("s2", "d")).toBe(1);
    expect(await r.object("ENCODING", "h")).toBe("listpack");
    expect(await r.hset("h", "f2", "x".repeat(100))).toBe(1); // a long value makes the hash a hashtable
    expect(await r.object("ENCODING", "h")).toBe("hashtable");
    expect(await r.object("ENCODING", "h2")).toBe("listpack");
    expect([await r.scard("s"), await r.scard("s2"), await r.hlen("h"), await r.hlen("h2")]).toEqual([3, 3, 2, 1]);
    expect(await r.ttl("s")).toBeGreaterThan(990);
  } finally {
    await first.stop(); // SIGKILL
  }
  const second = await startAikv(lsm, { dir: setDir });
  try {
    const r = second.client();
    expect((await r.smembers("s")).sort()).toEqual(["a", "b", "c"]);
    expect((await r.smembers("s2")).sort()).toEqual(["a", "b", "d"]);
    expect([await r.scard("s"), await r.scard("s2"), await r.hlen("h"), await r.hlen("h2")]).toEqual([3, 3, 2, 1]);
    expect(await r.object("ENCODING", "h")).toBe("hashtable");
    expect(await r.ttl("s")).toBeGreaterThan(990);
  } finally {
    await second.stop();
  }
});

test("ZADD and ZREM that keep a zset rewrite its cached record in place: a COPY, the TTL, the encoding, a multi-member ZADD and a restart see what was written", async () => {
  const zsetDir = mkdtempSync(join(dir, "zset-"));
  const first = await startAikv(lsm, { dir: zsetDir });
  try {
    const r = first.client();
    await r.zadd("z", 1, "a", 2, "b");
    expect(await r.copy("z", "z2")).toBe(1);
    await r.expire("z", 1000);
    expect(await r.zadd("z", 3, "c", 4, "d", 5, "c")).toBe(2); // one command, its meta passed again per member
    expect(await r.zadd("z2", 9, "e")).toBe(1);
    expect(await r.zrem("z", "a", "x")).toBe(1);
    expect(await r.object("ENCODING", "z")).toBe("listpack");
    expect(await r.zadd("z", 6, "m".repeat(100))).toBe(1); // a long member makes the zset a skiplist
    expect(await r.object("ENCODING", "z")).toBe("skiplist");
    expect(await r.object("ENCODING", "z2")).toBe("listpack");
    expect([await r.zcard("z"), await r.zcard("z2")]).toEqual([4, 3]);
    expect(await r.ttl("z")).toBeGreaterThan(990);
  } finally {
    await first.stop(); // SIGKILL
  }
  const second = await startAikv(lsm, { dir: zsetDir });
  try {
    const r = second.client();
    expect(await r.zrange("z", 0, -1, "WITHSCORES")).toEqual(["b", "2", "d", "4", "c", "5", "m".repeat(100), "6"]);
    expect(await r.zrange("z2", 0, -1)).toEqual(["a", "b", "e"]);
    expect([await r.zcard("z"), await r.zcard("z2")]).toEqual([4, 3]);
    expect(await r.object("ENCODING", "z")).toBe("skiplist");
    expect(await r.ttl("z")).toBeGreaterThan(990);
  } finally {
    await second.stop();
  }
});

test("INCR of a counter whose digits keep their length writes over its cached record: reads, a COPY, the TTL and a restart see each value", async () => {
  const counterDir = mkdtempSync(join(dir, "counters-"));
  const first = await startAikv(lsm, { dir: counterDir });
  try {
    const r = first.client();
    await r.set("n", "7");
    expect(await r.getrange("n", 0, -1)).toBe("7"); // the copy of the value it reads is kept with the cached record
    expect(await r.copy("n", "m")).toBe(1);
    await r.expire("n", 1000);
    expect(await r.pipeline().getrange("n", 0, -1).incr("n").getrange("n", 0, -1).incr("n").incr("n").incr("n").get("n").decrby("n", 20).get("n").decr("n").exec()).toEqual([
      [null, "7"],
      [null, 8],
      [null, "8"],
      [null, 9],
      [null, 10],
      [null, 11],
      [null, "11"],
      [null, -9],
      [null, "-9"],
      [null, -10],
    ]);
    expect(await r.incrby("m", -7)).toBe(0);
    expect(await r.decr("m")).toBe(-1);
    expect(await r.object("ENCODING", "n")).toBe("int");
    expect(await r.ttl("n")).toBeGreaterThan(990);
  } finally {
    await first.stop(); // SIGKILL
  }
  const second = await startAikv(lsm, { dir: counterDir });
  try {
    const r = second.client();
    expect(await r.mget("n", "m")).toEqual(["-10", "-1"]);
    expect(await r.ttl("n")).toBeGreaterThan(990);
    expect(await r.incr("n")).toBe(-9);
  } finally {
    await second.stop();
  }
});
