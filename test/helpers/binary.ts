// The self-contained executable dist/aikv (`npm run build`), built when
// missing or older than the sources and reused otherwise.

import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";

const ROOT = join(import.meta.dir, "../..");
export const BINARY = join(ROOT, "dist/aikv");

/** Newest modification time of the files the executable is built from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  if (!existsSync(BINARY)) return false;
  const built = statSync(BINARY).mtimeMs;
  return built > newestSource(join(ROOT, "src")) && built > statSync(join(ROOT, "package.json")).mtimeMs;
}

/** Builds dist/aikv unless it is fresh; returns the build's failure output, or "" on success. */
export async function ensureBinary(): Promise<string> {
  if (isFresh()) return "";
  const build = spawn(["npm", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(build.stdout).text(), new Response(build.stderr).text(), build.exited]);
  return code === 0 ? "" : `exit ${code}\n${out}${err}`;
}
