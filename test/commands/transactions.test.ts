// MULTI/EXEC/DISCARD/WATCH/UNWATCH: replies recorded from redis-server 7.0.15
// (the same sequences were sent to both), WATCH invalidation by every kind
// of change, and the interplay with blocking, MONITOR and CLIENT LIST.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ENGINES, rawConnect, startAikv, type RunningServer } from "../helpers/server.ts";

/**
 * Sends inline commands on a fresh connection and returns everything replied:
 * one reply per command, or fewer when the server closes the connection (QUIT).
 * Waits for the replies rather than a fixed time, which a loaded machine can outlast.
 */
async function session(port: number, lines: string[]): Promise<string> {
  const conn = await rawConnect(port);
  conn.send(lines.map((l) => `${l}\r\n`).join(""));
  const reply = await conn.readReplies(lines.length);
  conn.close();
  return reply;
}

const EXECABORT = "-EXECABORT Transaction discarded because of previous errors.\r\n";

for (const engine of ENGINES) {
  describe(`transactions (${engine})`, () => {
    let srv: RunningServer;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
    });
    afterAll(async () => {
      await srv.stop();
    });

    async function watchCase(setup: string[], change: string[]): Promise<string> {
      await srv.client().flushall();
      const reply = await session(srv.port, [...setup, ...change, "MULTI", "PING", "EXEC"]);
      return reply.slice(reply.lastIndexOf("+QUEUED\r\n") + "+QUEUED\r\n".length);
    }

    test("queued commands, errors of MULTI/EXEC/DISCARD/WATCH misuse", async () => {
      expect(await session(srv.port, ["MULTI", "MULTI", "WATCH x", "EXEC", "EXEC", "DISCARD"])).toBe(
        "+OK\r\n-ERR MULTI calls can not be nested\r\n-ERR WATCH inside MULTI is not allowed\r\n*0\r\n" +
          "-ERR EXEC without MULTI\r\n-ERR DISCARD without MULTI\r\n",
      );
    });

    test("runtime errors don't stop the other queued commands", async () => {
      await srv.client().del("a");
      expect(await session(srv.port, ["MULTI", "SET a b", "LPUSH a 1", "GET a", "INCR a", "EXEC"])).toBe(
        "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*4\r\n+OK\r\n" +
          "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$1\r\nb\r\n" +
          "-ERR value is not an integer or out of range\r\n",
      );
    });

    test("rejected commands abort the transaction (unknown, arity, no_multi)", async () => {
      const r = srv.client();
      await r.del("a");
      expect(await session(srv.port, ["MULTI", "SET a", "SET a b", "EXEC"])).toBe(
        `+OK\r\n-ERR wrong number of arguments for 'set' command\r\n+QUEUED\r\n${EXECABORT}`,
      );
      expect(await session(srv.port, ["MULTI", "nosuch x", "EXEC", "MULTI", "CONFIG foo", "EXEC"])).toBe(
        `+OK\r\n-ERR unknown command 'nosuch', with args beginning with: 'x' \r\n${EXECABORT}` +
          `+OK\r\n-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n${EXECABORT}`,
      );
      expect(await session(srv.port, ["MULTI", "SHUTDOWN", "EXEC"])).toBe(
        `+OK\r\n-ERR Command not allowed inside a transaction\r\n${EXECABORT}`,
      );
      expect(await r.exists("a")).toBe(0);
      // A rejected EXEC discards the transaction with its own wording, in MULTI or not (once
      // the server has seen a MULTI: the transaction state is created on first use).
      expect(await session(srv.port, ["EXEC x", "MULTI", "SET a 1", "EXEC x", "EXEC"])).toBe(
        "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n+OK\r\n+QUEUED\r\n" +
          "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n-ERR EXEC without MULTI\r\n",
      );
      // Nested MULTI and WATCH inside MULTI are errors that don't abort.
      expect(await session(srv.port, ["MULTI", "MULTI", "WATCH k", "PING", "EXEC"])).toBe(
        "+OK\r\n-ERR MULTI calls can not be nested\r\n-ERR WATCH inside MULTI is not allowed\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
      );
    });

    test("DISCARD drops the queue; QUIT and RESET are not queued", async () => {
      const r = srv.client();
      await r.set("k", "1");
      expect(await session(srv.port, ["MULTI", "SET k 2", "DISCARD", "GET k"])).toBe("+OK\r\n+QUEUED\r\n+OK\r\n$1\r\n1\r\n");
      expect(await session(srv.port, ["MULTI", "SET k 2", "RESET", "EXEC"])).toBe(
        "+OK\r\n+QUEUED\r\n+RESET\r\n-ERR EXEC without MULTI\r\n",
      );
      expect(await session(srv.port, ["MULTI", "SET k 3", "QUIT"])).toBe("+OK\r\n+QUEUED\r\n+OK\r\n");
      expect(await r.get("k")).toBe("1");
    });

    test("a large transaction split across many reads runs intact", async () => {
      const r = srv.client();
      const big = "x".repeat(20000);
      const value = (i: number) => `${String(i).repeat(3)}${big}`;
      const commands = [["MULTI"]];
      for (let i = 0; i < 20; i++) commands.push(["SET", `key:${i}`, value(i)]);
      commands.push(["EXEC"]);
      const payload = commands.map((argv) => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`).join("");
      const conn = await rawConnect(srv.port);
      // Sent in small pieces so the parser's buffer is reused while commands are queued.
      for (let at = 0; at < payload.length; at += 4096) conn.send(payload.slice(at, at + 4096));
      await conn.read(300);
      conn.close();
      for (let i = 0; i < 20; i++) expect((await r.get(`key:${i}`)) === value(i)).toBe(true);
    });

    test("queued arguments survive later reads reusing the query buffer", async () => {
      const r = srv.client();
      const resp = (...argv: string[]) => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
      const conn = await rawConnect(srv.port);
      conn.send(resp("MULTI") + Array.from({ length: 50 }, (_, i) => resp("SET", `qk:${i}`, `value-${i}`)).join(""));
      await conn.read(100);
      // The next read overwrites the buffer the queued commands were parsed from.
      conn.send(Array.from({ length: 50 }, () => resp("ECHO", "#".repeat(24))).join(""));
      await conn.read(100);
      conn.send(resp("EXEC"));
      await conn.read(100);
      conn.close();
      const values = await r.mget(Array.from({ length: 50 }, (_, i) => `qk:${i}`));
      expect(values).toEqual(Array.from({ length: 50 }, (_, i) => `value-${i}`));
    });

    test("ioredis multi() and pipelines of transactions", async () => {
      const r = srv.client();
      await r.del("n");
      const res = await r.multi().incr("n").incr("n").get("n").exec();
      expect(res).toEqual([[null, 1], [null, 2], [null, "2"]]);
    });

    test("WATCH: a change by another client makes EXEC reply a null array", async () => {
      const r = srv.client();
      const w = srv.client();
      await r.set("k", "1");
      await w.watch("k");
      await r.set("k", "2");
      expect(await w.multi().set("k", "3").exec()).toBeNull();
      expect(await r.get("k")).toBe("2");
      // Unchanged: it executes (and EXEC unwatched, so the next one is unaffected).
      await w.watch("k");
      expect(await w.multi().set("k", "3").exec()).toEqual([[null, "OK"]]);
      await r.set("k", "4");
      expect(await w.multi().get("k").exec()).toEqual([[null, "4"]]);
    });

    test("WATCH: what breaks it and what doesn't (same replies as redis-server)", async () => {
      const dirty = "*-1\r\n";
      const clean = "*1\r\n+PONG\r\n";
      expect(await watchCase(["SET k v", "WATCH k"], ["SET k v"])).toBe(dirty);
      expect(await watchCase(["SET k v", "WATCH k"], ["GET k"])).toBe(clean);
      expect(await watchCase(["WATCH k"], ["DEL k"])).toBe(clean); // deleting a missing key changes nothing
      expect(await watchCase(["SET k v", "WATCH k"], ["DEL k"])).toBe(dirty);
      expect(await watchCase(["WATCH k", "SET a 1"], ["RENAME a k"])).toBe(dirty);
      expect(await watchCase(["SET k 1", "WATCH k"], ["MOVE k 1"])).toBe(dirty);
      expect(await watchCase(["SET k 1", "WATCH k"], ["EXPIRE k 100"])).toBe(dirty);
      expect(await watchCase(["WATCH k"], ["FLUSHALL"])).toBe(clean); // the key didn't exist
      expect(await watchCase(["SET k v", "WATCH k"], ["FLUSHALL"])).toBe(dirty);
      expect(await watchCase(["SET k v", "WATCH k"], ["FLUSHDB"])).toBe(dirty);
      expect(await watchCase(["SET k v", "WATCH k"], ["SWAPDB 0 1"])).toBe(dirty);
      expect(await watchCase(["SELECT 1", "SET k v", "SELECT 0", "WATCH k"], ["SWAPDB 0 1"])).toBe(dirty);
      expect(await watchCase(["SET k 1", "WATCH k"], ["UNWATCH", "SET k 2"])).toBe(clean);
      // A key watched in another db than the one written.
      expect(await watchCase(["SET k 1", "WATCH k", "SELECT 1"], ["SET k 2"])).toBe(clean);
    });

    test("WATCH: expiry of a watched key between WATCH and EXEC breaks it; an already expired key doesn't", async () => {
      const r = srv.client();
      await r.flushall();
      await r.set("k", "v", "PX", 1000); // long enough to be live when WATCH arrives on a loaded machine
      const w = srv.client();
      await w.watch("k");
      await Bun.sleep(1100); // logically expired (deleted or not by active expiry: either breaks the WATCH)
      expect(await w.multi().ping().exec()).toBeNull();

      await r.set("k2", "v", "PX", 10);
      await Bun.sleep(40);
      await w.watch("k2"); // already expired when watched: it counts as missing
      expect(await r.get("k2")).toBeNull(); // deletes it by lazy expiry: no logical change
      expect(await w.multi().ping().exec()).toEqual([[null, "PONG"]]);
    });

    test("DISCARD and disconnecting unwatch", async () => {
      const r = srv.client();
      await r.set("k", "1");
      expect(await session(srv.port, ["WATCH k", "MULTI", "DISCARD", "SET k 5", "MULTI", "PING", "EXEC"])).toBe(
        "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
      );
    });

    test("blocking commands don't block inside MULTI; blocked clients are served after EXEC", async () => {
      const r = srv.client();
      await r.del("l", "l2");
      expect(await session(srv.port, ["MULTI", "BLPOP l 0", "BLMOVE l l2 LEFT LEFT 0", "EXEC"])).toBe(
        "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n*-1\r\n$-1\r\n",
      );
      const waiter = srv.client();
      const popped = waiter.blpop("l", 0);
      await Bun.sleep(50);
      // RPUSH + LPOP in one transaction: the waiter sees the final state (empty) and keeps waiting.
      expect(await r.multi().rpush("l", "a").lpop("l").exec()).toEqual([[null, 1], [null, "a"]]);
      await Bun.sleep(50);
      expect(await r.llen("l")).toBe(0);
      await r.rpush("l", "b");
      expect(await popped).toEqual(["l", "b"]);
    });

    test("CLIENT LIST shows flag x and the queued count; INFO commandstats counts queued commands when run", async () => {
      const r = srv.client();
      await r.config("RESETSTAT");
      const conn = await rawConnect(srv.port);
      conn.send("MULTI\r\nSET a 1\r\nGET a\r\n");
      await conn.read(100);
      const list = (await r.client("LIST")) as string;
      const line = list.split("\n").find((l) => l.includes("multi=2"));
      expect(line).toBeDefined();
      expect(line).toMatch(/flags=x /);
      conn.send("EXEC\r\n");
      expect(await conn.read(100)).toBe("*2\r\n+OK\r\n$1\r\n1\r\n");
      conn.close();
      const stats = await r.info("commandstats");
      expect(stats).toMatch(/cmdstat_set:calls=1,/);
      expect(stats).toMatch(/cmdstat_exec:calls=1,/);
      expect(stats).toMatch(/cmdstat_multi:calls=1,/);
    });

    test("MONITOR sees the queued commands when EXEC runs them", async () => {
      const mon = await rawConnect(srv.port);
      mon.send("MONITOR\r\n");
      await mon.read(100);
      await session(srv.port, ["MULTI", "SET mk 1", "EXEC"]);
      const lines = (await mon.read(100)).split("\r\n").filter((l) => l !== "");
      expect(lines.map((l) => l.slice(l.indexOf("]") + 2))).toEqual(['"MULTI"', '"SET" "mk" "1"', '"EXEC"']);
      mon.close();
    });

    test("keyspace notifications and the dirty counter run as for the commands themselves", async () => {
      const r = srv.client();
      await r.config("SET", "notify-keyspace-events", "KEA");
      const sub = srv.client();
      const events: string[] = [];
      sub.on("pmessage", (_p: string, ch: string, msg: string) => events.push(`${ch} ${msg}`));
      await sub.psubscribe("__keyevent@0__:*");
      const before = Number(/rdb_changes_since_last_save:(\d+)/.exec(await r.info("persistence"))?.[1]);
      await r.multi().set("ne", "1").incr("ne").del("ne").exec();
      await Bun.sleep(50);
      expect(events).toEqual(["__keyevent@0__:set ne", "__keyevent@0__:incrby ne", "__keyevent@0__:del ne"]);
      const after = Number(/rdb_changes_since_last_save:(\d+)/.exec(await r.info("persistence"))?.[1]);
      expect(after - before).toBe(3);
      await r.config("SET", "notify-keyspace-events", "");
    });
  });
}
