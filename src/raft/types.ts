// Wire and storage types shared by the core, storage, transport and hosts.
// Plain objects (no classes) so they msgpack-encode as-is.

export const NONE = 0; // "no node": node ids start at 1

export type EntryType = "normal" | "conf";

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array; // empty for the leader's no-op entry
}

export interface HardState {
  term: number;
  vote: number;
  commit: number;
}

export interface ConfState {
  voters: number[];
  learners: number[];
}

export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

// One piece of an InstallSnapshot transfer; the follower reassembles the
// chunks in order and only applies the snapshot once `done` arrives.
export interface SnapshotChunk {
  meta: SnapshotMeta;
  offset: number;
  total: number;
  data: Uint8Array;
  done: boolean;
}

export type ConfChangeType = "addNode" | "addLearner" | "removeNode";
export interface ConfChange {
  type: ConfChangeType;
  nodeId: number;
}

export type MessageType =
  // local-only (never on the wire)
  | "hup"
  | "beat"
  | "checkQuorum"
  | "unreachable"
  | "snapStatus"
  // client-facing
  | "prop"
  | "readIndex"
  | "readIndexResp"
  | "transferLeader"
  // peer protocol
  | "app"
  | "appResp"
  | "vote"
  | "voteResp"
  | "preVote"
  | "preVoteResp"
  | "snap"
  | "snapResp"
  | "heartbeat"
  | "heartbeatResp"
  | "timeoutNow";

export interface Message {
  type: MessageType;
  group: number; // multi-raft group id; single-group users leave 0
  from: number;
  to: number;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  snapshot?: SnapshotChunk;
  context?: string; // read-index request id, or "transfer" on forced votes
}

// Field by field rather than `{...defaults, ...p}`: object spread
// (copyDataProperties) was a visible share of the nodes' profile, one
// message per append and per ack.
export function msg(p: Partial<Message> & { type: MessageType }): Message {
  const m: Message = {
    type: p.type,
    group: p.group ?? 0,
    from: p.from ?? NONE,
    to: p.to ?? NONE,
    term: p.term ?? 0,
    logTerm: p.logTerm ?? 0,
    index: p.index ?? 0,
    entries: p.entries ?? [],
    commit: p.commit ?? 0,
    reject: p.reject ?? false,
    rejectHint: p.rejectHint ?? 0,
  };
  if (p.snapshot !== undefined) m.snapshot = p.snapshot;
  if (p.context !== undefined) m.context = p.context;
  return m;
}

export function isLocalMsg(t: MessageType): boolean {
  return t === "hup" || t === "beat" || t === "checkQuorum" || t === "unreachable" || t === "snapStatus";
}

export function isResponseMsg(t: MessageType): boolean {
  return (
    t === "appResp" ||
    t === "voteResp" ||
    t === "preVoteResp" ||
    t === "heartbeatResp" ||
    t === "snapResp" ||
    t === "readIndexResp" ||
    t === "unreachable"
  );
}

export type StateType = "follower" | "candidate" | "preCandidate" | "leader";

export interface SoftState {
  lead: number;
  state: StateType;
}

export interface ReadState {
  index: number;
  context: string;
}

// Approximate in-memory/wire size of an entry, used for batching and the
// byte-based inflight window.
export function entrySize(e: Entry): number {
  return e.data.length + 24;
}

export function emptyHardState(): HardState {
  return { term: 0, vote: NONE, commit: 0 };
}

export function isEmptyHardState(h: HardState): boolean {
  return h.term === 0 && h.vote === NONE && h.commit === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export function emptySnapshot(): Snapshot {
  return { meta: { index: 0, term: 0, conf: { voters: [], learners: [] } }, data: new Uint8Array(0) };
}

// Returns a prefix of ents whose total size is <= maxSize, but always at
// least one entry so that progress is possible with oversized entries.
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0]!);
  let n = 1;
  for (; n < ents.length; n++) {
    size += entrySize(ents[n]!);
    if (size > maxSize) break;
  }
  return n === ents.length ? ents : ents.slice(0, n);
}
