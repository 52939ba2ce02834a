// One server process per data directory: a lock file holding the owner's pid.
// A lock left by a dead process (kill -9) is taken over.

import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the directory's lock; returns its release function. Throws when another live process holds it. */
export function lockDirectory(dir: string): () => void {
  const path = join(dir, "aikv.lock");
  for (;;) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      return () => unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = Number.parseInt(readFileSync(path, "latin1"), 10);
    if (owner !== process.pid && Number.isFinite(owner) && processAlive(owner)) {
      throw new Error(`data directory ${dir} is locked by process ${owner}`);
    }
    unlinkSync(path); // stale: its owner is gone
  }
}
