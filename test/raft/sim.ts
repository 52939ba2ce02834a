// Deterministic cluster simulation. Everything (network faults, crashes,
// clock skew, client workload) is drawn from one seeded PRNG, so a seed
// reproduces a run byte for byte. Invariants are checked after every step
// and the client history is checked for linearizability at the end.
import { decodeMessage, encodeMessage } from "../../src/raft/transport/codec.ts";
import { encodeCommand, type KvCommand, type KvResult } from "../../src/raft/kv/command.ts";
import { KvStateMachine } from "../../src/raft/kv/state_machine.ts";
import { decodeConfChange } from "../../src/raft/raft.ts";
import { randInt, seededRand, type Rand } from "../../src/raft/rand.ts";
import { RawNode, type Ready } from "../../src/raft/raw_node.ts";
import { FileStorage } from "../../src/raft/storage/file.ts";
import { MemoryStorage } from "../../src/raft/storage/memory.ts";
import type { WritableStorage } from "../../src/raft/storage/storage.ts";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfChange, Entry, HardState, Message, Snapshot } from "../../src/raft/types.ts";
import { checkHistory, type Op } from "./lincheck.ts";

export interface SimOptions {
  seed: number;
  nodes: number; // universe size
  initialVoters?: number; // defaults to all
  steps: number;
  membership: boolean;
  preVote: boolean;
  checkQuorum: boolean;
  clients: number;
  // fault intensities (drawn per seed when undefined)
  dropRate?: number;
  dupRate?: number;
  // "file": FileStorage (fsync off: a simulated crash drops the unsynced
  // buffer; the page cache survives a process crash anyway).
  storage?: "memory" | "file";
  // Lease-based reads (leaseBased + CheckQuorum). Tick-rate skew is then
  // bounded to +-5%, the drift the default lease margin is built for.
  leaseReads?: boolean;
  lazyCommitBroadcast?: boolean; // as RaftNode runs the core
  // A synced Ready is persisted over 1-3 steps, the node stepping meanwhile
  // as RaftNode with syncOnPool does: early messages of new proposals leave
  // at once (takeEarlyMessages), entries committed meanwhile are applied
  // (takeCommitted), a crash loses the Ready's unsynced writes.
  asyncPersist?: boolean;
}

// MemoryStorage that remembers what was last fsynced; a crash rolls back to
// that, losing everything written without sync (e.g. lazily written commit
// indexes).
class SimStorage extends MemoryStorage {
  private durable: { hs: HardState; snap: Snapshot; ents: Entry[] } | undefined;
  override sync(): void {
    this.durable = { hs: { ...this.hardState }, snap: this.snap, ents: this.ents.slice() };
  }
  crash(): void {
    if (!this.durable) {
      const conf = this.snap.meta.conf;
      this.hardState = { term: 0, vote: 0, commit: 0 };
      this.ents = [{ term: 0, index: 0, type: "normal", data: new Uint8Array(0) }];
      this.snap = { meta: { index: 0, term: 0, conf }, data: new Uint8Array(0) };
      return;
    }
    this.hardState = { ...this.durable.hs };
    this.snap = this.durable.snap;
    this.ents = this.durable.ents.slice();
  }
}

interface PendingRead {
  index: number;
  key: string;
  cb: (r: KvResult) => void;
}

class SimNode {
  raw: RawNode | null = null;
  sm = new KvStateMachine();
  pending = new Map<number, (r: KvResult) => void>();
  readCtx = new Map<string, { key: string; cb: (r: KvResult) => void }>();
  readWait: PendingRead[] = [];
  tickAcc = 0;
  // asyncPersist: the Ready whose sync is in flight, when it completes, and
  // whether its committed entries are applied already.
  persisting: { rd: Ready; at: number; applied: boolean } | null = null;
  constructor(readonly id: number, public storage: WritableStorage, public tickRate: number, readonly dir?: string) {}

  crashStorage(): void {
    if (this.storage instanceof SimStorage) this.storage.crash();
    else if (this.storage instanceof FileStorage) {
      this.storage.crashForTest();
      this.storage = new FileStorage(this.dir!, { fsync: false });
    }
  }
}

