import type { Entry, Message, MessageType, SnapshotChunk, SnapshotMeta } from "../types.ts";
import { ByteReader, ByteWriter } from "../wire.ts";

// Binary wire form of raft messages (fixed fields, then entries, then the
// optional snapshot chunk and context). Was msgpack tuples; decoding entries
// on followers and encoding them on the leader were the largest codec costs.
//   u8 type | u32 group | u32 from | u32 to | u53 term, logTerm, index, commit,
//   rejectHint | u8 flags (1 reject, 2 snapshot, 4 context) | u32 n | entries
//   entry: u53 term | u53 index | u8 type (0 normal, 1 conf) | bytes data
//   snapshot: u53 index | u53 term | voters | learners | u53 offset | u53 total
//             | bytes data | u8 done        (id lists: u32 n | u32 ids)
//   context: str
const TYPES: MessageType[] = [
  "hup", "beat", "checkQuorum", "unreachable", "snapStatus", "prop", "readIndex", "readIndexResp",
  "transferLeader", "app", "appResp", "vote", "voteResp", "preVote", "preVoteResp", "snap", "snapResp",
  "heartbeat", "heartbeatResp", "timeoutNow",
];
const TYPE_CODE = new Map<MessageType, number>(TYPES.map((t, i) => [t, i]));
const REJECT = 1;
const SNAPSHOT = 2;
const CONTEXT = 4;

const writer = new ByteWriter();

function writeIds(w: ByteWriter, ids: number[]): void {
  w.u32(ids.length);
  for (const id of ids) w.u32(id);
}

function readIds(r: ByteReader): number[] {
  const n = r.u32();
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(r.u32());
  return ids;
}

// Entries and snapshot metadata: also the WAL's record layout (wal_record.ts).
export function writeEntries(w: ByteWriter, ents: Entry[]): void {
  w.u32(ents.length);
  for (const e of ents) {
    w.u53(e.term);
    w.u53(e.index);
    w.u8(e.type === "conf" ? 1 : 0);
    w.bytes(e.data);
  }
}

export function readEntries(r: ByteReader): Entry[] {
  const n = r.u32();
  const ents: Entry[] = [];
  for (let i = 0; i < n; i++) ents.push({ term: r.u53(), index: r.u53(), type: r.u8() === 1 ? "conf" : "normal", data: r.bytes() });
  return ents;
}

export function writeMeta(w: ByteWriter, meta: SnapshotMeta): void {
  w.u53(meta.index);
  w.u53(meta.term);
  writeIds(w, meta.conf.voters);
  writeIds(w, meta.conf.learners);
}

export function readMeta(r: ByteReader): SnapshotMeta {
  return { index: r.u53(), term: r.u53(), conf: { voters: readIds(r), learners: readIds(r) } };
}

function writeMessage(w: ByteWriter, m: Message): void {
  w.u8(TYPE_CODE.get(m.type)!);
  w.u32(m.group);
  w.u32(m.from);
  w.u32(m.to);
  w.u53(m.term);
  w.u53(m.logTerm);
  w.u53(m.index);
  w.u53(m.commit);
  w.u53(m.rejectHint);
  w.u8((m.reject ? REJECT : 0) | (m.snapshot ? SNAPSHOT : 0) | (m.context !== undefined ? CONTEXT : 0));
  writeEntries(w, m.entries);
  const s = m.snapshot;
  if (s) {
    writeMeta(w, s.meta);
    w.u53(s.offset);
    w.u53(s.total);
    w.bytes(s.data);
    w.u8(s.done ? 1 : 0);
  }
  if (m.context !== undefined) w.str(m.context);
}

function readMessage(r: ByteReader): Message {
  const type = TYPES[r.u8()];
  if (type === undefined) throw new Error("bad raft message type");
  const m: Message = {
    type,
    group: r.u32(),
    from: r.u32(),
    to: r.u32(),
    term: r.u53(),
    logTerm: r.u53(),
    index: r.u53(),
    commit: r.u53(),
    rejectHint: r.u53(),
    reject: false,
    entries: [],
  };
  const flags = r.u8();
  m.reject = (flags & REJECT) !== 0;
  m.entries = readEntries(r);
  if (flags & SNAPSHOT) {
    const meta = readMeta(r);
    const chunk: SnapshotChunk = { meta, offset: r.u53(), total: r.u53(), data: r.bytes(), done: r.u8() === 1 };
    m.snapshot = chunk;
  }
  if (flags & CONTEXT) m.context = r.str();
  return m;
}

// Encodes a batch of messages as one length-prefixed frame.
export function encodeBatch(msgs: Message[]): Uint8Array {
  const start = writer.frameStart();
  writer.u32(msgs.length);
  for (const m of msgs) writeMessage(writer, m);
  writer.frameEnd(start);
  return writer.take();
}

export function decodeBatchPayload(payload: Uint8Array): Message[] {
  const r = new ByteReader(payload);
  const n = r.u32();
  const out: Message[] = [];
  for (let i = 0; i < n; i++) out.push(readMessage(r));
  return out;
}

export function encodeMessage(m: Message): Uint8Array {
  writeMessage(writer, m);
  return writer.take();
}

export function decodeMessage(b: Uint8Array): Message {
  return readMessage(new ByteReader(b));
}
