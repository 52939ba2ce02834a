/** Reads blocks written by BlockBuilder. Entries' keys are internal keys. */
import { getFixed32, getVarint, varintOut } from './coding.ts';
import { lookupOut, trailerHi, trailerLo, view } from './dbformat.ts';
import { CorruptionError } from './assert.ts';

export class Block {
  readonly numRestarts: number;
  readonly restartOffset: number;
  constructor(
    readonly data: Uint8Array,
    readonly file: string,
    readonly fileOffset: number,
  ) {
    if (data.length < 4) throw new CorruptionError(file, fileOffset, 'block too short');
    this.numRestarts = getFixed32(data, data.length - 4);
    this.restartOffset = data.length - 4 - this.numRestarts * 4;
    if (this.numRestarts < 1 || this.restartOffset < 0) throw new CorruptionError(file, fileOffset, 'bad restart array');
  }

  iterator(): BlockIterator {
    return new BlockIterator(this);
  }
}

/** Compare encoded internal key buf[off, off+len) with (uk, seq, kind). */
export function compareIkeyWithParts(buf: Uint8Array, off: number, len: number, uk: Uint8Array, hi: number, lo: number): number {
  return compareIkeyFrom(buf, off, len, uk, hi, lo, 0);
}

/** Set by compareIkeyFrom: the length of the compared user keys' common prefix. */
export const compared = { matched: 0 };

/** compareIkeyWithParts of user keys known to share their first `from` bytes; sets compared.matched. */
export function compareIkeyFrom(buf: Uint8Array, off: number, len: number, uk: Uint8Array, hi: number, lo: number, from: number): number {
  const ulen = len - 8;
  const n = ulen < uk.length ? ulen : uk.length;
  let i = from < n ? from : n;
  while (i < n && buf[off + i] === uk[i]) i++;
  compared.matched = i;
  if (i < n) return buf[off + i] - uk[i];
  if (ulen !== uk.length) return ulen - uk.length;
  const ah = getFixed32(buf, off + len - 4);
  if (ah !== hi) return ah > hi ? -1 : 1;
  const al = getFixed32(buf, off + len - 8);
  if (al !== lo) return al > lo ? -1 : 1;
  return 0;
}

export class BlockIterator {
  private readonly data: Uint8Array;
  /** Offset of the current entry; restartOffset when invalid (past end). */
  private cur: number;
  private nextOff = 0;
  private restartIndex = 0;
  /**
   * The current internal key is rebuilt in place in kbuf[0, klen) (entries
   * share prefixes), so stepping over entries (a seek's scan from a restart
   * point) allocates nothing; ikey/uk make a fresh copy on first use.
   */
  private kbuf = new Uint8Array(64);
  private klen = 0;
  private ikeyCopy: Uint8Array | null = null;
  private ukCopy: Uint8Array | null = null;
  private vStart = 0;
  private vEnd = 0;

  constructor(private readonly block: Block) {
    this.data = block.data;
    this.cur = block.restartOffset;
  }

  valid(): boolean {
    return this.cur < this.block.restartOffset;
  }

  private corrupt(msg: string): never {
    throw new CorruptionError(this.block.file, this.block.fileOffset, msg);
  }

  private restartPoint(i: number): number {
    return getFixed32(this.data, this.block.restartOffset + i * 4);
  }

