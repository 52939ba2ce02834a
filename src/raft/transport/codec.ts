import { Decoder, Encoder } from "@msgpack/msgpack";
import type { Entry, Message, MessageType, SnapshotChunk } from "../types.ts";
import { writeU32 } from "./framing.ts";

// Compact wire form of raft messages: positional tuples instead of maps
// (field names would dominate small messages) and one reused Encoder /
// Decoder (allocating one per call was the transport's main cost).
const TYPES: MessageType[] = [
  "hup", "beat", "checkQuorum", "unreachable", "snapStatus", "prop", "readIndex", "readIndexResp",
  "transferLeader", "app", "appResp", "vote", "voteResp", "preVote", "preVoteResp", "snap", "snapResp",
  "heartbeat", "heartbeatResp", "timeoutNow",
];
const TYPE_CODE = new Map<MessageType, number>(TYPES.map((t, i) => [t, i]));

type WireEntry = [number, number, number, Uint8Array];
type WireMsg = [
  number, number, number, number, number, number, number, WireEntry[], number, boolean, number,
  SnapshotChunk | null, string | null,
];

const encoder = new Encoder();
const decoder = new Decoder();

function toWire(m: Message): WireMsg {
  return [
    TYPE_CODE.get(m.type)!, m.group, m.from, m.to, m.term, m.logTerm, m.index,
    m.entries.map((e) => [e.term, e.index, e.type === "conf" ? 1 : 0, e.data] as WireEntry),
    m.commit, m.reject, m.rejectHint, m.snapshot ?? null, m.context ?? null,
  ];
}

function fromWire(w: WireMsg): Message {
  const m: Message = {
    type: TYPES[w[0]]!,
    group: w[1],
    from: w[2],
    to: w[3],
    term: w[4],
    logTerm: w[5],
    index: w[6],
    entries: w[7].map((e): Entry => ({ term: e[0], index: e[1], type: e[2] === 1 ? "conf" : "normal", data: e[3] })),
    commit: w[8],
    reject: w[9],
    rejectHint: w[10],
  };
  if (w[11] !== null) m.snapshot = w[11];
  if (w[12] !== null) m.context = w[12];
  return m;
}

// Encodes a batch of messages as one length-prefixed frame.
export function encodeBatch(msgs: Message[]): Uint8Array {
  const payload = encoder.encode(msgs.map(toWire));
  const out = new Uint8Array(4 + payload.length);
  writeU32(out, 0, payload.length);
  out.set(payload, 4);
  return out;
}

export function decodeBatchPayload(payload: Uint8Array): Message[] {
  return (decoder.decode(payload) as WireMsg[]).map(fromWire);
}

export function encodeMessage(m: Message): Uint8Array {
  return encoder.encode(toWire(m));
}

export function decodeMessage(b: Uint8Array): Message {
  return fromWire(decoder.decode(b) as WireMsg);
}
