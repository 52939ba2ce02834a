// SAVE/BGSAVE on the LSM engine: a checkpoint of the whole store (the LSM's
// checkpoint(): tables hard-linked, live WAL files copied, a fresh MANIFEST)
// in <dir>/checkpoints/<unix ms>. CURRENT is written last, so a directory
// with CURRENT is complete; once a new one is, the older ones are removed.
// The newest complete checkpoint opens as a data directory of its own
// (`aikv --engine lsm --dir <dir>/checkpoints/<ms>`, or copy it elsewhere).

import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DB } from "../lsm/index.ts";

export const CHECKPOINTS_DIR = "checkpoints";

/** Makes a checkpoint of lsm under its directory; resolves with the checkpoint's path and time. */
export async function saveCheckpoint(lsm: DB): Promise<{ path: string; at: number }> {
  const root = join(lsm.dir, CHECKPOINTS_DIR);
  mkdirSync(root, { recursive: true });
  // Flushing first keeps the WAL files the checkpoint copies (synchronously) small.
  await lsm.flush();
  let at = Date.now();
  while (existsSync(join(root, String(at)))) at++;
  const path = join(root, String(at));
  try {
    await lsm.checkpoint(path);
  } catch (e) {
    rmSync(path, { recursive: true, force: true });
    throw e;
  }
  for (const name of readdirSync(root)) {
    if (name !== String(at)) rmSync(join(root, name), { recursive: true, force: true });
  }
  return { path, at };
}
