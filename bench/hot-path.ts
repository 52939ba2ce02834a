// The server's per-command JS cost without the network: feeds pipelined
// batches like redis-benchmark's (-P 16, random keys from -r 100000) straight
// into the server's read handler for a client with no socket, so a profile
// shows only parsing, dispatch, commands and storage (no kernel, no client).
//
//   ./node_modules/.bin/bun bench/hot-path.ts [test,...] [seconds per test]
//   ./node_modules/.bin/bun --cpu-prof bench/hot-path.ts zadd 5
//
// Tests: set get incr mset lpush rpop lrange_100 sadd spop hset zadd zpopmin.
// Prints CPU ns per command (process CPU time, all threads: GC helpers count),
// which a loaded machine disturbs less than wall time; compare runs on the same machine only.

import { parseCommandLine } from "../src/config/cli.ts";
import { Client } from "../src/net/client.ts";
import { Server } from "../src/server.ts";

const PIPELINE = 16;
const KEYSPACE = 100_000;
const BATCHES = 256;

/** The commands of one benchmark test, as redis-benchmark sends them (__rand_int__ replaced per command). */
const TESTS: Record<string, () => string[]> = {
  set: () => ["SET", `key:${rand()}`, "xxx"],
  get: () => ["GET", `key:${rand()}`],
  incr: () => ["INCR", `counter:${rand()}`],
  mset: () => ["MSET", ...Array.from({ length: 10 }, () => [`key:${rand()}`, "xxx"]).flat()],
  lpush: () => ["LPUSH", "mylist", "xxx"],
  rpop: () => ["RPOP", "mylist"],
  lrange_100: () => ["LRANGE", "mylist", "0", "99"],
  sadd: () => ["SADD", "myset", `element:${rand()}`],
  spop: () => ["SPOP", "myset"],
  hset: () => ["HSET", "myhash", `element:${rand()}`, "xxx"],
  zadd: () => ["ZADD", "myzset", String(rand()), `element:${rand()}`],
  zpopmin: () => ["ZPOPMIN", "myzset"],
};
/** Tests that consume data another test fills first (as redis-benchmark's order does). */
const FILL: Record<string, string> = { rpop: "lpush", lrange_100: "lpush", spop: "sadd", zpopmin: "zadd" };

function rand(): number {
  return Math.floor(Math.random() * KEYSPACE);
}

function encode(argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
}

function batches(test: string): Uint8Array[] {
  const make = TESTS[test];
  return Array.from({ length: BATCHES }, () => Buffer.from(Array.from({ length: PIPELINE }, () => encode(make())).join(""), "latin1"));
}

const cli = parseCommandLine(["--save", "", "--engine", "memory"], "bench");
if (cli.kind === "exit") throw new Error(cli.output);
const server = new Server(cli.config);
const client = new Client(server, null, 1);
// onData is the socket's read callback; the bench calls it directly.
const feed = (data: Uint8Array) => (server as unknown as { onData(c: Client, d: Uint8Array): void }).onData(client, data);

function run(test: string, seconds: number): number {
  const input = batches(test);
  let commands = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (const b of input) feed(b);
    commands += input.length * PIPELINE;
  }
  const used = process.cpuUsage(cpu);
  return ((used.user + used.system) * 1000) / commands;
}

const tests = (process.argv[2] ?? "set,get,incr,mset,lpush,rpop,lrange_100,sadd,spop,hset,zadd,zpopmin").split(",");
const seconds = Number(process.argv[3] ?? 2);
for (const test of tests) {
  if (!(test in TESTS)) throw new Error(`unknown test ${test}`);
  const fill = FILL[test];
  if (fill !== undefined) run(fill, seconds / 2);
  console.log(`${test.padEnd(12)} ${run(test, seconds).toFixed(0).padStart(6)} ns/command`);
}
process.exit(0);
