import { expect, test } from "bun:test";
import { RaftNode, type RaftNodeOptions, type StateMachine } from "../../src/raft/node.ts";
import { MemoryStorage } from "../../src/raft/storage/memory.ts";
import type { Entry, Message, Snapshot } from "../../src/raft/types.ts";

// RaftNode hosts in one process: messages delivered in a later macrotask,
// each sync on the "pool" a timer away, so proposals and acks arrive while a
// leader's sync is in flight.
class SlowSyncStorage extends MemoryStorage {
  // The leader's log end when each sync started and when it ended.
  spans: { from: number; to: number }[] = [];
  constructor(private lastIndexNow: () => number) {
    super({ voters: [1, 2, 3], learners: [] });
  }
  override syncAsync(): Promise<void> {
    const from = this.lastIndexNow();
    return new Promise((resolve) =>
      setTimeout(() => {
        this.spans.push({ from, to: this.lastIndexNow() });
        resolve();
      }, 3),
    );
  }
}

class IdSm implements StateMachine {
  applied = 0;
  apply(e: Entry): { id?: number; result?: unknown } {
    this.applied = e.index;
    return e.data.length === 4 ? { id: new DataView(e.data.buffer, e.data.byteOffset).getUint32(0), result: e.index } : {};
  }
  snapshot(): Uint8Array {
    return new Uint8Array(0);
  }
  restore(s: Snapshot): void {
    this.applied = s.meta.index;
  }
  appliedIndex(): number {
    return this.applied;
  }
}

// Three RaftNodes in this process, each message delivered a macrotask
// later; resolves once one of them leads (stopping them all if none does).
async function startCluster<S extends MemoryStorage>(
  storageFor: (id: number, nodes: RaftNode[]) => S,
  options: Pick<RaftNodeOptions, "syncOnPool" | "slowSyncMs" | "holdProposalsDuringSync">,
): Promise<{ nodes: RaftNode[]; storages: S[]; leader: RaftNode }> {
  const nodes: RaftNode[] = [];
  const storages: S[] = [];
  for (const id of [1, 2, 3]) {
    const storage = storageFor(id, nodes);
    storages.push(storage);
    nodes.push(
      new RaftNode({
        id,
        storage,
        sm: new IdSm(),
        send: (msgs: Message[]) => {
          for (const m of msgs) setTimeout(() => nodes[m.to - 1]!.step(m), 0);
        },
        tickMs: 5,
        ...options,
      }),
    );
  }
  for (const n of nodes) n.start();
  const deadline = performance.now() + 10_000;
  let leader: RaftNode | undefined;
  while (!(leader = nodes.find((n) => n.isLeader()))) {
    if (performance.now() > deadline) {
      for (const n of nodes) n.stop();
      throw new Error("no leader");
    }
    await Bun.sleep(5);
  }
  return { nodes, storages, leader };
}

// Proposes a 4-byte entry holding id (IdSm answers with its index).
function proposeId(leader: RaftNode, id: number): Promise<unknown> {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, id);
  return new Promise((resolve, reject) => leader.propose(data, id, (err, r) => (err ? reject(err) : resolve(r))));
}

// Proposals spread over many syncs; resolves with each one's applied index.
async function proposeSpread(leader: RaftNode, count: number): Promise<unknown[]> {
  const results: Promise<unknown>[] = [];
  for (let id = 1; id <= count; id++) {
    results.push(proposeId(leader, id));
    if (id % 5 === 0) await Bun.sleep(1);
  }
  return Promise.all(results);
}

for (const hold of [false, true]) {
  test(`leader sync on the pool${hold ? ", proposals held during it" : ", proposals pipelined during it"}: every proposal commits once, in order`, async () => {
    const { nodes, storages, leader } = await startCluster((id, nodes) => new SlowSyncStorage(() => nodes[id - 1]!.raw.raft.raftLog.lastIndex()), {
      syncOnPool: "leader",
      holdProposalsDuringSync: hold,
    });
    try {
      const indexes = (await proposeSpread(leader, 200)) as number[];
      for (let i = 1; i < indexes.length; i++) expect(indexes[i]!).toBeGreaterThan(indexes[i - 1]!);
      const spans = storages[leader.o.id - 1]!.spans;
      const grewDuringSync = spans.filter((s) => s.to > s.from).length;
      // Held: the leader's log does not grow while its sync is in flight;
      // pipelined: proposals arriving meanwhile are appended at once.
      if (hold) expect(grewDuringSync).toBe(0);
      else expect(grewDuringSync).toBeGreaterThan(0);
    } finally {
      for (const n of nodes) n.stop();
    }
  }, 30_000);
}

// Blocking syncs of a chosen length (the thread waits, as in fdatasync);
// counts which path each sync took.
class TimedSyncStorage extends MemoryStorage {
  syncMs = 0;
  blocking = 0;
  pooled = 0;
  private readonly waitOn = new Int32Array(new SharedArrayBuffer(4));
  constructor() {
    super({ voters: [1, 2, 3], learners: [] });
  }
  override sync(): void {
    this.blocking++;
    if (this.syncMs > 0) Atomics.wait(this.waitOn, 0, 0, this.syncMs);
  }
  override syncAsync(): Promise<void> {
    this.pooled++;
    return this.syncMs > 0 ? new Promise((resolve) => setTimeout(resolve, this.syncMs)) : Promise.resolve();
  }
}

test(`"leader-when-slow": the leader blocks in its syncs while they are fast, moves them to the pool while they are slow, and back`, async () => {
  const { nodes, storages, leader } = await startCluster(() => new TimedSyncStorage(), {
    syncOnPool: "leader-when-slow",
    slowSyncMs: 2,
    holdProposalsDuringSync: true,
  });
  try {
    const storage = storages[leader.o.id - 1]!;
    let nextId = 1;
    // Proposals one after another, each waited for: one sync each.
    const phase = async (syncMs: number, proposals: number) => {
      for (const s of storages) s.syncMs = syncMs;
      const before = { blocking: storage.blocking, pooled: storage.pooled };
      for (let i = 0; i < proposals; i++) await proposeId(leader, nextId++);
      return { blocking: storage.blocking - before.blocking, pooled: storage.pooled - before.pooled };
    };
    const fast = await phase(0, 40);
    expect(fast.pooled).toBe(0);
    const slow = await phase(5, 80);
    expect(slow.pooled).toBeGreaterThan(slow.blocking); // after ~16 slow syncs the mean crosses 2 ms
    const fastAgain = await phase(0, 120);
    expect(fastAgain.blocking).toBeGreaterThan(fastAgain.pooled);
    // Followers always block.
    for (const s of storages) if (s !== storage) expect(s.pooled).toBe(0);
  } finally {
    for (const n of nodes) n.stop();
  }
}, 60_000);
