import { decodeConfChange, type RaftConfig } from "./raft.ts";
import { seededRand } from "./rand.ts";
import { RawNode, type Ready } from "./raw_node.ts";
import type { WritableStorage } from "./storage/storage.ts";
import type { ConfChange, ConfState, Entry, Message, Snapshot } from "./types.ts";

// Application side of a replicated state machine, driven by RaftNode.
export interface StateMachine {
  // Apply a committed normal entry. Returns the request id carried by the
  // entry (if any) and the result to hand to the proposer, if it is waiting
  // on this node.
  apply(entry: Entry): { id?: number; result?: unknown };
  snapshot(): Uint8Array;
  // Optional: the same snapshot (as of the call) built a slice at a time
  // while entries keep being applied, so a large state does not stall the
  // event loop. restore() abandons a writer in progress.
  snapshotWriter?(): SnapshotWriter;
  restore(snap: Snapshot): void;
  appliedIndex(): number;
}

export interface SnapshotWriter {
  // Does a bounded slice of the work; returns the data once complete.
  step(): Uint8Array | undefined;
}

export interface RaftNodeOptions {
  id: number;
  storage: WritableStorage;
  sm: StateMachine;
  send: (msgs: Message[]) => void;
  tickMs?: number;
  electionTick?: number;
  heartbeatTick?: number;
  snapshotEvery?: number; // applied entries between snapshots
  // ...and entry bytes applied since the last snapshot, as a multiple of
  // its size (default 4; see maybeSnapshot)
  snapshotLogFactor?: number;
  keepEntries?: number; // entries kept behind a snapshot for slow followers
  raft?: Partial<RaftConfig>;
  requestTimeoutMs?: number; // proposals and reads not answered by then fail as "unknown outcome"
  // fdatasync on Bun's thread pool, the event loop running meanwhile,
  // instead of blocking it (the default, cheaper per sync; see "Storage" in
  // src/raft/README.md). "leader": only while this node leads, so its
  // followers' acks, stepped during its sync, commit and answer clients
  // without waiting for it (a follower must sync before it acks anyway).
  // "leader-when-slow": only while leading and while this node's recent
  // syncs take longer than slowSyncMs on average (a slow or contended disk,
  // where the leader would otherwise sit blocked while acks wait); blocking
  // while they are fast, which costs less CPU per sync.
  syncOnPool?: boolean | "leader" | "leader-when-slow";
  // For "leader-when-slow": the mean sync time (ms) above which the leader
  // syncs on the pool; below 3/4 of it, it blocks again (default 2.5; see
  // "Sync modes" in src/raft/README.md).
  slowSyncMs?: number;
  // With syncOnPool: proposals and reads that arrive during a sync wait for
  // it (and form the next Ready) instead of being stepped and their appends
  // sent at once. Acks are still stepped meanwhile, so a leader answers
  // clients during its own sync; fewer, larger appends cost the followers
  // fewer wakeups and syncs per write than pipelining them.
  holdProposalsDuringSync?: boolean;
  onLeaderChange?: (lead: number, term: number) => void;
  // Diagnostics: called at each step of a batch's way to its commit (see
  // TraceEvent; bench/raft/timeline.ts reads kv_node --trace files).
  trace?: (ev: TraceEvent) => void;
  onConfChange?: (cc: ConfChange, cs: ConfState) => void;
}

// "queued": the first proposal waiting for the next batch; "ready": a Ready
// with entries first..last and committed entries up to commit; "sync" /
// "synced": its blocking fdatasync begins / ends; "ack": a follower's
// append response for its log up to index, stepped.
export type TraceEvent =
  | { ev: "queued" }
  | { ev: "ready"; leader: boolean; first: number; last: number; commit: number }
  | { ev: "sync" | "synced" }
  | { ev: "ack"; from: number; index: number };

// Callback of propose/readBarrier: NotLeaderError means definitely not
// executed, TimeoutError an unknown outcome, null success (with the state
// machine's result for proposals).
export type Done = (err: NotLeaderError | TimeoutError | null, result?: unknown) => void;

