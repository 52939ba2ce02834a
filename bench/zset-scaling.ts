// ZADD and ZRANGE cost as a sorted set grows to 1,000,000 members, on AiKv
// (memory engine) and on redis-server in the same run. O(log n) structures show
// flat per-operation times across sizes; the longest batch round trip shows
// pauses (garbage collection) while a batch of PIPELINE commands runs. The
// main figure is the server's main-thread CPU time per command (Linux
// /proc/PID/schedstat), which other load on the machine barely changes;
// wall times on a busy machine are mostly scheduling delays.
//
//   ./node_modules/.bin/bun bench/zset-scaling.ts [maxMembers=1000000]
//
// Not a test: it prints numbers and never fails on them.

import { spawn } from "bun";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const SIZES = [10_000, 100_000, 1_000_000].filter((n) => n <= Number(process.argv[2] ?? 1_000_000));
const OPS = 50_000;
const PIPELINE = 500;

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
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
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
        socket.write(b.data);
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

async function measure(port: number, pid: number): Promise<string[]> {
  const c = await connect(port);
  await c.run([["DEL", "zs"]]);
  const rows: string[] = [];
  let loaded = 0;
  for (const size of SIZES) {
    const load: string[][] = [];
    for (let i = loaded; i < size; i += 500) {
      const args = ["ZADD", "zs"];
      for (let j = i; j < Math.min(size, i + 500); j++) args.push(String(Math.random() * 1e9), `member:${j}`);
      load.push(args);
    }
    await c.run(load);
    loaded = size;
    const adds = Array.from({ length: OPS }, (_, i) => ["ZADD", "zs", String(Math.random() * 1e9), `member:${Math.floor(Math.random() * size)}:${i % 7}`]);
    const add = await c.run(adds, pid);
    const ranges = Array.from({ length: OPS }, () => {
      const r = Math.floor(Math.random() * size);
      return ["ZRANGE", "zs", String(r), String(r + 9), "WITHSCORES"];
    });
    const range = await c.run(ranges, pid);
    const show = (r: { totalMs: number; maxBatchMs: number; cpuUsPerOp: number }) =>
      `server CPU ${r.cpuUsPerOp.toFixed(2)} us/op, wall ${((r.totalMs * 1000) / OPS).toFixed(2)} us/op, longest batch ${r.maxBatchMs.toFixed(1)} ms`;
    rows.push(`${String(size).padStart(9)} members: ZADD ${show(add)}; ZRANGE(10 at random rank) ${show(range)}`);
  }
  c.close();
  return rows;
}

async function main(): Promise<void> {
  const aikv = spawn([process.execPath, join(import.meta.dir, "../src/main.ts"), "--port", "0", "--engine", "memory"], { stderr: "pipe" });
  let log = "";
  let aikvPort = 0;
  for await (const chunk of aikv.stderr as ReadableStream<Uint8Array>) {
    log += new TextDecoder().decode(chunk);
    const m = /on port (\d+)/.exec(log);
    if (m) {
      aikvPort = Number(m[1]);
      break;
    }
  }
  const redisPort = 20000 + Math.floor(Math.random() * 20000);
  const redis = spawn(["redis-server", "--port", String(redisPort), "--save", "", "--appendonly", "no"], { stdout: "ignore" });
  await Bun.sleep(500);
  try {
    console.log(`AiKv (memory engine), pipeline ${PIPELINE}:`);
    for (const r of await measure(aikvPort, aikv.pid)) console.log("  " + r);
    console.log(`redis-server, same workload:`);
    for (const r of await measure(redisPort, redis.pid)) console.log("  " + r);
  } finally {
    aikv.kill();
    redis.kill();
  }
}

await main();
