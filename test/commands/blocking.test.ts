// Blocking list commands with several real clients: wake-ups, FIFO order,
// timeouts, disconnects, CLIENT UNBLOCK, held pipelined input, type changes.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { ENGINES, rawConnect, startAikv, type RunningServer } from "../helpers/server.ts";

/** Reads from a raw connection until `done(received)` (or 3 s passed): robust on a loaded machine. */
async function readUntil(conn: { read(ms?: number): Promise<string> }, done: (received: string) => boolean): Promise<string> {
  let got = "";
  const deadline = Date.now() + 3000;
  while (!done(got) && Date.now() < deadline) got += await conn.read(20);
  return got;
}

/** Reads until at least as many bytes as `want` arrived. */
function readReply(conn: { read(ms?: number): Promise<string> }, want: string): Promise<string> {
  return readUntil(conn, (got) => got.length >= want.length);
}

/** Polls until cond() holds (or 3 s passed). */
async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond() && Date.now() < deadline) await Bun.sleep(5);
}

/** Resolves once the server reports `n` blocked clients. */
async function waitBlocked(r: Redis, n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const info = await r.info("clients");
    if (new RegExp(`blocked_clients:${n}\\r?\\n`).test(info)) return;
    await Bun.sleep(5);
  }
  throw new Error(`never saw ${n} blocked clients`);
}

