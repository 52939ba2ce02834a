// The JS<->Lua bridge in isolation: an in-process server runs EVALSHA of
// scripts looping 100 times over a redis.call, and the same command directly,
// measured in CPU time (process.cpuUsage, less disturbed by other processes on
// a shared machine than wall time); the best of several runs is reported.
//
//   bun bench/lua-bridge.ts
//
// Per-iteration cost minus the empty loop's is what one redis.call costs;
// minus the direct command's is what the bridge adds to it.

import { Config } from "../src/config/config.ts";
import { strToBytes } from "../src/net/bytes.ts";
import { Client } from "../src/net/client.ts";
import { loadLuaRuntime } from "../src/scripting/lua-runtime.ts";
import { Server } from "../src/server.ts";

await loadLuaRuntime();
const server = new Server(new Config());
const client = new Client(server, null, 1);

function run(argv: Uint8Array[]): void {
  server.out.reset();
  server.execute(client, argv);
}

/** Best CPU time per call of argv over `runs` runs of n calls, in ns, divided by `per`. */
function cpuNs(argv: Uint8Array[], n: number, per = 1, runs = 10): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) run(argv);
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / n / per);
  }
  return best;
}

function scriptLoad(body: string): string {
  run(["script", "load", body].map(strToBytes));
  return new TextDecoder().decode(server.out.take()).split("\r\n")[1];
}

for (const body of ["return 1", "return redis.call('INCR', KEYS[1])"]) {
  const ns = cpuNs(["evalsha", scriptLoad(body), "1", "key"].map(strToBytes), 50_000);
  console.log(`EVALSHA ${body.padEnd(44)} ${ns.toFixed(0)} ns`);
}
for (const call of ["", "redis.call('PING')", "redis.call('GET', KEYS[1])", "redis.call('INCR', KEYS[1])"]) {
  const ns = cpuNs(["evalsha", scriptLoad(`for i = 1, 100 do ${call} end`), "1", "key"].map(strToBytes), 2_000, 100);
  console.log(`loop of 100: ${(call || "(empty)").padEnd(40)} ${ns.toFixed(0)} ns per iteration`);
}
for (const cmd of [["ping"], ["get", "key"], ["incr", "key"]]) {
  console.log(`direct ${cmd.join(" ").padEnd(45)} ${cpuNs(cmd.map(strToBytes), 200_000).toFixed(0)} ns`);
}
