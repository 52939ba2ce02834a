import { decode } from "@msgpack/msgpack";
import { assert } from "./assert.ts";
import { RaftLog } from "./log.ts";
import { Progress } from "./progress.ts";
import { randInt, type Rand } from "./rand.ts";
import { ReadOnly } from "./read_only.ts";
import { ErrCompacted, ErrSnapshotTemporarilyUnavailable, type Storage } from "./storage/storage.ts";
import {
  NONE,
  entrySize,
  msg,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
  type ReadState,
  type Snapshot,
  type SnapshotMeta,
  type SoftState,
  type StateType,
} from "./types.ts";

export type ReadOnlyOption = "safe" | "leaseBased";

export interface RaftConfig {
  id: number;
  group?: number;
  storage: Storage;
  electionTick: number;
  heartbeatTick: number;
  // Last applied index on restart (the app's state machine is at least here).
  applied?: number;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  maxInflightBytes?: number; // 0 = no byte limit
  maxCommittedSizePerReady?: number;
  checkQuorum?: boolean;
  preVote?: boolean;
  // "leaseBased": the leader answers reads without a heartbeat round while
  // its lease is valid (see leaseValid). Requires checkQuorum and assumes the
  // nodes' tick rates differ by less than the margin built into leaseTicks.
  // tick at (nearly) the same rate on all nodes; requires checkQuorum.
  readOnlyOption?: ReadOnlyOption;
  // When an ack advances the commit index, send appends only to followers
  // there are new entries for; the others learn the new commit index from
  // the next append or heartbeat (a heartbeat interval later at the latest).
  // Saves the empty append per follower and commit (a message, a socket
  // write and a wakeup of the follower; with one batch in flight at a time,
  // a third of the peer messages) at the price of followers applying later.
  // The leader's own apply and its answers to clients do not wait for it.
  lazyCommitBroadcast?: boolean;
  snapshotChunkSize?: number;
  // Lease length in leader ticks, counted from the send time of the
  // heartbeat a quorum acknowledged. Must be shorter than electionTick in
  // real time on every follower; default floor(0.8 * electionTick) - 1.
  leaseTicks?: number;
  rand: Rand;
}

export class ErrProposalDropped extends Error {
  override name = "ErrProposalDropped";
}

const CAMPAIGN_TRANSFER = "transfer";

export function decodeConfChange(data: Uint8Array): ConfChange {
  return decode(data) as ConfChange;
}

interface SnapRecv {
  meta: SnapshotMeta;
  parts: Uint8Array[];
  size: number;
}