for (const engine of ENGINES) {
  describe(`blocking list commands (${engine})`, () => {
    let srv: RunningServer;
    let r: Redis;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
      r = srv.client();
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("BLPOP returns at once when a list has elements, checking keys in order", async () => {
      await r.rpush("b1", "x", "y");
      expect(await r.blpop("b0", "b1", 0)).toEqual(["b1", "x"]);
      expect(await r.brpop("b0", "b1", 0)).toEqual(["b1", "y"]);
      expect(await r.exists("b1")).toBe(0);
    });

    test("a push wakes a blocked client, which gets the element pushed first", async () => {
      const w = srv.client();
      const p = w.blpop("wake", 0);
      await waitBlocked(r, 1);
      expect(await r.rpush("wake", "a", "b", "c")).toBe(3);
      expect(await p).toEqual(["wake", "a"]);
      expect(await r.lrange("wake", 0, -1)).toEqual(["b", "c"]);
      await r.del("wake");
    });

    test("clients blocked on one key are served first come, first served", async () => {
      const ws = [srv.client(), srv.client(), srv.client()];
      const got: string[] = [];
      const ps: Promise<void>[] = [];
      for (let i = 0; i < ws.length; i++) {
        ps.push(ws[i].brpop("fifo", 0).then((v) => void got.push(`${i}:${v![1]}`)));
        await waitBlocked(r, i + 1);
      }
      await r.rpush("fifo", "1", "2");
      await until(() => got.length === 2);
      expect(got.sort()).toEqual(["0:2", "1:1"]);
      await r.lpush("fifo", "3");
      await Promise.all(ps);
      expect(got.sort()).toEqual(["0:2", "1:1", "2:3"]);
      expect(await r.exists("fifo")).toBe(0);
    });

    test("a client blocked on several keys is woken by any and removed from all", async () => {
      const w = srv.client();
      const p = w.blpop("m1", "m2", "m3", 0);
      await waitBlocked(r, 1);
      await r.rpush("m2", "v");
      expect(await p).toEqual(["m2", "v"]);
      await waitBlocked(r, 0);
      await r.rpush("m1", "stay");
      expect(await r.lrange("m1", 0, -1)).toEqual(["stay"]);
      await r.del("m1");
    });

    test("timeouts: fractional seconds, null reply, errors for bad values", async () => {
      const start = performance.now();
      expect(await r.blpop("nothing", 0.15)).toBeNull();
      const elapsed = performance.now() - start;
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(1000);
      await expect(r.blpop("nothing", -1)).rejects.toThrow("ERR timeout is negative");
      await expect(r.blpop("nothing", "abc")).rejects.toThrow("ERR timeout is not a float or out of range");
      await expect(r.blpop("nothing", "inf")).rejects.toThrow("ERR timeout is negative");
      await expect(r.brpoplpush("nothing", "x", "nan")).rejects.toThrow("ERR timeout is not a float or out of range");
      expect(await r.brpoplpush("nothing", "x", 0.01)).toBeNull();
      expect(await r.blmpop(0.01, 1, "nothing", "LEFT")).toBeNull();
      await expect(r.blmpop(-1, 1, "nothing", "LEFT")).rejects.toThrow("ERR timeout is negative");
    });

    test("waiters with different timeouts expire in deadline order", async () => {
      const order: number[] = [];
      const timeouts = [0.5, 0.1, 0.3, 0.2, 0.4];
      await Promise.all(timeouts.map((t, i) => srv.client().blpop(`to${i}`, t).then((v) => (expect(v).toBeNull(), order.push(t)))));
      expect(order).toEqual([...timeouts].sort());
    });

    test("timeout replies are a null array (RESP2) / null (RESP3)", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("BLMOVE none x LEFT RIGHT 0.01\r\n");
      expect(await readReply(conn, "*-1\r\n")).toBe("*-1\r\n");
      conn.send("HELLO 3\r\nBLPOP none 0.01\r\n");
      expect((await readUntil(conn, (got) => got.endsWith("_\r\n"))).endsWith("_\r\n")).toBe(true);
      conn.close();
    });

    test("input sent while blocked waits until the client is served", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("BLPOP held 0\r\nPING\r\nLLEN held\r\n");
      expect(await conn.read(100)).toBe("");
      await r.rpush("held", "a", "b");
      const want = "*2\r\n$4\r\nheld\r\n$1\r\na\r\n+PONG\r\n:1\r\n";
      expect(await readReply(conn, want)).toBe(want);
      conn.close();
      await r.del("held");
    });

    test("BLMOVE moves into the destination, which can wake a chain of waiters", async () => {
      const mover = srv.client();
      const popper = srv.client();
      const pm = mover.blmove("chain-src", "chain-dst", "LEFT", "RIGHT", 0);
      await waitBlocked(r, 1);
      const pp = popper.blpop("chain-dst", 0);
      await waitBlocked(r, 2);
      await r.rpush("chain-src", "v");
      expect(await pm).toBe("v");
      expect(await pp).toEqual(["chain-dst", "v"]);
      expect(await r.exists("chain-src", "chain-dst")).toBe(0);
    });

    test("BLMPOP serves COUNT elements from the first key that gets data", async () => {
      const w = srv.client();
      const p = w.blmpop(0, 2, "mp1", "mp2", "RIGHT", "COUNT", 2);
      await waitBlocked(r, 1);
      await r.rpush("mp2", "a", "b", "c");
      expect(await p).toEqual(["mp2", ["c", "b"]]);
      expect(await r.lrange("mp2", 0, -1)).toEqual(["a"]);
      await r.del("mp2");
    });

    test("a key recreated with another type does not wake list waiters", async () => {
      const w = srv.client();
      const p = w.blpop("typed", 0);
      await waitBlocked(r, 1);
      await r.set("typed", "string");
      await r.del("typed");
      await r.hset("typed", "f", "v");
      await Bun.sleep(30);
      expect(await r.info("clients")).toContain("blocked_clients:1");
      await r.del("typed");
      await r.rpush("typed", "finally");
      expect(await p).toEqual(["typed", "finally"]);
    });

    test("a client disconnecting while blocked leaves no trace", async () => {
      const w = srv.client();
      void w.blpop("gone", 0).catch(() => {});
      await waitBlocked(r, 1);
      w.disconnect();
      await waitBlocked(r, 0);
      await r.rpush("gone", "kept");
      expect(await r.lrange("gone", 0, -1)).toEqual(["kept"]);
      await r.del("gone");
    });

    test("CLIENT UNBLOCK ends a wait as a timeout or with an error", async () => {
      const w = srv.client();
      const id = Number(await w.client("ID"));
      const p1 = w.blpop("unb", 0);
      await waitBlocked(r, 1);
      expect(await r.client("UNBLOCK", id)).toBe(1);
      expect(await p1).toBeNull();
      const p2 = w.blpop("unb", 0);
      await waitBlocked(r, 1);
      expect(await r.client("UNBLOCK", id, "ERROR")).toBe(1);
      await expect(p2).rejects.toThrow("UNBLOCKED client unblocked via CLIENT UNBLOCK");
      expect(await r.client("UNBLOCK", id)).toBe(0);
      expect(await w.ping()).toBe("PONG");
    });

    test("a blocked client shows the b flag in CLIENT LIST", async () => {
      const w = srv.client();
      const id = Number(await w.client("ID"));
      const p = w.blpop("flag", 0);
      await waitBlocked(r, 1);
      const line = String(await r.client("LIST")).split("\n").find((l) => l.startsWith(`id=${id} `))!;
      expect(line).toMatch(/ flags=b /);
      await r.rpush("flag", "x");
      await p;
    });

    test("INFO counts blocked clients and those with a timeout", async () => {
      const p1 = srv.client().blpop("info1", 0);
      const p2 = srv.client().blpop("info2", 30);
      await waitBlocked(r, 2);
      expect(await r.info("clients")).toContain("clients_in_timeout_table:1");
      await r.rpush("info1", "x");
      await r.rpush("info2", "y");
      await Promise.all([p1, p2]);
      expect(await r.info("clients")).toContain("clients_in_timeout_table:0");
    });

    test("many waiters on many keys are all served", async () => {
      const n = 20;
      const ws = Array.from({ length: n }, () => srv.client());
      const ps = ws.map((w, i) => w.blpop(`many${i % 5}`, 5));
      await waitBlocked(r, n);
      for (let k = 0; k < 5; k++) await r.rpush(`many${k}`, ...Array.from({ length: n / 5 }, (_, j) => `v${j}`));
      const got = await Promise.all(ps);
      expect(got.every((v) => v !== null)).toBe(true);
      expect(await r.info("clients")).toContain("blocked_clients:0");
    });
  });
}
