import { rawStringDecoder, text } from "./text.ts";
import { TupleReader } from "./tuple_reader.ts";
import { TupleWriter } from "./tuple_writer.ts";

// Client protocol of the example KV service: length-prefixed frames
// (u32 length | msgpack payload), pipelined, answered out of order. Payloads
// are msgpack arrays with small integer tags (no map keys on the wire),
// written by a TupleWriter and read by a TupleReader (any other msgpack
// encoding of them by the Decoder; strings decoded natively, see text.ts):
//   request  [op (0 put, 1 get, 2 cas), id, key, value?, expect?]
//            (get: no value; cas: expect is nil for "key absent")
//   response [id, ok, value (nil if none), err (0 none, 1 not_leader,
//            2 timeout, 3 error), leader (0 unknown)]
// Writes go through the log; gets use ReadIndex then read locally.
export interface KvRequest {
  id: number;
  op: "put" | "get" | "cas";
  key: string;
  value?: string;
  expect?: string | null;
  // A put read directly: its key and value as the client encoded them (a
  // view into the request frame), for encodeCommand to reuse.
  keyValue?: Uint8Array;
}
export interface KvResponse {
  id: number;
  ok: boolean;
  value: string | null;
  err?: "not_leader" | "timeout" | "error";
  leader?: number;
}

type RawRequest = [number, number, Uint8Array, Uint8Array?, (Uint8Array | null)?];
type RawResponse = [number, boolean, Uint8Array | null, number, number];

const OPS = ["put", "get", "cas"] as const;
const ERRS = [undefined, "not_leader", "timeout", "error"] as const;
const decoder = rawStringDecoder();

// The encoders return the msgpack payload in a shared buffer, valid until
// the next encode: CorkedWriter.writeFrame copies it at once.
const writer = new TupleWriter();

// id apart from the request's fields: the client numbers each attempt.
export function encodeRequest(q: Omit<KvRequest, "id" | "keyValue">, id: number): Uint8Array {
  const w = writer.start(q.op === "get" ? 3 : q.op === "put" ? 4 : 5);
  w.uint(OPS.indexOf(q.op)).uint(id).str(q.key);
  if (q.op !== "get") w.str(q.value ?? "");
  if (q.op === "cas") w.str(q.expect ?? null);
  return w.end();
}

// A put's reply: ok, its value as the msgpack str at b[valueAt..] (the
// bytes of the client's own request, left encoded).
export function encodePutResponse(id: number, b: Uint8Array, valueAt: number): Uint8Array {
  return writer.start(5).uint(id).bool(true).raw(b, valueAt, b.length).uint(0).uint(0).end();
}

const reader = new TupleReader();

// A put read directly, its strings left encoded: the request id, its key
// and value as msgpack str bytes (a view into the payload), and where in
// those the value starts. Undefined for anything else (decodeRequest).
export function readPut(payload: Uint8Array): { id: number; keyValue: Uint8Array; valueAt: number } | undefined {
  if (reader.start(payload) !== 4 || reader.uint() !== 0) return undefined;
  const id = reader.uint();
  const keyAt = reader.offset();
  if (id === undefined || typeof reader.strBytes() !== "number") return undefined;
  const valueAt = reader.offset();
  if (typeof reader.strBytes() !== "number" || !reader.done()) return undefined;
  return { id, keyValue: payload.subarray(keyAt), valueAt: valueAt - keyAt };
}

// Requests and responses are read directly when they have the encoders'
// shape (see TupleReader), by the msgpack Decoder otherwise.
export function decodeRequest(payload: Uint8Array): KvRequest {
  const n = reader.start(payload);
  const op = OPS[reader.uint() ?? -1];
  const id = reader.uint();
  const keyAt = reader.offset();
  const key = reader.str();
  if (op !== undefined && id !== undefined && typeof key === "string") {
    const q: KvRequest = { op, id, key };
    if (op === "get" && n === 3 && reader.done()) return q;
    const value = reader.str();
    if (typeof value === "string" && (op === "put" || op === "cas")) {
      q.value = value;
      if (op === "put" && n === 4 && reader.done()) {
        q.keyValue = payload.subarray(keyAt);
        return q;
      }
      const expect = reader.str();
      if (op === "cas" && n === 5 && expect !== undefined && reader.done()) {
        q.expect = expect;
        return q;
      }
    }
  }
  return requestFromRaw(decoder.decode(payload) as RawRequest);
}

function requestFromRaw(w: RawRequest): KvRequest {
  const op = OPS[w[0]];
  if (op === undefined) throw new Error("bad KV request");
  const q: KvRequest = { op, id: w[1], key: text(w[2]) };
  if (op !== "get") q.value = text(w[3] as Uint8Array);
  if (op === "cas") q.expect = text(w[4]);
  return q;
}

export function encodeResponse(p: KvResponse): Uint8Array {
  return writer.start(5).uint(p.id).bool(p.ok).str(p.value).uint(ERRS.indexOf(p.err)).uint(p.leader ?? 0).end();
}

export function decodeResponse(payload: Uint8Array): KvResponse {
  if (reader.start(payload) === 5) {
    const id = reader.uint();
    const ok = reader.bool();
    const value = reader.str();
    const err = reader.uint();
    const leader = reader.uint();
    if (id !== undefined && ok !== undefined && value !== undefined && err !== undefined && leader !== undefined && reader.done()) {
      return response(id, ok, value, err, leader);
    }
  }
  const w = decoder.decode(payload) as RawResponse;
  return response(w[0], w[1], text(w[2]), w[3], w[4]);
}

function response(id: number, ok: boolean, value: string | null, errCode: number, leader: number): KvResponse {
  const p: KvResponse = { id, ok, value };
  const err = ERRS[errCode];
  if (err !== undefined) p.err = err;
  if (leader !== 0) p.leader = leader;
  return p;
}
