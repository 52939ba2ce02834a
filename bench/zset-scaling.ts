// ZADD and ZRANGE cost as a sorted set grows to 1,000,000 members, on AiKv
// (memory engine) and on redis-server in the same run. O(log n) structures show
// flat per-operation times across sizes; the longest batch round trip shows
// pauses (garbage collection) while a batch of PIPELINE commands runs. The
// main figure is the server's main-thread CPU time per command (Linux
// /proc/PID/schedstat), which other load on the machine barely changes;
// wall times on a busy machine are mostly scheduling delays.
//
//   ./node_modules/.bin/bun bench/zset-scaling.ts [maxMembers=1000000] [engines=memory]
//
// engines: a comma-separated list of AiKv engines (memory, lsm); lsm runs in a
// temporary --dir with appendfsync everysec. Members are loaded with ZADDs of
// LOAD_MEMBERS members each, so loading 1M members is 1,000 commands.
//
// Not a test: it prints numbers and never fails on them.

import { spawn } from "bun";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SIZES = [10_000, 100_000, 1_000_000].filter((n) => n <= Number(process.argv[2] ?? 1_000_000));
const ENGINES = (process.argv[3] ?? "memory").split(",");
const OPS = 50_000;
const PIPELINE = 500;
const LOAD_MEMBERS = 1000;

/** CPU time (ns) the server's main thread has run: unlike wall time, a loaded machine barely changes it. */
function mainThreadCpuNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "latin1").split(" ")[0]);
}

function encode(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return s;
}

/** A minimal pipelining client: sends pre-encoded batches and counts complete top-level replies. */
async function connect(port: number) {
  let pending = 0;
  // Received bytes not yet consumed as complete replies.
  let buf = new Uint8Array(1 << 20);
  let len = 0;
  let wake: (() => void) | null = null;
  // Bun's socket.write may take only part of a large batch: the rest waits here for drain.
  let unsent: Uint8Array | null = null;
  const send = () => {
    while (unsent !== null) {
      const n = socket.write(unsent);
      if (n < unsent.length) {
        unsent = unsent.subarray(Math.max(n, 0));
        return;
      }
      unsent = null;
    }
  };
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      drain: send,
      data(_s, d) {
        if (len + d.length > buf.length) {
          const next = new Uint8Array(Math.max(buf.length * 2, len + d.length));
          next.set(buf.subarray(0, len));
          buf = next;
        }
        buf.set(d, len);
        len += d.length;
        let pos = 0;
        for (;;) {
          const end = skip(pos);
          if (end < 0) break;
          pos = end;
          pending--;
        }
        buf.copyWithin(0, pos, len);
        len -= pos;
        if (pending === 0 && wake) wake();
      },
    },
  });
  /** The end of the reply starting at pos, or -1 when it is incomplete. */
  function skip(pos: number): number {
    const cr = buf.indexOf(13, pos);
    if (cr < 0 || cr + 1 >= len) return -1;
    const type = buf[pos];
    let num = 0;
    let neg = false;
    for (let i = pos + 1; i < cr; i++) {
      if (buf[i] === 45) neg = true;
      else num = num * 10 + buf[i] - 48;
    }
    if (neg) num = -num;
    if (type === 36 /* $ */) return num < 0 ? cr + 2 : cr + 2 + num + 2 <= len ? cr + 2 + num + 2 : -1;
    if (type === 42 /* * */) {
      let p = cr + 2;
      for (let i = 0; i < num && p >= 0; i++) p = skip(p);
      return p;
    }
    return cr + 2;
  }
  return {
    /** Runs the commands in pipelined batches; returns the total and the longest batch round trip in ms. */
    async run(commands: string[][], serverPid = 0): Promise<{ totalMs: number; maxBatchMs: number; cpuUsPerOp: number }> {
      const batches: { data: Buffer; count: number }[] = [];
      for (let i = 0; i < commands.length; i += PIPELINE) {
        const batch = commands.slice(i, i + PIPELINE);
        batches.push({ data: Buffer.from(batch.map(encode).join(""), "latin1"), count: batch.length });
      }
      let maxBatchMs = 0;
      const cpuStart = serverPid > 0 ? mainThreadCpuNs(serverPid) : 0;
      const start = performance.now();
      for (const b of batches) {
        const t = performance.now();
        pending += b.count;
        const done = new Promise<void>((r) => (wake = r));
        unsent = b.data;
        send();
        await done;
        maxBatchMs = Math.max(maxBatchMs, performance.now() - t);
      }
      const totalMs = performance.now() - start;
      const cpuUsPerOp = serverPid > 0 ? (mainThreadCpuNs(serverPid) - cpuStart) / 1000 / commands.length : 0;
      return { totalMs, maxBatchMs, cpuUsPerOp };
    },
    close: () => socket.end(),
  };
}

