// `npm run build` compiles the server into one self-contained executable,
// dist/aikv, which starts and serves commands without Bun or the sources.

import { describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { spawn } from "bun";
import { BINARY, ensureBinary } from "../helpers/binary.ts";
import { startAikv } from "../helpers/server.ts";

describe("self-contained executable", () => {
  test("npm run build produces dist/aikv (reused when newer than the sources)", async () => {
    expect(await ensureBinary()).toBe("");
    expect(statSync(BINARY).mode & 0o111).not.toBe(0);
  }, 60000);

  test("dist/aikv serves PING, SET and GET", async () => {
    const srv = await startAikv([], { binary: BINARY });
    try {
      const r = srv.client();
      expect(await r.ping()).toBe("PONG");
      expect(await r.set("greeting", "hello")).toBe("OK");
      expect(await r.get("greeting")).toBe("hello");
      expect(((await r.call("config", "get", "engine")) as string[])[1]).toBe("lsm"); // the default engine
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
