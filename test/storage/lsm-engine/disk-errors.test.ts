import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type Redis from "ioredis";
import { startAikv } from "../../helpers/server.ts";
import { mountTinyTmpfs, unmountTinyTmpfs } from "./tiny-disk.ts";

// Recovering from a full disk: -MISCONF while writes fail, then, once space
// is back, the engine's retry clears it (as Redis clears a failed AOF write),
// and nothing acknowledged is lost, before or after a restart.

/** Fills the file system of `path` with one file, returns its path. */
function fillDisk(path: string): void {
  const fd = openSync(path, "w");
  const chunk = new Uint8Array(16 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
}

async function writeStatus(r: Redis): Promise<string | undefined> {
  return /aof_last_write_status:(\w+)/.exec(await r.info("persistence"))?.[1];
}

const tinyDisk = mountTinyTmpfs("4m");

describe.skipIf(tinyDisk === null)("lsm engine after a full disk", () => {
  afterAll(() => unmountTinyTmpfs(tinyDisk!));

  test("writes get -MISCONF until space is back, then are accepted again; acknowledged writes survive a restart", async () => {
    const dir = join(tinyDisk!, "data");
    mkdirSync(dir);
    const lsm = ["--engine", "lsm", "--appendfsync", "always"];
    const srv = await startAikv(lsm, { dir });
    const filler = join(tinyDisk!, "filler");
    const value = "x".repeat(8 * 1024);
    const acknowledged: string[] = [];
    try {
      const r = srv.client();
      await r.rpush("list", "a", "b");
      fillDisk(filler);
      let failure = "";
      for (let i = 0; i < 400 && failure === ""; i++) {
        try {
          await r.set(`k:${i}`, value);
          acknowledged.push(`k:${i}`);
        } catch (e) {
          failure = (e as Error).message; // the write that failed is never acknowledged
        }
      }
      expect(failure).not.toBe("");
      const c = srv.client();
      await expect(c.set("during", "v")).rejects.toThrow("MISCONF Errors writing to the AOF file: No space left on device");
      expect(await c.lrange("list", 0, -1)).toEqual(["a", "b"]);
      expect(await writeStatus(c)).toBe("err");

      rmSync(filler);
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          await c.rpush("list", "c");
          break;
        } catch (e) {
          expect((e as Error).message).toContain("MISCONF");
          if (Date.now() > deadline) throw e;
          await Bun.sleep(100);
        }
      }
      expect(await writeStatus(c)).toBe("ok");
      expect(await c.set("after", "v")).toBe("OK");
      expect(srv.output()).toContain("Error writing to the data directory: No space left on device");
      expect(srv.output()).toContain("Disk write error looks solved, AiKv can write again");
    } finally {
      await srv.stop(); // SIGKILL
    }
    const again = await startAikv(lsm, { dir });
    try {
      const c = again.client();
      expect(await c.lrange("list", 0, -1)).toEqual(["a", "b", "c"]);
      expect(await c.get("after")).toBe("v");
      expect(await c.get("during")).toBeNull();
      for (const key of acknowledged) expect(await c.strlen(key)).toBe(value.length);
    } finally {
      await again.stop();
    }
  }, 60_000);
});
