import { encode } from "@msgpack/msgpack";
import { ErrProposalDropped, Raft, type RaftConfig } from "./raft.ts";
import {
  hardStateEqual,
  isLocalMsg,
  isResponseMsg,
  msg,
  NONE,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type ReadState,
  type Snapshot,
  type SoftState,
} from "./types.ts";

// Everything the host must do after feeding inputs to the core, in order:
//  0. send earlyMessages (may overlap with 1),
//  1. persist snapshot, entries and hardState (fsync if mustSync),
//  2. send messages,
//  3. apply committedEntries (and the snapshot) to the state machine,
//  4. call advance(rd).
// The core may be stepped between ready() and advance() (e.g. while the
// fsync of 1 runs); the next ready() must wait for advance().
export interface Ready {
  softState?: SoftState; // only if changed
  hardState?: HardState; // only if changed
  readStates: ReadState[];
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[]; // only after this Ready is persisted
  // Leader replication traffic (appends, heartbeats, snapshot chunks) and
  // heartbeat responses, of a term that an earlier Ready already made
  // durable. It may leave before this Ready is persisted, so followers write
  // in parallel with the leader (§10.2.1): it carries no vote and no ack of
  // our log, and the commit index in it counts the leader's own log only
  // once durable (onStable). A heartbeat response only says "no newer term
  // here": it must not wait behind a slow fsync, or the leader's
  // CheckQuorum deposes it and ReadIndex stalls. (Lease acks it carries
  // survive a crash: a restarted node refuses votes for an election timeout.)
  earlyMessages: Message[];
  mustSync: boolean;
}

const EARLY_TYPES: ReadonlySet<Message["type"]> = new Set(["app", "heartbeat", "snap", "heartbeatResp"]);
const isEarly = (m: Message, durableTerm: number) => EARLY_TYPES.has(m.type) && m.term === durableTerm;