// The pure Raft state machine. All inputs arrive through step() and tick();
// all outputs accumulate in msgs / readStates / the log and are collected by
// RawNode.ready(). No I/O, no clocks, randomness only from cfg.rand.
export class Raft {
  readonly id: number;
  readonly group: number;
  term = 0;
  vote = NONE;
  lead = NONE;
  state: StateType = "follower";
  raftLog: RaftLog;
  prs = new Map<number, Progress>();
  votes = new Map<number, boolean>();
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  leadTransferee = NONE;
  // Index of the last conf change the leader appended; a new one is only
  // accepted once this is applied (one change at a time).
  pendingConfIndex = 0;
  readOnly = new ReadOnly();
  // ReadIndex requests that arrived before the leader committed an entry of
  // its term (its commit index is not known to be current before that).
  private pendingReadIndexMessages: Message[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  private snapRecv: SnapRecv | undefined;
  // Monotonic tick counter of this incarnation; stamps heartbeats so that
  // the leader knows when the round a follower acked was sent.
  tickCount = 0;
  // A node that just (re)started may have acked a leader's heartbeat before
  // crashing and forgotten it; it refuses votes for one election timeout so
  // that it cannot help elect a new leader while the old lease runs.
  bootGuard = true;
  // Set once this leader sent TimeoutNow in its term: the target campaigns
  // ignoring leases, so ours is void for the rest of the term.
  private leaseRevokedTerm = -1;
  readonly leaseTicks: number;

  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly maxMsgSize: number;
  readonly maxInflight: number;
  readonly maxInflightBytes: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly readOnlyOption: ReadOnlyOption;
  readonly lazyCommitBroadcast: boolean;
  readonly snapshotChunkSize: number;
  private readonly rand: Rand;

  constructor(cfg: RaftConfig) {
    assert(cfg.id !== NONE, "cannot use none as id");
    assert(cfg.heartbeatTick > 0 && cfg.electionTick > cfg.heartbeatTick, "election tick must exceed heartbeat tick");
    this.id = cfg.id;
    this.group = cfg.group ?? 0;
    this.electionTimeout = cfg.electionTick;
    this.heartbeatTimeout = cfg.heartbeatTick;
    this.maxMsgSize = cfg.maxSizePerMsg ?? 1 << 20;
    this.maxInflight = cfg.maxInflightMsgs ?? 256;
    this.maxInflightBytes = cfg.maxInflightBytes ?? 0;
    this.checkQuorum = cfg.checkQuorum ?? false;
    this.preVote = cfg.preVote ?? false;
    this.readOnlyOption = cfg.readOnlyOption ?? "safe";
    this.lazyCommitBroadcast = cfg.lazyCommitBroadcast ?? false;
    assert(this.readOnlyOption !== "leaseBased" || this.checkQuorum, "leaseBased reads require checkQuorum");
    this.snapshotChunkSize = cfg.snapshotChunkSize ?? 1 << 20;
    this.leaseTicks = cfg.leaseTicks ?? Math.max(1, Math.floor(cfg.electionTick * 0.8) - 1);
    assert(this.leaseTicks < cfg.electionTick, "leaseTicks must be shorter than the election timeout");
    this.rand = cfg.rand;
    this.raftLog = new RaftLog(cfg.storage, cfg.maxCommittedSizePerReady);
    const { hardState, confState } = cfg.storage.initialState();
    this.resetConf(confState);
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) this.loadState(hardState);
    if (cfg.applied && cfg.applied > 0) this.raftLog.appliedTo(cfg.applied);
    this.becomeFollower(this.term, NONE);
  }

  // ---- configuration -------------------------------------------------

  private resetConf(cs: ConfState): void {
    this.prs = new Map();
    const next = this.raftLog.lastIndex() + 1;
    for (const v of cs.voters) this.prs.set(v, new Progress(next, this.maxInflight, this.maxInflightBytes, false));
    for (const l of cs.learners) this.prs.set(l, new Progress(next, this.maxInflight, this.maxInflightBytes, true));
  }

  confState(): ConfState {
    const voters: number[] = [];
    const learners: number[] = [];
    for (const [id, pr] of this.prs) (pr.isLearner ? learners : voters).push(id);
    voters.sort((a, b) => a - b);
    learners.sort((a, b) => a - b);
    return { voters, learners };
  }

  voterIds(): number[] {
    const out: number[] = [];
    for (const [id, pr] of this.prs) if (!pr.isLearner) out.push(id);
    return out;
  }

  private quorum(): number {
    return Math.floor(this.voterIds().length / 2) + 1;
  }

  // A node can campaign only if it is a voter in its current configuration.
  promotable(): boolean {
    const pr = this.prs.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasPendingSnapshot();
  }

