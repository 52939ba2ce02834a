import { Decoder } from "@msgpack/msgpack";

// KV keys and values travel as msgpack str. The KV decoders return them raw
// (bytes) and they are decoded here natively: msgpack's own decoder turns
// short strings into JS strings byte by byte (String.fromCharCode), which
// was the largest msgpack cost in the KV nodes' profile.
const utf8 = new TextDecoder();

export function rawStringDecoder(): Decoder {
  return new Decoder({ rawStrings: true });
}

export function text(raw: Uint8Array): string;
export function text(raw: Uint8Array | null | undefined): string | null;
export function text(raw: Uint8Array | null | undefined): string | null {
  return raw ? utf8.decode(raw) : null;
}