// Thread-free wrapper around Raft that turns its accumulated outputs into
// Ready batches (etcd-raft's RawNode).
export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;

  constructor(cfg: RaftConfig) {
    this.raft = new Raft(cfg);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  campaign(): void {
    this.raft.step(msg({ type: "hup" }));
  }

  // Returns false if the proposal was dropped (no leader known, leader
  // transfer in progress, ...). A true return does NOT mean committed.
  propose(data: Uint8Array): boolean {
    return this.stepLocal(msg({ type: "prop", from: this.raft.id, entries: [{ term: 0, index: 0, type: "normal", data }] }));
  }

  // Batch proposal: one MsgProp, one append, one broadcast.
  proposeMany(datas: Uint8Array[]): boolean {
    if (datas.length === 0) return true;
    return this.stepLocal(
      msg({ type: "prop", from: this.raft.id, entries: datas.map((data) => ({ term: 0, index: 0, type: "normal" as const, data })) }),
    );
  }

  proposeConfChange(cc: ConfChange): boolean {
    return this.stepLocal(
      msg({ type: "prop", from: this.raft.id, entries: [{ term: 0, index: 0, type: "conf", data: encode(cc) }] }),
    );
  }

  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  // Requests a linearizable read point; the answer arrives as a ReadState
  // with the same context in a later Ready.
  readIndex(context: string): boolean {
    return this.stepLocal(msg({ type: "readIndex", from: this.raft.id, context, entries: [] }));
  }

  transferLeader(to: number): void {
    this.raft.step(msg({ type: "transferLeader", from: to, to: this.raft.lead }));
  }

  reportUnreachable(id: number): void {
    this.raft.step(msg({ type: "unreachable", from: id }));
  }

  reportSnapshot(id: number, failed: boolean): void {
    this.raft.step(msg({ type: "snapStatus", from: id, reject: failed }));
  }

  // Feed a message from the network.
  step(m: Message): void {
    if (isLocalMsg(m.type)) return; // never accept local types from peers
    if (isResponseMsg(m.type) && !this.raft.prs.has(m.from) && m.type !== "readIndexResp") return;
    try {
      this.raft.step(m);
    } catch (e) {
      if (!(e instanceof ErrProposalDropped)) throw e;
    }
  }

  private stepLocal(m: Message): boolean {
    try {
      this.raft.step(m);
      return true;
    } catch (e) {
      if (e instanceof ErrProposalDropped) return false;
      throw e;
    }
  }

  hasReady(): boolean {
    const r = this.raft;
    const ss = r.softState();
    if (ss.lead !== this.prevSoft.lead || ss.state !== this.prevSoft.state) return true;
    if (!hardStateEqual(r.hardState(), this.prevHard)) return true;
    if (r.raftLog.hasPendingSnapshot()) return true;
    if (r.msgs.length > 0 || r.raftLog.unstableEntries().length > 0 || r.raftLog.hasNextEnts()) return true;
    return r.readStates.length > 0;
  }

  ready(): Ready {
    const r = this.raft;
    const entries = r.raftLog.unstableEntries().slice();
    const rd: Ready = {
      readStates: r.readStates,
      entries,
      committedEntries: r.raftLog.nextEnts(),
      messages: [],
      earlyMessages: [],
      mustSync: false,
    };
    if (rd.committedEntries.length > 0) r.raftLog.applyingTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
    const durableTerm = this.prevHard.term;
    for (const m of r.msgs) (isEarly(m, durableTerm) ? rd.earlyMessages : rd.messages).push(m);
    r.msgs = [];
    r.readStates = [];
    const ss = r.softState();
    if (ss.lead !== this.prevSoft.lead || ss.state !== this.prevSoft.state) rd.softState = ss;
    const hs = r.hardState();
    if (!hardStateEqual(hs, this.prevHard)) rd.hardState = hs;
    if (r.raftLog.unstable.snapshot) rd.snapshot = r.raftLog.unstable.snapshot;
    // Votes and terms must be durable before we answer anyone; entries
    // before we ack them. A commit-only change may be written lazily.
    rd.mustSync =
      entries.length > 0 || rd.snapshot !== undefined || (rd.hardState !== undefined && (hs.term !== this.prevHard.term || hs.vote !== this.prevHard.vote));
    return rd;
  }

  // The messages a Ready would put in earlyMessages, taken out now: for a
  // host that keeps proposing while a Ready's sync is in flight, so the
  // appends of those proposals reach the followers during the leader's own
  // write (pipelining) instead of after it. Same rule as ready(): leader
  // replication traffic of a term already durable here. The entries they
  // carry reach this node's storage with the next Ready; until then the
  // leader does not count them (onStable).
  takeEarlyMessages(): Message[] {
    const r = this.raft;
    const durableTerm = this.prevHard.term;
    const early: Message[] = [];
    const rest: Message[] = [];
    for (const m of r.msgs) (isEarly(m, durableTerm) ? early : rest).push(m);
    r.msgs = rest;
    return early;
  }

  // Committed entries that were not handed out yet and are in storage
  // (written, not necessarily synced here), for a host that applies while
  // a Ready's sync is in flight (the acks that commit them arrive
  // meanwhile). Only call it once everything handed out before (including
  // the pending Ready's committedEntries) is applied; the returned entries
  // count as applied at once, so the host applies them, in order, right
  // away. Entries of the Ready being persisted are included once a quorum
  // holds them: committed means durable on a majority, this node's own
  // durability adds nothing (a leader whose followers both acked answers
  // before its own fsync ends). Limited to what storage holds so a
  // snapshot of the applied state never lies beyond the storage's log.
  takeCommitted(): Entry[] {
    const log = this.raft.raftLog;
    const ents = log.nextEnts(log.unstable.snapshot ? 0 : log.storage.lastIndex());
    if (ents.length > 0) log.appliedTo(ents[ents.length - 1]!.index);
    return ents;
  }

  advance(rd: Ready): void {
    const r = this.raft;
    if (rd.softState) this.prevSoft = rd.softState;
    if (rd.hardState) this.prevHard = rd.hardState;
    if (rd.committedEntries.length > 0) {
      r.raftLog.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
    }
    if (rd.entries.length > 0) {
      const e = rd.entries[rd.entries.length - 1]!;
      r.raftLog.stableTo(e.index, e.term);
    }
    if (rd.snapshot) {
      r.raftLog.stableSnapTo(rd.snapshot.meta.index);
      // The snapshot counts as applied once the host installed it.
      if (r.raftLog.applied < rd.snapshot.meta.index) {
        r.raftLog.applied = rd.snapshot.meta.index;
        r.raftLog.applyingTo(rd.snapshot.meta.index);
      }
    }
    r.onStable();
  }

  status(): { id: number; term: number; lead: number; state: string; commit: number; applied: number; lastIndex: number } {
    const r = this.raft;
    return {
      id: r.id,
      term: r.term,
      lead: r.lead,
      state: r.state,
      commit: r.raftLog.committed,
      applied: r.raftLog.applied,
      lastIndex: r.raftLog.lastIndex(),
    };
  }
}

export { NONE };
