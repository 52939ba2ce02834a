// Example replicated KV node.
//   bun src/raft/example/kv_node.ts --id 1 --dir /tmp/n1 \
//     --peers 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 --client-port 8001
// The node's own entry in --peers gives its raft port. Prints JSON events
// (ready, leader changes) on stdout, one per line. Start it with
// MIMALLOC_PURGE_DELAY=-1 in the environment (ALLOCATOR_ENV in launch.ts,
// which sets it for the nodes it spawns): about half the CPU per write.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KvService } from "../kv/service.ts";
import type { RaftNodeOptions, TraceEvent } from "../node.ts";
import { FileStorage } from "../storage/file.ts";
import type { PeerAddr } from "../transport/tcp.ts";

const { values } = parseArgs({
  options: {
    id: { type: "string" },
    dir: { type: "string" },
    peers: { type: "string" },
    "client-port": { type: "string", default: "0" },
    "tick-ms": { type: "string", default: "20" },
    "max-inflight": { type: "string" }, // appends in flight per follower (RaftNode's default otherwise)
    "no-fsync": { type: "boolean", default: false },
    // Where fdatasync runs (RaftNodeOptions.syncOnPool): on the event loop,
    // which blocks, on the thread pool while leading (-hold:
    // holdProposalsDuringSync; -when-slow, the default: only while the
    // node's syncs are slow, i.e. the disk is contended; see "Sync modes" in
    // src/raft/README.md), or always on the pool.
    "sync-mode": { type: "string", default: "leader-pool-hold-when-slow" }, // one of SYNC_MODES below
    // SIGUSR1 switches to --sync-mode-b, SIGUSR2 back to --sync-mode:
    // bench/raft/sync_mode_ab.ts compares both inside one cluster.
    "sync-mode-signals": { type: "boolean", default: false },
    "sync-mode-b": { type: "string", default: "leader-pool" },
    stats: { type: "boolean", default: false },
    // Writes DIR/trace.<id> at shutdown: one line per RaftNode TraceEvent,
    // "<epoch ms> <event> <fields>" (bench/raft/timeline.ts reads them).
    trace: { type: "string" },
  },
});

type SyncMode = { syncOnPool: RaftNodeOptions["syncOnPool"]; holdProposalsDuringSync: boolean };
const SYNC_MODES: Record<string, SyncMode> = {
  blocking: { syncOnPool: false, holdProposalsDuringSync: false },
  "leader-pool": { syncOnPool: "leader", holdProposalsDuringSync: false },
  "leader-pool-hold": { syncOnPool: "leader", holdProposalsDuringSync: true },
  "leader-pool-hold-when-slow": { syncOnPool: "leader-when-slow", holdProposalsDuringSync: true },
  pool: { syncOnPool: true, holdProposalsDuringSync: false },
};
const id = Number(values.id);
const modeA = SYNC_MODES[values["sync-mode"]];
const modeB = SYNC_MODES[values["sync-mode-b"]];
if (!id || !values.dir || !values.peers || !modeA || !modeB) {
  console.error(`usage: kv_node.ts --id N --dir DIR --peers id=host:port,... [--client-port P] [--sync-mode ${Object.keys(SYNC_MODES).join("|")}]`);
  process.exit(2);
}
const peers = new Map<number, PeerAddr>();
for (const p of values.peers.split(",")) {
  const [pid, addr] = p.split("=");
  const [host, port] = addr!.split(":");
  peers.set(Number(pid), { host: host!, port: Number(port) });
}
const self = peers.get(id);
if (!self) throw new Error(`--peers must include this node (${id})`);

const log = (ev: Record<string, unknown>) => console.log(JSON.stringify(ev));
const storage = new FileStorage(values.dir, {
  initialConf: { voters: [...peers.keys()].sort((a, b) => a - b), learners: [] },
  fsync: !values["no-fsync"],
});
const traceLines: string[] = [];
const traceDir = values.trace;
const trace = traceDir
  ? (e: TraceEvent) => traceLines.push(`${(performance.timeOrigin + performance.now()).toFixed(3)} ${Object.values(e).join(" ")}`)
  : undefined;
const svc = new KvService({
  id,
  storage,
  raftPort: self.port,
  clientPort: Number(values["client-port"]),
  peers,
  tickMs: Number(values["tick-ms"]),
  raft: values["max-inflight"] ? { maxInflightMsgs: Number(values["max-inflight"]) } : undefined,
  ...modeA,
  trace,
  log,
});
const ports = svc.start();
if (values["sync-mode-signals"]) {
  process.on("SIGUSR1", () => Object.assign(svc.node.o, modeB));
  process.on("SIGUSR2", () => Object.assign(svc.node.o, modeA));
}
log({ event: "ready", id, ...ports });

if (values.stats) {
  // Periodic diagnostics on stdout (batch sizes etc., and the longest
  // event-loop stall of the interval).
  setInterval(() => {
    log({ event: "stats", id, leader: svc.node.isLeader(), ...svc.node.stats });
    svc.node.stats.maxStallMs = 0;
  }, 500);
}

const shutdown = () => {
  svc.stop();
  if (traceDir) writeFileSync(join(traceDir, `trace.${id}`), traceLines.join("\n") + "\n");
  storage.close();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
