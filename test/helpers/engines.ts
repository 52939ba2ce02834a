// Storage engines for in-process servers (tests that drive a Server without
// a socket): one per name in ENGINES, the lsm one on a temporary directory.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StorageEngine } from "../../src/storage/engine.ts";
import { LsmEngine } from "../../src/storage/lsm-engine/lsm-engine.ts";
import { MemoryEngine } from "../../src/storage/memory/memory-engine.ts";

export interface TestEngine {
  engine: StorageEngine;
  /** Empties every database (a fresh start for the next in-process server). */
  reset(): void;
  close(): Promise<void>;
}

export async function openTestEngine(name: string): Promise<TestEngine> {
  const dir = name === "lsm" ? mkdtempSync(join(tmpdir(), "aikv-inproc-")) : null;
  const engine: StorageEngine = dir === null ? new MemoryEngine(16) : await LsmEngine.open({ dir, dbCount: 16, syncPolicy: "no" });
  return {
    engine,
    reset() {
      for (let i = 0; i < engine.dbCount; i++) engine.db(i).clear();
    },
    async close() {
      await engine.close();
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Records the keys every later DB.prefetch of the engine's LSM is given (the look ahead's hints), and still passes them on. */
export function recordPrefetches(engine: LsmEngine): Uint8Array[] {
  const prefetched: Uint8Array[] = [];
  const lsmPrefetch = engine.lsm.prefetch.bind(engine.lsm);
  engine.lsm.prefetch = (buf, starts, ends, count, cachedAreOnlyRead) => {
    for (let i = 0; i < count; i++) prefetched.push(buf.slice(starts[i], ends[i]));
    lsmPrefetch(buf, starts, ends, count, cachedAreOnlyRead);
  };
  return prefetched;
}
