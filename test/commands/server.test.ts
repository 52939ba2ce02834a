import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import { Config } from "../../src/config/config.ts";
import { addInfoFields, registerInfoSection, renderInfo } from "../../src/observability/info.ts";
import { formatMonitorLine, quoteRepr } from "../../src/observability/monitor.ts";
import { Server } from "../../src/server.ts";
import { ENGINES, hasRedisServer, rawConnect, startAikv, startRedis, type RunningServer } from "../helpers/server.ts";

/** "# Title" -> { field: value } for every section of an INFO text. */
function parseInfo(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    if (line.startsWith("# ")) sections.set(line.slice(2), (current = new Map()));
    else if (line !== "") current.set(line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1));
  }
  return sections;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("INFO registry: extra sections and in-place field replacement", () => {
  const server = new Server(new Config());
  registerInfoSection("testsection", () => [["alpha", 1], ["beta", "two"]], { inDefault: false });
  addInfoFields("testsection", () => [["alpha", 42], ["gamma", 3]]);
  addInfoFields("clients", () => [["blocked_clients", 7]]);
  expect(renderInfo(server, ["testsection"])).toBe("# Testsection\r\nalpha:42\r\nbeta:two\r\ngamma:3\r\n");
  expect(renderInfo(server, [])).not.toContain("# Testsection");
  expect(renderInfo(server, ["everything"])).toContain("# Testsection");
  const clients = parseInfo(renderInfo(server, ["clients"])).get("Clients")!;
  const names = [...clients.keys()];
  // Replaced in place: still right after maxclients' neighbours, as Redis orders it.
  expect(names.indexOf("blocked_clients")).toBe(5);
  expect(clients.get("blocked_clients")).toBe("7");
});

test("MONITOR line formatting escapes like sdscatrepr", () => {
  const arg = Uint8Array.from([0x61, 0x22, 0x5c, 0x0a, 0x0d, 0x09, 0x07, 0x08, 0x01, 0xff, 0x20]);
  expect(quoteRepr(arg)).toBe('"a\\"\\\\\\n\\r\\t\\a\\b\\x01\\xff "');
  expect(formatMonitorLine(1700000000000123, 3, "127.0.0.1:5555", [new TextEncoder().encode("GET")])).toBe(
    '1700000000.000123 [3 127.0.0.1:5555] "GET"',
  );
});

