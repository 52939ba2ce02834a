// Example replicated KV node.
//   bun src/raft/example/kv_node.ts --id 1 --dir /tmp/n1 \
//     --peers 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 --client-port 8001
// The node's own entry in --peers gives its raft port. Prints JSON events
// (ready, leader changes) on stdout, one per line. Start it with
// MIMALLOC_PURGE_DELAY=-1 in the environment (ALLOCATOR_ENV in launch.ts,
// which sets it for the nodes it spawns): about half the CPU per write.
import { parseArgs } from "node:util";
import { KvService } from "../kv/service.ts";
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
    // Where fdatasync runs (RaftNodeOptions.syncOnPool): nowhere but on the
    // event loop, which blocks (the default), on the thread pool while
    // leading, or always on the pool.
    "sync-mode": { type: "string", default: "blocking" }, // blocking | leader-pool | pool
    // SIGUSR1 puts the leader's sync on the pool, SIGUSR2 makes it block:
    // bench/raft/sync_mode_ab.ts compares both inside one cluster.
    "sync-mode-signals": { type: "boolean", default: false },
    stats: { type: "boolean", default: false },
  },
});

const SYNC_MODES: Record<string, boolean | "leader"> = { "leader-pool": "leader", pool: true, blocking: false };
const id = Number(values.id);
if (!id || !values.dir || !values.peers || !(values["sync-mode"] in SYNC_MODES)) {
  console.error("usage: kv_node.ts --id N --dir DIR --peers id=host:port,... [--client-port P] [--sync-mode blocking|leader-pool|pool]");
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
const svc = new KvService({
  id,
  storage,
  raftPort: self.port,
  clientPort: Number(values["client-port"]),
  peers,
  tickMs: Number(values["tick-ms"]),
  raft: values["max-inflight"] ? { maxInflightMsgs: Number(values["max-inflight"]) } : undefined,
  syncOnPool: SYNC_MODES[values["sync-mode"]],
  log,
});
const ports = svc.start();
if (values["sync-mode-signals"]) {
  process.on("SIGUSR1", () => (svc.node.o.syncOnPool = "leader"));
  process.on("SIGUSR2", () => (svc.node.o.syncOnPool = false));
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
  storage.close();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