  /** Current full internal key (a fresh array per entry, safe to hand out). */
  get ikey(): Uint8Array {
    if (this.ikeyCopy === null) this.copyKey();
    return this.ikeyCopy!;
  }
  /** User-key view of ikey. */
  get uk(): Uint8Array {
    if (this.ukCopy === null) this.copyKey();
    return this.ukCopy!;
  }
  private copyKey(): void {
    const n = this.klen;
    // Views made from a fresh ArrayBuffer avoid JSC materializing one per key.
    const ab = new ArrayBuffer(n);
    const key = new Uint8Array(ab);
    const k = this.kbuf;
    for (let i = 0; i < n; i++) key[i] = k[i];
    this.ikeyCopy = key;
    this.ukCopy = new Uint8Array(ab, 0, n - 8);
  }
  /** The buffer holding the current user key at [0, userKeyLength), rewritten by the next move. */
  get keyBuffer(): Uint8Array {
    return this.kbuf;
  }
  get userKeyLength(): number {
    return this.klen - 8;
  }
  /** Sequence number of the current entry. */
  seq(): number {
    const k = this.kbuf;
    const t = this.klen - 8;
    return getFixed32(k, t + 4) * 16777216 + (getFixed32(k, t) >>> 8);
  }
  /** Kind of the current entry. */
  kind(): number {
    return this.kbuf[this.klen - 8];
  }

  /** Parses the entry at `off`, whose key shares up to prevLen bytes with the current one; sets cur/nextOff/key. */
  private parseAt(off: number, prevLen: number): void {
    const d = this.data;
    const limit = this.block.restartOffset;
    if (!getVarint(d, off, limit)) this.corrupt('bad entry header');
    const shared = varintOut.value;
    if (!getVarint(d, varintOut.offset, limit)) this.corrupt('bad entry header');
    const unshared = varintOut.value;
    if (!getVarint(d, varintOut.offset, limit)) this.corrupt('bad entry header');
    const vlen = varintOut.value;
    const p = varintOut.offset;
    if (shared > prevLen || p + unshared + vlen > limit || shared + unshared < 8) this.corrupt('bad entry');
    const n = shared + unshared;
    if (this.kbuf.length < n) {
      const bigger = new Uint8Array(n * 2);
      bigger.set(this.kbuf.subarray(0, shared));
      this.kbuf = bigger;
    }
    const key = this.kbuf;
    for (let i = 0; i < unshared; i++) key[shared + i] = d[p + i];
    this.klen = n;
    this.ikeyCopy = null;
    this.ukCopy = null;
    this.vStart = p + unshared;
    this.vEnd = this.vStart + vlen;
    this.cur = off;
    this.nextOff = this.vEnd;
  }

  value(): Uint8Array {
    return view(this.data, this.vStart, this.vEnd);
  }
  /** value() is valueBuffer[valueStart, valueEnd). */
  get valueBuffer(): Uint8Array {
    return this.data;
  }
  get valueStart(): number {
    return this.vStart;
  }
  get valueEnd(): number {
    return this.vEnd;
  }

  seekToFirst(): void {
    this.restartIndex = 0;
    if (this.block.restartOffset === 0) {
      this.cur = 0;
      return;
    }
    this.parseAt(0, 0);
  }

  seekToLast(): void {
    this.restartIndex = this.block.numRestarts - 1;
    const start = this.restartPoint(this.restartIndex);
    if (start >= this.block.restartOffset) {
      this.cur = this.block.restartOffset;
      return;
    }
    this.parseAt(start, 0);
    while (this.nextOff < this.block.restartOffset) this.parseAt(this.nextOff, this.klen);
  }

  next(): void {
    if (this.nextOff >= this.block.restartOffset) {
      this.cur = this.block.restartOffset;
      return;
    }
    while (this.restartIndex + 1 < this.block.numRestarts && this.restartPoint(this.restartIndex + 1) <= this.nextOff) this.restartIndex++;
    this.parseAt(this.nextOff, this.klen);
  }

  prev(): void {
    const original = this.cur;
    while (this.restartPoint(this.restartIndex) >= original) {
      if (this.restartIndex === 0) {
        this.cur = this.block.restartOffset; // before first: invalid
        return;
      }
      this.restartIndex--;
    }
    this.parseAt(this.restartPoint(this.restartIndex), 0);
    while (this.nextOff < original) this.parseAt(this.nextOff, this.klen);
  }

