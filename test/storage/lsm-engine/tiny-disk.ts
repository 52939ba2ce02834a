// A tiny tmpfs to fill up in tests of disk errors (mounting needs root; null
// where it can't be mounted, and those tests are skipped).

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function mountTinyTmpfs(size: string): string | null {
  if (process.platform !== "linux") return null;
  const dir = mkdtempSync(join(tmpdir(), "aikv-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

export function unmountTinyTmpfs(dir: string): void {
  execFileSync("umount", [dir]);
  rmSync(dir, { recursive: true, force: true });
}
