import { Encoder } from "@msgpack/msgpack";
import { rawStringDecoder, text } from "./text.ts";
import { TupleReader } from "./tuple_reader.ts";
import { putUint, uintSize } from "../transport/msgpack_direct.ts";

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

// A fresh copy (entry data outlives the encoder's buffer). keyValue: a
// put's key and value already msgpack-encoded (str, str; the bytes of the
// client's request, see KvRequest.keyValue): the command is then those bytes
// behind its own header, without encoding the strings again (the Encoder
// was ~6% of the leader's profile).
export function encodeCommand(c: KvCommand, keyValue?: Uint8Array): Uint8Array {
  if (c.op === "put" && keyValue) return encodePut(c.id, keyValue);

  const w: WireCommand = [OP_CODE[c.op], c.id, c.key];
  if (c.op === "cas") w.push(c.expect, c.value);
  else if (c.op === "put") w.push(c.value);
  return encoder.encode(w);
}

// A put [1, id, key, value] from its key and value as msgpack str bytes:
// those bytes behind the command's own header.
export function encodePut(id: number, keyValue: Uint8Array): Uint8Array {
  const idBytes = uintSize(id);
  const out = new Uint8Array(2 + idBytes + keyValue.length);
  out[0] = 0x94;
  out[1] = OP_CODE.put;
  putUint(out, 2, id, idBytes);
  out.set(keyValue, 2 + idBytes);
  return out;
}

// Every node decodes every command it applies: read directly when it has
// the shape encodeCommand writes (see TupleReader).
export function decodeCommand(b: Uint8Array): KvCommand {
  return readCommand(b) ?? fromRaw(decoder.decode(b) as RawCommand);
}

const reader = new TupleReader();

function readCommand(b: Uint8Array): KvCommand | undefined {
  const n = reader.start(b);
  const op = reader.uint();
  const id = reader.uint();
  const key = reader.str();
  if (id === undefined || typeof key !== "string") return undefined;
  let cmd: KvCommand | undefined;
  if (op === OP_CODE.get && n === 3) cmd = { op: "get", id, key };
  else if (op === OP_CODE.put && n === 4) {
    const value = reader.str();
    if (typeof value === "string") cmd = { op: "put", id, key, value };
  } else if (op === OP_CODE.cas && n === 5) {
    const expect = reader.str();
    const value = reader.str();
    if (expect !== undefined && typeof value === "string") cmd = { op: "cas", id, key, expect, value };
  }
  return reader.done() ? cmd : undefined;
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
