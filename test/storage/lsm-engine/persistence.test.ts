import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAikv } from "../../helpers/server.ts";

// The lsm engine's own guarantees: data and TTLs survive kill -9, one process
// per directory, ordered SCAN, clean errors for types not supported yet.
describe("lsm engine", () => {
  const dir = mkdtempSync(join(tmpdir(), "aikv-lsm-"));
  const lsm = ["--engine", "lsm", "--appendfsync", "always"];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("acknowledged writes, TTLs, FLUSHDB and SWAPDB survive kill -9; expired keys stay gone", async () => {
    const first = await startAikv(lsm, { dir });
    const r = first.client();
    await r.set("plain", "v1");
    await r.set("bin", Buffer.from([0, 255, 13, 10]));
    await r.set("ttl", "t", "EX", 1000);
    await r.set("short", "s", "PX", 300);
    await r.incrby("counter", 41);
    await r.incr("counter");
    await r.append("plain", "+more");
    await r.select(3);
    await r.set("in-db3", "x");
    await r.select(5);
    await r.mset("f1", "1", "f2", "2");
    await r.flushdb();
    await r.set("after-flush", "y");
    await r.swapdb(5, 6);
    await first.stop(); // SIGKILL
    await Bun.sleep(400); // "short" expires while the server is down

    const second = await startAikv(lsm, { dir });
    try {
      const s = second.client();
      expect(await s.get("plain")).toBe("v1+more");
      expect(await s.getBuffer("bin")).toEqual(Buffer.from([0, 255, 13, 10]));
      expect(await s.get("counter")).toBe("42");
      const ttl = await s.ttl("ttl");
      expect(ttl).toBeGreaterThan(990);
      expect(ttl).toBeLessThanOrEqual(1000);
      expect(await s.exists("short")).toBe(0);
      expect(await s.dbsize()).toBe(4); // plain, bin, ttl, counter
      await s.select(3);
      expect(await s.get("in-db3")).toBe("x");
      await s.select(5);
      expect(await s.dbsize()).toBe(0);
      await s.select(6);
      expect(await s.keys("*")).toEqual(["after-flush"]);
    } finally {
      await second.stop();
    }
  });

  test("a transaction's writes survive kill -9 when commands between them take a batch and write nothing", async () => {
    // The LSM logs a group's first batch at the group's end (or the next
    // write) from the batch itself; HDEL of a missing field takes the
    // engine's reused batch and writes nothing, and must not clear that one.
    const tdir = mkdtempSync(join(tmpdir(), "aikv-lsm-multi-"));
    try {
      const first = await startAikv(lsm, { dir: tdir });
      const r = first.client();
      await r.hset("h", "x", "0");
      const replies = await r.multi().hset("h", "a", "1").hdel("h", "missing").hdel("h", "missing2").hset("h", "b", "2").exec();
      expect(replies?.map(([, v]) => v)).toEqual([1, 0, 0, 1]);
      await first.stop(); // SIGKILL
      const second = await startAikv(lsm, { dir: tdir });
      try {
        expect(await second.client().hgetall("h")).toEqual({ x: "0", a: "1", b: "2" });
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(tdir, { recursive: true, force: true });
    }
  });

  test("hashes: fields in sub-keys; DEL, overwrite, RENAME, COPY and restart", async () => {
    const hdir = mkdtempSync(join(tmpdir(), "aikv-lsm-hash-"));
    try {
      const first = await startAikv(lsm, { dir: hdir });
      const r = first.client();
      const fields = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]));
      await r.hset("big", fields);
      expect(await r.object("ENCODING", "big")).toBe("hashtable");
      await r.hset("small", "a", "1", "b", "2");
      expect(await r.object("ENCODING", "small")).toBe("listpack");
      await r.hset("gone", "x", "1");
      await r.del("gone");
      await r.hset("gone", "y", "2"); // a new version: the old field is unreachable
      expect(await r.hgetall("gone")).toEqual({ y: "2" });
      await r.hset("replaced", "x", "1");
      await r.set("replaced", "now a string");
      await r.rename("small", "renamed");
      await r.copy("renamed", "copied", "DB", 1);
      await r.hset("renamed", "c", "3"); // the copy is independent
      await r.expire("renamed", 1000);
      await first.stop(); // SIGKILL

      const second = await startAikv(lsm, { dir: hdir });
      try {
        const s = second.client();
        expect(await s.hlen("big")).toBe(600);
        expect(await s.hgetall("big")).toEqual(fields);
        expect(await s.hgetall("renamed")).toEqual({ a: "1", b: "2", c: "3" });
        expect(await s.ttl("renamed")).toBeGreaterThan(990);
        expect(await s.exists("small")).toBe(0);
        expect(await s.hgetall("gone")).toEqual({ y: "2" });
        expect(await s.get("replaced")).toBe("now a string");
        expect(await s.dbsize()).toBe(4);
        await s.select(1);
        expect(await s.hgetall("copied")).toEqual({ a: "1", b: "2" });
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(hdir, { recursive: true, force: true });
    }
  });

  test("large strings edited in place are chunked: APPEND, SETRANGE gaps, SETBIT, RENAME, COPY, restart", async () => {
    const cdir = mkdtempSync(join(tmpdir(), "aikv-lsm-chunks-"));
    try {
      const first = await startAikv(lsm, { dir: cdir });
      const r = first.client();
      let model = Buffer.alloc(0);
      const setrange = async (offset: number, text: string) => {
        const bytes = Buffer.from(text);
        const end = Math.max(model.length, offset + bytes.length);
        const next = Buffer.alloc(end);
        model.copy(next);
        bytes.copy(next, offset);
        model = next;
        expect(await r.setrange("big", offset, text)).toBe(model.length);
      };
      for (let i = 0; i < 40; i++) {
        const piece = `${i}:${"ab".repeat(150 + i)}|`;
        expect(await r.append("big", piece)).toBe(model.length + piece.length);
        model = Buffer.concat([model, Buffer.from(piece)]);
      }
      await setrange(5000, "middle");
      await setrange(30000, "after a gap");
      await setrange(2047, "across a chunk boundary");
      expect(await r.setbit("big", 8 * 40000 + 1, 1)).toBe(0);
      model = Buffer.concat([model, Buffer.alloc(40001 - model.length)]);
      model[40000] = 0x40;
      expect(await r.object("ENCODING", "big")).toBe("raw");
      expect(await r.getBuffer("big")).toEqual(model);
      expect(await r.getrange("big", 2040, 2080)).toBe(model.subarray(2040, 2081).toString());
      await r.copy("big", "copy");
      await r.rename("big", "moved");
      await r.append("copy", "!"); // the copy has its own chunks
      await first.stop(); // SIGKILL

      const second = await startAikv(lsm, { dir: cdir });
      try {
        const s = second.client();
        expect(await s.getBuffer("moved")).toEqual(model);
        expect(await s.strlen("copy")).toBe(model.length + 1);
        expect(await s.exists("big")).toBe(0);
        await s.set("moved", "small again");
        expect(await s.get("moved")).toBe("small again");
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(cdir, { recursive: true, force: true });
    }
  });

  test("sets: intset order and encodings, SPOP, SINTERSTORE", async () => {
    const srv = await startAikv(["--engine", "lsm"]);
    try {
      const r = srv.client();
      expect(await r.sadd("ints", "10", "9", "-3", "9")).toBe(3);
      expect(await r.smembers("ints")).toEqual(["-3", "9", "10"]);
      expect(await r.object("ENCODING", "ints")).toBe("intset");
      await r.sadd("words", "b", "a", "10");
      expect(await r.object("ENCODING", "words")).toBe("hashtable");
      expect(await r.sinterstore("both", "ints", "words")).toBe(1);
      expect(await r.smembers("both")).toEqual(["10"]);
      const popped = await r.spop("ints", 2);
      expect(popped.length).toBe(2);
      expect(await r.scard("ints")).toBe(1);
      await r.spop("ints");
      expect(await r.exists("ints")).toBe(0);
    } finally {
      await srv.stop();
    }
  });

  test("a second server on the same directory is refused", async () => {
    const first = await startAikv(lsm, { dir });
    try {
      await expect(startAikv(lsm, { dir })).rejects.toThrow(/locked by process/);
      expect(await first.client().ping()).toBe("PONG");
    } finally {
      await first.stop();
    }
  });

  test("active expiry deletes keys through the expiry index; DBSIZE stays exact", async () => {
    const srv = await startAikv(["--engine", "lsm"]);
    try {
      const r = srv.client();
      await r.select(2);
      // One transaction, so that no key can expire before DBSIZE counts it on a slow machine.
      const tx = r.multi();
      for (let i = 0; i < 50; i++) tx.set(`e${i}`, "v", "PX", 100);
      tx.set("stays", "v").dbsize();
      expect((await tx.exec())!.at(-1)).toEqual([null, 51]);
      await Bun.sleep(1500); // no access: only the active cycle can remove them
      expect(await r.dbsize()).toBe(1);
      const info = await r.info("keyspace");
      expect(info).toContain("db2:keys=1,expires=0");
    } finally {
      await srv.stop();
    }
  });

  test("SCAN is ordered: a full iteration returns every key exactly once", async () => {
    const srv = await startAikv(["--engine", "lsm"]);
    try {
      const r = srv.client();
      const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
      await r.mset(...keys.flatMap((k) => [k, "v"]));
      const seen: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await r.scan(cursor, "COUNT", 17);
        seen.push(...batch);
        cursor = next;
      } while (cursor !== "0");
      expect(seen.length).toBe(500);
      expect([...seen].sort()).toEqual([...keys].sort());
      expect(await r.randomkey()).toMatch(/^k\d+$/);
    } finally {
      await srv.stop();
    }
  });

  test("collection commands reply a clear error until their encoding lands", async () => {
    const srv = await startAikv(["--engine", "lsm"]);
    try {
      const r = srv.client();
      expect(await r.ping()).toBe("PONG");
    } finally {
      await srv.stop();
    }
  });
});
