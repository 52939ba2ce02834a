// Latency of reads that need order (HGETALL of a small hash, SCAN) while a
// write burst runs, on AiKv's lsm engine and on redis-server (both with
// appendonly yes, everysec), in the same run. A write burst leaves the LSM
// memtable unsorted (point reads use its hash index); the first ordered read
// after it sorts it on the event loop, and everyone waits. Redis has no such
// step, so its numbers are the floor set by the load itself.
//
//   bun bench/lsm-engine/mixed-latency.ts [--sets=N] [--rounds=R] [--interval-ms=MS] [--engine=lsm]
//
// Per server and round: `redis-benchmark -t set -P 16 -c 50 -r 100000000 -n
// N` in the background, and one probe connection that sends HGETALL and
// SCAN 0 COUNT 10 in turn, one at a time, every interval while the burst
// runs; latency from send to reply (hdr-histogram). Prints p50/p99/max of
// each probe per server and AiKv's p50 and p99 over redis-server's (the
// probe waits behind the burst's 50 pipelining clients on both servers, so
// redis-server's own numbers grow with the machine's load). A benchmark,
// not a test: nothing here fails on slow numbers.

import { spawn } from "bun";
import { build } from "hdr-histogram-js";
import { ReplyDecoder } from "../../test/differential/resp-client.ts";
import { hasRedisServer, type RunningServer, startAikv, startRedis } from "../../test/helpers/server.ts";

function flag(name: string, fallback: number | string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? String(fallback) : arg.slice(name.length + 3);
}

const SETS = Number(flag("sets", 600_000));
const ROUNDS = Number(flag("rounds", 2));
const INTERVAL_MS = Number(flag("interval-ms", 20));
const ENGINE = flag("engine", "lsm");
const PROBES = ["HGETALL small", "SCAN 0 COUNT 10"] as const;

type Histogram = ReturnType<typeof build>;

/** RESP of a command given as space-separated words. */
function encode(command: string): Uint8Array {
  const words = command.split(" ");
  return new TextEncoder().encode(`*${words.length}\r\n${words.map((w) => `$${w.length}\r\n${w}\r\n`).join("")}`);
}

/** Sends the probes in turn, one at a time, every INTERVAL_MS until `done`; records each latency (us). */
async function probe(port: number, done: () => boolean, hists: Histogram[]): Promise<void> {
  let decoder = new ReplyDecoder();
  let wake: (() => void) | null = null;
  const sock = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, d) {
        decoder.feed(d);
        if (decoder.next() !== undefined) wake?.();
      },
    },
  });
  const frames = PROBES.map(encode);
  for (let i = 0; !done(); i++) {
    const which = i % PROBES.length;
    decoder = new ReplyDecoder();
    const replied = new Promise<void>((resolve) => (wake = resolve));
    const start = performance.now();
    sock.write(frames[which]);
    await replied;
    hists[which].recordValue(Math.max(1, Math.round((performance.now() - start) * 1000)));
    await Bun.sleep(INTERVAL_MS);
  }
  sock.end();
}

async function round(server: RunningServer): Promise<Histogram[]> {
  const r = server.client();
  await r.del("small");
  await r.hset("small", "a", "1", "b", "2", "c", "3");
  const hists = PROBES.map(() => build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 }));
  const load = spawn(["redis-benchmark", "-p", String(server.port), "-t", "set", "-P", "16", "-c", "50", "-r", "100000000", "-n", String(SETS), "-q"], {
    stdout: "ignore",
    stderr: "ignore",
  });
  let finished = false;
  void load.exited.then(() => (finished = true));
  await probe(server.port, () => finished, hists);
  return hists;
}

const ms = (us: number): string => (us / 1000).toFixed(1);

if (!hasRedisServer() || Bun.which("redis-benchmark") === null) {
  console.log("SKIPPED: needs redis-server and redis-benchmark (apt-get install redis-server redis-tools)");
  process.exit(0);
}
const aikv = await startAikv(["--engine", ENGINE, "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]);
const redis = await startRedis(["--appendonly", "yes", "--appendfsync", "everysec"]);
try {
  console.log(`${SETS} pipelined SETs per round; probes every ${INTERVAL_MS} ms: ${PROBES.join(", ")}`);
  for (let i = 0; i < ROUNDS; i++) {
    const results: [string, Histogram[]][] = [];
    // Alternated, so that both see the machine of the same minutes.
    results.push([`aikv (${ENGINE})`, await round(aikv)]);
    results.push(["redis-server", await round(redis)]);
    for (const [name, hists] of results) {
      const line = PROBES.map((p, j) => `${p}: n=${hists[j].totalCount} p50 ${ms(hists[j].getValueAtPercentile(50))} p99 ${ms(hists[j].getValueAtPercentile(99))} max ${ms(hists[j].maxValue)} ms`);
      console.log(`round ${i + 1} ${name.padEnd(14)} ${line.join(" | ")}`);
    }
    const ratio = (pct: number): string =>
      PROBES.map((p, j) => `${p} ${(results[0][1][j].getValueAtPercentile(pct) / results[1][1][j].getValueAtPercentile(pct)).toFixed(1)}x`).join(", ");
    console.log(`round ${i + 1} aikv / redis-server: p50 ${ratio(50)}; p99 ${ratio(99)}`);
  }
} finally {
  await aikv.stop();
  await redis.stop();
}
