import { readU32 } from "../transport/framing.ts";
import { text } from "./text.ts";

// Reads the small msgpack tuples of the KV service (log commands, client
// requests and responses) directly: a fixarray of unsigned ints, booleans
// and str/nil fields, as the msgpack Encoder writes them. Every command is
// decoded on every node and every request and response once, and the
// generic Decoder's per-call setup (a DataView and decoder state per
// decode) was ~10% of a follower's profile. Each read returns undefined
// when the bytes are not of that shape; callers then fall back to the
// msgpack Decoder, which accepts everything else.
export class TupleReader {
  private b: Uint8Array = new Uint8Array(0);
  private pos = 0;

  // Starts reading b; returns the tuple's length (-1 if not a fixarray).
  start(b: Uint8Array): number {
    this.b = b;
    this.pos = 1;
    const n = b[0]! - 0x90;
    return n >= 0 && n < 16 ? n : -1;
  }

  // Where the next field starts.
  offset(): number {
    return this.pos;
  }

  // Everything read, nothing left over.
  done(): boolean {
    return this.pos === this.b.length;
  }

  uint(): number | undefined {
    const b = this.b;
    const h = b[this.pos++];
    if (h === undefined) return undefined;
    if (h < 0x80) return h;
    let len: number;
    if (h === 0xcc) len = 1;
    else if (h === 0xcd) len = 2;
    else if (h === 0xce) len = 4;
    else if (h === 0xcf) len = 8;
    else return undefined;
    if (this.pos + len > b.length) return undefined;
    let v = 0;
    for (let i = 0; i < len; i++) v = v * 256 + b[this.pos++]!;
    return v;
  }

  bool(): boolean | undefined {
    const h = this.b[this.pos++];
    return h === 0xc3 ? true : h === 0xc2 ? false : undefined;
  }

  // A str (decoded as UTF-8) or nil (null).
  str(): string | null | undefined {
    const start = this.strBytes();
    if (start === null || start === undefined) return start;
    return text(this.b.subarray(start, this.pos));
  }

  // A str's bytes, left undecoded: returns where they start (they end at
  // offset()), null for nil, undefined if the field is neither.
  strBytes(): number | null | undefined {
    const b = this.b;
    const h = b[this.pos++];
    let len: number;
    if (h === undefined) return undefined;
    if (h === 0xc0) return null;
    if (h >= 0xa0 && h <= 0xbf) len = h - 0xa0;
    else if (h === 0xd9) len = b[this.pos++]!;
    else if (h === 0xda) len = (b[this.pos++]! << 8) | b[this.pos++]!;
    else if (h === 0xdb) {
      len = readU32(b, this.pos);
      this.pos += 4;
    } else return undefined;
    if (this.pos + len > b.length) return undefined;
    const start = this.pos;
    this.pos += len;
    return start;
  }
}