for (const engine of ENGINES) {
  describe(`server commands (${engine})`, () => {
    let srv: RunningServer;
    let redis: RunningServer | null = null;
    beforeAll(async () => {
      [srv, redis] = await Promise.all([
        startAikv(["--engine", engine, "--slowlog-log-slower-than", "0", "--slowlog-max-len", "5", "--enable-debug-command", "local"]),
        hasRedisServer() ? startRedis(["--slowlog-log-slower-than", "0", "--slowlog-max-len", "5"]) : null,
      ]);
    });
    afterAll(async () => {
      await Promise.all([srv.stop(), redis?.stop()]);
    });

    test("ioredis connects with its INFO ready check", async () => {
      const r = srv.client({ enableReadyCheck: true });
      await new Promise<void>((resolve, reject) => {
        r.once("ready", resolve);
        r.once("error", reject);
      });
      expect(await r.ping()).toBe("PONG");
    });

    test("INFO default, sections, multiple names, all and unknown names", async () => {
      const r = srv.client();
      const all = parseInfo(await r.info());
      expect([...all.keys()]).toEqual(["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"]);
      const server = all.get("Server")!;
      expect(server.get("redis_version")).toBe("7.0.15");
      expect(server.get("aikv_version")).toMatch(/^\d+\.\d+\.\d+$/);
      expect(server.get("tcp_port")).toBe(String(srv.port));
      expect(Number(server.get("process_id"))).toBe(srv.proc.pid);
      expect(all.get("Replication")!.get("role")).toBe("master");
      expect(all.get("Replication")!.get("connected_slaves")).toBe("0");
      expect(Number(all.get("Memory")!.get("used_memory"))).toBeGreaterThan(0);
      expect(Number(all.get("Clients")!.get("connected_clients"))).toBeGreaterThanOrEqual(1);
      const two = parseInfo(await r.call("info", "SERVER", "clients", "nosuch") as string);
      expect([...two.keys()]).toEqual(["Server", "Clients"]);
      expect(await r.call("info", "nosuch")).toBe("");
      const everything = parseInfo(await r.info("all"));
      expect(everything.has("Commandstats")).toBe(true);
      const withDefault = parseInfo(await r.call("info", "default", "commandstats") as string);
      expect(withDefault.has("Commandstats") && withDefault.has("Keyspace")).toBe(true);
    });

    test("INFO field names match redis-server's for every shared section", async () => {
      if (!redis) return;
      const ours = parseInfo(await srv.client().info("everything"));
      const theirs = parseInfo(await redis.client().info("everything"));
      for (const section of ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU"]) {
        const missing = [...theirs.get(section)!.keys()].filter((k) => !ours.get(section)!.has(k));
        expect({ section, missing }).toEqual({ section, missing: [] });
      }
    });

    test("INFO stats, commandstats, errorstats and keyspace follow activity", async () => {
      const r = srv.client();
      await r.set("info:a", "1");
      await r.set("info:b", "2", "EX", 1000);
      await r.get("info:a");
      await r.get("info:nokey");
      await r.call("client", "id");
      await r.call("nosuchcommand").catch(() => {});
      await r.call("get").catch(() => {});
      const info = parseInfo(await r.info("everything"));
      const stats = info.get("Stats")!;
      expect(Number(stats.get("keyspace_hits"))).toBeGreaterThanOrEqual(1);
      expect(Number(stats.get("keyspace_misses"))).toBeGreaterThanOrEqual(1);
      expect(Number(stats.get("total_commands_processed"))).toBeGreaterThan(4);
      expect(Number(stats.get("total_error_replies"))).toBeGreaterThanOrEqual(2);
      const cmdstats = info.get("Commandstats")!;
      expect(cmdstats.get("cmdstat_set")).toMatch(/^calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/);
      expect(cmdstats.get("cmdstat_client|id")).toMatch(/^calls=1,/);
      expect(cmdstats.get("cmdstat_get")).toMatch(/rejected_calls=1,/);
      expect(info.get("Errorstats")!.get("errorstat_ERR")).toMatch(/^count=\d+$/);
      expect(info.get("Keyspace")!.get("db0")).toMatch(/^keys=\d+,expires=1,avg_ttl=\d+$/);
      const avgTtl = Number(/avg_ttl=(\d+)/.exec(info.get("Keyspace")!.get("db0")!)![1]);
      expect(avgTtl).toBeGreaterThan(990_000);
      expect(avgTtl).toBeLessThanOrEqual(1_000_000);
    });

    test("instantaneous_ops_per_sec is sampled by the cron", async () => {
      const r = srv.client();
      const until = Date.now() + 400;
      while (Date.now() < until) await Promise.all(Array.from({ length: 50 }, () => r.ping()));
      const ops = Number(parseInfo(await r.info("stats")).get("Stats")!.get("instantaneous_ops_per_sec"));
      expect(ops).toBeGreaterThan(0);
    });

    test("INFO is a verbatim string in RESP3", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("HELLO 3\r\n");
      await conn.readReplies(1);
      conn.send("INFO cluster\r\n");
      expect(await conn.readReplies(1)).toBe("=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
      conn.close();
    });

    test("TIME and LASTSAVE", async () => {
      const r = srv.client();
      const [sec, usec] = (await r.time()) as unknown as string[];
      expect(Math.abs(Number(sec) - Date.now() / 1000)).toBeLessThan(2);
      expect(Number(usec)).toBeLessThan(1_000_000);
      const last = await r.lastsave();
      expect(last).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
      expect(last).toBeGreaterThan(Math.floor(Date.now() / 1000) - 120);
    });

    test("SLOWLOG entries, trimming of long and many arguments, LEN, RESET, GET counts", async () => {
      const servers = redis ? [srv, redis] : [srv];
      const results = await Promise.all(
        servers.map(async (s) => {
          const r = s.client();
          await r.call("client", "setname", "slowpoke");
          await r.call("slowlog", "reset");
          await r.set("slow:k", "x".repeat(200));
          await r.call("mset", ...Array.from({ length: 40 }, (_, i) => `a${i}`));
          const entries = (await r.call("slowlog", "get")) as [number, number, number, string[], string, string][];
          const len = await r.call("slowlog", "len");
          const one = (await r.call("slowlog", "get", 1)) as unknown[];
          const all = (await r.call("slowlog", "get", -1)) as unknown[];
          const err = await r.call("slowlog", "get", -2).catch((e: Error) => e.message);
          await r.call("slowlog", "reset");
          // SLOWLOG RESET itself is logged after the reset.
          const afterReset = (await r.call("slowlog", "get")) as unknown[][];
          return { entries, len, one: one.length, all: all.length, err, afterReset: afterReset.map((e) => e[3]) };
        }),
      );
      const ours = results[0];
      const [mset, set] = ours.entries;
      expect(mset[3].length).toBe(32);
      expect(mset[3][31]).toBe("... (10 more arguments)");
      expect(set[3]).toEqual(["set", "slow:k", "x".repeat(128) + "... (72 more bytes)"]);
      expect(set[5]).toBe("slowpoke");
      expect(set[4]).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(mset[0]).toBeGreaterThan(set[0]);
      expect(ours.len).toBe(4);
      expect(ours.one).toBe(1);
      expect(ours.all).toBe(5);
      expect(ours.err).toBe("ERR count should be greater than or equal to -1");
      if (redis) {
        const theirs = results[1];
        expect(ours.entries.map((e) => e[3])).toEqual(theirs.entries.map((e) => e[3]));
        expect({ ...ours, entries: null }).toEqual({ ...theirs, entries: null });
      }
    });

    test("MONITOR streams commands in Redis's format, skipping admin commands", async () => {
      const conn = await rawConnect(srv.port);
      conn.send("MONITOR\r\n");
      expect(await conn.readReplies(1)).toBe("+OK\r\n");
      const r = await rawConnect(srv.port);
      r.send(Buffer.from('SELECT 2\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na"\n\xff\r\nCONFIG GET maxclients\r\nSLOWLOG LEN\r\nSELECT 0\r\n', "latin1"));
      await r.readReplies(5);
      r.close();
      // Replies wait for their count (a loaded machine outlasts fixed reads); the admin commands' lines never come.
      const lines = (await conn.readReplies(3)).split("\r\n").filter((l) => l !== "");
      const port = /:(\d+)\]/.exec(lines[0])![1];
      // Like Redis: the db shown is the one after the command ran; CONFIG and SLOWLOG (admin) are hidden.
      expect(lines.map((l) => l.replace(/^\+\d+\.\d{6} /, ""))).toEqual([
        `[2 127.0.0.1:${port}] "SELECT" "2"`,
        `[2 127.0.0.1:${port}] "SET" "k" "a\\"\\n\\xff"`,
        `[0 127.0.0.1:${port}] "SELECT" "0"`,
      ]);
      const stamp = Number(/^\+(\d+\.\d{6}) /.exec(lines[0])![1]);
      expect(Math.abs(stamp - Date.now() / 1000)).toBeLessThan(5);
      conn.send("GET k\r\nPING\r\n");
      expect(await conn.readReplies(3)).toMatch(/^-ERR Replica can't interact with the keyspace\r\n\+PONG\r\n\+\d+\.\d+ \[0 127\.0\.0\.1:\d+\] "PING"\r\n$/);
      // The monitor's own MULTI/EXEC: nested lines follow the EXEC reply, as in Redis.
      conn.send("MULTI\r\nPING\r\nEXEC\r\n");
      const own = (await conn.readReplies(6)).replace(/\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] /g, "+");
      expect(own).toBe('+OK\r\n+"MULTI"\r\n+QUEUED\r\n*1\r\n+PONG\r\n+"PING"\r\n+"EXEC"\r\n');
      conn.send("RESET\r\n");
      expect(await conn.readReplies(1)).toBe("+RESET\r\n");
      await srv.client().ping();
      expect(await conn.read(100)).toBe("");
      conn.close();
    });

    test("MEMORY USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP", async () => {
      const r = srv.client();
      await r.set("mem:k", "x".repeat(1000));
      expect(Number(await r.call("memory", "usage", "mem:k"))).toBeGreaterThanOrEqual(1000);
      expect(await r.call("memory", "usage", "mem:k", "samples", "0")).toBeGreaterThanOrEqual(1000);
      expect(await r.call("memory", "usage", "mem:nokey")).toBeNull();
      await expect(r.call("memory", "usage", "mem:k", "samples")).rejects.toThrow("ERR syntax error");
      await expect(r.call("memory", "usage", "mem:k", "samples", "x")).rejects.toThrow("ERR value is not an integer or out of range");
      const stats = (await r.call("memory", "stats")) as unknown[];
      const fields = new Map<string, unknown>();
      for (let i = 0; i < stats.length; i += 2) fields.set(stats[i] as string, stats[i + 1]);
      expect(Number(fields.get("keys.count"))).toBeGreaterThanOrEqual(1);
      expect(fields.get("db.0")).toEqual(["overhead.hashtable.main", 0, "overhead.hashtable.expires", 0, "overhead.hashtable.slot-to-keys", 0]);
      expect(fields.has("fragmentation")).toBe(true);
      expect(await r.call("memory", "doctor")).toContain("Sam");
      expect(await r.call("memory", "malloc-stats")).toBeString();
      expect(await r.call("memory", "purge")).toBe("OK");
      if (redis) expect(await r.call("memory", "help")).toEqual(await redis.client().call("memory", "help"));
    });

    test("DEBUG SLEEP, SET-ACTIVE-EXPIRE, OBJECT, and errors for the rest", async () => {
      const r = srv.client({ db: 7 });
      const start = Date.now();
      expect(await r.call("debug", "sleep", "0.1")).toBe("OK");
      expect(Date.now() - start).toBeGreaterThanOrEqual(95);
      expect(await r.call("debug", "sleep", "x")).toBe("OK");
      expect(await r.call("debug", "set-active-expire", "0")).toBe("OK");
      await r.set("dbg:k", "v", "PX", 20);
      await sleep(250);
      expect(parseInfo(await r.info("keyspace")).get("Keyspace")!.get("db7")).toMatch(/^keys=1,expires=1,/);
      expect(await r.call("debug", "set-active-expire", "1")).toBe("OK");
      await r.set("dbg:n", "12345");
      expect(await r.call("debug", "object", "dbg:n")).toMatch(/^Value at:0x[0-9a-f]+ refcount:1 encoding:int serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+$/);
      await expect(r.call("debug", "object", "dbg:nokey")).rejects.toThrow("ERR no such key");
      await expect(r.call("debug", "jmap")).rejects.toThrow("ERR unknown subcommand or wrong number of arguments for 'jmap'. Try DEBUG HELP.");
      await expect(r.call("debug", "reload")).rejects.toThrow("ERR DEBUG RELOAD is not supported by AiKv");
      await expect(r.call("debug", "error", "MYERR custom")).rejects.toThrow("MYERR custom");
      expect(((await r.call("debug", "help")) as string[])[0]).toBe("DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    });

    test("SHUTDOWN argument errors match redis-server", async () => {
      const cases = [["foo"], ["abort"], ["nosave", "save"], ["abort", "now"]];
      const ours = await Promise.all(cases.map((a) => srv.client().call("shutdown", ...a).catch((e: Error) => e.message)));
      expect(ours).toEqual(["ERR syntax error", "ERR No shutdown in progress.", "ERR syntax error", "ERR syntax error"]);
      if (redis) {
        const theirs = await Promise.all(cases.map((a) => redis!.client().call("shutdown", ...a).catch((e: Error) => e.message)));
        expect(ours).toEqual(theirs);
      }
    });
  });
}

test("DEBUG is refused by default; SHUTDOWN NOSAVE exits the process cleanly", async () => {
  const srv = await startAikv();
  await expect(srv.client().call("debug", "sleep", "0")).rejects.toThrow(
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
  );
  const conn = await rawConnect(srv.port);
  conn.send("SHUTDOWN NOSAVE\r\n");
  expect(await srv.proc.exited).toBe(0);
  expect(conn.closed()).toBe(true);
  await srv.stop();
});

// Keep the import used when ENGINES is empty.
void Redis;
