import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { ENGINES, hasRedisServer, rawConnect, startAikv, startRedis, type RunningServer } from "../helpers/server.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The reply, or the error message. */
async function reply(r: Redis, ...args: (string | number)[]): Promise<unknown> {
  try {
    return await r.call(String(args[0]), ...args.slice(1));
  } catch (e) {
    return `ERR:${(e as Error).message}`;
  }
}

function fieldsOf(line: string): Map<string, string> {
  return new Map(line.trim().split(" ").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

/** Argument errors (and replies that don't depend on connection state) that must equal redis-server's. */
const SAME_AS_REDIS: (string | number)[][] = [
  ["client", "setname", "a b"], ["client", "setname", "a\nb"], ["client", "kill", "1.2.3.4:5"], ["client", "kill", "id", "99999"],
  ["client", "kill", "id", "x"], ["client", "kill", "id", "0"], ["client", "kill", "foo", "bar"], ["client", "kill", "type", "foo"],
  ["client", "kill", "skipme", "maybe"], ["client", "kill", "id", "99999", "type"], ["client", "list", "type", "foo"],
  ["client", "list", "id", "x"], ["client", "list", "id", "99999"], ["client", "list", "foo"], ["client", "list", "type", "pubsub"],
  ["client", "pause", "x"], ["client", "pause", "-1"], ["client", "pause", "10", "foo"], ["client", "reply", "foo"],
  ["client", "no-evict", "foo"], ["client", "no-evict", "on"], ["client", "unblock", "99999"], ["client", "unblock", "x"],
  ["client", "unblock", "5", "foo"], ["client", "unpause"], ["client", "foo"], ["client"], ["client", "id", "x"],
  ["client", "getredir"], ["client", "trackinginfo"],
];

for (const engine of ENGINES) {
  describe(`CLIENT (${engine})`, () => {
    let srv: RunningServer;
    let redis: RunningServer | null = null;
    beforeAll(async () => {
      [srv, redis] = await Promise.all([startAikv(["--engine", engine]), hasRedisServer() ? startRedis() : null]);
    });
    afterAll(async () => {
      if (process.env.SHOW_OUTPUT) console.log(srv.output());
      await Promise.all([srv.stop(), redis?.stop()]);
    });

    test("errors and connection-independent replies equal redis-server's", async () => {
      const ours = await Promise.all(SAME_AS_REDIS.map((a) => reply(srv.client(), ...a)));
      expect(ours[0]).toBe("ERR:ERR Client names cannot contain spaces, newlines or special characters.");
      if (!redis) return;
      const theirs = await Promise.all(SAME_AS_REDIS.map((a) => reply(redis!.client(), ...a)));
      expect(ours).toEqual(theirs);
    });

    test("RESP3 shapes equal redis-server's", async () => {
      if (!redis) return;
      const read = async (port: number) => {
        const conn = await rawConnect(port);
        conn.send("HELLO 3\r\n");
        await conn.readReplies(1);
        conn.send("CLIENT TRACKINGINFO\r\nCLIENT GETNAME\r\nCLIENT ID\r\n");
        const text = (await conn.readReplies(3)).replace(/:\d+\r\n$/, "");
        conn.close();
        return text;
      };
      expect(await read(srv.port)).toBe(await read(redis.port));
    });

    test("HELP lists Redis 7.0's subcommands but client-side caching", async () => {
      const help = (await srv.client().call("client", "help")) as string[];
      expect(help[0]).toBe("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
      if (!redis) return;
      const theirs = (await redis.client().call("client", "help")) as string[];
      const titles = (lines: string[]) => lines.filter((l) => /^[A-Z]/.test(l)).map((l) => l.split(" ")[0]);
      // Client-side caching (TRACKING, CACHING) is not implemented.
      for (const t of titles(theirs).filter((t) => t !== "TRACKING" && t !== "CACHING")) expect(titles(help)).toContain(t);
    });

    test("ID, SETNAME, GETNAME, INFO and SETINFO", async () => {
      const r = srv.client();
      const id = (await r.call("client", "id")) as number;
      expect(await r.call("client", "getname")).toBeNull();
      expect(await r.call("client", "setname", "worker-1")).toBe("OK");
      expect(await r.call("client", "getname")).toBe("worker-1");
      expect(await r.call("client", "setinfo", "lib-name", "mylib")).toBe("OK");
      expect(await r.call("client", "setinfo", "LIB-VER", "1.2.3")).toBe("OK");
      expect(await reply(r, "client", "setinfo", "lib-name", "my lib")).toBe("ERR:ERR lib-name cannot contain spaces, newlines or special characters.");
      expect(await reply(r, "client", "setinfo", "foo", "x")).toBe("ERR:ERR Unrecognized option 'foo'");
      const f = fieldsOf((await r.call("client", "info")) as string);
      expect(f.get("id")).toBe(String(id));
      expect(f.get("name")).toBe("worker-1");
      expect(f.get("lib-name")).toBe("mylib");
      expect(f.get("lib-ver")).toBe("1.2.3");
      expect(f.get("cmd")).toBe("client|info");
      expect(f.get("flags")).toBe("N");
      expect(f.get("laddr")).toBe(`127.0.0.1:${srv.port}`);
      expect(await r.call("client", "setname", "")).toBe("OK");
      expect(await r.call("client", "getname")).toBeNull();
    });

    test("LIST has Redis's fields in Redis's order, with TYPE and ID filters", async () => {
      const r = srv.client();
      const other = srv.client();
      const otherId = (await other.call("client", "id")) as number;
      const lines = ((await r.call("client", "list")) as string).split("\n");
      expect(lines.at(-1)).toBe("");
      const ours = [...fieldsOf(lines[0]).keys()];
      if (redis) {
        const theirs = [...fieldsOf(((await redis.client().call("client", "list")) as string).split("\n")[0]).keys()];
        // Redis 7.0.15's fields, then 7.2's lib-name and lib-ver (CLIENT SETINFO).
        expect(ours).toEqual([...theirs, "lib-name", "lib-ver"]);
      }
      const byId = (await r.call("client", "list", "id", otherId, 99999)) as string;
      expect(byId.split("\n").length).toBe(2);
      expect(fieldsOf(byId).get("id")).toBe(String(otherId));
      const normal = ((await r.call("client", "list", "type", "normal")) as string).trim().split("\n");
      expect(normal.length).toBeGreaterThanOrEqual(2);
      expect(await r.call("client", "list", "type", "replica")).toBe("");
    });

    test("KILL: old address form, ID, ADDR, LADDR, USER, TYPE, MAXAGE, SKIPME", async () => {
      const r = srv.client();
      const victim = async () => {
        const conn = await rawConnect(srv.port);
        conn.send("CLIENT INFO\r\n");
        const info = fieldsOf((await conn.read(100)).split("\r\n")[1]);
        return { conn, id: info.get("id")!, addr: info.get("addr")! };
      };
      let v = await victim();
      expect(await r.call("client", "kill", v.addr)).toBe("OK");
      await sleep(50);
      expect(v.conn.closed()).toBe(true);
      v = await victim();
      expect(await r.call("client", "kill", "id", v.id)).toBe(1);
      await sleep(50);
      expect(v.conn.closed()).toBe(true);
      v = await victim();
      expect(await r.call("client", "kill", "addr", v.addr, "user", "default")).toBe(1);
      await sleep(50);
      expect(v.conn.closed()).toBe(true);
      v = await victim();
      expect(await r.call("client", "kill", "addr", v.addr, "user", "someone-else")).toBe(0);
      expect(await r.call("client", "kill", "addr", v.addr, "laddr", `127.0.0.1:${srv.port}`, "type", "normal")).toBe(1);
      await sleep(50);
      expect(v.conn.closed()).toBe(true);
      v = await victim();
      expect(await r.call("client", "kill", "id", v.id, "maxage", 1000)).toBe(0);
      await sleep(1100);
      expect(await r.call("client", "kill", "id", v.id, "maxage", 1)).toBe(1);
      // SKIPME yes (the default) spares the caller; SKIPME no kills it after the reply.
      const selfId = (await r.call("client", "id")) as number;
      expect(await r.call("client", "kill", "id", selfId)).toBe(0);
      const conn = await rawConnect(srv.port);
      conn.send("CLIENT KILL SKIPME no USER nobody\r\nCLIENT ID\r\n");
      expect(await conn.read(100)).toMatch(/^:0\r\n:\d+\r\n$/);
      conn.send("CLIENT INFO\r\n");
      const me = fieldsOf((await conn.read(100)).split("\r\n")[1]);
      conn.send(`CLIENT KILL ID ${me.get("id")} SKIPME no\r\nPING\r\n`);
      expect(await conn.read(100)).toBe(":1\r\n");
      expect(conn.closed()).toBe(true);
    });

    test("PAUSE WRITE holds writes but not reads; UNPAUSE releases them in order", async () => {
      const admin = srv.client();
      const writer = srv.client();
      await writer.set("pause:k", "0");
      expect(await admin.call("client", "pause", 10000, "write")).toBe("OK");
      let written = false;
      const pending = writer.set("pause:k", "1").then(() => (written = true));
      // The writer's later commands wait behind its held write; other clients' reads go on.
      const writerRead = writer.get("pause:k");
      expect(await admin.get("pause:k")).toBe("0");
      await sleep(100);
      expect(written).toBe(false);
      expect(await admin.call("client", "unpause")).toBe("OK");
      await pending;
      expect(await writerRead).toBe("1");
    });

    test("PAUSE ALL holds every command until the timeout", async () => {
      const admin = srv.client();
      const r = srv.client();
      await r.ping();
      const start = Date.now();
      expect(await admin.call("client", "pause", 300)).toBe("OK");
      expect(await r.ping()).toBe("PONG");
      expect(Date.now() - start).toBeGreaterThanOrEqual(250);
    });

    test("REPLY OFF, SKIP and ON", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("CLIENT REPLY OFF\r\nSET reply:k 1\r\nGET reply:k\r\nCLIENT REPLY ON\r\nGET reply:k\r\n");
      expect(await conn.read(100)).toBe("+OK\r\n$1\r\n1\r\n");
      conn.send("CLIENT REPLY SKIP\r\nGET reply:k\r\nECHO x\r\n");
      expect(await conn.read(100)).toBe("$1\r\nx\r\n");
      conn.send("CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nPING\r\nCLIENT REPLY ON\r\n");
      expect(await conn.read(100)).toBe("+OK\r\n");
      conn.close();
    });

    test("NO-EVICT and NO-TOUCH show as flags", async () => {
      const r = srv.client();
      expect(await r.call("client", "no-evict", "on")).toBe("OK");
      expect(await r.call("client", "no-touch", "ON")).toBe("OK");
      expect(fieldsOf((await r.call("client", "info")) as string).get("flags")).toBe("eT");
      expect(await r.call("client", "no-evict", "off")).toBe("OK");
      expect(await r.call("client", "no-touch", "off")).toBe("OK");
      expect(await reply(r, "client", "no-touch", "maybe")).toBe("ERR:ERR syntax error");
      expect(fieldsOf((await r.call("client", "info")) as string).get("flags")).toBe("N");
    });

    test("UNBLOCK answers 0 for a client that is not blocked", async () => {
      const r = srv.client();
      const other = (await srv.client().call("client", "id")) as number;
      expect(await r.call("client", "unblock", other)).toBe(0);
      expect(await r.call("client", "unblock", other, "error")).toBe(0);
    });

    test("MONITOR clients show flag O", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("MONITOR\r\n");
      await conn.read(50);
      const list = (await srv.client().call("client", "list")) as string;
      expect(list.split("\n").some((l) => fieldsOf(l).get("flags") === "O")).toBe(true);
      conn.close();
    });
  });
}