// Every waiter gets the same timeout, so insertion order is deadline order
// and expiry scans stop at the first live one (no timer per request).
interface Waiter {
  done: Done;
  deadline: number;
}

export class NotLeaderError extends Error {
  override name = "NotLeaderError";
  constructor(readonly leader: number) {
    super(`not leader (leader: ${leader || "unknown"})`);
  }
}
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

// Single-threaded runtime host: owns the RawNode, persists Readys (only
// leader appends leave before the fsync), sends, applies, and drives ticks.
// Inputs arriving while a Ready is being synced (queued in the sockets, or
// stepped meanwhile with syncOnPool) are batched into the next one.
export class RaftNode {
  readonly raw: RawNode;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private scheduled = false;
  private proposals: Uint8Array[] = [];
  private proposalIds: number[] = []; // waiter id of each queued proposal
  private waiters = new Map<number, Waiter>();
  private readWaiters: Waiter[] = [];
  private readsPending = new Map<string, Waiter[]>(); // ReadIndex context -> batch
  private readsReady: { index: number; batch: Waiter[] }[] = [];
  private readSeq = 0;
  private lastSnap = 0;
  private lastSnapBytes = 0; // size of the last snapshot's data
  private logBytesSinceSnap = 0; // entry data applied since then
  private snapJitter = 1 + Math.random() / 2; // see maybeSnapshot
  // A snapshot being built and written off the event loop's critical path
  // (see maybeSnapshot); installed once its file is durable.
  private snapJob: { index: number; conf: ConfState; written: Snapshot | null } | null = null;
  private stopped = false;
  private persisting = false; // a Ready's syncAsync is in flight
  // Moving mean of this node's sync times (ms, weight 1/16 per sync), and
  // whether "leader-when-slow" currently finds them slow.
  private syncMsMean = 0;
  private slowSyncs = false;
  private readyApplied = false; // ...and its committed entries are applied already
  readonly o: RaftNodeOptions;
  // Counters for diagnostics/benchmarks.
  readonly stats = { readies: 0, entries: 0, syncs: 0, syncMs: 0, applied: 0, messages: 0, proposeBatches: 0, proposals: 0, snapshots: 0, snapshotMs: 0, maxStallMs: 0 };

  constructor(o: RaftNodeOptions) {
    this.o = o;
    const snap = o.storage.snapshot();
    if (snap.meta.index > 0) o.sm.restore(snap);
    this.lastSnap = snap.meta.index;
    this.lastSnapBytes = snap.data.length;
    this.raw = new RawNode({
      id: o.id,
      storage: o.storage,
      applied: Math.max(snap.meta.index, 0),
      electionTick: o.electionTick ?? 10,
      heartbeatTick: o.heartbeatTick ?? 2,
      preVote: true,
      checkQuorum: true,
      maxSizePerMsg: 1 << 20,
      maxInflightMsgs: 256,
      maxInflightBytes: 64 << 20,
      snapshotChunkSize: 1 << 20,
      lazyCommitBroadcast: true,
      // Timer jitter is the only randomness in a real node; seed from the
      // clock and id (determinism only matters in simulation).
      rand: seededRand((Date.now() ^ (o.id * 2654435761)) >>> 0),
      ...o.raft,
    });
  }

  start(): void {
    const tickMs = this.o.tickMs ?? 20;
    let lastTick = performance.now();
    this.ticker = setInterval(() => {
      // Longest event-loop stall seen by the ticker (kv_node --stats resets it).
      const now = performance.now();
      this.stats.maxStallMs = Math.max(this.stats.maxStallMs, now - lastTick - tickMs);
      lastTick = now;
      this.raw.tick();
      this.expireWaiters(performance.now());
      this.schedule();
    }, tickMs);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    this.expireWaiters(Infinity);
  }

  private expireWaiters(now: number): void {
    const timedOut = (w: Waiter) => w.done(new TimeoutError("outcome unknown"));
    for (const [id, w] of this.waiters) {
      if (w.deadline > now) break;
      this.waiters.delete(id);
      timedOut(w);
    }
    for (const [ctx, batch] of this.readsPending) {
      if (batch[0]!.deadline > now) break;
      this.readsPending.delete(ctx);
      batch.forEach(timedOut);
    }
    while (this.readsReady.length > 0 && this.readsReady[0]!.batch[0]!.deadline <= now) this.readsReady.shift()!.batch.forEach(timedOut);
    if (now === Infinity) {
      this.readWaiters.forEach(timedOut);
      this.readWaiters = [];
    }
  }