interface InFlight {
  at: number;
  seq: number;
  to: number;
  bytes: Uint8Array;
}

interface Client {
  id: number;
  seq: number;
  busy: boolean;
  deadline: number;
  leaderGuess: number;
  op?: Op;
}

export interface SimResult {
  history: Op[];
  traceHash: number;
  stats: { delivered: number; dropped: number; elections: number; crashes: number; committed: number; confChanges: number; confApplied: number; snapshotsSent: number; transfers: number };
}

// The configuration a seed runs with: cluster shape, features and faults
// vary by seed so every combination gets coverage.
export function simConfig(seed: number, steps: number): SimOptions {
  const kind = seed % 4;
  return {
    seed,
    nodes: kind === 3 ? 5 : kind === 1 ? 5 : 3,
    initialVoters: kind === 3 ? 3 : undefined,
    steps,
    membership: kind === 3,
    // Membership runs always use PreVote: without it (or CheckQuorum) a
    // removed server that never learns of its removal keeps disrupting the
    // cluster with ever-higher terms (Raft dissertation §4.2.3).
    preVote: kind === 3 || seed % 3 !== 0,
    checkQuorum: seed % 2 === 0,
    clients: 4,
    leaseReads: seed % 5 === 2,
    // Not on the regression seeds (323, 40146), which keep their runs.
    lazyCommitBroadcast: seed % 3 === 1,
    asyncPersist: seed % 7 === 3,
  };
}

export class SimFailure extends Error {
  override name = "SimFailure";
}

const KEYS = ["a", "b", "c"];

export class Sim {
  private rand: Rand;
  private now = 0;
  private clock = 0; // logical time for histories: strictly increasing per event
  private seq = 0;
  private queue: InFlight[] = [];
  private nodes = new Map<number, SimNode>();
  private alive = new Set<number>();
  private cuts = new Set<string>(); // "from>to"
  private history: Op[] = [];
  private clients: Client[] = [];
  private leaderOfTerm = new Map<number, number>();
  // seenAt: the lowest term of a node seen applying the entry. It was
  // committed in that term or an earlier one (a node learns a commit index
  // from a leader of its own term, or is that leader).
  private committed = new Map<number, { term: number; h: number; seenAt: number }>();
  private maxCommitted = 0;
  private trace = 0;
  private dropRate: number;
  private dupRate: number;
  private maxDelay: number;
  private faults = true;
  private crashAt = new Map<number, number>(); // restart time for crashed nodes
  private stats = { delivered: 0, dropped: 0, elections: 0, crashes: 0, committed: 0, confChanges: 0, confApplied: 0, snapshotsSent: 0, transfers: 0 };
  private opCounter = 0;
  private tmpDir: string | undefined;

