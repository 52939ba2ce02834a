// Raft KV benchmark: three real nodes (separate processes) on loopback.
//   bun bench/raft/bench.ts [--seconds 5] [--kills 20] [--no-fsync] [--inflight 1,16,256] [--per-conn 16] [--profile DIR] [--trace DIR]
// --profile writes a CPU profile (.cpuprofile and markdown) of each node process into DIR;
// --trace each node's batch events (kv_node --trace), read by bench/raft/timeline.ts DIR.
// Measures client-acknowledged (committed + applied) writes/s at 1, 16 and
// 256 requests in flight, commit latency percentiles, and failover time
// (leader kill -9 -> first write acknowledged by a new leader).
import { build } from "hdr-histogram-js";
import { parseArgs } from "node:util";
import { loadavg } from "node:os";
import { cpuDelta, cpuSample, ProcCluster, rerunWithAllocatorEnv } from "../../src/raft/example/launch.ts";
import { KvClient } from "../../src/raft/kv/client.ts";
import { fsyncProbe } from "./fsync.ts";

await rerunWithAllocatorEnv(); // the client measures with the nodes' allocator setting

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    kills: { type: "string", default: "20" },
    "no-fsync": { type: "boolean", default: false },
    inflight: { type: "string", default: "1,16,256" },
    profile: { type: "string" },
    trace: { type: "string" },
    "node-args": { type: "string", default: "" }, // extra kv_node arguments, e.g. "--tick-ms 10"
    "per-conn": { type: "string", default: "16" }, // requests in flight per client connection
  },
});
const seconds = Number(values.seconds);
const kills = Number(values.kills);

const profileArgs = values.profile ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${values.profile}`] : [];
const nodeArgs = [...values["node-args"].split(" ").filter((a) => a), ...(values.trace ? ["--trace", values.trace] : [])];
const cluster = new ProcCluster(3, ["--stats", ...(values["no-fsync"] ? ["--no-fsync"] : []), ...nodeArgs], profileArgs);

// Latest periodic stats line of each node (RaftNode.stats, every 500 ms).
type NodeStats = { id: number; leader: boolean; readies: number; entries: number; syncs: number; syncMs: number; proposals: number; proposeBatches: number; maxStallMs: number; at: number };
function nodeStats(): NodeStats[] {
  const out: NodeStats[] = [];
  for (const n of cluster.nodes) {
    const last = n.events.findLast((e) => e.event === "stats");
    if (last) out.push(last as unknown as NodeStats);
  }
  return out;
}
// Longest event-loop stall of a node between two stats snapshots.
function maxLag(id: number, from: number, to: number): number {
  let m = 0;
  for (const e of cluster.nodes[id - 1]!.events) {
    const s = e as unknown as NodeStats;
    if (e.event === "stats" && s.at > from && s.at <= to) m = Math.max(m, s.maxStallMs);
  }
  return m;
}
// Per node over a phase: fsyncs/s, mean fsync wait, entries per fsync, proposals per batch (leader).
function describeStats(before: NodeStats[], after: NodeStats[], seconds: number): string {
  return after
    .map((a) => {
      const b = before.find((x) => x.id === a.id);
      if (!b) return "";
      const syncs = a.syncs - b.syncs;
      const per = (x: number) => (syncs > 0 ? x / syncs : 0).toFixed(1);
      const batch = a.proposeBatches - b.proposeBatches;
      return `n${a.id}${a.leader ? "*" : ""}: ${(syncs / seconds).toFixed(0)} syncs/s, ${per(a.syncMs - b.syncMs)} ms/sync, ${per(a.entries - b.entries)} entries/sync${batch > 0 ? `, ${((a.proposals - b.proposals) / batch).toFixed(1)} props/batch` : ""}, max stall ${maxLag(a.id, b.at, a.at).toFixed(0)} ms`;
    })
    .filter((x) => x)
    .join(" | ");
}
await cluster.startAll();
const warm = new KvClient(cluster.clientAddrs(), 5000);
const w = await warm.request({ op: "put", key: "warm", value: "up" }, 20000);
if (w.kind !== "ok") throw new Error("cluster did not come up");
// Every node's first stats line (every 500 ms), so the first phase has a
// baseline to describe (it printed nothing for nodes that had none yet).
while (nodeStats().length < cluster.nodes.length) await Bun.sleep(50);

console.log(`# raft bench: 3 nodes, fsync=${!values["no-fsync"]}, loadavg=${loadavg().map((x) => x.toFixed(1)).join(",")}`);
// The disk's own sync latency in the same run: the floor under commit latency.
console.log(`# ${fsyncProbe(200, 8192, "fdatasync")}`);
console.log(`# ${fsyncProbe(200, 8192, "fdatasync", undefined, true)}`); // what the preallocated WAL segments pay

