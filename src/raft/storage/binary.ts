// Fixed-width binary fields of the WAL records (wal_record.ts): integers and
// length-prefixed bytes. Storage, not wire: the on-disk layout is fixed and
// checksummed per record, so it needs no self-describing format.
import { readU32 } from "../transport/framing.ts";

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

  // Overwrites 4 bytes already written (a header reserved before its body).
  u32At(at: number, v: number): void {
    this.dv.setUint32(at, v);
  }

  // A view of bytes written so far: valid until the next write or reset.
  view(from: number, to = this.pos): Uint8Array {
    return this.buf.subarray(from, to);
  }

  // A copy of everything written, and the writer emptied for reuse.
  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }

  // Empties the writer for reuse; a buffer grown past maxKeep bytes (by one
  // large write) is dropped rather than kept for good.
  reset(maxKeep: number): void {
    this.pos = 0;
    if (this.buf.length > maxKeep) {
      this.buf = new Uint8Array(1024);
      this.dv = new DataView(this.buf.buffer);
    }
  }
}

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

  u53(): number {
    const hi = this.u32();
    return hi * 2 ** 32 + this.u32();
  }

  // A view into the input (the caller does not reuse it, see
  // decodeWalRecord).
  bytes(): Uint8Array {
    const n = this.u32();
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}
