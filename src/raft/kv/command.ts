import { Decoder, Encoder } from "@msgpack/msgpack";

const encoder = new Encoder();
const decoder = new Decoder();

// Commands of the replicated KV. `id` lets the proposing node match the
// applied entry to the waiting client (and recognise its own proposals).
export type KvCommand =
  | { op: "put"; id: string; key: string; value: string }
  | { op: "get"; id: string; key: string }
  | { op: "cas"; id: string; key: string; expect: string | null; value: string };

export interface KvResult {
  ok: boolean;
  value: string | null;
}

export function encodeCommand(c: KvCommand): Uint8Array {
  return encoder.encode(c);
}

export function decodeCommand(b: Uint8Array): KvCommand {
  return decoder.decode(b) as KvCommand;
}
