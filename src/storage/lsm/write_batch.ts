/**
 * Atomic group of updates. The byte layout is also the WAL record payload
 * (LevelDB style), so committing a batch is one memcpy into the log:
 *   seq fixed64 | count fixed32 | { kind u8 | varint klen | key | [varint vlen | value] }*
 * PUT and RANGE_DELETE carry a value (for RANGE_DELETE the exclusive end key).
 */
import { ByteWriter, getFixed32, getFixed64, getVarint, putBytes, putVarint, varintOut } from './coding.ts';
import { assert } from './assert.ts';
import { KIND_DELETE, KIND_PUT, KIND_RANGE_DELETE } from './dbformat.ts';

export const BATCH_HEADER = 12;

/**
 * Ints per op in WriteBatch.ops: its kind, then where its key and value
 * (RANGE_DELETE: end key; DELETE: empty, at the key's end) are in rep:
 * key start, key end, value start, value end.
 */
export const OP_FIELDS = 5;

const EMPTY = new Uint8Array(0);

/**
 * Where a key's newest entry was in the active memtable after its last
 * write, kept by the key's owner (the LSM engine's metadata cache entry) and
 * brought up to date by each write of the key that gives it
 * (WriteBatch.putJoinedPlaced): the key's next overwrite in place skips the
 * memtable's hashing and probing (MemTable.overwritePlaced, which checks
 * the place is still the key's). A hint: a wrong or stale place costs the
 * usual put, nothing else.
 */
export interface MemtablePlace {
  /** MemTable.id of the memtable it is in (0: none). */
  placeMemtable: number;
  placeSlot: number;
  placeNode: number;
}

/** A batch's own bytes past this size are not kept once it is written (a DB's batch(), reused: a huge one would hold that memory). */
const OWN_KEEP_BYTES = 64 * 1024;

export class WriteBatch {
  /** The batch's own bytes. 256 bytes: a command's batch (metadata + subkey + index records) fits without growing. */
  private own = new ByteWriter(256);
  /**
   * @internal Where the ops are encoded, from opsStart on: the batch's own
   * bytes (after a header DB.write fills in), or, while a DB lends it
   * (DB.batch(): attach), the WAL record the DB is gathering, so that
   * writing the batch copies nothing (its ops are there already).
   */
  rep = this.own;
  /** @internal Where the first op is in rep. */
  opsStart = BATCH_HEADER;
  /**
   * @internal Where each op is in rep (OP_FIELDS ints per op), noted as it
   * is encoded: DB.write applies the ops to the memtable from these without
   * decoding rep (forEachRangeInBatch's varints and a closure call per op).
   */
  ops = new Int32Array(8 * OP_FIELDS);
  private n = 0;
  /** @internal The op putJoinedPlaced added last (-1: none) and its key's place, which DB.write uses and updates. */
  placedOp = -1;
  placed: MemtablePlace | null = null;

  constructor() {
    this.own.len = BATCH_HEADER;
  }

  /** @internal Whether the ops are encoded into another's bytes (attach). */
  get attached(): boolean {
    return this.rep !== this.own;
  }

  /**
   * @internal Empties the batch and encodes its ops into `bytes` from their
   * end on (a DB's WAL record: DB.batch()), until detach() or release().
   */
  attach(bytes: ByteWriter): void {
    this.release();
    this.rep = bytes;
    this.opsStart = bytes.len;
  }

  /**
   * @internal Moves the ops encoded so far out of the bytes attach() lent
   * into the batch's own, and gives those bytes back as they were before
   * (their length then): the batch stays as it is, to be written or
   * changed as any batch.
   */
  detach(): void {
    const lent = this.rep;
    assert(lent !== this.own, 'detach of a batch not attached');
    const own = this.own;
    own.len = BATCH_HEADER;
    own.bytes(lent.buf, this.opsStart, lent.len);
    const shift = BATCH_HEADER - this.opsStart;
    const ops = this.ops;
    for (let o = 0; o < this.n * OP_FIELDS; o += OP_FIELDS) {
      ops[o + 1] += shift;
      ops[o + 2] += shift;
      ops[o + 3] += shift;
      ops[o + 4] += shift;
    }
    lent.len = this.opsStart;
    this.rep = own;
    this.opsStart = BATCH_HEADER;
  }

