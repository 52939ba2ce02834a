// The RDB value encoding primitives shared by DUMP/RESTORE (and later RDB
// files): length encoding, strings with their integer and LZF special
// encodings, exactly as Redis 7.0's rdb.c writes and reads them.

import { parseInt64 } from "../net/format.ts";
import { lzfCompress, lzfDecompress } from "./lzf.ts";

/** RDB object types (rdb.h) that Redis 7.0 writes or still loads. */
export const RDB_TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
} as const;

/** The RDB format version Redis 7.0 writes (DUMP footer) and the newest it loads. */
export const RDB_VERSION = 10;

/** Malformed RDB data; RESTORE answers "Bad data format". */
export class RdbFormatError extends Error {}

const ENC_INT8 = 0;
const ENC_INT16 = 1;
const ENC_INT32 = 2;
const ENC_LZF = 3;

/** Appends RDB-encoded values to a growable buffer. */
export class RdbWriter {
  private buf = new Uint8Array(64);
  len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** rdbSaveLen: 6-bit, 14-bit, 32-bit or 64-bit big-endian lengths. */
  length(n: number): void {
    if (n < 1 << 6) this.byte(n);
    else if (n < 1 << 14) {
      this.byte(0x40 | (n >>> 8));
      this.byte(n & 0xff);
    } else if (n <= 0xffffffff) {
      this.byte(0x80);
      this.uintBE(n, 4);
    } else {
      this.byte(0x81);
      this.uintBE(n, 8);
    }
  }

  private uintBE(n: number, bytes: number): void {
    let v = BigInt(n);
    const tmp = new Uint8Array(bytes);
    for (let i = bytes - 1; i >= 0; i--) {
      tmp[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.raw(tmp);
  }

  /** Little-endian unsigned integer of `bytes` bytes (footers, listpack headers). */
  uintLE(n: number | bigint, bytes: number): void {
    let v = BigInt(n);
    for (let i = 0; i < bytes; i++) {
      this.byte(Number(v & 0xffn));
      v >>= 8n;
    }
  }

  /** A binary double (ZSET_2 scores), little-endian IEEE 754. */
  binaryDouble(d: number): void {
    const tmp = new Uint8Array(8);
    new DataView(tmp.buffer).setFloat64(0, d, true);
    this.raw(tmp);
  }

  /**
   * rdbSaveRawString: short canonical integers as INT8/16/32, strings longer
   * than 20 bytes LZF-compressed when that saves at least 4 bytes, else raw.
   */
  string(s: Uint8Array): void {
    if (s.length <= 11 && this.tryInteger(s)) return;
    if (s.length > 20) {
      const compressed = lzfCompress(s, s.length - 4);
      if (compressed !== null) {
        this.byte(0xc0 | ENC_LZF);
        this.length(compressed.length);
        this.length(s.length);
        this.raw(compressed);
        return;
      }
    }
    this.length(s.length);
    this.raw(s);
  }

  private tryInteger(s: Uint8Array): boolean {
    // Only canonical integers ("12", not "012" or "+12") round-trip through the encoding.
    const v = parseInt64(s);
    if (typeof v !== "number") return false;
    if (v >= -128 && v <= 127) {
      this.byte(0xc0 | ENC_INT8);
      this.byte(v & 0xff);
    } else if (v >= -32768 && v <= 32767) {
      this.byte(0xc0 | ENC_INT16);
      this.uintLE(v & 0xffff, 2);
    } else if (v >= -2147483648 && v <= 2147483647) {
      this.byte(0xc0 | ENC_INT32);
      this.uintLE(v >>> 0, 4);
    } else return false;
    return true;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Reads RDB-encoded values from a byte array; throws RdbFormatError on truncated or malformed data. */
export class RdbReader {
  pos = 0;

  constructor(
    readonly data: Uint8Array,
    /** Where the readable part ends (the DUMP footer is excluded). */
    readonly end = data.length,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  byte(): number {
    if (this.pos >= this.end) throw new RdbFormatError("unexpected end of data");
    return this.data[this.pos++];
  }

  take(n: number): Uint8Array {
    if (n > this.remaining) throw new RdbFormatError("unexpected end of data");
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private uintBE(bytes: number): number {
    let v = 0n;
    for (const b of this.take(bytes)) v = (v << 8n) | BigInt(b);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbFormatError("length too large");
    return Number(v);
  }

  /** Little-endian unsigned integer. */
  uintLE(bytes: number): bigint {
    const b = this.take(bytes);
    let v = 0n;
    for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }

  /** rdbLoadLen: a plain length; special encodings are a format error here. */
  length(): number {
    const { value, encoded } = this.lengthOrEncoding();
    if (encoded) throw new RdbFormatError("unexpected encoded value");
    return value;
  }

  private lengthOrEncoding(): { value: number; encoded: boolean } {
    const first = this.byte();
    switch (first >> 6) {
      case 0:
        return { value: first & 0x3f, encoded: false };
      case 1:
        return { value: ((first & 0x3f) << 8) | this.byte(), encoded: false };
      case 3:
        return { value: first & 0x3f, encoded: true };
    }
    if (first === 0x80) return { value: this.uintBE(4), encoded: false };
    if (first === 0x81) return { value: this.uintBE(8), encoded: false };
    throw new RdbFormatError("unknown length encoding");
  }

  /** A string in any of its encodings (raw, INT8/16/32 as decimal text, LZF). */
  string(): Uint8Array {
    const { value, encoded } = this.lengthOrEncoding();
    if (!encoded) return this.take(value).slice();
    switch (value) {
      case ENC_INT8:
        return decimal((this.byte() << 24) >> 24);
      case ENC_INT16:
        return decimal((Number(this.uintLE(2)) << 16) >> 16);
      case ENC_INT32:
        return decimal(Number(this.uintLE(4)) | 0);
      case ENC_LZF: {
        const compressedLen = this.length();
        const len = this.length();
        const out = lzfDecompress(this.take(compressedLen), len);
        if (out === null) throw new RdbFormatError("invalid LZF data");
        return out;
      }
    }
    throw new RdbFormatError("unknown string encoding");
  }

  /** A binary double (ZSET_2). */
  binaryDouble(): number {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }

  /**
   * An old-style text double (ZSET type 3): a length byte, with 253/254/255
   * meaning NaN/+inf/-inf, then that many ASCII chars.
   */
  textDouble(): number {
    const len = this.byte();
    if (len === 253) return NaN;
    if (len === 254) return Infinity;
    if (len === 255) return -Infinity;
    const text = String.fromCharCode(...this.take(len));
    const v = Number(text);
    if (Number.isNaN(v)) throw new RdbFormatError("invalid double");
    return v;
  }
}

function decimal(n: number): Uint8Array {
  const s = String(n);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