  constructor(private o: SimOptions) {
    this.rand = seededRand(o.seed);
    this.dropRate = o.dropRate ?? this.rand() * 0.1;
    this.dupRate = o.dupRate ?? this.rand() * 0.05;
    this.maxDelay = 1 + randInt(this.rand, 4);
    const nv = o.initialVoters ?? o.nodes;
    const voters = Array.from({ length: nv }, (_, i) => i + 1);
    if (o.storage === "file") this.tmpDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "aikv-sim-"));
    for (let id = 1; id <= o.nodes; id++) {
      let st: WritableStorage;
      let dir: string | undefined;
      if (this.tmpDir) {
        dir = join(this.tmpDir, `n${id}`);
        st = new FileStorage(dir, { fsync: false, initialConf: { voters, learners: [] }, segmentBytes: 16 << 10 });
      } else {
        st = new SimStorage({ voters, learners: [] });
      }
      st.sync();
      // Clock skew: each node's ticks run at 0.6x..1.4x real rate.
      const rate = o.leaseReads ? 0.95 + this.rand() * 0.1 : 0.6 + this.rand() * 0.8;
      const n = new SimNode(id, st, rate, dir);
      this.nodes.set(id, n);
      this.start(n);
    }
    for (let c = 0; c < o.clients; c++) this.clients.push({ id: c + 1, seq: 0, busy: false, deadline: 0, leaderGuess: 1 });
  }

  describe(): string {
    const lines: string[] = [];
    for (const [id, n] of this.nodes) {
      if (!n.raw) {
        lines.push(`  node ${id}: down`);
        continue;
      }
      const r = n.raw.raft;
      const prs = [...r.prs.entries()].map(([p, pr]) => `${p}:${pr.state[0]}${pr.isLearner ? "L" : ""} m${pr.match} n${pr.next}${pr.probeSent ? " ps" : ""}${pr.state === "snapshot" ? " snap" + pr.pendingSnapshot + "@" + pr.snapOffset : ""}`);
      lines.push(
        `  node ${id}: ${r.state} term ${r.term} vote ${r.vote} lead ${r.lead} commit ${r.raftLog.committed} applied ${r.raftLog.applied} last ${r.raftLog.lastIndex()} first ${r.raftLog.firstIndex()} conf ${JSON.stringify(r.confState())}${r.state === "leader" ? " prs " + prs.join(", ") : ""}`,
      );
    }
    return lines.join("\n");
  }

  private fail(msg: string): never {
    if (process.env.AIKV_SIM_VERBOSE) console.error(this.describe());
    throw new SimFailure(`seed=${this.o.seed} step=${this.now}: ${msg}`);
  }

  private start(n: SimNode): void {
    n.raw = new RawNode({
      id: n.id,
      storage: n.storage,
      // The state machine restarts from the snapshot, which may be newer
      // than the compaction point (we keep a few entries for slow peers).
      applied: n.storage.snapshot().meta.index,
      electionTick: 10,
      heartbeatTick: 2,
      preVote: this.o.preVote,
      checkQuorum: this.o.checkQuorum || !!this.o.leaseReads,
      readOnlyOption: this.o.leaseReads ? "leaseBased" : "safe",
      lazyCommitBroadcast: this.o.lazyCommitBroadcast,
      maxSizePerMsg: 512,
      maxInflightMsgs: 8,
      maxInflightBytes: 8192,
      snapshotChunkSize: 64, // tiny, so multi-chunk transfers happen
      rand: seededRand(randInt(this.rand, 2 ** 31)),
    });
    n.sm = new KvStateMachine();
    n.sm.restore(n.storage.snapshot().data);
    n.pending.clear();
    n.readCtx.clear();
    n.readWait = [];
    this.alive.add(n.id);
  }

  private crash(n: SimNode): void {
    this.stats.crashes++;
    this.alive.delete(n.id);
    n.raw = null;
    n.persisting = null; // its unsynced writes are lost with the storage's
    n.crashStorage();
    n.pending.clear();
    n.readCtx.clear();
    n.readWait = [];
  }

  // ---- network ------------------------------------------------------------

  private sendMsg(m: Message): void {
    if (m.type === "snap") this.stats.snapshotsSent++;
    const bytes = encodeMessage(m);
    const copies = this.rand() < this.dupRate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      if (this.faults && this.rand() < this.dropRate) {
        this.stats.dropped++;
        continue;
      }
      let delay = 1 + randInt(this.rand, this.maxDelay);
      if (this.faults && this.rand() < 0.05) delay += randInt(this.rand, 15); // reorder tail
      this.queue.push({ at: this.now + delay, seq: this.seq++, to: m.to, bytes });
    }
  }

  private deliver(): void {
    const due: InFlight[] = [];
    const rest: InFlight[] = [];
    for (const f of this.queue) (f.at <= this.now ? due : rest).push(f);
    this.queue = rest;
    due.sort((a, b) => a.at - b.at || a.seq - b.seq);
    for (const f of due) {
      const m = decodeMessage(f.bytes);
      const n = this.nodes.get(f.to);
      if (!n || !n.raw || this.cuts.has(`${m.from}>${m.to}`)) {
        this.stats.dropped++;
        continue;
      }
      this.stats.delivered++;
      this.trace = (Math.imul(this.trace, 31) + Bun.hash.crc32(f.bytes)) >>> 0;
      n.raw.step(m);
      this.process(n);
    }
  }

  // ---- ready handling -------------------------------------------------------

  private process(n: SimNode): void {
    const raw = n.raw!;
    if (n.persisting) {
      for (const m of raw.takeEarlyMessages()) this.sendMsg(m);
      if (n.persisting.applied) {
        for (const e of raw.takeCommitted()) this.apply(n, raw, e);
        this.serveReads(n);
      }
      return;
    }
    while (n.raw === raw && !n.persisting && raw.hasReady()) {
      const rd = raw.ready();
      this.handleReady(n, raw, rd);
    }
  }

  // asyncPersist: Readys whose sync completes now.
  private persistDue(): void {
    for (const id of [...this.alive]) {
      const n = this.nodes.get(id)!;
      const p = n.persisting;
      if (!p || p.at > this.now || !n.raw) continue;
      n.persisting = null;
      n.storage.sync();
      this.finishReady(n, n.raw, p.rd, p.applied);
      if (n.raw) this.process(n);
    }
  }

  private handleReady(n: SimNode, raw: RawNode, rd: Ready): void {
    if (rd.softState?.state === "leader") this.onNewLeader(n);
    // Leader appends leave before the leader's own write (§10.2.1)...
    for (const m of rd.earlyMessages) this.sendMsg(m);
    if (this.faults && rd.earlyMessages.length > 0 && this.rand() < 0.001) {
      // ...and the leader may crash before that write: its unsynced tail is
      // lost while followers may already hold (and ack) it.
      this.crash(n);
      this.crashAt.set(n.id, this.now + 10 + randInt(this.rand, 80));
      return;
    }
    if (rd.snapshot) {
      n.storage.applySnapshot(rd.snapshot);
      n.sm.restore(rd.snapshot.data);
      this.checkCommitted(rd.snapshot.meta.index, rd.snapshot.meta.term, undefined, raw.raft.term);
    }
    if (rd.entries.length > 0) n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    if (this.o.asyncPersist && rd.mustSync) {
      // As RaftNode: committed entries below this Ready's new ones are
      // durable here already and may be applied before its sync.
      const firstNew = rd.entries.length > 0 ? rd.entries[0]!.index : Infinity;
      const last = rd.committedEntries[rd.committedEntries.length - 1];
      const applyNow = (last?.index ?? 0) < firstNew;
      if (applyNow) this.applyReady(n, raw, rd);
      n.persisting = { rd, at: this.now + 1 + randInt(this.rand, 3), applied: applyNow };
      return;
    }
    if (rd.mustSync) n.storage.sync();
    this.finishReady(n, raw, rd, false);
  }

  // After the Ready's sync: crash, or send, apply and advance.
  private finishReady(n: SimNode, raw: RawNode, rd: Ready, applied: boolean): void {
    if (this.faults && this.rand() < 0.0003) {
      // Crash after persisting but before sending or applying anything.
      this.crash(n);
      this.crashAt.set(n.id, this.now + 10 + randInt(this.rand, 80));
      return;
    }
    for (const m of rd.messages) this.sendMsg(m);
    if (!applied) this.applyReady(n, raw, rd);
    raw.advance(rd);
    this.serveReads(n);
    // Log compaction: snapshot the state machine every ~20 entries.
    const fi = n.storage.firstIndex();
    if (n.sm.appliedIndex - fi > 20) {
      n.storage.createSnapshot(n.sm.appliedIndex, raw.raft.confState(), n.sm.snapshot());
      n.storage.compact(n.sm.appliedIndex - 5);
      n.storage.sync();
    }
  }

  private applyReady(n: SimNode, raw: RawNode, rd: Ready): void {
    for (const e of rd.committedEntries) this.apply(n, raw, e);
    for (const rs of rd.readStates) {
      const w = n.readCtx.get(rs.context);
      if (!w) continue;
      n.readCtx.delete(rs.context);
      n.readWait.push({ index: rs.index, key: w.key, cb: w.cb });
    }
  }

  private serveReads(n: SimNode): void {
    if (n.readWait.length === 0) return;
    const keep: PendingRead[] = [];
    for (const r of n.readWait) {
      if (n.sm.appliedIndex >= r.index) r.cb({ ok: true, value: n.sm.read(r.key) });
      else keep.push(r);
    }
    n.readWait = keep;
  }

  private checkCommitted(index: number, term: number, h: number | undefined, seenAt: number): void {
    const rec = this.committed.get(index);
    if (rec) {
      if (rec.term !== term || (h !== undefined && rec.h !== h && rec.h !== -1)) {
        this.fail(`committed entry ${index} changed: term ${rec.term} -> ${term}`);
      }
      if (h !== undefined && rec.h === -1) rec.h = h;
      if (seenAt < rec.seenAt) rec.seenAt = seenAt;
    } else {
      this.committed.set(index, { term, h: h ?? -1, seenAt });
      if (index > this.maxCommitted) this.maxCommitted = index;
      this.stats.committed++;
    }
  }

  private apply(n: SimNode, raw: RawNode, e: Entry): void {
    if (e.index !== n.sm.appliedIndex + 1) this.fail(`node ${n.id} applied ${e.index} after ${n.sm.appliedIndex}`);
    // State machine safety: every node applies the same entry at an index.
    this.checkCommitted(e.index, e.term, Bun.hash.crc32(e.data) ^ (e.type === "conf" ? 1 : 0), raw.raft.term);
    if (e.type === "conf") {
      n.sm.appliedIndex = e.index;
      const cc = decodeConfChange(e.data);
      if (raw.raft.state === "leader") this.stats.confApplied++;
      raw.applyConfChange(cc);
      return;
    }
    const r = n.sm.applyEntry(e.index, e.data);
    if (r?.result) {
      const cb = n.pending.get(r.id);
      if (cb) {
        n.pending.delete(r.id);
        cb(r.result);
      }
    }
  }

  private onNewLeader(n: SimNode): void {
    this.stats.elections++;
    const r = n.raw!.raft;
    const prev = this.leaderOfTerm.get(r.term);
    if (prev !== undefined && prev !== n.id) this.fail(`two leaders in term ${r.term}: ${prev} and ${n.id}`);
    this.leaderOfTerm.set(r.term, n.id);
    // Leader completeness (§5.4): the new leader has every entry committed
    // in an earlier term. Not entries of later terms: a candidate cut off
    // since an old term can still win it with delayed vote responses (a
    // legitimate, stale leader that steps down on contact; seed 40146).
    const log = r.raftLog;
    for (let i = Math.max(log.firstIndex(), 1); i <= this.maxCommitted; i++) {
      const rec = this.committed.get(i);
      if (!rec || rec.seenAt >= r.term) continue;
      const t = log.term(i);
      if (t !== rec.term) this.fail(`leader ${n.id} (term ${r.term}) lacks committed entry ${i} (has term ${t}, want ${rec.term})`);
    }
  }

  // Per-step invariants over the live nodes.
  private checkInvariants(): void {
    // Lease safety: while a leader's lease is valid, nobody else may be
    // leader in a newer term (otherwise lease reads could be stale).
    for (const id of this.alive) {
      const r = this.nodes.get(id)!.raw!.raft;
      if (r.state !== "leader" || r.readOnlyOption !== "leaseBased" || !r.leaseValid()) continue;
      for (const other of this.alive) {
        const o = this.nodes.get(other)!.raw!.raft;
        if (other !== id && o.state === "leader" && o.term > r.term) {
          this.fail(`node ${id} holds a lease in term ${r.term} while ${other} leads term ${o.term}`);
        }
      }
    }
    for (const id of this.alive) {
      const n = this.nodes.get(id)!;
      const r = n.raw!.raft;
      if (r.state === "leader") {
        const prev = this.leaderOfTerm.get(r.term);
        if (prev !== undefined && prev !== id) this.fail(`two leaders in term ${r.term}: ${prev} and ${id}`);
        this.leaderOfTerm.set(r.term, id);
      }
      const log = r.raftLog;
      if (!(log.applied <= log.committed && log.committed <= log.lastIndex())) {
        this.fail(`node ${id}: applied ${log.applied} committed ${log.committed} last ${log.lastIndex()}`);
      }
      // Log matching at committed indexes: a node's committed prefix agrees
      // with the global record (check the newest few; older ones were
      // checked when first committed).
      for (let i = Math.max(log.firstIndex(), log.committed - 3); i <= log.committed; i++) {
        const rec = this.committed.get(i);
        const t = log.term(i);
        if (rec && t !== undefined && rec.term !== t) this.fail(`node ${id} committed index ${i} has term ${t}, cluster committed ${rec.term}`);
      }
    }
  }

  // ---- clients ----------------------------------------------------------------

  private clientStep(c: Client): void {
    if (c.busy) {
      if (this.now >= c.deadline) {
        c.busy = false; // gives up: op stays indeterminate (ret = Infinity)
        c.op = undefined;
        c.leaderGuess = 1 + randInt(this.rand, this.o.nodes);
      }
      return;
    }
    if (this.rand() > 0.3) return;
    // When several nodes believe they lead (a deposed leader that hasn't
    // noticed yet), spread clients over them: that is where stale reads and
    // lost writes would show up.
    const claimers = [...this.alive].filter((id) => this.nodes.get(id)!.raw!.raft.state === "leader");
    if (claimers.length > 1 && this.rand() < 0.5) c.leaderGuess = claimers[randInt(this.rand, claimers.length)]!;
    const n = this.nodes.get(c.leaderGuess)!;
    if (!n.raw || n.raw.raft.state !== "leader") {
      // Definite rejection: nothing was proposed, nothing recorded.
      const lead = n.raw?.raft.lead ?? 0;
      c.leaderGuess = lead !== 0 ? lead : 1 + randInt(this.rand, this.o.nodes);
      return;
    }
    const key = KEYS[randInt(this.rand, KEYS.length)]!;
    const id = c.id * 2 ** 32 + ++c.seq;
    const value = `v${++this.opCounter}`;
    const p = this.rand();
    let op: Op;
    let cmd: KvCommand | undefined;
    if (p < 0.4) {
      op = { client: c.id, key, kind: "put", value, call: 0, ret: Infinity };
      cmd = { op: "put", id, key, value };
    } else if (p < 0.7) {
      op = { client: c.id, key, kind: "get", call: 0, ret: Infinity };
      if (this.rand() < 0.3) cmd = { op: "get", id, key }; // through the log
    } else {
      // cas against a recently seen value or null
      const recent = this.history.filter((h) => h.key === key && h.value).slice(-2);
      const expect = recent.length > 0 && this.rand() < 0.8 ? recent[randInt(this.rand, recent.length)]!.value! : null;
      op = { client: c.id, key, kind: "cas", expect, value, call: 0, ret: Infinity };
      cmd = { op: "cas", id, key, expect, value };
    }
    op.call = ++this.clock;
    this.history.push(op);
    c.busy = true;
    c.op = op;
    c.deadline = this.now + 80;
    const done = (r: KvResult) => {
      if (c.op !== op) return; // client already gave up
      op.out = r;
      op.ret = ++this.clock;
      c.busy = false;
      c.op = undefined;
    };
    if (cmd) {
      n.pending.set(id, done);
      n.raw.propose(encodeCommand(cmd));
    } else {
      n.readCtx.set(String(id), { key, cb: done });
      n.raw.readIndex(String(id));
    }
    this.process(n);
  }

  // ---- faults -------------------------------------------------------------

  private faultStep(): void {
    const r = this.rand();
    if (r < 0.006) {
      // new partition
      this.cuts.clear();
      const kind = randInt(this.rand, 4);
      const ids = [...this.nodes.keys()];
      if (kind === 0) {
        // symmetric split
        const side = new Set(ids.filter(() => this.rand() < 0.5));
        for (const a of ids) for (const b of ids) if (side.has(a) !== side.has(b)) this.cuts.add(`${a}>${b}`);
      } else if (kind === 1) {
        // asymmetric: a few one-way links
        for (let k = 0; k < 1 + randInt(this.rand, 3); k++) {
          const a = ids[randInt(this.rand, ids.length)]!;
          const b = ids[randInt(this.rand, ids.length)]!;
          if (a !== b) this.cuts.add(`${a}>${b}`);
        }
      } else if (kind === 2) {
        // isolate the current leader (from everyone, in both directions)
        const l = [...this.alive].find((id) => this.nodes.get(id)!.raw!.raft.state === "leader");
        if (l !== undefined) for (const b of ids) if (b !== l) (this.cuts.add(`${l}>${b}`), this.cuts.add(`${b}>${l}`));
      }
      // kind 3: heal
    } else if (r < 0.009) {
      const ids = [...this.alive];
      if (ids.length > 0) {
        // Prefer killing leaders: that is where the interesting bugs live.
        const leaders = ids.filter((id) => this.nodes.get(id)!.raw!.raft.state === "leader");
        const pick = leaders.length > 0 && this.rand() < 0.6 ? leaders[0]! : ids[randInt(this.rand, ids.length)]!;
        this.crash(this.nodes.get(pick)!);
        this.crashAt.set(pick, this.now + 10 + randInt(this.rand, 80));
      }
    } else if (this.o.membership && r < 0.02) {
      this.proposeConfChange();
    } else if (r > 0.998) {
      // Leadership transfer to a random voter (TimeoutNow path).
      const l = [...this.alive].map((id) => this.nodes.get(id)!).find((n) => n.raw!.raft.state === "leader");
      if (l) {
        const voters = l.raw!.raft.voterIds().filter((v) => v !== l.id);
        if (voters.length > 0) {
          this.stats.transfers++;
          l.raw!.transferLeader(voters[randInt(this.rand, voters.length)]!);
          this.process(l);
        }
      }
    }
  }

  private proposeConfChange(): void {
    const l = [...this.alive].map((id) => this.nodes.get(id)!).find((n) => n.raw!.raft.state === "leader");
    if (!l) return;
    const cs = l.raw!.raft.confState();
    const all = [...this.nodes.keys()];
    const nonMembers = all.filter((id) => !cs.voters.includes(id) && !cs.learners.includes(id));
    const choices: ConfChange[] = [];
    for (const id of nonMembers) choices.push({ type: "addLearner", nodeId: id }, { type: "addNode", nodeId: id });
    for (const id of cs.learners) choices.push({ type: "addNode", nodeId: id }, { type: "removeNode", nodeId: id });
    if (cs.voters.length > 3) for (const id of cs.voters) choices.push({ type: "removeNode", nodeId: id });
    if (choices.length === 0) return;
    const cc = choices[randInt(this.rand, choices.length)]!;
    this.stats.confChanges++;
    l.raw!.proposeConfChange(cc);
    this.process(l);
  }

  private tickAll(): void {
    for (const id of [...this.alive]) {
      const n = this.nodes.get(id)!;
      if (!n.raw) continue;
      n.tickAcc += n.tickRate;
      while (n.tickAcc >= 1) {
        n.tickAcc -= 1;
        n.raw.tick();
      }
      this.process(n);
    }
  }

  private restartDue(): void {
    for (const [id, at] of this.crashAt) {
      if (at <= this.now) {
        this.crashAt.delete(id);
        this.start(this.nodes.get(id)!);
      }
    }
  }

  private stepOnce(): void {
    this.now++;
    this.restartDue();
    this.persistDue();
    this.tickAll();
    this.deliver();
    for (const c of this.clients) this.clientStep(c);
    if (this.faults) this.faultStep();
    this.checkInvariants();
  }

  run(): SimResult {
    try {
      return this.runInner();
    } finally {
      if (this.tmpDir) rmSync(this.tmpDir, { recursive: true, force: true });
    }
  }

  private runInner(): SimResult {
    for (let i = 0; i < this.o.steps; i++) this.stepOnce();
    // Heal: restart everyone, reconnect, let clients finish; the cluster
    // must make progress again (liveness after faults stop).
    this.faults = false;
    this.cuts.clear();
    for (const id of [...this.crashAt.keys()]) {
      this.crashAt.delete(id);
      this.start(this.nodes.get(id)!);
    }
    const before = this.stats.committed;
    let sawLeader = false;
    for (let i = 0; i < 400; i++) {
      this.stepOnce();
      if ([...this.alive].some((id) => this.nodes.get(id)!.raw!.raft.state === "leader")) sawLeader = true;
      if (process.env.AIKV_SIM_VERBOSE && i % 50 === 0) console.error(`step ${this.now}\n${this.describe()}`);
    }
    if (this.stats.committed === before) this.fail("no progress after healing the cluster");
    if (!sawLeader) this.fail("no leader after healing");
    const chk = checkHistory(this.history);
    if (chk.result === "illegal") this.fail(`history not linearizable on key ${chk.badKey}`);
    return { history: this.history, traceHash: this.trace, stats: this.stats };
  }
}
