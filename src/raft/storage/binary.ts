// Binary encoding shared by the raft wire codec, the KV commands (log
// entries) and the KV client protocol: fixed-width integers, length-prefixed
// bytes and UTF-8 strings. Hand rolled because msgpack (string-keyed maps,
// JS UTF-8 decoding, generic dispatch) cost more per write than the Raft
// core (profiled).
import { readU32 } from "./transport/framing.ts";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

export class ByteWriter {
  private buf = new Uint8Array(1024);
  private dv = new DataView(this.buf.buffer);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const nb = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    nb.set(this.buf.subarray(0, this.pos));
    this.buf = nb;
    this.dv = new DataView(nb.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.dv.setUint32(this.pos, v);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.dv.setFloat64(this.pos, v);
    this.pos += 8;
  }

  // Non-negative integer up to 2^53 (terms, indexes) as two u32s.
  u53(v: number): void {
    this.u32(Math.floor(v / 2 ** 32));
    this.u32(v >>> 0);
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  str(s: string): void {
    this.ensure(4 + s.length * 3);
    const { written } = utf8Encoder.encodeInto(s, this.buf.subarray(this.pos + 4));
    this.dv.setUint32(this.pos, written);
    this.pos += 4 + written;
  }

  optStr(s: string | null | undefined): void {
    if (s === null || s === undefined) return this.u8(0);
    this.u8(1);
    this.str(s);
  }

  // Reserves a u32 length prefix for a frame; frameEnd fills it in.
  frameStart(): number {
    this.u32(0);
    return this.pos;
  }

  frameEnd(start: number): void {
    this.dv.setUint32(start - 4, this.pos - start);
  }

  // A copy of everything written, and the writer emptied for reuse.
  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }
}

// f64s are read through one scratch array rather than a DataView over each
// input (see readU32).
const f64Bytes = new Uint8Array(8);
const f64View = new DataView(f64Bytes.buffer);

export class ByteReader {
  pos = 0;

  constructor(private buf: Uint8Array) {}

  u8(): number {
    return this.buf[this.pos++]!;
  }

  u32(): number {
    const v = readU32(this.buf, this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    for (let i = 0; i < 8; i++) f64Bytes[i] = this.buf[this.pos + i]!;
    this.pos += 8;
    return f64View.getFloat64(0);
  }

  u53(): number {
    const hi = this.u32();
    return hi * 2 ** 32 + this.u32();
  }

  // A view into the input (callers own a private copy of it, see
  // FrameDecoder).
  bytes(): Uint8Array {
    const n = this.u32();
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  str(): string {
    const n = this.u32();
    const s = utf8Decoder.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  optStr(): string | null {
    return this.u8() === 0 ? null : this.str();
  }
}