/**
 * Integer scores, as redis-benchmark's ZADD sends: ZRANGE WITHSCORES then
 * measures the structure, not %.17g formatting of fractional scores (which
 * costs AiKv microseconds per score, see README).
 */
function randomScore(): string {
  return String(Math.floor(Math.random() * 1e9));
}

/** Prints one line per size as it completes (a long run still shows the sizes done). */
async function measure(port: number, pid: number): Promise<void> {
  const c = await connect(port);
  await c.run([["DEL", "zs"]]);
  let loaded = 0;
  for (const size of SIZES) {
    const load: string[][] = [];
    for (let i = loaded; i < size; i += LOAD_MEMBERS) {
      const args = ["ZADD", "zs"];
      for (let j = i; j < Math.min(size, i + LOAD_MEMBERS); j++) args.push(randomScore(), `member:${j}`);
      load.push(args);
    }
    const loadStart = performance.now();
    await c.run(load);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    // New scores for existing members: each ZADD moves a member in the skiplist, and the set keeps its size.
    const adds = Array.from({ length: OPS }, () => ["ZADD", "zs", randomScore(), `member:${Math.floor(Math.random() * size)}`]);
    const add = await c.run(adds, pid);
    const ranges = Array.from({ length: OPS }, () => {
      const r = Math.floor(Math.random() * size);
      return ["ZRANGE", "zs", String(r), String(r + 9), "WITHSCORES"];
    });
    const range = await c.run(ranges, pid);
    const show = (r: { totalMs: number; maxBatchMs: number; cpuUsPerOp: number }) =>
      `server CPU ${r.cpuUsPerOp.toFixed(2)} us/op, wall ${((r.totalMs * 1000) / OPS).toFixed(2)} us/op, longest batch ${r.maxBatchMs.toFixed(1)} ms`;
    console.log(
      `  ${String(size).padStart(9)} members (loaded ${size - loaded} in ${loadSeconds.toFixed(1)} s): ZADD ${show(add)}; ZRANGE(10 at random rank) ${show(range)}`,
    );
    loaded = size;
  }
  c.close();
}

/** Starts AiKv on a free port with the given engine; returns the process and its port. */
async function startAikv(engine: string, dir: string) {
  const args = ["--port", "0", "--save", "", "--engine", engine, "--dir", dir];
  if (engine === "lsm") args.push("--appendfsync", "everysec");
  const aikv = spawn([process.execPath, join(import.meta.dir, "../src/main.ts"), ...args], { stderr: "pipe" });
  let log = "";
  for await (const chunk of aikv.stderr as ReadableStream<Uint8Array>) {
    log += new TextDecoder().decode(chunk);
    const m = /on port (\d+)/.exec(log);
    if (m) return { aikv, port: Number(m[1]) };
  }
  throw new Error(`AiKv did not start: ${log}`);
}

async function main(): Promise<void> {
  for (const engine of ENGINES) {
    const dir = mkdtempSync(join(tmpdir(), "aikv-zset-scaling-"));
    const { aikv, port } = await startAikv(engine, dir);
    try {
      console.log(`AiKv (${engine} engine), pipeline ${PIPELINE}:`);
      await measure(port, aikv.pid);
    } finally {
      aikv.kill();
      await aikv.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const redisPort = 20000 + Math.floor(Math.random() * 20000);
  const redis = spawn(["redis-server", "--port", String(redisPort), "--save", "", "--appendonly", "no"], { stdout: "ignore" });
  await Bun.sleep(500);
  try {
    console.log(`redis-server, same workload:`);
    await measure(redisPort, redis.pid);
  } finally {
    redis.kill();
  }
}

await main();
