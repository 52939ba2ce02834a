import { readU32, writeU32 } from "./framing.ts";

// Direct msgpack writes and reads of the few forms the raft wire and the KV
// service use (arrays, unsigned ints, booleans, nil, str, bin), in the
// smallest forms the msgpack Encoder writes, so these bytes and the
// Encoder's are the same and either side may use the generic Encoder /
// Decoder instead. Their per-call setup and type dispatch (and, decoding, an
// array per msgpack array) cost more than the bytes themselves on the hot
// paths (bench/raft/components.ts).

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
  } else putLongLength(buf, off, n, 0xda);
}

// The 16- and 32-bit length forms of a str, bin or array header: tag16 (its
// 32-bit form is tag16 + 1) and n big-endian at buf[off]; returns the end.
function putLongLength(buf: Uint8Array, off: number, n: number, tag16: number): number {
  if (n < 0x10000) {
    buf[off] = tag16;
    buf[off + 1] = n >>> 8;
    buf[off + 2] = n & 0xff;
    return off + 3;
  }
  buf[off] = tag16 + 1;
  writeU32(buf, off + 1, n);
  return off + 5;
}

// Copies src[s, e) to dst at `at`. Short ranges byte by byte: a subarray
// of a small typed array made JSC give it an ArrayBuffer first, which cost
// more than the copy (half the CPU of applying entries from their own
// arrays, as the leader's are).
export function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, s: number, e: number): void {
  if (e - s > 256) dst.set(src.subarray(s, e), at);
  else for (let i = s; i < e; i++) dst[at++] = src[i]!;
}

