// EVALSHA of `return redis.call('INCR', KEYS[1])`, and PUBLISH to 1 and to
// 100 subscribers: AiKv against redis-server in the same run, rounds
// alternating between the two, medians compared (the machine is shared and noisy).
//
//   bun bench/scripting-pubsub.ts [-n requests] [-P pipeline] [-c clients] [-k rounds]
//
// Subscribers are raw connections in this process that read and drop what
// they get, so both servers push the same bytes to the same readers.

import { spawn, type Socket } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const opt = (flag: string, dflt: number): number => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const REQUESTS = opt("-n", 200_000);
const PIPELINE = opt("-P", 16);
const CLIENTS = opt("-c", 50);
const ROUNDS = opt("-k", 3);
const SCRIPT = "return redis.call('INCR', KEYS[1])";

interface Target {
  name: string;
  port: number;
  stop(): void;
}

async function waitForPing(port: number): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const r = Bun.spawnSync(["redis-cli", "-p", String(port), "ping"]);
    if (r.stdout.toString().trim() === "PONG") return;
    await Bun.sleep(50);
  }
  throw new Error(`server on ${port} did not start`);
}

async function start(name: string, cmd: string[], port: number, dir: string): Promise<Target> {
  const proc = spawn(cmd, { cwd: dir, stdout: "ignore", stderr: "ignore" });
  try {
    await waitForPing(port);
  } catch (e) {
    proc.kill("SIGKILL");
    throw e;
  }
  return { name, port, stop: () => proc.kill("SIGKILL") };
}

function cli(port: number, ...argv: string[]): string {
  return Bun.spawnSync(["redis-cli", "-p", String(port), ...argv]).stdout.toString().trim();
}

/**
 * Requests per second of one redis-benchmark run of a single command (async:
 * the subscribers in this process keep reading meanwhile).
 */
async function benchmark(port: number, command: string[], requests: number): Promise<number> {
  const proc = spawn(["redis-benchmark", "-p", String(port), "-n", String(requests), "-P", String(PIPELINE), "-c", String(CLIENTS), "--csv", ...command], {
    stdout: "pipe",
    stderr: "ignore",
  });
  const line = (await new Response(proc.stdout).text()).trim().split("\n").at(-1) ?? "";
  await proc.exited;
  return Number(line.split(",")[1]?.replaceAll('"', ""));
}

/** n subscribers of channel on port that drop what they read. */
async function subscribe(port: number, channel: string, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    sockets.push(await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }));
    sockets[i].write(`SUBSCRIBE ${channel}\r\n`);
  }
  await Bun.sleep(200);
  return sockets;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), "aikv-bench-"));
const base = 30000 + Math.floor(Math.random() * 20000);
const aikv = await start("aikv", [process.execPath, join(import.meta.dir, "../src/main.ts"), "--port", String(base), "--save", ""], base, dir);
const redis = await start("redis", ["redis-server", "--port", String(base + 1), "--save", "", "--appendonly", "no"], base + 1, dir);
const targets = [aikv, redis];
try {
  const sha = targets.map((t) => cli(t.port, "SCRIPT", "LOAD", SCRIPT))[0];
  const subscribers = [];
  for (const t of targets) subscribers.push(...(await subscribe(t.port, "one", 1)), ...(await subscribe(t.port, "hundred", 100)));
  // [label, command, requests]: a publish to 100 subscribers sends 100 messages, so it gets fewer requests.
  const cases: [string, string[], number][] = [
    ["EVALSHA incr", ["evalsha", sha, "1", "key"], REQUESTS],
    ["PUBLISH 1 subscriber", ["publish", "one", "hello"], REQUESTS],
    ["PUBLISH 100 subscribers", ["publish", "hundred", "hello"], Math.ceil(REQUESTS / 20)],
  ];
  console.log(`requests=${REQUESTS} pipeline=${PIPELINE} clients=${CLIENTS} rounds=${ROUNDS}`);
  for (const [label, command, requests] of cases) {
    const rps: Record<string, number[]> = { aikv: [], redis: [] };
    for (const t of targets) await benchmark(t.port, command, requests); // warm-up (JIT)
    for (let round = 0; round < ROUNDS; round++) for (const t of targets) rps[t.name].push(await benchmark(t.port, command, requests));
    const [a, r] = [median(rps.aikv), median(rps.redis)];
    console.log(`${label.padEnd(24)} aikv=${Math.round(a)} ops/s  redis=${Math.round(r)} ops/s  ratio=${(a / r).toFixed(2)}`);
  }
  for (const s of subscribers) s.end();
} finally {
  for (const t of targets) t.stop();
  rmSync(dir, { recursive: true, force: true });
}
