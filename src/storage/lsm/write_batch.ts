/**
 * Atomic group of updates. The byte layout is also the WAL record payload
 * (LevelDB style), so committing a batch is one memcpy into the log:
 *   seq fixed64 | count fixed32 | { kind u8 | varint klen | key | [varint vlen | value] }*
 * PUT and RANGE_DELETE carry a value (for RANGE_DELETE the exclusive end key).
 */
import { ByteWriter, getFixed32, getFixed64, getVarint, varintOut } from './coding.ts';
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

  /** put() of the key head ++ rest, without making it. */
  putJoined(head: Uint8Array, rest: Uint8Array, value: Uint8Array): this {
    this.joinedKey(KIND_PUT, head, rest);
    this.rep.lenBytes(value);
    this.n++;
    return this;
  }

  /** delete() of the key head ++ rest, without making it. */
  deleteJoined(head: Uint8Array, rest: Uint8Array): this {
    this.joinedKey(KIND_DELETE, head, rest);
    this.n++;
    return this;
  }

  private joinedKey(kind: number, head: Uint8Array, rest: Uint8Array): void {
    const r = this.rep;
    r.byte(kind);
    r.varint(head.length + rest.length);
    r.bytes(head);
    r.bytes(rest);
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
}

export type BatchVisitor = (kind: number, key: Uint8Array, value: Uint8Array, seq: number) => void;

/**
 * Visits one op of an encoded batch by its bytes' offsets in the batch
 * (key rep[keyStart, keyEnd), value rep[valueStart, valueEnd), empty for a
 * DELETE): no view per op, which cost ~10% of a write command's profile.
 */
export type BatchRangeVisitor = (kind: number, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, seq: number) => void;

const EMPTY = new Uint8Array(0);

/** Decodes an encoded batch, calling fn per op with its sequence number. Returns false if malformed. */
export function forEachInBatch(rep: Uint8Array, fn: BatchVisitor): boolean {
  return forEachRangeInBatch(rep, (kind, ks, ke, vs, ve, seq) =>
    fn(kind, rep.subarray(ks, ke), vs === ve ? EMPTY : rep.subarray(vs, ve), seq),
  );
}

/** forEachInBatch by offsets in rep (BatchRangeVisitor), of the batch in rep[start, end). */
export function forEachRangeInBatch(rep: Uint8Array, fn: BatchRangeVisitor, end = rep.length, start = 0): boolean {
  if (end - start < BATCH_HEADER) return false;
  let seq = getFixed64(rep, start);
  const count = getFixed32(rep, start + 8);
  let off = start + BATCH_HEADER;
  for (let i = 0; i < count; i++) {
    if (off >= end) return false;
    const kind = rep[off++];
    if (!getVarint(rep, off)) return false;
    const klen = varintOut.value;
    off = varintOut.offset;
    if (off + klen > end) return false;
    const keyStart = off;
    off += klen;
    let valueStart = off;
    if (kind === KIND_PUT || kind === KIND_RANGE_DELETE) {
      if (!getVarint(rep, off)) return false;
      const vlen = varintOut.value;
      off = varintOut.offset;
      if (off + vlen > end) return false;
      valueStart = off;
      off += vlen;
    } else if (kind !== KIND_DELETE) {
      return false;
    }
    fn(kind, keyStart, keyStart + klen, valueStart, off, seq++);
  }
  return off === end;
}

export function batchCount(rep: Uint8Array): number {
  return getFixed32(rep, 8);
}