async function throughput(inflight: number): Promise<void> {
  // One connection per --per-conn in-flight requests, so the client isn't
  // the single serialisation point.
  const nClients = Math.max(1, Math.ceil(inflight / Number(values["per-conn"])));
  const clients = Array.from({ length: nClients }, () => {
    const c = new KvClient(cluster.clientAddrs(), 5000);
    c.leader = warm.leader;
    return c;
  });
  const hist = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let done = 0;
  let failed = 0;
  const end = performance.now() + seconds * 1000;
  const value = "x".repeat(64);
  const worker = async (wid: number) => {
    const c = clients[wid % nClients]!;
    for (let i = 0; performance.now() < end; i++) {
      const t0 = performance.now();
      const r = await c.request({ op: "put", key: `k${wid}-${i % 1000}`, value });
      if (r.kind === "ok") {
        hist.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        done++;
      } else failed++;
    }
  };
  const t0 = performance.now();
  const c0 = cpuSample(cluster);
  const s0 = nodeStats();
  await Promise.all(Array.from({ length: inflight }, (_, i) => worker(i)));
  const el = (performance.now() - t0) / 1000;
  const cpu = cpuDelta(c0, cpuSample(cluster));
  const cpuNodes = (cpu.nodes / Math.max(done, 1)) * 1e6;
  const cpuClient = (cpu.client / Math.max(done, 1)) * 1e6;
  const cpuSys = (cpu.nodesSys / Math.max(done, 1)) * 1e6;
  // Share of one core each process used during the phase.
  const cores = [...cpu.byNode].map(([id, s]) => `n${id} ${((s / el) * 100).toFixed(0)}%`).join(" ");
  const us = (p: number) => (hist.getValueAtPercentile(p) / 1000).toFixed(2);
  console.log(
    `inflight=${String(inflight).padStart(3)}  writes/s=${(done / el).toFixed(0).padStart(7)}  p50=${us(50)}ms  p99=${us(99)}ms  p99.9=${us(99.9)}ms  max=${(hist.maxValue / 1000).toFixed(1)}ms  failed=${failed}  cpu/write: nodes=${cpuNodes.toFixed(0)}us (kernel ${cpuSys.toFixed(0)}us) client=${cpuClient.toFixed(0)}us  cpu: ${cores} client ${((cpu.client / el) * 100).toFixed(0)}%`,
  );
  await Bun.sleep(600); // one more stats line from every node
  console.log(`    ${describeStats(s0, nodeStats(), el + 0.6)}`);
  for (const c of clients) c.close();
}

for (const n of values.inflight.split(",").map(Number)) await throughput(n);

// Failover: kill the leader, time until a write is acknowledged by another
// node, restart the victim, let it catch up, repeat.
const times: number[] = [];
const electedAfter: number[] = []; // kill -> a survivor reports itself leader
const c = new KvClient(cluster.clientAddrs(), 1000);
c.leader = warm.leader;
for (let k = 0; k < kills; k++) {
  const r = await c.request({ op: "put", key: "probe", value: String(k) }, 20000);
  if (r.kind !== "ok") throw new Error("no leader before kill");
  const victim = c.leader;
  const t0 = performance.now();
  const killedAt = Date.now();
  cluster.kill9(victim);
  let i = 0;
  for (;;) {
    const r2 = await c.request({ op: "put", key: "fo", value: `${k}-${i++}` }, 20000);
    if (r2.kind === "ok" && c.leader !== victim) break;
    if (performance.now() - t0 > 30000) throw new Error("no failover within 30 s");
  }
  times.push(performance.now() - t0);
  let elected = Infinity;
  for (const n of cluster.nodes) {
    for (const e of n.events) {
      if (e.event === "leader" && e.lead === e.id && e.id !== victim && (e.at as number) >= killedAt) elected = Math.min(elected, e.at as number);
    }
  }
  if (elected < Infinity) electedAfter.push(elected - killedAt);
  await cluster.start(victim);
  await Bun.sleep(500);
}
const spread = (xs: number[]) => {
  xs.sort((a, b) => a - b);
  return `median=${xs[Math.floor(xs.length / 2)]!.toFixed(0)}ms  max=${xs[xs.length - 1]!.toFixed(0)}ms  min=${xs[0]!.toFixed(0)}ms`;
};
if (times.length > 0) console.log(`failover over ${times.length} kills: ${spread(times)}`);
// When the new leader announced itself (its stdout line, as received here): the
// rest of the failover time is its no-op commit and the client finding it.
if (electedAfter.length > 0) console.log(`    new leader elected after: ${spread(electedAfter)}`);
c.close();
warm.close();
await cluster.stopAll();
process.exit(0);
