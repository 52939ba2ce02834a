import { Encoder } from "@msgpack/msgpack";
import { readU32 } from "../transport/framing.ts";
import { rawStringDecoder, text } from "./text.ts";

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

// Entry data: a msgpack tuple [op, id, key, ...], like the rest of the wire,
// so a log entry travels as the same bytes the client protocol's fields
// produce; one reused Encoder / Decoder keeps it cheap.
//   put [1, id, key, value]   get [2, id, key]   cas [3, id, key, expect?, value]
type WireCommand = [number, number, string, (string | null)?, string?];
type RawCommand = [number, number, Uint8Array, (Uint8Array | null)?, Uint8Array?];

const OP_CODE = { put: 1, get: 2, cas: 3 } as const;
const encoder = new Encoder();
const decoder = rawStringDecoder();

// A fresh copy (entry data outlives the encoder's buffer).
export function encodeCommand(c: KvCommand): Uint8Array {
  const w: WireCommand = [OP_CODE[c.op], c.id, c.key];
  if (c.op === "cas") w.push(c.expect, c.value);
  else if (c.op === "put") w.push(c.value);
  return encoder.encode(w);
}

// Every node decodes every command it applies, so the common shapes are
// read directly (msgpack fixarray of a fixint op, an unsigned id and str or
// nil fields, as encodeCommand writes them) without the generic Decoder's
// per-call setup; anything else goes to the Decoder.
export function decodeCommand(b: Uint8Array): KvCommand {
  return readCommand(b) ?? fromRaw(decoder.decode(b) as RawCommand);
}

let pos = 0; // read position of readCommand's helpers

function readCommand(b: Uint8Array): KvCommand | undefined {
  const n = b[0]! - 0x90;
  if (n < 3 || n > 5) return undefined;
  const op = b[1]!;
  pos = 2;
  const id = readUint(b);
  const key = readStr(b);
  if (id === undefined || typeof key !== "string") return undefined;
  let cmd: KvCommand | undefined;
  if (op === OP_CODE.get && n === 3) cmd = { op: "get", id, key };
  else if (op === OP_CODE.put && n === 4) {
    const value = readStr(b);
    if (typeof value === "string") cmd = { op: "put", id, key, value };
  } else if (op === OP_CODE.cas && n === 5) {
    const expect = readStr(b);
    const value = readStr(b);
    if (expect !== undefined && typeof value === "string") cmd = { op: "cas", id, key, expect, value };
  }
  return pos === b.length ? cmd : undefined;
}

function readUint(b: Uint8Array): number | undefined {
  const h = b[pos++]!;
  if (h < 0x80) return h;
  let len: number;
  if (h === 0xcc) len = 1;
  else if (h === 0xcd) len = 2;
  else if (h === 0xce) len = 4;
  else if (h === 0xcf) len = 8;
  else return undefined;
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + b[pos++]!;
  return v;
}

// A str (as a string) or nil (null); undefined if neither.
function readStr(b: Uint8Array): string | null | undefined {
  const h = b[pos++];
  let len: number;
  if (h === undefined) return undefined;
  if (h === 0xc0) return null;
  if (h >= 0xa0 && h <= 0xbf) len = h - 0xa0;
  else if (h === 0xd9) len = b[pos++]!;
  else if (h === 0xda) len = (b[pos++]! << 8) | b[pos++]!;
  else if (h === 0xdb) {
    len = readU32(b, pos);
    pos += 4;
  } else return undefined;
  if (pos + len > b.length) return undefined;
  const s = text(b.subarray(pos, pos + len));
  pos += len;
  return s;
}

function fromRaw([op, id, rawKey, a, b2]: RawCommand): KvCommand {
  const key = text(rawKey);
  switch (op) {
    case OP_CODE.put:
      return { op: "put", id, key, value: text(a as Uint8Array) };
    case OP_CODE.get:
      return { op: "get", id, key };
    case OP_CODE.cas:
      return { op: "cas", id, key, expect: text(a), value: text(b2 as Uint8Array) };
  }
  throw new Error(`unknown KV command op ${op}`);
}
