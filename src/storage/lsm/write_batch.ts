/**
 * Atomic group of updates. The byte layout is also the WAL record payload
 * (LevelDB style), so committing a batch is one memcpy into the log:
 *   seq fixed64 | count fixed32 | { kind u8 | varint klen | key | [varint vlen | value] }*
 * PUT and RANGE_DELETE carry a value (for RANGE_DELETE the exclusive end key).
 */
import { ByteWriter, getFixed32, getFixed64, getVarint, putFixed32, putFixed64, varintOut } from './coding.ts';
import { KIND_DELETE, KIND_PUT, KIND_RANGE_DELETE } from './dbformat.ts';

export const BATCH_HEADER = 12;

export class WriteBatch {
  /** @internal 256 bytes: a command's batch (metadata + subkey + index records) fits without growing. */
  readonly rep = new ByteWriter(256);
  private n = 0;

  constructor() {
    this.rep.len = BATCH_HEADER;
  }

  put(key: Uint8Array, value: Uint8Array): this {
    const r = this.rep;
    r.byte(KIND_PUT);
    r.lenBytes(key);
    r.lenBytes(value);
    this.n++;
    return this;
  }

  delete(key: Uint8Array): this {
    const r = this.rep;
    r.byte(KIND_DELETE);
    r.lenBytes(key);
    this.n++;
    return this;
  }

  /** Deletes every key k with start <= k < end. */
  deleteRange(start: Uint8Array, end: Uint8Array): this {
    const r = this.rep;
    r.byte(KIND_RANGE_DELETE);
    r.lenBytes(start);
    r.lenBytes(end);
    this.n++;
    return this;
  }

  get count(): number {
    return this.n;
  }

  get byteSize(): number {
    return this.rep.len;
  }

  clear(): void {
    this.rep.len = BATCH_HEADER;
    this.n = 0;
  }

  /** @internal Copy of the encoded batch with header filled in. */
  encode(seq: number): Uint8Array {
    const out = this.rep.buf.slice(0, this.rep.len);
    putFixed64(out, 0, seq);
    putFixed32(out, 8, this.n);
    return out;
  }
}

export type BatchVisitor = (kind: number, key: Uint8Array, value: Uint8Array, seq: number) => void;

const EMPTY = new Uint8Array(0);

/** Decodes an encoded batch, calling fn per op with its sequence number. Returns false if malformed. */
export function forEachInBatch(rep: Uint8Array, fn: BatchVisitor): boolean {
  if (rep.length < BATCH_HEADER) return false;
  let seq = getFixed64(rep, 0);
  const count = getFixed32(rep, 8);
  let off = BATCH_HEADER;
  for (let i = 0; i < count; i++) {
    if (off >= rep.length) return false;
    const kind = rep[off++];
    if (!getVarint(rep, off)) return false;
    const klen = varintOut.value;
    off = varintOut.offset;
    if (off + klen > rep.length) return false;
    const key = rep.subarray(off, off + klen);
    off += klen;
    let value: Uint8Array = EMPTY;
    if (kind === KIND_PUT || kind === KIND_RANGE_DELETE) {
      if (!getVarint(rep, off)) return false;
      const vlen = varintOut.value;
      off = varintOut.offset;
      if (off + vlen > rep.length) return false;
      value = rep.subarray(off, off + vlen);
      off += vlen;
    } else if (kind !== KIND_DELETE) {
      return false;
    }
    fn(kind, key, value, seq++);
  }
  return off === rep.length;
}

export function batchSeq(rep: Uint8Array): number {
  return getFixed64(rep, 0);
}
export function batchCount(rep: Uint8Array): number {
  return getFixed32(rep, 8);
}

/** Joins encoded batches with consecutive sequence numbers into one (seq of the first, summed count). */
export function concatBatches(reps: Uint8Array[]): Uint8Array {
  let len = BATCH_HEADER;
  let count = 0;
  for (const r of reps) {
    len += r.length - BATCH_HEADER;
    count += batchCount(r);
  }
  const out = new Uint8Array(len);
  out.set(reps[0].subarray(0, 8), 0);
  putFixed32(out, 8, count);
  let off = BATCH_HEADER;
  for (const r of reps) {
    out.set(r.subarray(BATCH_HEADER), off);
    off += r.length - BATCH_HEADER;
  }
  return out;
}