  /** First entry >= target internal key (given as user key + trailer words). */
  seek(uk: Uint8Array, hi: number, lo: number): void {
    const d = this.data;
    let left = 0;
    let right = this.block.numRestarts - 1;
    // Binary search: last restart whose key < target.
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      const off = this.restartPoint(mid);
      if (!getVarint(d, off)) this.corrupt('bad restart entry');
      const shared = varintOut.value;
      if (!getVarint(d, varintOut.offset)) this.corrupt('bad restart entry');
      const unshared = varintOut.value;
      if (!getVarint(d, varintOut.offset)) this.corrupt('bad restart entry');
      const p = varintOut.offset;
      if (shared !== 0 || unshared < 8 || p + unshared > this.block.restartOffset) this.corrupt('bad restart entry');
      if (compareIkeyWithParts(d, p, unshared, uk, hi, lo) < 0) left = mid;
      else right = mid - 1;
    }
    this.restartIndex = left;
    const start = this.restartPoint(left);
    if (start >= this.block.restartOffset) {
      this.cur = this.block.restartOffset;
      return;
    }
    this.parseAt(start, 0);
    for (;;) {
      if (compareIkeyWithParts(this.kbuf, 0, this.klen, uk, hi, lo) >= 0) return;
      this.next();
      if (!this.valid()) return;
    }
  }

  seekParts(uk: Uint8Array, seq: number, kind: number): void {
    this.seek(uk, trailerHi(seq), trailerLo(seq, kind));
  }
}


/** Set by blockGetAt: the restart whose interval it scanned (a restartHint for the next lookup of an adjacent key). */
export const blockSearch = { restart: 0 };

/** Scratch buffer for blockGet's key reconstruction (single-threaded, reused). */
let scratch = new Uint8Array(256);

/** entryHeader's result: an entry's shared and unshared key lengths, its value length, and where its key bytes start. */
const header = { shared: 0, unshared: 0, valueLength: 0, keyAt: 0 };

/**
 * Reads the three varints heading the entry at off into `header`; false when
 * they run past limit or are malformed. Each is one byte below 128 (a key
 * or value under 128 bytes): read inline, without getVarint's loop.
 */
function entryHeader(d: Uint8Array, off: number, limit: number): boolean {
  if (off + 3 <= limit) {
    const a = d[off];
    const b = d[off + 1];
    const c = d[off + 2];
    if ((a | b | c) < 128) {
      header.shared = a;
      header.unshared = b;
      header.valueLength = c;
      header.keyAt = off + 3;
      return true;
    }
  }
  if (!getVarint(d, off, limit)) return false;
  header.shared = varintOut.value;
  if (!getVarint(d, varintOut.offset, limit)) return false;
  header.unshared = varintOut.value;
  if (!getVarint(d, varintOut.offset, limit)) return false;
  header.valueLength = varintOut.value;
  header.keyAt = varintOut.offset;
  return true;
}

/**
 * Point lookup without allocation: finds the first entry >= target; if its
 * user key equals uk, fills lookupOut and returns true. Keys are rebuilt in a
 * shared scratch buffer.
 */
export function blockGet(block: Block, uk: Uint8Array, hi: number, lo: number, matched = 0, restartHint = 0): boolean {
  return blockGetAt(block.data, 0, block.data.length, block.file, uk, hi, lo, block.fileOffset, matched, restartHint);
}

function corruptBlock(file: string, fileOffset: number, msg: string): never {
  throw new CorruptionError(file, fileOffset, msg);
}

/**
 * blockGet of the block d[base, base+size) without a Block object (a table
 * reads uncompressed blocks in place in its mapping); lookupOut.voff is an
 * offset in d. Errors name fileOffset (by default base: d is the whole file).
 * matched: a length of user-key prefix uk shares with every key of the block
 * (the index search knows one; comparisons start there). restartHint: a
 * restart whose interval likely holds the target (the one blockSearch.restart
 * reported for the last key looked up in this block: a list's pops read
 * adjacent keys); the search probes it and the next restart first, so an
 * adjacent key takes two comparisons instead of log2(restarts). A probe is a
 * binary-search step like any other: a wrong hint costs the probes, never
 * the answer.
 */
