// Test helpers: start a real AiKv process (or a real redis-server) on a free
// port with a temporary directory, and stop it afterwards.

import { spawn, type Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { ReplyDecoder } from "../differential/resp-client.ts";

const ROOT = join(import.meta.dir, "../..");

export interface RunningServer {
  port: number;
  dir: string;
  proc: Subprocess;
  /** A new ioredis client connected to the server (closed by stop()). */
  client(options?: Record<string, unknown>): Redis;
  stop(): Promise<void>;
  /** Captured stderr/stdout of the process so far. */
  output(): string;
}

/** Engines the command suites run against (AIKV_ENGINES, comma-separated): both by default. */
export const ENGINES = (process.env.AIKV_ENGINES ?? "memory,lsm").split(",");

/**
 * Starts `bun src/main.ts --port 0 ...` (or `binary` instead) and waits for its
 * "ready to accept connections" line, which names the port the OS picked.
 */
export async function startAikv(
  args: string[] = [],
  opts: { binary?: string; dir?: string; /** A config file, passed first like redis-server's. */ configFile?: string } = {},
): Promise<RunningServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "aikv-test-"));
  const exe = opts.binary ? [opts.binary] : [process.execPath, join(ROOT, "src/main.ts")];
  const cmd = [...exe, ...(opts.configFile ? [opts.configFile] : []), "--port", "0", "--dir", dir, ...args];
  const proc = spawn(cmd, { stdout: "pipe", stderr: "pipe", cwd: dir });
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aikv did not start:\n${out}`)), 20000);
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      for await (const chunk of stream) {
        out += dec.decode(chunk);
        const m = /ready to accept connections tcp on port (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      }
    };
    const pumped = Promise.all([pump(proc.stdout as ReadableStream<Uint8Array>), pump(proc.stderr as ReadableStream<Uint8Array>)]);
    void proc.exited.then(async (code) => {
      clearTimeout(timer);
      // The exit can be seen before the last output is read: the error names what the server said.
      await Promise.race([pumped.catch(() => {}), Bun.sleep(2000)]);
      reject(new Error(`aikv exited with ${code}:\n${out}`));
    });
  });
  return wrap(port, dir, proc, () => out, !opts.dir);
}

function wrap(port: number, dir: string, proc: Subprocess, output: () => string, ownDir: boolean): RunningServer {
  const clients: Redis[] = [];
  return {
    port,
    dir,
    proc,
    output,
    client(options = {}) {
      const r = new Redis({ port, host: "127.0.0.1", lazyConnect: false, enableReadyCheck: false, maxRetriesPerRequest: 0, enableOfflineQueue: true, ...options });
      r.on("error", () => {});
      clients.push(r);
      return r;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      proc.kill("SIGKILL");
      await proc.exited;
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function hasRedisServer(): boolean {
  return Bun.which("redis-server") !== null;
}

/** Starts a real redis-server (Debian package) on a free port, for differential tests. */
export async function startRedis(args: string[] = []): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), "redis-test-"));
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const proc = spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...args], {
      stdout: "pipe",
      stderr: "pipe",
    });
    let out = "";
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10000);
      void (async () => {
        const dec = new TextDecoder();
        for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
          out += dec.decode(chunk);
          if (out.includes("Ready to accept connections")) {
            clearTimeout(timer);
            resolve(true);
            return;
          }
        }
        clearTimeout(timer);
        resolve(false);
      })();
    });
    if (ok) return wrap(port, dir, proc, () => out, true);
    proc.kill("SIGKILL");
  }
  throw new Error("could not start redis-server");
}

/** A raw TCP connection for protocol edge cases: send bytes, read what arrives. */
export async function rawConnect(port: number): Promise<{
  send(data: string | Uint8Array): void;
  /** Waits ms, then returns everything received (for replies that may or may not come). */
  read(ms?: number): Promise<string>;
  /** Waits (up to ms) until `count` complete RESP replies arrived and returns exactly their bytes (latin1): no race with a loaded server. */
  readReplies(count: number, ms?: number): Promise<string>;
  closed(): boolean;
  close(): void;
}> {
  let buf = "";
  let isClosed = false;
  const sock = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, d) {
        buf += Buffer.from(d).toString("latin1");
      },
      close() {
        isClosed = true;
      },
    },
  });
  return {
    send(data) {
      sock.write(data);
    },
    async read(ms = 200) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) await Bun.sleep(10);
      const r = buf;
      buf = "";
      return r;
    },
    async readReplies(count, ms = 10000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const decoder = new ReplyDecoder();
        decoder.feed(Buffer.from(buf, "latin1"));
        let complete = 0;
        while (complete < count && decoder.next() !== undefined) complete++;
        if (complete === count || Date.now() >= deadline || isClosed) {
          const replies = buf.slice(0, decoder.offset);
          buf = buf.slice(decoder.offset);
          return replies;
        }
        await Bun.sleep(5);
      }
    },
    closed: () => isClosed,
    close: () => sock.end(),
  };
}
