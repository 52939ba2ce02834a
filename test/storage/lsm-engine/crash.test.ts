import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCrashRounds } from "./crash-workload.ts";

// SIGKILL at random moments under appendfsync always (crash-workload.ts has
// the rules); bench/lsm-crash.ts runs many more kills.
const dir = mkdtempSync(join(tmpdir(), "aikv-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("lsm engine: acknowledged writes and whole transactions survive 30 SIGKILLs, nothing else appears", async () => {
  const seed = Number(process.env.AIKV_CRASH_SEED ?? Date.now() % 1e9);
  const result = await runCrashRounds({ kills: 30, seed, dir, maxDelayMs: 150 }).catch((e: Error) => {
    throw new Error(`seed ${seed}: ${e.message}`);
  });
  expect(result.kills).toBe(30);
  expect(result.acknowledged).toBeGreaterThan(30);
}, 120_000);
