// Spawns the example KV node as separate processes on 127.0.0.1 (used by the
// real-process test and the benchmark).
import type { Subprocess } from "bun";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// mimalloc (Bun's allocator) returns freed pages to the OS by a background
// scavenger (madvise). A node allocates and frees frames and entries at a
// high rate, so the scavenger ran constantly, and each madvise is a TLB
// shootdown across cores: on the development VM (nested virtualisation)
// that was ~15% of the nodes' CPU and doubled CPU per write. -1 disables
// purging: a node's RSS stays at its high-water mark instead. Read by
// mimalloc at process start, so it must be in the environment of the spawn.
export const ALLOCATOR_ENV = { MIMALLOC_PURGE_DELAY: "-1" } as const;

// For a benchmark's client process: the same allocator setting as the nodes.
// It is read at process start, so without it the script runs itself again
// with it and exits with that run's status.
export async function rerunWithAllocatorEnv(): Promise<void> {
  if (process.env.MIMALLOC_PURGE_DELAY !== undefined) return;
  const self = Bun.spawn([process.execPath, ...process.argv.slice(1)], { env: { ...process.env, ...ALLOCATOR_ENV }, stdio: ["inherit", "inherit", "inherit"] });
  process.exit(await self.exited);
}

export function freePorts(n: number): number[] {
  const servers = Array.from({ length: n }, () =>
    Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }),
  );
  const ports = servers.map((s) => s.port);
  for (const s of servers) s.stop(true);
  return ports;
}

export interface ProcNode {
  id: number;
  proc: Subprocess<"ignore", "pipe", "pipe"> | null;
  clientPort: number;
  raftPort: number;
  dir: string;
  events: Record<string, unknown>[];
}

export class ProcCluster {
  nodes: ProcNode[] = [];
  readonly root: string;
  private peersArg: string;

  constructor(
    readonly size: number,
    private extraArgs: string[] = [],
    private runtimeArgs: string[] = [], // e.g. ["--cpu-prof"] for profiling
  ) {
    this.root = mkdtempSync(join(tmpdir(), "aikv-raft-proc-"));
    const ports = freePorts(size * 2);
    for (let i = 0; i < size; i++) {
      this.nodes.push({ id: i + 1, proc: null, raftPort: ports[i]!, clientPort: ports[size + i]!, dir: join(this.root, `n${i + 1}`), events: [] });
    }
    this.peersArg = this.nodes.map((n) => `${n.id}=127.0.0.1:${n.raftPort}`).join(",");
  }

  clientAddrs(): Map<number, { host: string; port: number }> {
    return new Map(this.nodes.map((n) => [n.id, { host: "127.0.0.1", port: n.clientPort }]));
  }

  async start(id: number): Promise<void> {
    const n = this.nodes[id - 1]!;
    const script = join(import.meta.dir, "kv_node.ts");
    const proc = Bun.spawn(
      [process.execPath, ...this.runtimeArgs, script, "--id", String(id), "--dir", n.dir, "--peers", this.peersArg, "--client-port", String(n.clientPort), ...this.extraArgs],
      { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...ALLOCATOR_ENV, ...process.env } },
    );
    n.proc = proc;
    let readyResolve: () => void = () => {};
    const ready = new Promise<void>((r) => (readyResolve = r));
    void (async () => {
      const dec = new TextDecoder();
      let buf = "";
      for await (const chunk of proc.stdout) {
        buf += dec.decode(chunk);
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          try {
            const ev = JSON.parse(line) as Record<string, unknown>;
            n.events.push({ ...ev, at: Date.now() });
            if (ev.event === "ready") readyResolve();
          } catch {
            /* not an event line */
          }
        }
      }
    })();
    await Promise.race([ready, Bun.sleep(10000).then(() => Promise.reject(new Error(`node ${id} did not start`)))]);
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.start(n.id)));
  }

  kill9(id: number): void {
    const n = this.nodes[id - 1]!;
    n.proc?.kill(9);
    n.proc = null;
  }

  // The leader as last reported by live nodes (highest term wins).
  currentLeader(): number {
    let best = { term: -1, lead: 0 };
    for (const n of this.nodes) {
      if (!n.proc) continue;
      for (const e of n.events) {
        if (e.event === "leader" && (e.term as number) >= best.term) best = { term: e.term as number, lead: e.lead as number };
      }
    }
    return best.lead;
  }

  async stopAll(): Promise<void> {
    for (const n of this.nodes) {
      if (n.proc) {
        n.proc.kill(15);
        await Promise.race([n.proc.exited, Bun.sleep(2000)]);
        n.proc?.kill(9);
        n.proc = null;
      }
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

// CPU seconds used so far by each node process of a cluster (from /proc,
// by node id; kernel part separately) and by this (the client) process.
// CPU per write is a machine-load-independent cost measure: on a dedicated 2-core box, max
// writes/s ~= 2 / (cpu seconds per write); a process near one core's worth
// of CPU seconds per second is the one that saturates.
export type CpuSample = { node: Map<number, { total: number; sys: number }>; client: number };
export function cpuSample(cluster: ProcCluster): CpuSample {
  const node = new Map<number, { total: number; sys: number }>();
  for (const n of cluster.nodes) {
    if (!n.proc) continue;
    try {
      const f = readFileSync(`/proc/${n.proc.pid}/stat`, "utf8");
      const parts = f.slice(f.lastIndexOf(")") + 2).split(" ");
      // utime + stime, USER_HZ=100
      node.set(n.id, { total: (Number(parts[11]) + Number(parts[12])) / 100, sys: Number(parts[12]) / 100 });
    } catch {
      /* not linux */
    }
  }
  const u = process.cpuUsage();
  return { node, client: (u.user + u.system) / 1e6 };
}
// CPU used between two samples: all nodes together (total, kernel) and by node id.
export function cpuDelta(a: CpuSample, b: CpuSample): { nodes: number; nodesSys: number; byNode: Map<number, number>; client: number } {
  let nodes = 0;
  let nodesSys = 0;
  const byNode = new Map<number, number>();
  for (const [id, x] of b.node) {
    const y = a.node.get(id);
    if (!y) continue;
    nodes += x.total - y.total;
    nodesSys += x.sys - y.sys;
    byNode.set(id, x.total - y.total);
  }
  return { nodes, nodesSys, byNode, client: b.client - a.client };
}
