// Long crash run for the lsm engine: many SIGKILLs at random moments under
// appendfsync always, verified as in test/storage/lsm-engine/crash.test.ts.
//
//   bun bench/lsm-crash.ts --kills=500 [--seed=N] [--max-delay-ms=400] [--window=16]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCrashRounds } from "../test/storage/lsm-engine/crash-workload.ts";

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}

const kills = flag("kills", 200);
const seed = flag("seed", Date.now() % 1e9);
const dir = mkdtempSync(join(tmpdir(), "aikv-crash-bench-"));
const started = performance.now();
console.log(`seed ${seed}, ${kills} kills, data in ${dir}`);
try {
  const result = await runCrashRounds({
    kills,
    seed,
    dir,
    window: flag("window", 8),
    maxDelayMs: flag("max-delay-ms", 400),
    log: (line) => console.log(line),
  });
  const secs = ((performance.now() - started) / 1000).toFixed(0);
  console.log(
    `OK: ${result.kills} kills, ${result.steps} steps sent, ${result.acknowledged} acknowledged and recovered, ` +
      `${result.recoveredUnacknowledged} unacknowledged but recovered (allowed), ops ${result.ops.join(",")}, ${secs} s`,
  );
  rmSync(dir, { recursive: true, force: true });
} catch (e) {
  console.error(`FAILED (seed ${seed}, data left in ${dir}): ${(e as Error).message}`);
  process.exit(1);
}
