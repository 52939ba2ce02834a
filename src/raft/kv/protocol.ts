import { ByteReader, ByteWriter } from "../wire.ts";

// Client protocol of the example KV service: length-prefixed binary frames
// (u32 length | payload), pipelined, answered out of order.
//   request  op u8 | id u32 | key | (put, cas: value) | (cas: expect?)
//   response id u32 | ok u8 | err u8 | leader u32 | value?
// Writes go through the log; gets use ReadIndex then read locally.
export interface KvRequest {
  id: number;
  op: "put" | "get" | "cas";
  key: string;
  value?: string;
  expect?: string | null;
}
export interface KvResponse {
  id: number;
  ok: boolean;
  value: string | null;
  err?: "not_leader" | "timeout" | "error";
  leader?: number;
}

const OPS = ["put", "get", "cas"] as const;
const ERRS = [undefined, "not_leader", "timeout", "error"] as const;
const writer = new ByteWriter();

export function encodeRequest(q: KvRequest): Uint8Array {
  const start = writer.frameStart();
  writer.u8(OPS.indexOf(q.op));
  writer.u32(q.id);
  writer.str(q.key);
  if (q.op !== "get") writer.str(q.value ?? "");
  if (q.op === "cas") writer.optStr(q.expect);
  writer.frameEnd(start);
  return writer.take();
}

export function decodeRequest(payload: Uint8Array): KvRequest {
  const r = new ByteReader(payload);
  const op = OPS[r.u8()];
  if (op === undefined) throw new Error("bad KV request");
  const q: KvRequest = { op, id: r.u32(), key: r.str() };
  if (op !== "get") q.value = r.str();
  if (op === "cas") q.expect = r.optStr();
  return q;
}

export function encodeResponse(p: KvResponse): Uint8Array {
  const start = writer.frameStart();
  writer.u32(p.id);
  writer.u8(p.ok ? 1 : 0);
  writer.u8(ERRS.indexOf(p.err));
  writer.u32(p.leader ?? 0);
  writer.optStr(p.value);
  writer.frameEnd(start);
  return writer.take();
}

export function decodeResponse(payload: Uint8Array): KvResponse {
  const r = new ByteReader(payload);
  const p: KvResponse = { id: r.u32(), ok: r.u8() === 1, value: null };
  const err = ERRS[r.u8()];
  const leader = r.u32();
  p.value = r.optStr();
  if (err !== undefined) p.err = err;
  if (leader !== 0) p.leader = leader;
  return p;
}
