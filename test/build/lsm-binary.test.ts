// The LSM engine inside the compiled executable: its compaction worker and
// the reclaim filter the worker loads are entry points of dist/aikv (they are
// loaded by path at run time, see src/util/runtime-module.ts), so a
// compaction that drops a deleted hash's fields works without the sources.

import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary } from "../helpers/binary.ts";
import { startAikv } from "../helpers/server.ts";

function infoField(info: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, "m").exec(info);
  if (m === null) throw new Error(`INFO has no ${name}`);
  return Number(m[1]);
}

test("dist/aikv --engine lsm compacts with the reclaim filter and keeps data across a restart", async () => {
  expect(await ensureBinary()).toBe("");
  const dir = mkdtempSync(join(tmpdir(), "aikv-binary-lsm-"));
  try {
    let srv = await startAikv(["--engine", "lsm", "--enable-debug-command", "yes"], { binary: BINARY, dir });
    try {
      const r = srv.client();
      const fields: string[] = [];
      for (let i = 0; i < 2000; i++) fields.push(`f${i}`, `v${i}`);
      expect(await r.hset("doomed", ...fields)).toBe(2000);
      expect(await r.set("kept", "value")).toBe("OK");
      expect(await r.del("doomed")).toBe(1);
      expect(await r.call("debug", "compact")).toBe("OK");
      expect(infoField(await r.info("persistence"), "lsm_reclaim_removed_entries")).toBeGreaterThanOrEqual(2000);
    } finally {
      await srv.stop();
    }
    srv = await startAikv(["--engine", "lsm"], { binary: BINARY, dir });
    try {
      const r = srv.client();
      expect(await r.get("kept")).toBe("value");
      expect(await r.exists("doomed")).toBe(0);
    } finally {
      await srv.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120000);
