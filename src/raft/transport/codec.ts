import { Decoder } from "@msgpack/msgpack";
import { assert } from "../assert.ts";
import type { Entry, Message, MessageType, SnapshotChunk } from "../types.ts";
import { MsgpackReader, MsgpackWriter } from "./msgpack_direct.ts";

// Wire form of raft messages: msgpack (the project's chosen wire format),
// shaped to be cheap. Positional arrays with small integer tags instead of
// string-keyed maps (field names would dominate small messages); entries
// flattened into one array (no header per entry); entry data and snapshot
// chunks as msgpack bin, which the decoder returns as views into the frame
// (no copy, no UTF-8 work). Written and read directly (MsgpackWriter /
// MsgpackReader, the same bytes as the msgpack Encoder's): the Encoder's
// and Decoder's per-value dispatch and the arrays they build per message
// and per append (toWire, the flattened entries) were ~7 % of the leader's
// and ~10 % of a follower's profile at 256 writes in flight. The Decoder
// still reads any other msgpack encoding of a batch.
//   batch    [msg, ...]
//   msg      [type, group, from, to, term, logTerm, index, commit, rejectHint,
//             reject, entries, snapshot?, context?]   (absent tail omitted)
//   entries  [term, index, kind (0 normal, 1 conf), data(bin), term, ...]
//   snapshot [index, term, voters, learners, offset, total, data(bin), done]
const TYPES: MessageType[] = [
  "hup", "beat", "checkQuorum", "unreachable", "snapStatus", "prop", "readIndex", "readIndexResp",
  "transferLeader", "app", "appResp", "vote", "voteResp", "preVote", "preVoteResp", "snap", "snapResp",
  "heartbeat", "heartbeatResp", "timeoutNow",
];
const TYPE_CODE = new Map<MessageType, number>(TYPES.map((t, i) => [t, i]));

type WireSnapshot = [number, number, number[], number[], number, number, Uint8Array, boolean];
type WireMessage = [
  number, number, number, number, number, number, number, number, number, boolean,
  (number | Uint8Array)[], (WireSnapshot | null)?, string?,
];

const decoder = new Decoder();

function unflattenEntries(flat: (number | Uint8Array)[]): Entry[] {
  const ents: Entry[] = [];
  for (let i = 0; i < flat.length; i += 4) {
    ents.push({
      term: flat[i] as number,
      index: flat[i + 1] as number,
      type: flat[i + 2] === 1 ? "conf" : "normal",
      data: flat[i + 3] as Uint8Array,
    });
  }
  return ents;
}

function fromWire(w: WireMessage): Message {
  const type = TYPES[w[0]];
  if (type === undefined) throw new Error("bad raft message type");
  const m: Message = {
    type,
    group: w[1],
    from: w[2],
    to: w[3],
    term: w[4],
    logTerm: w[5],
    index: w[6],
    commit: w[7],
    rejectHint: w[8],
    reject: w[9],
    entries: unflattenEntries(w[10]),
  };
  const s = w[11];
  if (s) {
    const chunk: SnapshotChunk = {
      meta: { index: s[0], term: s[1], conf: { voters: s[2], learners: s[3] } },
      offset: s[4],
      total: s[5],
      data: s[6],
      done: s[7],
    };
    m.snapshot = chunk;
  }
  if (w[12] !== undefined) m.context = w[12];
  return m;
}

const writer = new MsgpackWriter(64 * 1024);
const reader = new MsgpackReader();

// Wire fields are non-negative integers, written in their smallest msgpack
// form; those below 2^32 (all but huge terms and indexes) need no check.
function writeUint(v: number): void {
  if ((v >>> 0) !== v) assert(v >= 0 && Number.isSafeInteger(v), `raft message field ${v} is not a non-negative integer`);
  writer.uint(v);
}

function writeMessage(m: Message): void {
  const s = m.snapshot;
  const ctx = m.context;
  writer.array(ctx !== undefined ? 13 : s ? 12 : 11);
  writeUint(TYPE_CODE.get(m.type)!);
  writeUint(m.group);
  writeUint(m.from);
  writeUint(m.to);
  writeUint(m.term);
  writeUint(m.logTerm);
  writeUint(m.index);
  writeUint(m.commit);
  writeUint(m.rejectHint);
  writer.bool(m.reject);
  writer.array(4 * m.entries.length);
  for (const e of m.entries) {
    writeUint(e.term);
    writeUint(e.index);
    writer.uint(e.type === "conf" ? 1 : 0);
    writer.bin(e.data);
  }
  if (s) writeSnapshotChunk(s);
  else if (ctx !== undefined) writer.nil();
  if (ctx !== undefined) writer.str(ctx);
}

