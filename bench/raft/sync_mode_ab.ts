// A/B of two sync modes (kv_node --sync-mode) inside one cluster: the nodes
// switch between mode A (--a, default blocking fdatasync) and mode B (--b,
// default the thread pool while leading, proposals held) every --window ms, and each request's latency counts for the mode it started
// and ended in. Runs a minute apart on the shared VM differ more than the
// effect; windows this short see the same machine load.
//   bun bench/raft/sync_mode_ab.ts [--inflight 16] [--seconds 20] [--window 500] [--a blocking] [--b leader-pool-hold]
import { build } from "hdr-histogram-js";
import { parseArgs } from "node:util";
import { loadavg } from "node:os";
import { cpuDelta, cpuSample, ProcCluster, rerunWithAllocatorEnv } from "../../src/raft/example/launch.ts";
import { KvClient } from "../../src/raft/kv/client.ts";

await rerunWithAllocatorEnv();
const { values } = parseArgs({
  options: {
    inflight: { type: "string", default: "16" },
    seconds: { type: "string", default: "20" },
    window: { type: "string", default: "500" },
    "per-conn": { type: "string", default: "16" },
    a: { type: "string", default: "blocking" },
    b: { type: "string", default: "leader-pool-hold" },
  },
});
const inflight = Number(values.inflight);
const cluster = new ProcCluster(3, ["--sync-mode", values.a, "--sync-mode-b", values.b, "--sync-mode-signals"], []);
await cluster.startAll();
const warm = new KvClient(cluster.clientAddrs(), 5000);
if ((await warm.request({ op: "put", key: "warm", value: "up" }, 20000)).kind !== "ok") throw new Error("cluster did not come up");
const nClients = Math.max(1, Math.ceil(inflight / Number(values["per-conn"])));
const clients = Array.from({ length: nClients }, () => {
  const c = new KvClient(cluster.clientAddrs(), 5000);
  c.leader = warm.leader;
  return c;
});
const hists = [0, 1].map(() => build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 }));
let mode = 0; // 0 = A, 1 = B
let end = 0;
const value = "x".repeat(64);
const worker = async (wid: number, record: boolean) => {
  const c = clients[wid % nClients]!;
  for (let i = 0; performance.now() < end; i++) {
    const m = mode;
    const t0 = performance.now();
    const r = await c.request({ op: "put", key: `k${wid}-${i % 1000}`, value });
    if (record && r.kind === "ok" && m === mode) hists[m]!.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
  }
};
const run = (ms: number, record: boolean) => {
  end = performance.now() + ms;
  return Promise.all(Array.from({ length: inflight }, (_, i) => worker(i, record)));
};
await run(3000, false); // JIT warm-up, in mode A
console.log(`# sync mode A/B (A ${values.a}, B ${values.b}): 3 nodes, ${inflight} in flight, ${values.window} ms windows, loadavg=${loadavg().map((x) => x.toFixed(1)).join(",")}`);
// CPU seconds of the nodes and of this client spent in each mode's windows
// (sampled at each switch; /proc's 10 ms ticks average out over the run).
const cpu = [0, 1].map(() => ({ nodes: 0, client: 0 }));
let lastCpu = cpuSample(cluster);
const toggler = setInterval(() => {
  const now = cpuSample(cluster);
  const d = cpuDelta(lastCpu, now);
  lastCpu = now;
  cpu[mode]!.nodes += d.nodes;
  cpu[mode]!.client += d.client;
  mode = 1 - mode;
  for (const n of cluster.nodes) n.proc?.kill(mode === 1 ? "SIGUSR1" : "SIGUSR2");
}, Number(values.window));
const t0 = performance.now();
await run(Number(values.seconds) * 1000, true);
clearInterval(toggler);
const half = (performance.now() - t0) / 2000; // seconds spent in each mode
for (const m of [0, 1]) {
  const h = hists[m]!;
  const ms = (p: number) => (h.getValueAtPercentile(p) / 1000).toFixed(2);
  console.log(`${(m === 0 ? `A ${values.a}` : `B ${values.b}`).padEnd(20)} writes/s=${(h.totalCount / half).toFixed(0).padStart(6)}  p50=${ms(50)}ms  p90=${ms(90)}ms  p99=${ms(99)}ms  p99.9=${ms(99.9)}ms  cpu/write: nodes=${((cpu[m]!.nodes / h.totalCount) * 1e6).toFixed(0)}us client=${((cpu[m]!.client / h.totalCount) * 1e6).toFixed(0)}us`);
}
for (const c of clients) c.close();
warm.close();
await cluster.stopAll();
process.exit(0);
