// Synchronous in-memory cluster for the paper-section tests: messages are
// delivered depth-first until the network is quiet (etcd-raft's `network`).
import { Raft, type RaftConfig } from "../../src/raft/raft.ts";
import { seededRand } from "../../src/raft/rand.ts";
import { MemoryStorage } from "../../src/raft/storage/memory.ts";
import { ErrProposalDropped } from "../../src/raft/raft.ts";
import { msg, type Entry, type Message, type MessageType } from "../../src/raft/types.ts";

export function newRaft(
  id: number,
  peers: number[],
  election = 10,
  heartbeat = 1,
  extra: Partial<RaftConfig> = {},
  learners: number[] = [],
): Raft {
  const storage = extra.storage ?? new MemoryStorage({ voters: peers, learners });
  return new Raft({ id, electionTick: election, heartbeatTick: heartbeat, rand: seededRand(id * 7919), ...extra, storage });
}

// Makes everything the node holds durable at once (what a host does with a
// Ready), so the leader's own log counts towards commit (Raft.onStable).
export function persist(r: Raft): void {
  const log = r.raftLog;
  const st = log.storage as MemoryStorage;
  const snap = log.unstable.snapshot;
  if (snap) {
    st.applySnapshot(snap);
    log.stableSnapTo(snap.meta.index);
  }
  const ents = log.unstableEntries();
  if (ents.length > 0) {
    st.append(ents);
    const last = ents[ents.length - 1]!;
    log.stableTo(last.index, last.term);
  }
  r.onStable();
}

export function readMessages(r: Raft): Message[] {
  persist(r);
  const m = r.msgs;
  r.msgs = [];
  return m;
}

export function data(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function prop(to: number, s: string): Message {
  return msg({ type: "prop", from: to, to, entries: [{ term: 0, index: 0, type: "normal", data: data(s) }] });
}

export function hup(id: number): Message {
  return msg({ type: "hup", from: id, to: id });
}

export function entriesOf(r: Raft): Entry[] {
  const l = r.raftLog;
  return l.slice(l.firstIndex(), l.lastIndex() + 1, Number.MAX_SAFE_INTEGER);
}

export class Network {
  peers = new Map<number, Raft>();
  private cuts = new Set<string>();
  private isolated = new Set<number>();
  private ignored = new Set<MessageType>();
  delivered: Message[] = [];

  constructor(rafts: Raft[]) {
    for (const r of rafts) this.peers.set(r.id, r);
  }

  static of(n: number, extra: Partial<RaftConfig> = {}): Network {
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const nt = new Network(ids.map((id) => newRaft(id, ids, 10, 1, extra)));
    // Tests start from "long-running" nodes: past the post-restart period in
    // which CheckQuorum nodes refuse votes (bootGuard).
    for (const p of nt.peers.values()) p.bootGuard = false;
    return nt;
  }

  send(...msgs: Message[]): void {
    const q = [...msgs];
    let steps = 0;
    while (q.length > 0) {
      if (++steps > 100000) throw new Error("network did not quiesce");
      const m = q.shift()!;
      const p = this.peers.get(m.to);
      if (!p) continue;
      this.delivered.push(m);
      try {
        p.step(m);
      } catch (e) {
        if (!(e instanceof ErrProposalDropped)) throw e;
      }
      q.push(...this.filter(readMessages(p)));
    }
  }

  private filter(ms: Message[]): Message[] {
    return ms.filter(
      (m) =>
        !this.ignored.has(m.type) &&
        !this.isolated.has(m.from) &&
        !this.isolated.has(m.to) &&
        !this.cuts.has(`${m.from}-${m.to}`),
    );
  }

  cut(a: number, b: number): void {
    this.cuts.add(`${a}-${b}`);
    this.cuts.add(`${b}-${a}`);
  }

  isolate(id: number): void {
    this.isolated.add(id);
  }

  ignore(t: MessageType): void {
    this.ignored.add(t);
  }

  recover(): void {
    this.cuts.clear();
    this.isolated.clear();
    this.ignored.clear();
  }

  // Tick every node n times, delivering whatever they send.
  tickAll(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const p of this.peers.values()) {
        p.tick();
        this.send(...this.filter(readMessages(p)));
      }
    }
  }

  leader(): Raft | undefined {
    for (const p of this.peers.values()) if (p.state === "leader") return p;
    return undefined;
  }
}