function writeSnapshotChunk(s: SnapshotChunk): void {
  writer.array(8);
  writeUint(s.meta.index);
  writeUint(s.meta.term);
  writeUints(s.meta.conf.voters);
  writeUints(s.meta.conf.learners);
  writeUint(s.offset);
  writeUint(s.total);
  writer.bin(s.data);
  writer.bool(s.done);
}

function writeUints(vs: number[]): void {
  writer.array(vs.length);
  for (const v of vs) writeUint(v);
}

// One message as encodeMessage/toWire shape it, or undefined if the bytes
// are of another shape.
function readMessage(): Message | undefined {
  const r = reader;
  const n = r.array();
  if (n === undefined || n < 11 || n > 13) return undefined;
  const type = TYPES[r.uint() ?? -1];
  const group = r.uint();
  const from = r.uint();
  const to = r.uint();
  const term = r.uint();
  const logTerm = r.uint();
  const index = r.uint();
  const commit = r.uint();
  const rejectHint = r.uint();
  const reject = r.bool();
  const flat = r.array();
  if (
    type === undefined || group === undefined || from === undefined || to === undefined || term === undefined ||
    logTerm === undefined || index === undefined || commit === undefined || rejectHint === undefined ||
    reject === undefined || flat === undefined || flat % 4 !== 0
  ) {
    return undefined;
  }
  const entries: Entry[] = [];
  for (let i = 0; i < flat; i += 4) {
    const eTerm = r.uint();
    const eIndex = r.uint();
    const kind = r.uint();
    const data = r.bin();
    if (eTerm === undefined || eIndex === undefined || (kind !== 0 && kind !== 1) || data === undefined) return undefined;
    entries.push({ term: eTerm, index: eIndex, type: kind === 1 ? "conf" : "normal", data });
  }
  const m: Message = { type, group, from, to, term, logTerm, index, commit, rejectHint, reject, entries };
  if (n >= 12 && !r.nil()) {
    const snapshot = readSnapshotChunk();
    if (!snapshot) return undefined;
    m.snapshot = snapshot;
  }
  if (n === 13) {
    const at = r.strBytes();
    if (typeof at !== "number") return undefined;
    m.context = contextText.decode(r.since(at));
  }
  return m;
}

const contextText = new TextDecoder();

function readSnapshotChunk(): SnapshotChunk | undefined {
  const r = reader;
  if (r.array() !== 8) return undefined;
  const index = r.uint();
  const term = r.uint();
  const voters = readUints();
  const learners = readUints();
  const offset = r.uint();
  const total = r.uint();
  const data = r.bin();
  const done = r.bool();
  if (
    index === undefined || term === undefined || !voters || !learners || offset === undefined ||
    total === undefined || data === undefined || done === undefined
  ) {
    return undefined;
  }
  return { meta: { index, term, conf: { voters, learners } }, offset, total, data, done };
}

function readUints(): number[] | undefined {
  const n = reader.array();
  if (n === undefined) return undefined;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = reader.uint();
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

// Encodes a batch of messages (the payload of one frame) into the writer's
// shared buffer: valid until the next encode (FrameBuffer.push copies it).
export function encodeBatchPayload(msgs: Message[]): Uint8Array {
  writer.reset().array(msgs.length);
  for (const m of msgs) writeMessage(m);
  return writer.view();
}

// Entry data and snapshot chunks are views into `payload`, which the caller
// must not reuse (FrameDecoder hands out views into fresh copies).
export function decodeBatchPayload(payload: Uint8Array): Message[] {
  reader.reset(payload);
  const n = reader.array();
  const msgs: Message[] = [];
  for (let i = 0; n !== undefined && i < n; i++) {
    const m = readMessage();
    if (!m) break;
    msgs.push(m);
  }
  if (n !== undefined && msgs.length === n && reader.done()) return msgs;
  return (decoder.decode(payload) as WireMessage[]).map(fromWire);
}

// A fresh copy.
export function encodeMessage(m: Message): Uint8Array {
  writer.reset();
  writeMessage(m);
  return writer.view().slice();
}

export function decodeMessage(b: Uint8Array): Message {
  reader.reset(b);
  const m = readMessage();
  if (m && reader.done()) return m;
  return fromWire(decoder.decode(b) as WireMessage);
}