  private deadline(): number {
    return performance.now() + (this.o.requestTimeoutMs ?? 5000);
  }

  isLeader(): boolean {
    return this.raw.raft.state === "leader";
  }

  leader(): number {
    return this.raw.raft.lead;
  }

  step(m: Message): void {
    if (this.stopped) return;
    if (this.o.trace && m.type === "appResp" && !m.reject) this.o.trace({ ev: "ack", from: m.from, index: m.index });
    this.raw.step(m);
    this.schedule();
  }

  // Calls done with the state machine's result once the entry is applied
  // here (id must be unique and is carried inside data, see StateMachine).
  propose(data: Uint8Array, id: number, done: Done): void {
    if (!this.isLeader()) return done(new NotLeaderError(this.leader()));
    if (this.o.trace && this.proposals.length === 0) this.o.trace({ ev: "queued" });
    this.waiters.set(id, { done, deadline: this.deadline() });
    this.proposals.push(data);
    this.proposalIds.push(id);
    this.schedule();
  }

  // Linearizable read barrier (ReadIndex): done once this node has applied
  // everything committed at the time of the request.
  readBarrier(done: Done): void {
    if (!this.isLeader()) return done(new NotLeaderError(this.leader()));
    this.readWaiters.push({ done, deadline: this.deadline() });
    this.schedule();
  }

  proposeConfChange(cc: ConfChange): boolean {
    const ok = this.raw.proposeConfChange(cc);
    this.schedule();
    return ok;
  }

