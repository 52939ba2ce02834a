// CONFIG GET/SET/RESETSTAT/REWRITE against a running AiKv: reply shapes,
// settings that take effect at once, and config file rewriting.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rawConnect, startAikv, type RunningServer } from "../helpers/server.ts";

const tmp = mkdtempSync(join(tmpdir(), "aikv-config-"));
const CONF = join(tmp, "aikv.conf");
const ORIGINAL = `# AiKv configuration for the CONFIG REWRITE test

# Memory
maxmemory 100mb
maxmemory-policy noeviction

slave-read-only no
save 900 1
save 300 10
requirepass ""
# the end
`;

function info(text: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)\\r?$`, "m").exec(text)?.[1];
}

/** Waits until the server closes the connection, up to `ms`. */
async function closesWithin(conn: { closed(): boolean }, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline && !conn.closed(); ) await Bun.sleep(20);
  return conn.closed();
}

describe("CONFIG", () => {
  let srv: RunningServer;
  beforeAll(async () => {
    writeFileSync(CONF, ORIGINAL);
    srv = await startAikv(["--maxmemory-clients", "10%", "--enable-protected-configs", "local"], { configFile: CONF });
  });
  afterAll(async () => {
    await srv.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test("start-up warns about parameters that are set but have no effect", () => {
    expect(srv.output()).toContain("no effect in AiKv: maxmemory, maxmemory-clients, replica-read-only");
  });

  test("CONFIG GET replies a map in RESP3 and a flat array in RESP2", async () => {
    const conn = await rawConnect(srv.port);
    conn.send("CONFIG GET hz\r\n");
    expect(await conn.read(300)).toBe("*2\r\n$2\r\nhz\r\n$2\r\n10\r\n");
    conn.send("HELLO 3\r\n");
    await conn.read(300);
    conn.send("CONFIG GET maxmemory maxmemory-clients nosuch\r\n");
    expect(await conn.read(300)).toBe("%2\r\n$9\r\nmaxmemory\r\n$9\r\n104857600\r\n$17\r\nmaxmemory-clients\r\n$3\r\n10%\r\n");
    conn.close();
  });

  test("CONFIG SET changes several parameters atomically", async () => {
    const r = srv.client();
    await expect(r.call("config", "set", "hz", "50", "maxmemory", "2mb", "timeout", "-1")).rejects.toThrow(
      "CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive",
    );
    expect(await r.call("config", "get", "hz", "maxmemory")).toEqual(["hz", "10", "maxmemory", "104857600"]);
    expect(await r.call("config", "set", "hz", "50", "maxmemory", "2mb")).toBe("OK");
    expect(await r.call("config", "get", "hz", "maxmemory")).toEqual(["hz", "50", "maxmemory", "2097152"]);
    await expect(r.call("config", "set", "port", "1")).rejects.toThrow("can't set immutable config");
    await expect(r.call("config", "set", "nosuch", "1")).rejects.toThrow("Unknown option or number of arguments for CONFIG SET - 'nosuch'");
    // Protected parameters: allowed here because enable-protected-configs is "local" and the client is.
    expect(await r.call("config", "set", "dbfilename", "other.rdb")).toBe("OK");
    await expect(r.call("config", "set", "dbfilename", "dir/x.rdb")).rejects.toThrow("dbfilename can't be a path, just a filename");
    await r.call("config", "set", "dbfilename", "dump.rdb");
  });

  test("protocol limits change for connected clients at once", async () => {
    const r = srv.client();
    const conn = await rawConnect(srv.port);
    conn.send("PING\r\n");
    expect(await conn.read(300)).toBe("+PONG\r\n");
    await r.call("config", "set", "proto-max-bulk-len", "1mb");
    conn.send(`*2\r\n$4\r\nECHO\r\n$${2 * 1024 * 1024}\r\n`);
    expect(await conn.read(300)).toBe("-ERR Protocol error: invalid bulk length\r\n");
    await r.call("config", "set", "proto-max-bulk-len", "512mb", "client-query-buffer-limit", "1mb");
    const big = await rawConnect(srv.port);
    big.send("x".repeat(1024 * 1024 + 10));
    expect(await closesWithin(big, 3000)).toBe(true);
    await r.call("config", "set", "client-query-buffer-limit", "1gb");
  });

  test("maxclients, requirepass and timeout apply to the next connections and idle clients", async () => {
    const r = srv.client();
    const connected = Number(info((await r.call("info", "clients")) as string, "connected_clients"));
    await r.call("config", "set", "maxclients", String(connected));
    const rejected = await rawConnect(srv.port);
    expect(await rejected.read(300)).toBe("-ERR max number of clients reached\r\n");
    await r.call("config", "set", "maxclients", "10000", "requirepass", "s3cret");
    const locked = await rawConnect(srv.port);
    locked.send("GET k\r\nAUTH s3cret\r\nGET k\r\n");
    expect(await locked.read(300)).toBe("-NOAUTH Authentication required.\r\n+OK\r\n$-1\r\n");
    expect(await r.ping()).toBe("PONG"); // already authenticated before the change
    await r.call("config", "set", "requirepass", "", "hz", "100", "timeout", "1");
    const idle = await rawConnect(srv.port);
    expect(await closesWithin(idle, 3000)).toBe(true);
    // r has been idle as long as `idle` and may be closed in the same cron pass, or its next one: a new client.
    await srv.client().call("config", "set", "timeout", "0", "hz", "10");
  });

  test("hz restarts the cron: keys expire actively at the new rate", async () => {
    const r = srv.client();
    await r.call("config", "set", "hz", "500");
    await r.set("short", "v", "PX", 30);
    await Bun.sleep(150);
    expect(await r.dbsize()).toBe(0);
    await r.call("config", "set", "hz", "10");
  });

  test("CONFIG RESETSTAT resets server, command, error and keyspace statistics", async () => {
    const r = srv.client();
    await r.get("nosuchkey");
    await r.call("nosuchcommand").catch(() => {});
    expect(Number(info((await r.call("info", "stats")) as string, "keyspace_misses"))).toBeGreaterThan(0);
    expect(await r.call("config", "resetstat")).toBe("OK");
    const stats = (await r.call("info", "stats")) as string;
    expect(info(stats, "keyspace_misses")).toBe("0");
    expect(info(stats, "total_error_replies")).toBe("0");
    expect(Number(info(stats, "total_commands_processed"))).toBeLessThanOrEqual(2);
    expect((await r.call("info", "errorstats")) as string).not.toContain("errorstat_");
    expect((await r.call("info", "commandstats")) as string).not.toContain("cmdstat_get");
  });

  test("CONFIG REWRITE updates lines in place, appends the rest and keeps comments", async () => {
    const r = srv.client();
    appendFileSync(CONF, "no-longer-known 1\n");
    await r.call("config", "set", "maxmemory", "1gb", "maxmemory-policy", "allkeys-lru", "save", "60 100");
    await r.call("config", "set", "notify-keyspace-events", "Ex", "client-output-buffer-limit", "pubsub 64mb 16mb 30", "replica-read-only", "yes");
    await r.call("config", "set", "maxmemory-clients", "0", "hz", "10");
    expect(await r.call("config", "rewrite")).toBe("OK");
    expect(readFileSync(CONF, "latin1")).toBe(`# AiKv configuration for the CONFIG REWRITE test

# Memory
maxmemory 1gb
maxmemory-policy allkeys-lru

replica-read-only yes
save 60 100

# the end
# ??? no-longer-known 1
# Generated by CONFIG REWRITE
dir "${srv.dir}"
client-output-buffer-limit pubsub 64mb 16mb 30
enable-protected-configs local
notify-keyspace-events "xE"
port 0
`);
    // A second rewrite with nothing changed is stable.
    await r.call("config", "rewrite");
    expect(readFileSync(CONF, "latin1")).toContain("# Generated by CONFIG REWRITE\ndir");
    expect(readFileSync(CONF, "latin1").match(/Generated by CONFIG REWRITE/g)?.length).toBe(1);
  });

  test("CONFIG REWRITE reports file system errors", async () => {
    rmSync(CONF);
    mkdirSync(CONF);
    await expect(srv.client().call("config", "rewrite")).rejects.toThrow("ERR Rewriting config file: Is a directory");
    rmSync(CONF, { recursive: true });
  });

  test("CONFIG REWRITE without a config file", async () => {
    const plain = await startAikv();
    try {
      await expect(plain.client().call("config", "rewrite")).rejects.toThrow("ERR The server is running without a config file");
    } finally {
      await plain.stop();
    }
  });
});
