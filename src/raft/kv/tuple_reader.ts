import { MsgpackReader } from "../transport/msgpack_direct.ts";
import { text } from "./text.ts";

// Reads the small msgpack tuples of the KV service (log commands, client
// requests and responses) directly: a fixarray of unsigned ints, booleans
// and str/nil fields, as the msgpack Encoder writes them. Every command is
// decoded on every node and every request and response once, and the
// generic Decoder's per-call setup (a DataView and decoder state per
// decode) was ~10% of a follower's profile. Each read returns undefined
// when the bytes are not of that shape; callers then fall back to the
// msgpack Decoder, which accepts everything else.
export class TupleReader extends MsgpackReader {
  // Starts reading b; returns the tuple's length (-1 if not a fixarray).
  start(b: Uint8Array): number {
    this.reset(b, 1);
    const n = b[0]! - 0x90;
    return n >= 0 && n < 16 ? n : -1;
  }

  // A str (decoded as UTF-8) or nil (null).
  str(): string | null | undefined {
    const start = this.strBytes();
    if (start === null || start === undefined) return start;
    return text(this.since(start));
  }
}