export function blockGetAt(d: Uint8Array, base: number, size: number, file: string, uk: Uint8Array, hi: number, lo: number, fileOffset = base, matched = 0, restartHint = 0): boolean {
  // Errors throw from a function of their own: a closure made per call cost the search its speed.
  if (size < 4) corruptBlock(file, fileOffset, 'block too short');
  const numRestarts = getFixed32(d, base + size - 4);
  const limit = base + size - 4 - numRestarts * 4;
  if (numRestarts < 1 || limit < base) corruptBlock(file, fileOffset, 'bad restart array');
  let left = 0;
  let right = numRestarts - 1;
  // uk's common prefix with the restart keys at left and after right (matched
  // until compared): every key between them has at least the shorter one in common with it.
  let lcpLeft = matched;
  let lcpRight = matched;
  // Probes restartHint, then (when the target is above it) the restart after it, while they are in the range; then halves.
  const probesEnd = restartHint + 2;
  let probe = restartHint;
  while (left < right) {
    const mid = probe < probesEnd && probe > left && probe <= right ? probe++ : (left + right + 1) >>> 1;
    const off = base + getFixed32(d, limit + mid * 4);
    if (!entryHeader(d, off, limit)) corruptBlock(file, fileOffset, 'bad restart entry');
    const unshared = header.unshared;
    const p = header.keyAt;
    if (header.shared !== 0 || unshared < 8 || p + unshared > limit) corruptBlock(file, fileOffset, 'bad restart entry');
    if (compareIkeyFrom(d, p, unshared, uk, hi, lo, lcpLeft < lcpRight ? lcpLeft : lcpRight) < 0) {
      left = mid;
      lcpLeft = compared.matched;
    } else {
      right = mid - 1;
      lcpRight = compared.matched;
    }
  }
  blockSearch.restart = left;
  const start = base + getFixed32(d, limit + left * 4);
  let off = start;
  let klen = 0;
  // How many leading bytes the last key (below the target) has in common with uk.
  let m = lcpLeft;
  while (off < limit) {
    if (!entryHeader(d, off, limit)) corruptBlock(file, fileOffset, 'bad entry header');
    const shared = header.shared;
    const unshared = header.unshared;
    const vlen = header.valueLength;
    const p = header.keyAt;
    if (shared > klen || p + unshared + vlen > limit || shared + unshared < 8) corruptBlock(file, fileOffset, 'bad entry');
    const lastUserKeyLength = klen - 8;
    klen = shared + unshared;
    if (scratch.length < klen) {
      const ns = new Uint8Array(klen * 2);
      ns.set(scratch);
      scratch = ns;
    }
    for (let i = 0; i < unshared; i++) scratch[shared + i] = d[p + i];
    const vStart = p + unshared;
    // The last key sorted below uk at its byte m (both user keys had one
    // there): a key that keeps that byte (shares more than m bytes with the
    // last) sorts below uk too, with no compare.
    if (off !== start && m < shared && m < lastUserKeyLength && m < uk.length) {
      off = vStart + vlen;
      continue;
    }
    // This key's first `shared` bytes are the last key's: those of them in
    // the last key's common prefix with uk are uk's too, and need no compare
    // (a collection's sub-keys share 20-30 bytes: the scan compared them all
    // for each entry, a third of a point read of a table). The first entry
    // is the restart key at left, whose common prefix the search found.
    if (compareIkeyFrom(scratch, 0, klen, uk, hi, lo, off === start ? m : shared < m ? shared : m) >= 0) {
      const ulen = klen - 8;
      if (ulen !== uk.length || compared.matched !== ulen) return false;
      const tlo = getFixed32(scratch, ulen);
      const thi = getFixed32(scratch, ulen + 4);
      lookupOut.seq = thi * 16777216 + (tlo >>> 8);
      lookupOut.kind = tlo & 0xff;
      lookupOut.buf = d;
      lookupOut.voff = vStart;
      lookupOut.vlen = vlen;
      return true;
    }
    m = compared.matched;
    off = vStart + vlen;
  }
  return false;
}
