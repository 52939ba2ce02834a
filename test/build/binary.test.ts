// `npm run build` compiles the server into one self-contained executable,
// dist/aikv, which starts and serves commands without Bun or the sources.

import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";
import { startAikv } from "../helpers/server.ts";

const ROOT = join(import.meta.dir, "../..");
const BINARY = join(ROOT, "dist/aikv");

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

describe("self-contained executable", () => {
  test("npm run build produces dist/aikv (reused when newer than the sources)", async () => {
    if (!isFresh()) {
      const build = spawn(["npm", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(build.stdout).text(), new Response(build.stderr).text(), build.exited]);
      expect(`exit ${code}\n${code === 0 ? "" : out + err}`).toBe("exit 0\n");
    }
    expect(statSync(BINARY).mode & 0o111).not.toBe(0);
  }, 60000);

  test("dist/aikv serves PING, SET and GET", async () => {
    const srv = await startAikv([], { binary: BINARY });
    try {
      const r = srv.client();
      expect(await r.ping()).toBe("PONG");
      expect(await r.set("greeting", "hello")).toBe("OK");
      expect(await r.get("greeting")).toBe("hello");
      expect(((await r.call("config", "get", "engine")) as string[])[1]).toBe("memory");
    } finally {
      await srv.stop();
    }
  });

  test("dist/aikv answers --version and rejects unknown options", async () => {
    const version = spawn([BINARY, "--version"], { stdout: "pipe" });
    expect(await new Response(version.stdout).text()).toMatch(/^AiKv server v=/);
    const bad = spawn([BINARY, "--bogus", "1"], { stderr: "pipe" });
    expect(await new Response(bad.stderr).text()).toContain("unknown option 'bogus'");
    expect(await bad.exited).toBe(1);
  });
});