// Appends msgpack values to one growing, reused buffer.
export class MsgpackWriter {
  protected buf: Uint8Array;
  protected len = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
  }

  // Starts over (the buffer is kept).
  reset(): this {
    this.len = 0;
    return this;
  }

  // What was written: a view of the writer's buffer, valid until the next
  // reset (FrameBuffer.push and CorkedWriter.writeFrame copy it at once).
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  array(n: number): this {
    this.reserve(5);
    const b = this.buf;
    if (n < 16) b[this.len++] = 0x90 | n;
    else this.len = putLongLength(b, this.len, n, 0xdc);
    return this;
  }

  // Straight-line code for the common sizes (below 2^32): this is inlined
  // at every field of a raft message, and the general form made FTL spend
  // 0.15-0.55 s compiling the message writer.
  uint(v: number): this {
    if ((v >>> 0) !== v) return this.wideNumber(v);
    if (this.len + 5 > this.buf.length) this.grow(5);
    const b = this.buf;
    const p = this.len;
    if (v < 0x80) {
      b[p] = v;
      this.len = p + 1;
    } else if (v < 0x100) {
      b[p] = 0xcc;
      b[p + 1] = v;
      this.len = p + 2;
    } else if (v < 0x10000) {
      b[p] = 0xcd;
      b[p + 1] = v >>> 8;
      b[p + 2] = v & 0xff;
      this.len = p + 3;
    } else {
      b[p] = 0xce;
      writeU32(b, p + 1, v);
      this.len = p + 5;
    }
    return this;
  }

  // A uint from 2^32 on; any other number (a request id the Decoder read
  // from another client's encoding) as a float64, as the Encoder writes it.
  private wideNumber(v: number): this {
    this.reserve(9);
    if (v >= 0 && Number.isSafeInteger(v)) putUint(this.buf, this.len, v, 9);
    else {
      this.buf[this.len] = 0xcb;
      new DataView(this.buf.buffer, this.buf.byteOffset + this.len + 1, 8).setFloat64(0, v);
    }
    this.len += 9;
    return this;
  }

  bool(v: boolean): this {
    this.reserve(1);
    this.buf[this.len++] = v ? 0xc3 : 0xc2;
    return this;
  }

  nil(): this {
    this.reserve(1);
    this.buf[this.len++] = 0xc0;
    return this;
  }

  // A str, or nil for null.
  str(s: string | null): this {
    if (s === null) return this.nil();
    this.reserve(5 + 3 * s.length);
    this.len = putStr(this.buf, this.len, s);
    return this;
  }

  bin(data: Uint8Array): this {
    const n = data.length;
    this.reserve(5 + n);
    const b = this.buf;
    if (n < 0x100) {
      b[this.len] = 0xc4;
      b[this.len + 1] = n;
      this.len += 2;
    } else this.len = putLongLength(b, this.len, n, 0xc5);
    copyBytes(b, this.len, data, 0, n);
    this.len += n;
    return this;
  }

  // A value already msgpack-encoded: b[s, e).
  raw(b: Uint8Array, s: number, e: number): this {
    this.reserve(e - s);
    copyBytes(this.buf, this.len, b, s, e);
    this.len += e - s;
    return this;
  }

  private reserve(n: number): void {
    if (this.len + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const nb = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
}

// Reads msgpack values of those forms from a buffer in order. Each read
// returns undefined when the next value is not of the asked form (or runs
// past the end); callers then fall back to the msgpack Decoder, which
// accepts everything else.
export class MsgpackReader {
  protected b: Uint8Array = new Uint8Array(0);
  protected pos = 0;

  // Starts reading b at pos.
  reset(b: Uint8Array, pos = 0): this {
    this.b = b;
    this.pos = pos;
    return this;
  }

  // Where the next value starts.
  offset(): number {
    return this.pos;
  }

  // Everything read, nothing left over.
  done(): boolean {
    return this.pos === this.b.length;
  }

  // The bytes from start to offset() (a view).
  since(start: number): Uint8Array {
    return this.b.subarray(start, this.pos);
  }

  // An array's length (its elements follow).
  array(): number | undefined {
    const b = this.b;
    const h = b[this.pos++];
    if (h === undefined) return undefined;
    if (h >= 0x90 && h <= 0x9f) return h - 0x90;
    if (h === 0xdc && this.pos + 2 <= b.length) {
      const n = (b[this.pos]! << 8) | b[this.pos + 1]!;
      this.pos += 2;
      return n;
    }
    if (h === 0xdd && this.pos + 4 <= b.length) {
      const n = readU32(b, this.pos);
      this.pos += 4;
      return n;
    }
    return undefined;
  }

  // Straight-line code for the common sizes, as MsgpackWriter.uint.
  uint(): number | undefined {
    const b = this.b;
    const p = this.pos;
    const h = b[p];
    if (h === undefined) return undefined;
    if (h < 0x80) {
      this.pos = p + 1;
      return h;
    }
    if (h === 0xcc && p + 2 <= b.length) {
      this.pos = p + 2;
      return b[p + 1]!;
    }
    if (h === 0xcd && p + 3 <= b.length) {
      this.pos = p + 3;
      return (b[p + 1]! << 8) | b[p + 2]!;
    }
    if (h === 0xce && p + 5 <= b.length) {
      this.pos = p + 5;
      return readU32(b, p + 1);
    }
    return this.uint64();
  }

  private uint64(): number | undefined {
    const b = this.b;
    if (b[this.pos] !== 0xcf || this.pos + 9 > b.length) return undefined;
    let v = 0;
    for (let i = 1; i <= 8; i++) v = v * 256 + b[this.pos + i]!;
    this.pos += 9;
    return v;
  }

  bool(): boolean | undefined {
    const h = this.b[this.pos++];
    return h === 0xc3 ? true : h === 0xc2 ? false : undefined;
  }

  // Consumes a nil if one is next.
  nil(): boolean {
    if (this.b[this.pos] !== 0xc0) return false;
    this.pos++;
    return true;
  }

  // A str's bytes, left undecoded: returns where they start (they end at
  // offset()), null for nil, undefined if the value is neither.
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

  // A bin: a view into the buffer (valid as long as the buffer's contents).
  bin(): Uint8Array | undefined {
    const b = this.b;
    const h = b[this.pos++];
    let len: number;
    if (h === 0xc4) len = b[this.pos++]!;
    else if (h === 0xc5) len = (b[this.pos++]! << 8) | b[this.pos++]!;
    else if (h === 0xc6) {
      len = readU32(b, this.pos);
      this.pos += 4;
    } else return undefined;
    if (this.pos + len > b.length) return undefined;
    const start = this.pos;
    this.pos += len;
    return b.subarray(start, this.pos);
  }
}
