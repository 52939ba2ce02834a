import { ByteReader, ByteWriter } from "../wire.ts";

// Commands of the replicated KV. `id` lets the proposing node match the
// applied entry to the waiting client (and recognise its own proposals).
export type KvCommand =
  | { op: "put"; id: number; key: string; value: string }
  | { op: "get"; id: number; key: string }
  | { op: "cas"; id: number; key: string; expect: string | null; value: string };

export interface KvResult {
  ok: boolean;
  value: string | null;
}

// Entry layout: op u8 | id f64 | key | (put: value) (cas: expect?, value).
const OP_CODE = { put: 1, get: 2, cas: 3 } as const;
const writer = new ByteWriter();

export function encodeCommand(c: KvCommand): Uint8Array {
  writer.u8(OP_CODE[c.op]);
  writer.f64(c.id);
  writer.str(c.key);
  if (c.op === "cas") writer.optStr(c.expect);
  if (c.op !== "get") writer.str(c.value);
  return writer.take();
}

export function decodeCommand(b: Uint8Array): KvCommand {
  const r = new ByteReader(b);
  const op = r.u8();
  const id = r.f64();
  const key = r.str();
  switch (op) {
    case OP_CODE.put:
      return { op: "put", id, key, value: r.str() };
    case OP_CODE.get:
      return { op: "get", id, key };
    case OP_CODE.cas: {
      const expect = r.optStr();
      return { op: "cas", id, key, expect, value: r.str() };
    }
  }
  throw new Error(`unknown KV command op ${op}`);
}
