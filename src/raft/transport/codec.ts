import { Decoder, Encoder } from "@msgpack/msgpack";
import type { Entry, Message, MessageType, SnapshotChunk } from "../types.ts";

// Wire form of raft messages: msgpack (the project's chosen wire format),
// shaped to be cheap. Positional arrays with small integer tags instead of
// string-keyed maps (field names would dominate small messages); entries
// flattened into one array (no header per entry); entry data and snapshot
// chunks as msgpack bin, which the decoder returns as views into the frame
// (no copy, no UTF-8 work). One reused Encoder and Decoder: the one-shot
// encode()/decode() helpers allocate per call.
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

const encoder = new Encoder();
const decoder = new Decoder();

function flattenEntries(ents: Entry[]): (number | Uint8Array)[] {
  const flat: (number | Uint8Array)[] = [];
  for (const e of ents) flat.push(e.term, e.index, e.type === "conf" ? 1 : 0, e.data);
  return flat;
}

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

function toWire(m: Message): WireMessage {
  const w: WireMessage = [
    TYPE_CODE.get(m.type)!, m.group, m.from, m.to, m.term, m.logTerm, m.index, m.commit, m.rejectHint,
    m.reject, flattenEntries(m.entries),
  ];
  const s = m.snapshot;
  if (s) w.push([s.meta.index, s.meta.term, s.meta.conf.voters, s.meta.conf.learners, s.offset, s.total, s.data, s.done]);
  if (m.context !== undefined) {
    if (!s) w.push(null);
    w.push(m.context);
  }
  return w;
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

// Encodes a batch of messages (the payload of one frame) into the encoder's
// shared buffer: valid until the next encode (FrameBuffer.push copies it).
export function encodeBatchPayload(msgs: Message[]): Uint8Array {
  return encoder.encodeSharedRef(msgs.map(toWire));
}

// Entry data and snapshot chunks are views into `payload`, which the caller
// must not reuse (FrameDecoder hands out views into fresh copies).
export function decodeBatchPayload(payload: Uint8Array): Message[] {
  return (decoder.decode(payload) as WireMessage[]).map(fromWire);
}

export function encodeMessage(m: Message): Uint8Array {
  return encoder.encode(toWire(m));
}

export function decodeMessage(b: Uint8Array): Message {
  return fromWire(decoder.decode(b) as WireMessage);
}
