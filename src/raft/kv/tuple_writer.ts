import { writeU32 } from "../transport/framing.ts";
import { copyBytes } from "./byte_table.ts";

// Writes the small msgpack tuples of the KV service (client requests and
// responses) directly, in the smallest forms the msgpack Encoder writes, so
// TupleReader and the Decoder read them alike: a fixarray of unsigned ints,
// booleans and str/nil fields. The Encoder's per-call setup and type
// dispatch cost 0.4-0.8 us per tuple (bench/raft/components.ts), more than
// the bytes themselves.
export class TupleWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  // Starts a tuple of n (< 16) fields.
  start(n: number): this {
    this.len = 1;
    this.buf[0] = 0x90 | n;
    return this;
  }

  // Any other number (a request id the Decoder read from another client's
  // encoding) as a float64, as the Encoder writes it.
  uint(v: number): this {
    this.reserve(9);
    if (v >= 0 && Number.isSafeInteger(v)) {
      const size = uintSize(v);
      putUint(this.buf, this.len, v, size);
      this.len += size;
    } else {
      this.buf[this.len] = 0xcb;
      new DataView(this.buf.buffer, this.buf.byteOffset + this.len + 1, 8).setFloat64(0, v);
      this.len += 9;
    }
    return this;
  }

  bool(v: boolean): this {
    this.reserve(1);
    this.buf[this.len++] = v ? 0xc3 : 0xc2;
    return this;
  }

  // A str, or nil for null.
  str(s: string | null): this {
    if (s === null) {
      this.reserve(1);
      this.buf[this.len++] = 0xc0;
      return this;
    }
    this.reserve(5 + 3 * s.length);
    this.len = putStr(this.buf, this.len, s);
    return this;
  }

  // A field already msgpack-encoded: b[s, e).
  raw(b: Uint8Array, s: number, e: number): this {
    this.reserve(e - s);
    copyBytes(this.buf, this.len, b, s, e);
    this.len += e - s;
    return this;
  }

  // The tuple: a view of the writer's buffer, valid until the next start()
  // (CorkedWriter.writeFrame copies it at once).
  end(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const nb = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
}

// Size of v as a msgpack uint in its smallest form (as the Encoder writes it).
export function uintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : v < 2 ** 32 ? 5 : 9;
}

export function putUint(buf: Uint8Array, off: number, v: number, size: number): void {
  if (size === 1) {
    buf[off] = v;
    return;
  }
  buf[off] = size === 2 ? 0xcc : size === 3 ? 0xcd : size === 5 ? 0xce : 0xcf;
  for (let i = size - 1; i >= 1; i--) {
    buf[off + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

const utf8 = new TextEncoder();

// Writes s as a msgpack str (smallest header, as the Encoder would) at
// buf[off], which has room for 5 + 3 * s.length bytes; returns the end.
// Keys and values are mostly ASCII: copied char by char, without the
// Encoder's per-call setup.
export function putStr(buf: Uint8Array, off: number, s: string): number {
  const n = s.length;
  const at = off + strHeaderSize(n);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      const bytes = utf8.encode(s);
      const start = off + strHeaderSize(bytes.length);
      putStrHeader(buf, off, bytes.length);
      buf.set(bytes, start);
      return start + bytes.length;
    }
    buf[at + i] = c;
  }
  putStrHeader(buf, off, n);
  return at + n;
}

export function strHeaderSize(n: number): number {
  return n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

export function putStrHeader(buf: Uint8Array, off: number, n: number): void {
  if (n < 32) buf[off] = 0xa0 | n;
  else if (n < 0x100) {
    buf[off] = 0xd9;
    buf[off + 1] = n;
  } else if (n < 0x10000) {
    buf[off] = 0xda;
    buf[off + 1] = n >>> 8;
    buf[off + 2] = n & 0xff;
  } else {
    buf[off] = 0xdb;
    writeU32(buf, off + 1, n);
  }
}