  transferLeader(to: number): void {
    this.raw.transferLeader(to);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  private run(): void {
    // While a Ready's sync is in flight, inputs keep accumulating (stepped
    // messages, ticks, queued proposals); its completion runs us again and
    // the next Ready carries all of them: one fsync per batch.
    if (this.stopped) return;
    if (this.persisting) {
      // Proposals stepped during the sync: their appends leave now, so the
      // followers' writes overlap ours (pipelining); heartbeats leave now
      // either way (a slow disk does not delay them).
      if (!this.o.holdProposalsDuringSync) this.stepQueued();
      this.o.send(this.raw.takeEarlyMessages());
      // Acks stepped meanwhile may have committed entries we hold durably:
      // answer their clients now rather than after this sync.
      if (this.readyApplied) {
        this.applyEntries(this.raw.takeCommitted());
        this.serveReads();
      }
      return;
    }
    this.stepQueued();
    let guard = 0;
    while (!this.persisting && this.raw.hasReady() && guard++ < 64) this.handleReady(this.raw.ready());
    if (!this.persisting && this.raw.hasReady()) this.schedule();
  }

  // Queued proposals and reads into the core: one MsgProp and one ReadIndex
  // round per event-loop turn.
  private stepQueued(): void {
    if (this.proposals.length > 0) {
      const ps = this.proposals;
      const ids = this.proposalIds;
      this.proposals = [];
      this.proposalIds = [];
      this.stats.proposeBatches++;
      this.stats.proposals += ps.length;
      if (!this.raw.proposeMany(ps)) {
        // Dropped (we lost leadership since they were queued, or a transfer
        // is in progress): never in the log, so the clients may retry
        // elsewhere now instead of waiting for the timeout's "unknown".
        const err = new NotLeaderError(this.leader());
        for (const id of ids) {
          const w = this.waiters.get(id);
          this.waiters.delete(id);
          w?.done(err);
        }
      }
    }
    if (this.readWaiters.length > 0) {
      // One ReadIndex round serves every read queued in this turn.
      const ctx = `r${++this.readSeq}`;
      this.readsPending.set(ctx, this.readWaiters);
      this.readWaiters = [];
      this.raw.readIndex(ctx);
    }
  }

  private handleReady(rd: Ready): void {
    const { storage, sm } = this.o;
    this.stats.readies++;
    if (this.o.trace && (rd.entries.length > 0 || rd.committedEntries.length > 0)) {
      const last = (es: Entry[]) => (es.length > 0 ? es[es.length - 1]!.index : 0);
      this.o.trace({ ev: "ready", leader: this.isLeader(), first: rd.entries[0]?.index ?? 0, last: last(rd.entries), commit: last(rd.committedEntries) });
    }
    this.stats.entries += rd.entries.length;
    this.stats.messages += rd.messages.length + rd.earlyMessages.length;
    if (rd.softState) this.o.onLeaderChange?.(rd.softState.lead, this.raw.raft.term);
    // Leader appends go out now, so followers write in parallel with us.
    this.o.send(rd.earlyMessages);
    if (rd.snapshot) {
      this.snapJob = null; // the leader's snapshot supersedes ours
      storage.applySnapshot(rd.snapshot); // synced by the storage
      sm.restore(rd.snapshot);
      this.lastSnap = rd.snapshot.meta.index;
      this.lastSnapBytes = rd.snapshot.data.length;
      this.logBytesSinceSnap = 0;
    }
    if (rd.entries.length > 0) storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    // Entries committed below this Ready's new entries are already durable
    // here (earlier Readys) and on a quorum: apply them without waiting for
    // this Ready's sync.
    const firstNew = rd.entries.length > 0 ? rd.entries[0]!.index : Infinity;
    const lastCommitted = rd.committedEntries.length > 0 ? rd.committedEntries[rd.committedEntries.length - 1]!.index : 0;
    const applyNow = lastCommitted < firstNew;
    if (applyNow) this.applyCommitted(rd);
    this.readyApplied = applyNow;
    const finish = () => {
      // Only now, with everything durable, may the other messages leave.
      this.o.send(rd.messages);
      if (!applyNow) this.applyCommitted(rd);
      this.raw.advance(rd);
      this.serveReads();
      this.maybeSnapshot();
    };
    if (!rd.mustSync) return finish();
    this.stats.syncs++;
    this.persisting = true;
    const syncStart = performance.now();
    const synced = () => {
      this.persisting = false;
      const ms = performance.now() - syncStart;
      this.stats.syncMs += ms;
      this.syncMsMean += (ms - this.syncMsMean) / 16;
      if (this.stopped) return;
      finish();
      this.run();
    };
    if (!this.syncOnPoolNow()) {
      // In a microtask: the messages this turn queued (early appends, client
      // replies) are written by microtasks queued before this one, so they
      // leave before the loop blocks in fdatasync.
      queueMicrotask(() => {
        if (this.stopped) return; // its storage may be closed already
        this.o.trace?.({ ev: "sync" });
        storage.sync();
        this.o.trace?.({ ev: "synced" });
        synced();
      });
      return;
    }
    storage.syncAsync().then(synced, (err: unknown) => {
      // After a failed fsync the file's state is unknown (the kernel may
      // have dropped the dirty pages): crash and recover from the log.
      queueMicrotask(() => {
        throw err;
      });
    });
  }

  private syncOnPoolNow(): boolean {
    const mode = this.o.syncOnPool;
    if (mode !== "leader-when-slow") return mode === "leader" ? this.isLeader() : mode === true;
    // Hysteresis: a pool sync's time also counts the event loop's delay in
    // running its callback, so it reads a little longer than a blocking one.
    const slowMs = this.o.slowSyncMs ?? 2.5;
    this.slowSyncs = this.syncMsMean > (this.slowSyncs ? 0.75 * slowMs : slowMs);
    return this.slowSyncs && this.isLeader();
  }

  private applyCommitted(rd: Ready): void {
    this.applyEntries(rd.committedEntries);
    for (const rs of rd.readStates) {
      const batch = this.readsPending.get(rs.context);
      if (!batch) continue;
      this.readsPending.delete(rs.context);
      this.readsReady.push({ index: rs.index, batch });
    }
  }

  private applyEntries(ents: Entry[]): void {
    this.stats.applied += ents.length;
    for (const e of ents) {
      this.logBytesSinceSnap += e.data.length;
      if (e.type === "conf") {
        const cc = decodeConfChange(e.data);
        const cs = this.raw.applyConfChange(cc);
        this.o.onConfChange?.(cc, cs);
        continue;
      }
      const { id, result } = this.o.sm.apply(e);
      if (id === undefined) continue;
      const w = this.waiters.get(id);
      if (w) {
        this.waiters.delete(id);
        w.done(null, result);
      }
    }
  }

  private serveReads(): void {
    if (this.readsReady.length === 0) return;
    const applied = this.o.sm.appliedIndex();
    const keep: { index: number; batch: Waiter[] }[] = [];
    for (const r of this.readsReady) {
      if (r.index > applied) keep.push(r);
      else for (const w of r.batch) w.done(null);
    }
    this.readsReady = keep;
  }

  // A snapshot costs O(state) (encode, write, fsync), so besides
  // snapshotEvery entries it waits until the log applied since the last one
  // is snapshotLogFactor times as large as that snapshot: its cost stays
  // proportional to the write traffic, not to state size times a fixed
  // entry count (a 20 MB state snapshotted every 20000 entries of 90 bytes
  // spent more time snapshotting than replicating). At a factor of 1 the
  // KV snapshots were still ~20% of a follower's CPU under a write-heavy
  // load; 4 cuts that to a quarter. The price: the log kept in memory (and
  // replayed on restart) can grow to about 4x the size of the state. Both
  // thresholds are scaled by a random factor in [1, 1.5) per snapshot:
  // nodes applying the same log would otherwise all snapshot at the same
  // index. A state machine with a snapshotWriter is encoded a slice per
  // event-loop turn and its file written and fsynced on the thread pool (a
  // 100k-key KV snapshot done inline stalled a node ~0.5 s, long enough to
  // lose leadership); the log is compacted once the file is durable.
  private maybeSnapshot(): void {
    if (this.snapJob) {
      if (this.snapJob.written && !this.persisting) this.compactTo(this.snapJob.written);
      return;
    }
    const every = (this.o.snapshotEvery ?? 10000) * this.snapJitter;
    const applied = this.o.sm.appliedIndex();
    const logBytes = this.lastSnapBytes * (this.o.snapshotLogFactor ?? 4) * this.snapJitter;
    if (applied - this.lastSnap < every || this.logBytesSinceSnap < logBytes) return;
    const { storage, sm } = this.o;
    const conf = this.raw.raft.confState();
    this.lastSnap = applied;
    this.logBytesSinceSnap = 0;
    this.snapJitter = 1 + Math.random() / 2;
    this.stats.snapshots++;
    if (!sm.snapshotWriter) {
      const t0 = performance.now();
      const data = sm.snapshot();
      this.compactTo(storage.createSnapshot(applied, conf, data));
      this.stats.snapshotMs += performance.now() - t0;
      return;
    }
    const job: NonNullable<RaftNode["snapJob"]> = { index: applied, conf, written: null };
    this.snapJob = job;
    const writer = sm.snapshotWriter();
    const slice = () => {
      if (this.snapJob !== job || this.stopped) return;
      const t0 = performance.now();
      const data = writer.step();
      this.stats.snapshotMs += performance.now() - t0;
      if (!data) return void setImmediate(slice);
      storage.createSnapshotAsync(job.index, job.conf, data).then(
        (snap) => {
          if (this.snapJob !== job || this.stopped) return;
          job.written = snap;
          this.maybeSnapshot();
        },
        (err: unknown) => {
          // As for a failed WAL sync: the disk's state is unknown.
          queueMicrotask(() => {
            throw err;
          });
        },
      );
    };
    setImmediate(slice);
  }

  // Compacts the log behind a durable snapshot. Not while a WAL sync is in
  // flight: compaction syncs the WAL itself and may roll it to a new file.
  private compactTo(snap: Snapshot): void {
    const { storage } = this.o;
    this.snapJob = null;
    this.lastSnapBytes = snap.data.length;
    storage.compact(Math.max(snap.meta.index - (this.o.keepEntries ?? 1000), storage.firstIndex()));
  }
}