  private loadState(hs: HardState): void {
    assert(
      hs.commit <= this.raftLog.lastIndex(),
      () => `${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
    );
    // The commit index is persisted lazily (no fsync for commit-only
    // changes), so it may lag the snapshot, which is committed by definition.
    this.raftLog.committed = Math.max(hs.commit, this.raftLog.committed);
    this.term = hs.term;
    this.vote = hs.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, state: this.state };
  }

  // ---- sending ---------------------------------------------------------

  private send(m: Message): void {
    m.from = this.id;
    m.group = this.group;
    if (m.type === "vote" || m.type === "voteResp" || m.type === "preVote" || m.type === "preVoteResp") {
      // Vote messages carry the term they are about, which for PreVote is
      // a future term; it must be set explicitly by the caller.
      assert(m.term !== 0, () => `term should be set when sending ${m.type}`);
    } else {
      assert(m.term === 0, () => `term should not be set when sending ${m.type} (was ${m.term})`);
      // Proposals and read requests forwarded to the leader are not part of
      // the term-based protocol; everything else carries our term.
      if (m.type !== "prop" && m.type !== "readIndex") m.term = this.term;
    }
    this.msgs.push(m);
  }

  // Sends an append (or a snapshot chunk) to `to` if its progress allows.
  // `force` ignores a full inflight window: used on heartbeat responses so
  // that a follower whose whole window of appends was lost still gets probed
  // (otherwise the window would never drain).
  private maybeSendAppend(to: number, sendIfEmpty: boolean, force = false): boolean {
    const pr = this.prs.get(to);
    if (!pr) return false;
    if (pr.isPaused() && !(force && pr.state === "replicate")) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.raftLog.term(prevIndex);
    let ents: Entry[] | undefined;
    if (prevTerm !== undefined) {
      try {
        ents = this.raftLog.entries(pr.next, this.maxMsgSize);
      } catch (e) {
        if (!(e instanceof ErrCompacted)) throw e;
      }
    }
    if (prevTerm === undefined || ents === undefined) {
      // The entries the follower needs were compacted: send a snapshot.
      return this.startSnapshot(to, pr);
    }
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send(
      msg({ type: "app", to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.raftLog.committed }),
    );
    if (ents.length > 0) {
      if (pr.state === "replicate") {
        const last = ents[ents.length - 1]!.index;
        pr.next = last + 1; // optimistic: pipelining
        let bytes = 0;
        for (const e of ents) bytes += entrySize(e);
        pr.inflights.add(last, bytes);
      } else if (pr.state === "probe") {
        pr.probeSent = true;
      }
    } else if (pr.state === "probe") {
      pr.probeSent = true;
    }
    return true;
  }

  sendAppend(to: number): void {
    this.maybeSendAppend(to, true);
  }

  private startSnapshot(to: number, pr: Progress): boolean {
    if (!pr.recentActive) return false;
    let snap: Snapshot;
    try {
      snap = this.raftLog.snapshot();
    } catch (e) {
      if (e instanceof ErrSnapshotTemporarilyUnavailable) return false;
      throw e;
    }
    assert(snap.meta.index !== 0, "need non-empty snapshot");
    pr.becomeSnapshot(snap.meta.index);
    this.sendSnapshotChunk(to, pr);
    return true;
  }

  // InstallSnapshot in chunks (§7): one chunk in flight; the follower acks
  // each with the byte count it holds and we continue from there. Lost
  // chunks are re-sent on heartbeat responses.
  private sendSnapshotChunk(to: number, pr: Progress): void {
    const snap = this.raftLog.snapshot();
    if (snap.meta.index !== pr.pendingSnapshot) {
      // A newer snapshot replaced the one being sent: restart with it.
      pr.becomeSnapshot(snap.meta.index);
    }
    const off = pr.snapOffset;
    const data = snap.data.subarray(off, off + this.snapshotChunkSize);
    const done = off + data.length >= snap.data.length;
    this.send(
      msg({ type: "snap", to, snapshot: { meta: snap.meta, offset: off, total: snap.data.length, data, done } }),
    );
  }

  private sendHeartbeat(to: number, ctx: string | undefined): void {
    const pr = this.prs.get(to)!;
    // Never advance a follower's commit past what it is known to have.
    const commit = Math.min(pr.match, this.raftLog.committed);
    // index carries our tick counter at send time (heartbeats have no other
    // use for it); the follower echoes it back for lease accounting.
    const m = msg({ type: "heartbeat", to, commit, index: this.tickCount });
    if (ctx !== undefined) m.context = ctx;
    this.send(m);
  }

  bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  // After the commit index advanced on an ack or on our own write.
  private bcastCommit(): void {
    this.releasePendingReadIndexMessages();
    for (const id of this.prs.keys()) if (id !== this.id) this.maybeSendAppend(id, !this.lazyCommitBroadcast);
  }

  private bcastHeartbeat(ctx?: string): void {
    const c = ctx ?? this.readOnly.lastPendingRequestCtx();
    for (const id of this.prs.keys()) if (id !== this.id) this.sendHeartbeat(id, c);
  }

  // ---- state transitions ---------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.votes.clear();
    const last = this.raftLog.lastIndex();
    for (const [id, pr] of this.prs) {
      const np = new Progress(last + 1, this.maxInflight, this.maxInflightBytes, pr.isLearner);
      // Our own log counts only as far as it is durable (see onStable).
      if (id === this.id) np.match = this.raftLog.stableIndex();
      this.prs.set(id, np);
    }
    this.pendingConfIndex = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + randInt(this.rand, this.electionTimeout);
  }

  becomeFollower(term: number, lead: number): void {
    this.reset(term);
    this.lead = lead;
    this.state = "follower";
  }

  becomeCandidate(): void {
    assert(this.state !== "leader", "invalid transition [leader -> candidate]");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = "candidate";
  }

  becomePreCandidate(): void {
    assert(this.state !== "leader", "invalid transition [leader -> pre-candidate]");
    // PreVote does not touch term or vote: a partitioned node rejoining
    // must not disrupt the cluster by bumping terms (§9.6).
    this.votes.clear();
    this.lead = NONE;
    this.state = "preCandidate";
  }

  becomeLeader(): void {
    assert(this.state !== "follower", "invalid transition [follower -> leader]");
    this.reset(this.term);
    this.lead = this.id;
    this.state = "leader";
    const self = this.prs.get(this.id);
    if (self) self.becomeReplicate();
    // The no-op entry: commits everything from previous terms (§5.4.2) and
    // establishes the commit index that ReadIndex needs (§8).
    const ok = this.appendEntry([{ term: 0, index: 0, type: "normal", data: new Uint8Array(0) }]);
    assert(ok, "empty entry was dropped");
    // Conf changes are refused until the no-op is applied, i.e. until the
    // leader has committed an entry in its own term. This closes the
    // single-server-change bug found in the Raft dissertation (a leader could
    // otherwise append a change based on a config that a previous,
    // uncommitted change made stale).
    this.pendingConfIndex = this.raftLog.lastIndex();
  }

  private appendEntry(es: Entry[]): boolean {
    const li = this.raftLog.lastIndex();
    const ents = es.map((e, i): Entry => ({ term: this.term, index: li + 1 + i, type: e.type, data: e.data }));
    this.raftLog.append(ents);
    return true;
  }

  // The host made our log durable up to raftLog.stableIndex() (called from
  // RawNode.advance). Only then does the leader count its own log towards a
  // quorum, which is what lets it send appends to followers before its own
  // write finishes (Raft dissertation §10.2.1): a commit always rests on a
  // quorum of durable logs, the leader's included.
  onStable(): void {
    if (this.state !== "leader") return;
    const self = this.prs.get(this.id);
    if (!self || !self.maybeUpdate(this.raftLog.stableIndex())) return;
    if (this.maybeCommit()) this.bcastCommit();
  }

  // Commit the largest index replicated on a quorum of voters, if it is of
  // the current term.
  maybeCommit(): boolean {
    const matches: number[] = [];
    for (const pr of this.prs.values()) if (!pr.isLearner) matches.push(pr.match);
    if (matches.length === 0) return false;
    matches.sort((a, b) => b - a);
    const mci = matches[this.quorum() - 1]!;
    return this.raftLog.maybeCommit(mci, this.term);
  }

  private campaign(kind: "preElection" | "election" | "transfer"): void {
    if (!this.promotable()) return;
    let voteType: MessageType;
    let term: number;
    if (kind === "preElection") {
      this.becomePreCandidate();
      voteType = "preVote";
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = "vote";
      term = this.term;
    }
    const res = this.poll(this.id, voteType, true);
    if (res === "won") {
      // Single-voter cluster.
      if (kind === "preElection") this.campaign("election");
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    for (const id of this.voterIds()) {
      if (id === this.id) continue;
      const m = msg({ type: voteType, to: id, term, index: lastIndex, logTerm: lastTerm });
      if (kind === "transfer") m.context = CAMPAIGN_TRANSFER;
      this.send(m);
    }
  }

  private poll(id: number, t: MessageType, v: boolean): "won" | "lost" | "pending" {
    void t;
    if (!this.votes.has(id)) this.votes.set(id, v);
    let granted = 0;
    let rejected = 0;
    const voters = this.voterIds();
    for (const vid of voters) {
      const r = this.votes.get(vid);
      if (r === true) granted++;
      else if (r === false) rejected++;
    }
    const q = Math.floor(voters.length / 2) + 1;
    if (granted >= q) return "won";
    if (voters.length - rejected < q) return "lost";
    return "pending";
  }

  // ---- ticks -------------------------------------------------------------

  tick(): void {
    this.tickCount++;
    if (this.bootGuard && this.tickCount >= this.electionTimeout) this.bootGuard = false;
    if (this.state === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(msg({ type: "hup", from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(msg({ type: "checkQuorum", from: this.id }));
      // A transfer that didn't finish within an election timeout is abandoned.
      if (this.state === "leader" && this.leadTransferee !== NONE) this.abortLeaderTransfer();
    }
    if (this.state !== "leader") return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(msg({ type: "beat", from: this.id }));
    }
  }

  // ---- step ----------------------------------------------------------------

  step(m: Message): void {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === "vote" || m.type === "preVote") {
        const force = m.context === CAMPAIGN_TRANSFER;
        const inLease =
          this.checkQuorum &&
          ((this.lead !== NONE && this.electionElapsed < this.electionTimeout) || this.bootGuard);
        // Within the lease of a live leader, ignore disruptive candidates
        // (§6 "removed servers" / CheckQuorum).
        if (!force && inLease) return;
      }
      if (m.type === "preVote") {
        // Never change term in response to a PreVote.
      } else if (m.type === "preVoteResp" && !m.reject) {
        // We bump our term when we win the pre-election, not before.
      } else if (m.type === "app" || m.type === "heartbeat" || m.type === "snap") {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === "heartbeat" || m.type === "app")) {
        // A stale leader cut off by CheckQuorum/PreVote would never learn the
        // new term otherwise; tell it.
        this.send(msg({ type: "appResp", to: m.from }));
      } else if (m.type === "preVote") {
        this.send(msg({ type: "preVoteResp", to: m.from, term: this.term, reject: true }));
      }
      return;
    }

    switch (m.type) {
      case "hup":
        this.hup(m.context === CAMPAIGN_TRANSFER ? "transfer" : this.preVote ? "preElection" : "election");
        return;
      case "vote":
      case "preVote": {
        const canVote =
          this.vote === m.from ||
          (this.vote === NONE && this.lead === NONE) ||
          (m.type === "preVote" && m.term > this.term);
        if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
          this.send(msg({ type: m.type === "vote" ? "voteResp" : "preVoteResp", to: m.from, term: m.term }));
          if (m.type === "vote") {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.send(
            msg({ type: m.type === "vote" ? "voteResp" : "preVoteResp", to: m.from, term: this.term, reject: true }),
          );
        }
        return;
      }
    }
    switch (this.state) {
      case "leader":
        this.stepLeader(m);
        return;
      case "candidate":
      case "preCandidate":
        this.stepCandidate(m);
        return;
      case "follower":
        this.stepFollower(m);
        return;
    }
  }

  private hup(kind: "preElection" | "election" | "transfer"): void {
    if (this.state === "leader") return;
    if (!this.promotable()) return;
    // A committed but unapplied conf change may change who is a voter;
    // don't campaign until it is applied.
    const ents = this.raftLog.slice(
      Math.max(this.raftLog.applied + 1, this.raftLog.firstIndex()),
      this.raftLog.committed + 1,
      Number.MAX_SAFE_INTEGER,
    );
    if (ents.some((e) => e.type === "conf")) return;
    this.campaign(kind);
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case "beat":
        this.bcastHeartbeat();
        return;
      case "checkQuorum": {
        if (!this.quorumActive()) this.becomeFollower(this.term, NONE);
        for (const [id, pr] of this.prs) if (id !== this.id) pr.recentActive = false;
        return;
      }
      case "prop": {
        assert(m.entries.length > 0, "stepped empty MsgProp");
        if (!this.prs.has(this.id)) throw new ErrProposalDropped("leader was removed");
        if (this.leadTransferee !== NONE) throw new ErrProposalDropped("leadership transfer in progress");
        const ents = m.entries.map((e, i) => {
          if (e.type !== "conf") return e;
          if (this.pendingConfIndex > this.raftLog.applied) {
            // One change at a time, and not before our no-op is applied:
            // turn it into a no-op so the proposer sees it never took effect.
            return { ...e, type: "normal" as const, data: new Uint8Array(0) };
          }
          this.pendingConfIndex = this.raftLog.lastIndex() + i + 1;
          return e;
        });
        this.appendEntry(ents);
        this.bcastAppend();
        return;
      }
      case "readIndex": {
        if (this.voterIds().length <= 1) {
          this.responseToReadIndexReq(m, this.raftLog.committed);
          return;
        }
        if (!this.committedEntryInCurrentTerm()) {
          this.pendingReadIndexMessages.push(m);
          return;
        }
        this.sendMsgReadIndexResponse(m);
        return;
      }
      case "transferLeader": {
        const target = m.from;
        const pr = this.prs.get(target);
        if (!pr || pr.isLearner) return;
        if (this.leadTransferee !== NONE) {
          if (this.leadTransferee === target) return;
          this.abortLeaderTransfer();
        }
        if (target === this.id) return;
        this.electionElapsed = 0;
        this.leadTransferee = target;
        if (pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(target);
        else this.sendAppend(target);
        return;
      }
    }

    const pr = this.prs.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case "appResp": {
        pr.recentActive = true;
        if (m.reject) {
          let nextProbeIdx = m.rejectHint;
          if (m.logTerm > 0) nextProbeIdx = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm);
          if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
            if (pr.state === "replicate") pr.becomeProbe();
            this.sendAppend(m.from);
          }
          return;
        }
        const oldPaused = pr.isPaused();
        if (!pr.maybeUpdate(m.index)) return;
        if (pr.state === "probe") pr.becomeReplicate();
        else if (pr.state === "snapshot" && pr.match + 1 >= this.raftLog.firstIndex()) {
          pr.becomeProbe();
          pr.becomeReplicate();
        } else if (pr.state === "replicate") pr.inflights.freeLE(m.index);

        if (this.maybeCommit()) {
          this.bcastCommit();
        } else if (oldPaused) {
          this.sendAppend(m.from);
        }
        // Fill the window (pipelining) without sending empty appends.
        while (this.maybeSendAppend(m.from, false)) {
          /* keep sending */
        }
        if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) {
          this.sendTimeoutNow(m.from);
        }
        return;
      }
      case "heartbeatResp": {
        pr.recentActive = true;
        pr.probeSent = false;
        if (m.index <= this.tickCount && m.index > pr.leaseAckTick) pr.leaseAckTick = m.index;
        if (pr.state === "snapshot") this.sendSnapshotChunk(m.from, pr);
        else if (pr.match < this.raftLog.lastIndex()) this.maybeSendAppend(m.from, true, true);
        if (m.context === undefined) return;
        const acks = this.readOnly.recvAck(m.from, m.context);
        if (!acks) return;
        let n = 0;
        for (const id of acks) if (this.prs.get(id) && !this.prs.get(id)!.isLearner) n++;
        if (!acks.has(this.id)) n++;
        if (n < this.quorum()) return;
        for (const rs of this.readOnly.advance(m.context)) this.responseToReadIndexReq(rs.req, rs.index);
        return;
      }
      case "snapResp": {
        pr.recentActive = true;
        if (pr.state !== "snapshot" || m.index !== pr.pendingSnapshot) return;
        if (m.rejectHint > pr.snapOffset || m.reject) {
          pr.snapOffset = m.rejectHint;
          this.sendSnapshotChunk(m.from, pr);
        }
        return;
      }
      case "snapStatus": {
        if (pr.state !== "snapshot") return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for a heartbeat response before probing again.
        pr.probeSent = true;
        return;
      }
      case "unreachable":
        if (pr.state === "replicate") pr.becomeProbe();
        return;
    }
  }

  private stepCandidate(m: Message): void {
    const myVoteResp: MessageType = this.state === "preCandidate" ? "preVoteResp" : "voteResp";
    switch (m.type) {
      case "prop":
        throw new ErrProposalDropped("no leader");
      case "app":
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case "heartbeat":
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case "snap":
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case "voteResp":
      case "preVoteResp": {
        if (m.type !== myVoteResp) return;
        const res = this.poll(m.from, m.type, !m.reject);
        if (res === "won") {
          if (this.state === "preCandidate") this.campaign("election");
          else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (res === "lost") {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case "prop":
        if (this.lead === NONE) throw new ErrProposalDropped("no leader");
        m.to = this.lead;
        this.send(m);
        return;
      case "app":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case "heartbeat":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case "snap":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case "transferLeader":
        if (this.lead === NONE) return;
        m.to = this.lead;
        this.send(m);
        return;
      case "timeoutNow":
        // Leadership transfer: campaign immediately, skipping PreVote and
        // the lease check at the voters.
        this.hup("transfer");
        return;
      case "readIndex":
        if (this.lead === NONE) throw new ErrProposalDropped("no leader");
        m.to = this.lead;
        this.send(m);
        return;
      case "readIndexResp":
        this.readStates.push({ index: m.index, context: m.context ?? "" });
        return;
    }
  }

  // ---- follower handlers ------------------------------------------------

  private handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      // Stale/duplicated append: everything up to commit already matches.
      this.send(msg({ type: "appResp", to: m.from, index: this.raftLog.committed }));
      return;
    }
    const lastNew = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(msg({ type: "appResp", to: m.from, index: lastNew }));
      return;
    }
    // Reject with a hint so the leader can skip a whole term at once.
    let hintIndex = Math.min(m.index, this.raftLog.lastIndex());
    hintIndex = this.raftLog.findConflictByTerm(hintIndex, m.logTerm);
    const hintTerm = this.raftLog.zeroTermOnMissing(hintIndex);
    this.send(
      msg({ type: "appResp", to: m.from, index: m.index, reject: true, rejectHint: hintIndex, logTerm: hintTerm }),
    );
  }

  private handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(Math.min(m.commit, this.raftLog.lastIndex()));
    const r = msg({ type: "heartbeatResp", to: m.from, index: m.index });
    if (m.context !== undefined) r.context = m.context;
    this.send(r);
  }

  private handleSnapshot(m: Message): void {
    const c = m.snapshot;
    if (!c) return;
    const meta = c.meta;
    if (meta.index <= this.raftLog.committed) {
      // Already have it all; let the leader move on.
      this.snapRecv = undefined;
      this.send(msg({ type: "appResp", to: m.from, index: this.raftLog.committed }));
      return;
    }
    if (c.offset === 0) {
      this.snapRecv = { meta, parts: [], size: 0 };
    }
    const rcv = this.snapRecv;
    if (!rcv || rcv.meta.index !== meta.index || rcv.meta.term !== meta.term || rcv.size !== c.offset) {
      // Out of order or for another snapshot: tell the leader where we are.
      const have = rcv && rcv.meta.index === meta.index && rcv.meta.term === meta.term ? rcv.size : 0;
      if (have === 0) this.snapRecv = undefined;
      this.send(msg({ type: "snapResp", to: m.from, index: meta.index, rejectHint: have, reject: true }));
      return;
    }
    rcv.parts.push(c.data);
    rcv.size += c.data.length;
    if (!c.done) {
      this.send(msg({ type: "snapResp", to: m.from, index: meta.index, rejectHint: rcv.size }));
      return;
    }
    assert(rcv.size === c.total, () => `snapshot size ${rcv.size} != total ${c.total}`);
    const data = new Uint8Array(rcv.size);
    let off = 0;
    for (const p of rcv.parts) {
      data.set(p, off);
      off += p.length;
    }
    this.snapRecv = undefined;
    if (this.restore({ meta, data })) {
      this.send(msg({ type: "appResp", to: m.from, index: this.raftLog.lastIndex() }));
    } else {
      this.send(msg({ type: "appResp", to: m.from, index: this.raftLog.committed }));
    }
  }

  // Installs a snapshot received from the leader. Returns false if it was
  // stale or our log already contains it.
  restore(s: Snapshot): boolean {
    if (s.meta.index <= this.raftLog.committed) return false;
    if (this.state !== "follower") {
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    // The snapshot's configuration may not contain us yet: a node added
    // after the leader's latest snapshot learns of its membership from the
    // conf-change entries that follow it (until then it is not promotable).
    // Refusing such a snapshot deadlocks when the new nodes are needed for
    // the quorum that would let the leader take a newer snapshot (found by
    // simulation seed 323).
    const cs = s.meta.conf;
    if (this.raftLog.matchTerm(s.meta.index, s.meta.term)) {
      // Our log already has this prefix: just fast-forward commit.
      this.raftLog.commitTo(s.meta.index);
      return false;
    }
    this.raftLog.restore(s);
    this.resetConf(cs);
    const self = this.prs.get(this.id);
    if (self) self.match = s.meta.index;
    return true;
  }

  // ---- read index ------------------------------------------------------

  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.zeroTermOnMissing(this.raftLog.committed) === this.term;
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.sendMsgReadIndexResponse(m);
  }

  private sendMsgReadIndexResponse(m: Message): void {
    if (this.readOnlyOption === "safe") {
      this.readOnly.addRequest(this.raftLog.committed, m);
      this.readOnly.recvAck(this.id, m.context ?? "");
      this.bcastHeartbeat(m.context ?? "");
    } else if (this.leaseValid()) {
      this.responseToReadIndexReq(m, this.raftLog.committed);
    } else {
      // Lease expired or unknown: fall back to a ReadIndex round.
      this.readOnly.addRequest(this.raftLog.committed, m);
      this.readOnly.recvAck(this.id, m.context ?? "");
      this.bcastHeartbeat(m.context ?? "");
    }
  }

  // The lease holds while a quorum acked heartbeats sent less than
  // leaseTicks ago: each of those followers refuses to vote for anyone else
  // for electionTimeout of its own ticks after receiving the heartbeat
  // (CheckQuorum in-lease rule, bootGuard after restarts), so no other
  // leader can exist before the lease runs out.
  leaseValid(): boolean {
    if (this.state !== "leader" || this.leadTransferee !== NONE || this.leaseRevokedTerm === this.term) return false;
    const stamps: number[] = [];
    for (const [id, pr] of this.prs) {
      if (pr.isLearner) continue;
      stamps.push(id === this.id ? this.tickCount : pr.leaseAckTick);
    }
    stamps.sort((a, b) => b - a);
    const t = stamps[this.quorum() - 1]!;
    return t >= 0 && this.tickCount - t < this.leaseTicks;
  }

  private responseToReadIndexReq(req: Message, readIndex: number): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index: readIndex, context: req.context ?? "" });
      return;
    }
    this.send(msg({ type: "readIndexResp", to: req.from, index: readIndex, context: req.context ?? "" }));
  }

  // ---- leadership transfer, quorum -----------------------------------------

  private sendTimeoutNow(to: number): void {
    this.leaseRevokedTerm = this.term;
    this.send(msg({ type: "timeoutNow", to }));
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  private quorumActive(): boolean {
    let act = 0;
    for (const [id, pr] of this.prs) {
      if (pr.isLearner) continue;
      if (id === this.id || pr.recentActive) act++;
    }
    return act >= this.quorum();
  }

  // ---- membership --------------------------------------------------------

  // Called by the host when it applies a committed conf-change entry. Changes
  // take effect at apply time; the leader only lets one be in flight.
  applyConfChange(cc: ConfChange): ConfState {
    const next = this.raftLog.lastIndex() + 1;
    switch (cc.type) {
      case "addNode": {
        const pr = this.prs.get(cc.nodeId);
        if (pr) pr.isLearner = false;
        else {
          const np = new Progress(next, this.maxInflight, this.maxInflightBytes, false);
          np.recentActive = true;
          this.prs.set(cc.nodeId, np);
        }
        break;
      }
      case "addLearner": {
        const pr = this.prs.get(cc.nodeId);
        // Demoting a voter in one step is not a single-server-safe change.
        if (!pr) {
          const np = new Progress(next, this.maxInflight, this.maxInflightBytes, true);
          np.recentActive = true;
          this.prs.set(cc.nodeId, np);
        }
        break;
      }
      case "removeNode":
        this.prs.delete(cc.nodeId);
        if (cc.nodeId === this.leadTransferee) this.abortLeaderTransfer();
        break;
    }
    if (this.state === "leader") {
      if (!this.prs.has(this.id) || this.prs.get(this.id)!.isLearner) {
        // A removed leader steps down rather than keep leading a cluster it
        // is not part of.
        this.becomeFollower(this.term, NONE);
      } else if (this.maybeCommit()) {
        // The quorum may have shrunk.
        this.bcastAppend();
      }
    }
    return this.confState();
  }
}
