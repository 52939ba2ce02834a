import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Redis from "ioredis";
import { startAikv, type RunningServer } from "../../helpers/server.ts";
import { mountTinyTmpfs, unmountTinyTmpfs } from "./tiny-disk.ts";

// Operating the lsm engine: SAVE/BGSAVE checkpoints, appendfsync at runtime,
// -MISCONF after a disk failure.

async function persistenceInfo(r: Redis): Promise<Record<string, string>> {
  const text = await r.info("persistence");
  return Object.fromEntries(text.split("\r\n").filter((l) => l.includes(":")).map((l) => l.split(":") as [string, string]));
}

async function bgsaveDone(r: Redis): Promise<Record<string, string>> {
  for (;;) {
    const info = await persistenceInfo(r);
    if (info.rdb_bgsave_in_progress === "0") return info;
    await Bun.sleep(20);
  }
}

describe("lsm engine operations", () => {
  let srv: RunningServer;
  let r: Redis;
  beforeAll(async () => {
    srv = await startAikv(["--engine", "lsm", "--appendfsync", "always"]);
    r = srv.client();
  }, 30_000);
  afterAll(async () => {
    await srv.stop();
  });

  test("SAVE and BGSAVE make a checkpoint under <dir>/checkpoints that opens as a data directory; LASTSAVE and INFO follow", async () => {
    await r.set("k", "v");
    await r.hset("h", "f", "1");
    await r.sadd("s", "a", "b");
    const before = await r.lastsave();
    await Bun.sleep(1000); // LASTSAVE has a one-second resolution
    expect(await r.save()).toBe("OK");
    expect(await r.lastsave()).toBeGreaterThan(before);
    const root = join(srv.dir, "checkpoints");
    const [first] = readdirSync(root);
    expect(existsSync(join(root, first, "CURRENT"))).toBe(true);
    await r.set("after-save", "x");
    // Pipelined: the second BGSAVE finds the first one running.
    const replies = await r.pipeline().bgsave().bgsave().call("bgsave", "schedule").exec();
    expect(replies!.map(([e, v]) => (e ? e.message : v))).toEqual([
      "Background saving started",
      "ERR Background save already in progress",
      "Background saving scheduled",
    ]);
    let info = await bgsaveDone(r);
    await Bun.sleep(50);
    info = await bgsaveDone(r); // the scheduled one
    expect(info.rdb_last_bgsave_status).toBe("ok");
    expect(Number(info.rdb_saves)).toBe(3);
    expect(info.rdb_changes_since_last_save).toBe("0");
    const checkpoints = readdirSync(root);
    expect(checkpoints.length).toBe(1); // older ones are removed
    // The checkpoint is a complete data directory.
    const copy = mkdtempSync(join(tmpdir(), "aikv-checkpoint-"));
    cpSync(join(root, checkpoints[0]), copy, { recursive: true });
    const restored = await startAikv(["--engine", "lsm"], { dir: copy });
    try {
      const c = restored.client();
      expect(await c.get("k")).toBe("v");
      expect(await c.get("after-save")).toBe("x");
      expect(await c.hgetall("h")).toEqual({ f: "1" });
      expect((await c.smembers("s")).sort()).toEqual(["a", "b"]);
    } finally {
      await restored.stop();
      rmSync(copy, { recursive: true, force: true });
    }
  }, 30_000);

  test("CONFIG SET appendfsync switches the WAL policy at runtime", async () => {
    for (const policy of ["no", "everysec", "always"]) {
      expect(await r.config("SET", "appendfsync", policy)).toBe("OK");
      expect(await r.config("GET", "appendfsync")).toEqual(["appendfsync", policy]);
      expect(await r.incr("policy-writes")).toBeGreaterThan(0);
    }
    // Under always, what was acknowledged is on disk when the server dies right after.
    for (let i = 0; i < 20; i++) await r.set(`durable:${i}`, String(i));
    srv.proc.kill("SIGKILL");
    await srv.proc.exited;
    const again = await startAikv(["--engine", "lsm"], { dir: srv.dir });
    try {
      const c = again.client();
      expect(await c.get("durable:19")).toBe("19");
      expect(await c.get("policy-writes")).toBe("3");
    } finally {
      await again.stop();
    }
  }, 30_000);
});

test("start-up logs the WAL replay and the keys loaded; a corrupt WAL stops it, naming the file and what to do", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aikv-recovery-"));
  const lsm = ["--engine", "lsm", "--appendfsync", "always"];
  try {
    const first = await startAikv(lsm, { dir });
    const value = "v".repeat(100);
    await first.client().mset(...Array.from({ length: 200 }, (_, i) => [`k${i}`, value]).flat());
    await first.stop(); // SIGKILL: the WAL is all there is
    const second = await startAikv(lsm, { dir });
    expect(second.output()).toMatch(/Replaying write-ahead log \d+\.log \(\d+ bytes\)/);
    expect(second.output()).toMatch(/Write-ahead log replayed: \d+ records from \d+\.log/);
    expect(second.output()).toContain("DB loaded from disk: 200 keys");
    for (let i = 0; i < 50; i++) await second.client().set(`later${i}`, value);
    await second.stop();
    const wal = readdirSync(dir).filter((f) => f.endsWith(".log") && statSync(join(dir, f)).size > 0)[0];
    const bytes = readFileSync(join(dir, wal));
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(join(dir, wal), bytes);
    const failed = await startAikv(lsm, { dir }).then(
      (s) => s.stop().then(() => `started: ${s.output()}`),
      (e: Error) => e.message,
    );
    expect(failed).toContain(`${join(dir, wal)} is corrupt`);
    expect(failed).toContain(`move ${wal} out of ${dir} to start without the writes it holds`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test("the memory engine has nothing to save", async () => {
  const srv = await startAikv(["--engine", "memory"]);
  try {
    await expect(srv.client().save()).rejects.toThrow("ERR The memory engine keeps no data on disk");
  } finally {
    await srv.stop();
  }
}, 30_000);

const tinyDisk = mountTinyTmpfs("640k");

describe.skipIf(tinyDisk === null)("lsm engine on a full disk", () => {
  afterAll(() => unmountTinyTmpfs(tinyDisk!));

  test("a failed WAL write: that write is not acknowledged, later writes and PING get -MISCONF, reads go on", async () => {
    const dir = join(tinyDisk!, "data");
    mkdirSync(dir);
    const srv = await startAikv(["--engine", "lsm", "--appendfsync", "always"], { dir });
    try {
      const r = srv.client();
      await r.set("before", "ok");
      const big = "x".repeat(32 * 1024);
      let acknowledged = 0;
      let failure = "";
      for (let i = 0; i < 100 && failure === ""; i++) {
        try {
          await r.set(`big:${i}`, big);
          acknowledged++;
        } catch (e) {
          failure = (e as Error).message;
        }
      }
      expect(failure).not.toBe(""); // the disk filled up (the connection closed without a reply)
      const c = srv.client();
      await expect(c.set("after", "v")).rejects.toThrow("MISCONF Errors writing to the AOF file: No space left on device");
      await expect(c.ping()).rejects.toThrow("MISCONF Errors writing to the AOF file: No space left on device");
      expect(await c.get("before")).toBe("ok");
      expect(await c.strlen(`big:${acknowledged - 1}`)).toBe(big.length);
      expect((await persistenceInfo(c)).aof_last_write_status).toBe("err");
    } finally {
      await srv.stop();
    }
  }, 30_000);
});
