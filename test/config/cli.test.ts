// The command line and the config file: start-up errors (exit code and a
// message naming the culprit), --help/--version, and files with includes.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "bun";
import { startAikv } from "../helpers/server.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const tmp = mkdtempSync(join(tmpdir(), "aikv-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs aikv with `args` expecting it to exit (bad configuration, --help...). */
async function run(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = spawn([process.execPath, MAIN, ...args], {
    cwd: tmp,
    stdin: stdin === undefined ? "ignore" : Buffer.from(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe("command line", () => {
  test("--help and --version exit 0 on stdout", async () => {
    const [help, version] = await Promise.all([run(["--help"]), run(["--version"])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: aikv [/path/to/aikv.conf] [options]");
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^AiKv server v=\d+\.\d+\.\d+/);
  });

  const BAD_OPTIONS: [string[], string[]][] = [
    [["--no-such-option", "1"], ["'--no-such-option'", "unknown option 'no-such-option'"]],
    [["--port", "abc"], ["'--port'", "argument couldn't be parsed into an integer"]],
    [["--port", "1", "2"], [`>>> 'port "1" "2"'`, "wrong number of arguments"]],
    [["--maxmemory", "1x"], ["argument must be a memory value"]],
    [["--maxmemory-policy", "lru"], ["argument(s) must be one of the following: volatile-lru"]],
    [["--save", "60"], ["Invalid save parameters"]],
    [["--client-output-buffer-limit", "master", "1", "1", "1"], ["Invalid client class specified"]],
    [["--port", "1", "oops"], ["wrong number of arguments"]],
    [["--engine", "tape"], ["argument(s) must be one of the following: memory, lsm"]],
    [["/no/such/aikv.conf"], ["can't open config file '/no/such/aikv.conf': No such file or directory"]],
    [["--rename-command", "GET", ""], ["'rename-command' is not supported by AiKv"]],
  ];

  test("bad options fail to start with a clear message", async () => {
    const results: Awaited<ReturnType<typeof run>>[] = [];
    // A few at a time: each is a whole Bun process starting on a 2-core machine.
    for (let i = 0; i < BAD_OPTIONS.length; i += 4) {
      results.push(...(await Promise.all(BAD_OPTIONS.slice(i, i + 4).map(([args]) => run(args)))));
    }
    BAD_OPTIONS.forEach(([args, parts], i) => {
      const r = results[i];
      expect(`${args.join(" ")} -> ${r.code}`).toBe(`${args.join(" ")} -> 1`);
      expect(r.stderr).toContain("*** FATAL CONFIG FILE ERROR");
      for (const part of parts) expect(r.stderr).toContain(part);
    });
  }, 30000);

  test("errors in a config file name the file, line and directive", async () => {
    const conf = file("bad.conf", "# comment\nport 7000\n\nmaxmemory 100mb\nnosuchthing yes\n");
    const inner = file("inner.conf", "hz abc\n");
    const [r, quotes, nested] = await Promise.all([
      run([conf]),
      run([file("quotes.conf", 'requirepass "abc\n')]),
      run([file("outer.conf", `include ${inner}\n`)]),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Reading the configuration file ${conf}, at line 5\n>>> 'nosuchthing yes'\nBad directive or wrong number of arguments (unknown option 'nosuchthing')`);
    expect(quotes.stderr).toContain("Unbalanced quotes in configuration line");
    expect(nested.stderr).toContain(`Reading the configuration file ${inner}, at line 1\n>>> 'hz abc'`);
  });

  test("a config file with includes, quoting and repeated save lines; options override it", async () => {
    const confd = join(tmp, "conf.d");
    rmSync(confd, { recursive: true, force: true });
    mkdirSync(confd);
    writeFileSync(join(confd, "a.conf"), "maxmemory 2mb\n");
    writeFileSync(join(confd, "b.conf"), "maxmemory-policy allkeys-lru\n");
    const conf = file(
      "good.conf",
      [
        "# AiKv test configuration",
        "  hz 20  ",
        'requirepass "p\\x41ss word"',
        "save 900 1",
        "save 300 10",
        "slave-read-only no",
        "list-max-ziplist-entries 512",
        "include conf.d/*.conf",
        "include conf.d/none-*.conf",
        "notify-keyspace-events KEA",
        "timeout 30",
        "",
      ].join("\n"),
    );
    const srv = await startAikv(["--timeout", "40", "--loglevel", "verbose"], { configFile: conf });
    try {
      const r = srv.client({ password: "pAss word" });
      const get = async (name: string) => ((await r.call("config", "get", name)) as string[])[1];
      expect(await get("hz")).toBe("20");
      expect(await get("save")).toBe("900 1 300 10");
      expect(await get("replica-read-only")).toBe("no");
      expect(await get("maxmemory")).toBe("2097152");
      expect(await get("maxmemory-policy")).toBe("allkeys-lru");
      expect(await get("notify-keyspace-events")).toBe("AKE");
      expect(await get("timeout")).toBe("40");
      expect(await get("loglevel")).toBe("verbose");
    } finally {
      await srv.stop();
    }
  });

  test("the configuration can come from standard input", async () => {
    const r = await run(["-", "--port", "0"], "hz nope\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Reading the configuration file -, at line 1\n>>> 'hz nope'");
  });

  test("`--save` followed by another option means no snapshots", async () => {
    const srv = await startAikv(["--save", "--hz", "15"]);
    try {
      const r = srv.client();
      expect(await r.call("config", "get", "save")).toEqual(["save", ""]);
      expect(await r.call("config", "get", "hz")).toEqual(["hz", "15"]);
    } finally {
      await srv.stop();
    }
  });

  test("logfile receives the log and pidfile holds the pid until shutdown", async () => {
    const [logfile, pidfile] = [join(tmp, "aikv.log"), join(tmp, "aikv.pid")];
    const proc = spawn([process.execPath, MAIN, "--port", "0", "--dir", tmp, "--logfile", logfile, "--pidfile", pidfile], { cwd: tmp });
    for (const deadline = Date.now() + 10000; Date.now() < deadline; await Bun.sleep(50)) {
      if (existsSync(logfile) && readFileSync(logfile, "utf8").includes("ready to accept connections")) break;
    }
    expect(readFileSync(logfile, "utf8")).toContain("ready to accept connections");
    expect(readFileSync(pidfile, "utf8")).toBe(`${proc.pid}\n`);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(existsSync(pidfile)).toBe(false);
    expect(readFileSync(logfile, "utf8")).toContain("Received SIGTERM, shutting down");
  });
});
