// Where the time between a proposal and its commit goes: reads the trace
// files of a bench.ts --trace DIR run (kv_node --trace, one per node) and
// prints, for the leader's batches of the middle half of the run, the
// median / p10 / p90 / p99 of each step of the batch's way to its commit.
//   bun bench/raft/timeline.ts DIR
// Run one in-flight level per traced run (bench.ts --inflight 256 --kills 0).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

type Ev = { t: number; ev: string; f: number[]; leader: boolean };

const dir = process.argv[2];
if (!dir) throw new Error("usage: timeline.ts DIR");
const nodes = new Map<number, Ev[]>();
for (const name of readdirSync(dir).filter((n) => /^trace\.\d+$/.test(n))) {
  const evs: Ev[] = [];
  for (const line of readFileSync(join(dir, name), "latin1").split("\n")) {
    const p = line.split(" ");
    if (p.length < 2) continue;
    const leader = p[2] === "true";
    evs.push({ t: Number(p[0]), ev: p[1]!, f: p.slice(p[1] === "ready" ? 3 : 2).map(Number), leader });
  }
  nodes.set(Number(name.slice(6)), evs);
}
const isBatch = (e: Ev) => e.ev === "ready" && e.leader && e.f[1]! > 0; // f: first, last, commit
let leaderId = 0;
let most = 0;
for (const [id, evs] of nodes) {
  const n = evs.filter(isBatch).length;
  if (n > most) [leaderId, most] = [id, n];
}
const lead = nodes.get(leaderId)!;
const followers = [...nodes.keys()].filter((id) => id !== leaderId);

// The first event at or after position `from` matching pred (positions only
// move forward: batches are visited in log order).
function findFrom(evs: Ev[], from: number, pred: (e: Ev) => boolean): number {
  for (let i = from; i < evs.length; i++) if (pred(evs[i]!)) return i;
  return -1;
}

const steps = new Map<string, number[]>();
const add = (k: string, v: number) => {
  if (!steps.has(k)) steps.set(k, []);
  steps.get(k)!.push(v);
};
const batchAt: number[] = [];
for (let i = 0; i < lead.length; i++) if (isBatch(lead[i]!)) batchAt.push(i);
const cycles: number[] = [];
for (let b = 1; b < batchAt.length; b++) cycles.push(lead[batchAt[b]!]!.t - lead[batchAt[b - 1]!]!.t);
const pos = new Map<number, number>(followers.map((f) => [f, 0]));
for (let k = Math.max(1, Math.floor(batchAt.length / 4)); k < Math.floor((batchAt.length * 3) / 4); k++) {
  const bi = batchAt[k]!;
  const rd = lead[bi]!;
  const [first, last] = rd.f as [number, number];
  const queued = findFrom(lead, batchAt[k - 1]! + 1, (e) => e.ev === "queued");
  const sync = findFrom(lead, bi, (e) => e.ev === "sync");
  const synced = findFrom(lead, bi, (e) => e.ev === "synced");
  const commit = findFrom(lead, bi, (e) => e.ev === "ready" && e.f[2]! >= last);
  if (sync < 0 || synced < 0 || commit < 0) continue;
  const path: { recv: number; synced: number; ack: number }[] = [];
  for (const f of followers) {
    const evs = nodes.get(f)!;
    const r = findFrom(evs, pos.get(f)!, (e) => e.ev === "ready" && e.f[0]! <= first && e.f[1]! >= last);
    if (r < 0) break;
    pos.set(f, r);
    const s = findFrom(evs, r, (e) => e.ev === "synced");
    const ack = findFrom(lead, bi, (e) => e.ev === "ack" && e.f[0] === f && e.f[1]! >= last);
    if (s < 0 || ack < 0) break;
    path.push({ recv: evs[r]!.t, synced: evs[s]!.t, ack: lead[ack]!.t });
  }
  if (path.length !== followers.length) continue;
  path.sort((a, b) => a.ack - b.ack);
  add("entries in the batch", last - first + 1);
  if (queued >= 0 && queued < bi) add("first proposal queued -> leader Ready", rd.t - lead[queued]!.t);
  add("leader Ready -> its fdatasync starts", lead[sync]!.t - rd.t);
  add("leader fdatasync", lead[synced]!.t - lead[sync]!.t);
  path.forEach((p, k) => {
    const who = k === 0 ? "faster follower" : "slower follower";
    add(`leader Ready -> ${who} Ready`, p.recv - rd.t);
    add(`${who}: Ready -> fdatasync done`, p.synced - p.recv);
    add(`${who}: fdatasync done -> leader steps ack`, p.ack - p.synced);
  });
  add("first ack stepped -> leader Ready with the commit", lead[commit]!.t - path[0]!.ack);
  add("leader fdatasync done -> Ready with the commit", lead[commit]!.t - lead[synced]!.t);
  add("leader Ready -> Ready with the commit", lead[commit]!.t - rd.t);
}
steps.set("leader cycle (batch Ready -> next batch Ready)", cycles);

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
console.log(`# leader n${leaderId}, ${steps.get("entries in the batch")?.length ?? 0} of ${batchAt.length} batches (middle half), ms (entries for the first line)`);
for (const [k, xs] of steps) {
  xs.sort((a, b) => a - b);
  console.log(`${k.padEnd(52)} p50=${pct(xs, 0.5).toFixed(2).padStart(7)}  p10=${pct(xs, 0.1).toFixed(2).padStart(7)}  p90=${pct(xs, 0.9).toFixed(2).padStart(7)}  p99=${pct(xs, 0.99).toFixed(2).padStart(7)}`);
}