  /** @internal Empties the batch into its own bytes (after its write: the bytes attach() lent hold its ops now, as written). */
  release(): void {
    if (this.own.buf.length > OWN_KEEP_BYTES) this.own = new ByteWriter(256);
    this.own.len = BATCH_HEADER;
    this.rep = this.own;
    this.opsStart = BATCH_HEADER;
    this.n = 0;
    this.placedOp = -1;
    this.placed = null;
  }

  put(key: Uint8Array, value: Uint8Array): this {
    return this.op(KIND_PUT, key, EMPTY, value);
  }

  /** put() of the key head ++ rest, without making it. */
  putJoined(head: Uint8Array, rest: Uint8Array, value: Uint8Array): this {
    return this.op(KIND_PUT, head, rest, value);
  }

  /**
   * putJoined(), with where the key's newest entry was left by its last
   * write (see MemtablePlace), which the write of this batch uses and
   * updates. One op of a batch has a place: a later call's replaces it.
   */
  putJoinedPlaced(head: Uint8Array, rest: Uint8Array, value: Uint8Array, place: MemtablePlace): this {
    this.op(KIND_PUT, head, rest, value);
    this.placedOp = this.n - 1;
    this.placed = place;
    return this;
  }

  /** delete() of the key head ++ rest, without making it. */
  deleteJoined(head: Uint8Array, rest: Uint8Array): this {
    return this.op(KIND_DELETE, head, rest, EMPTY);
  }

  delete(key: Uint8Array): this {
    return this.op(KIND_DELETE, key, EMPTY, EMPTY);
  }

  /** Deletes every key k with start <= k < end. */
  deleteRange(start: Uint8Array, end: Uint8Array): this {
    return this.op(KIND_RANGE_DELETE, start, EMPTY, end);
  }

  /**
   * Encodes one op, its key head ++ rest and (but for a DELETE) value, in
   * one pass over one reserved range of rep, and notes where its parts are.
   */
  private op(kind: number, head: Uint8Array, rest: Uint8Array, value: Uint8Array): this {
    const r = this.rep;
    const keyLength = head.length + rest.length;
    // A varint of a length takes at most 8 bytes (lengths are below 2^53).
    r.ensure(17 + keyLength + value.length);
    const buf = r.buf;
    buf[r.len] = kind;
    const keyStart = putVarint(buf, r.len + 1, keyLength);
    const keyEnd = putBytes(buf, putBytes(buf, keyStart, head), rest);
    let valueStart = keyEnd;
    let valueEnd = keyEnd;
    if (kind !== KIND_DELETE) {
      valueStart = putVarint(buf, keyEnd, value.length);
      valueEnd = putBytes(buf, valueStart, value);
    }
    r.len = valueEnd;
    let o = this.n * OP_FIELDS;
    if (o + OP_FIELDS > this.ops.length) {
      const grown = new Int32Array(this.ops.length * 2);
      grown.set(this.ops);
      this.ops = grown;
    }
    const ops = this.ops;
    ops[o++] = kind;
    ops[o++] = keyStart;
    ops[o++] = keyEnd;
    ops[o++] = valueStart;
    ops[o] = valueEnd;
    this.n++;
    return this;
  }

  get count(): number {
    return this.n;
  }

  /** Bytes of the batch's encoding with its header (the WAL record of the batch alone). */
  get byteSize(): number {
    return BATCH_HEADER + this.rep.len - this.opsStart;
  }

  /** Drops the ops (an attached batch keeps encoding into the bytes it was lent, from where it started). */
  clear(): void {
    this.rep.len = this.opsStart;
    this.n = 0;
    this.placedOp = -1;
    this.placed = null;
  }
}

export type BatchVisitor = (kind: number, key: Uint8Array, value: Uint8Array, seq: number) => void;

/**
 * Visits one op of an encoded batch by its bytes' offsets in the batch
 * (key rep[keyStart, keyEnd), value rep[valueStart, valueEnd), empty for a
 * DELETE): no view per op, which cost ~10% of a write command's profile.
 */
export type BatchRangeVisitor = (kind: number, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, seq: number) => void;

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
