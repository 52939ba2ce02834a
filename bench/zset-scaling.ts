// ZADD and ZRANGE cost as a sorted set grows to 1,000,000 members, on AiKv
// (memory engine) and on redis-server in the same run. O(log n) structures show
// flat per-operation times across sizes.
//
//   ./node_modules/.bin/bun bench/zset-scaling.ts [maxMembers=1000000]
//
// Not a test: it prints numbers and never fails on them.

import { spawn } from "bun";
import { join } from "node:path";

const SIZES = [10_000, 100_000, 1_000_000].filter((n) => n <= Number(process.argv[2] ?? 1_000_000));
const OPS = 20_000;
const PIPELINE = 100;

function encode(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return s;
}

/** A minimal pipelining client: sends batches and counts complete top-level replies. */
async function connect(port: number) {
  let pending = 0;
  let buffered = "";
  let wake: (() => void) | null = null;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, d) {
        buffered += Buffer.from(d).toString("latin1");
        pending -= countReplies();
        if (pending === 0 && wake) wake();
      },
    },
  });
  // Counts and consumes complete replies (arrays of bulk strings, ints, statuses).
  function countReplies(): number {
    let n = 0;
    for (;;) {
      const end = skip(0);
      if (end < 0) return n;
      buffered = buffered.slice(end);
      n++;
    }
  }
  function skip(pos: number): number {
    const nl = buffered.indexOf("\r\n", pos);
    if (nl < 0) return -1;
    const t = buffered[pos];
    const num = Number(buffered.slice(pos + 1, nl));
    if (t === "$") return num < 0 ? nl + 2 : nl + 2 + num + 2 <= buffered.length ? nl + 2 + num + 2 : -1;
    if (t === "*") {
      let p = nl + 2;
      for (let i = 0; i < num; i++) {
        p = skip(p);
        if (p < 0) return -1;
      }
      return p;
    }
    return nl + 2;
  }
  return {
    async run(commands: string[][]): Promise<void> {
      for (let i = 0; i < commands.length; i += PIPELINE) {
        const batch = commands.slice(i, i + PIPELINE);
        pending += batch.length;
        const done = new Promise<void>((r) => (wake = r));
        socket.write(batch.map(encode).join(""));
        await done;
      }
    },
    close: () => socket.end(),
  };
}

async function measure(port: number): Promise<string[]> {
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
    let t = performance.now();
    await c.run(adds);
    const addUs = ((performance.now() - t) * 1000) / OPS;
    const ranges = Array.from({ length: OPS }, () => {
      const r = Math.floor(Math.random() * size);
      return ["ZRANGE", "zs", String(r), String(r + 9), "WITHSCORES"];
    });
    t = performance.now();
    await c.run(ranges);
    const rangeUs = ((performance.now() - t) * 1000) / OPS;
    rows.push(`${String(size).padStart(9)} members: ZADD ${addUs.toFixed(2)} us/op, ZRANGE(10 at random rank) ${rangeUs.toFixed(2)} us/op`);
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
    for (const r of await measure(aikvPort)) console.log("  " + r);
    console.log(`redis-server, same workload:`);
    for (const r of await measure(redisPort)) console.log("  " + r);
  } finally {
    aikv.kill();
    redis.kill();
  }
}

await main();
