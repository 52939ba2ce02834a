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


/**
 * Most entries, and key bytes, a ScannedInterval keeps (the engine's tables
 * restart every 16; a list's 16 keys take ~600 bytes): a longer interval, or
 * one of long keys, is scanned as before, not kept (each open table has its
 * own ScannedInterval).
 */
const KEPT_MAX = 64;
const KEPT_BYTES_MAX = 4096;

/**
 * Where a table's point lookups were last, for the next one (a list's pops
 * read positions p, p-1, ... of one block and restart interval): the block
 * (its buffer and start), the restart whose interval was searched, and that
 * interval's entries decoded (each internal key whole, its value's place) when
 * kept. blockGetAt probes the restart first (see there), and searches kept
 * entries by their keys instead of decoding the interval from its restart
 * again (~8 entries for a key in its middle, each rebuilt and compared): two
 * comparisons, from the entry the last lookup answered with and the way it
 * moved, for an adjacent key. An interval is kept when a lookup lands in the
 * one its restart hint named or one next to it (adjacent keys): random reads
 * scan as before, and do not decode the rest of an interval they never read
 * again. Nothing here is trusted: the block is named by identity, an answer
 * from kept entries is the first kept key >= the target with one below it
 * (or at the block's first), else the block is searched as before.
 */
export class ScannedInterval {
  /** The buffer holding the block the last lookup searched (null before the first), and the block's start in it. */
  d: Uint8Array | null = null;
  base = 0;
  /** The restart whose interval the last lookup in that block searched. */
  restart = 0;
  /** Entries kept of that interval (all of them), 0 when it is not kept. */
  count = 0;
  /** Kept entry i's internal key is keys[keyStart[i], keyStart[i + 1]); its value is d[valueStart[i], +valueLength[i]). */
  keys = new Uint8Array(256);
  readonly keyStart = new Int32Array(KEPT_MAX + 1);
  readonly valueStart = new Int32Array(KEPT_MAX);
  readonly valueLength = new Int32Array(KEPT_MAX);
  /** The user-key prefix all kept keys share (keys[0, shared)). */
  shared = 0;
  /** Where the entry after the kept ones starts (the next restart's), and where the block's entries end. */
  next = 0;
  limit = 0;
  /**
   * The kept entry the last lookup answered with (count: the entry after
   * them), and which way the answers last moved (-1, 0, 1): where the next
   * search probes first.
   */
  last = 0;
  step = 0;

  /** Drops the block (a closed table's mapping is unmapped once nothing refers to it). */
  forget(): void {
    this.d = null;
    this.count = 0;
  }
}

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
export function blockGet(block: Block, uk: Uint8Array, hi: number, lo: number, matched = 0, at: ScannedInterval | null = null): boolean {
  return blockGetAt(block.data, 0, block.data.length, block.file, uk, hi, lo, block.fileOffset, matched, at);
}

/**
 * entryHeader of the entry at off, which must be well formed after a key of
 * prevKeyLength bytes (blockGetAt's scan, keepInterval): throws naming the
 * block otherwise.
 */
function scanEntry(d: Uint8Array, off: number, limit: number, prevKeyLength: number, file: string, fileOffset: number): void {
  if (!entryHeader(d, off, limit)) corruptBlock(file, fileOffset, 'bad entry header');
  const shared = header.shared;
  const unshared = header.unshared;
  if (shared > prevKeyLength || header.keyAt + unshared + header.valueLength > limit || shared + unshared < 8) corruptBlock(file, fileOffset, 'bad entry');
}

function corruptBlock(file: string, fileOffset: number, msg: string): never {
  throw new CorruptionError(file, fileOffset, msg);
}

/**
 * blockGet of the block d[base, base+size) without a Block object (a table
 * reads uncompressed blocks in place in its mapping); lookupOut.voff is an
 * offset in d. Errors name fileOffset (by default base: d is the whole file).
 * matched: a length of user-key prefix uk shares with every key of the block
 * (the index search knows one; comparisons start there). at: where the last
 * lookup of the caller's (a table's) was, updated to this one (see
 * ScannedInterval). When it was in this block, the interval it kept is
 * searched first, then its restart and the one next to it (the way the target
 * lies) are the restart search's first probes, so an adjacent key takes two
 * comparisons instead of log2(restarts). A probe is a binary-search step like
 * any other: a wrong hint costs the probes, never the answer.
 */
export function blockGetAt(d: Uint8Array, base: number, size: number, file: string, uk: Uint8Array, hi: number, lo: number, fileOffset = base, matched = 0, at: ScannedInterval | null = null): boolean {
  // Errors throw from a function of their own: a closure made per call cost the search its speed.
  if (size < 4) corruptBlock(file, fileOffset, 'block too short');
  const numRestarts = getFixed32(d, base + size - 4);
  const limit = base + size - 4 - numRestarts * 4;
  if (numRestarts < 1 || limit < base) corruptBlock(file, fileOffset, 'bad restart array');
  const sameBlock = at !== null && at.d === d && at.base === base;
  if (sameBlock && at.count > 0 && keptGet(at, d, uk, hi, lo, matched)) return keptFound;
  const restartHint = sameBlock ? at.restart : 0;
  let left = 0;
  let right = numRestarts - 1;
  // uk's common prefix with the restart keys at left and after right (matched
  // until compared): every key between them has at least the shorter one in common with it.
  let lcpLeft = matched;
  let lcpRight = matched;
  // Probes restartHint, then the restart next to it on the target's side, while they are in the range; then halves.
  let probe = restartHint;
  let probes = sameBlock ? 2 : 0;
  while (left < right) {
    const mid = probes > 0 && probe > left && probe <= right ? probe : (left + right + 1) >>> 1;
    const off = base + getFixed32(d, limit + mid * 4);
    if (!entryHeader(d, off, limit)) corruptBlock(file, fileOffset, 'bad restart entry');
    const unshared = header.unshared;
    const p = header.keyAt;
    if (header.shared !== 0 || unshared < 8 || p + unshared > limit) corruptBlock(file, fileOffset, 'bad restart entry');
    if (compareIkeyFrom(d, p, unshared, uk, hi, lo, lcpLeft < lcpRight ? lcpLeft : lcpRight) < 0) {
      left = mid;
      lcpLeft = compared.matched;
      probe = mid + 1;
    } else {
      right = mid - 1;
      lcpRight = compared.matched;
      probe = mid - 1;
    }
    probes--;
  }
  const start = base + getFixed32(d, limit + left * 4);
  if (at !== null) {
    // An interval next to the last one's in the same block: adjacent keys, the next lookup's likely here too.
    const keep = sameBlock && left - restartHint <= 1 && restartHint - left <= 1;
    at.d = d;
    at.base = base;
    at.restart = left;
    at.count = 0;
    if (keep) {
      const end = left + 1 < numRestarts ? base + getFixed32(d, limit + (left + 1) * 4) : limit;
      if (keepInterval(at, d, start, end, limit, file, fileOffset)) {
        // Pops going down enter an interval from above (its last entry next), pushes going up from below (its first next).
        const down = left < restartHint;
        const up = left > restartHint;
        at.last = down ? at.count : up ? -1 : at.count >> 1;
        at.step = down ? -1 : up ? 1 : 0;
        // Its keys lie between restart keys left and left + 1: they share with uk what both do.
        if (keptGet(at, d, uk, hi, lo, lcpLeft < lcpRight ? lcpLeft : lcpRight)) return keptFound;
      }
    }
  }
  let off = start;
  let klen = 0;
  // How many leading bytes the last key (below the target) has in common with uk.
  let m = lcpLeft;
  while (off < limit) {
    scanEntry(d, off, limit, klen, file, fileOffset);
    const shared = header.shared;
    const unshared = header.unshared;
    const vlen = header.valueLength;
    const p = header.keyAt;
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
      found(scratch, ulen, d, vStart, vlen);
      return true;
    }
    m = compared.matched;
    off = vStart + vlen;
  }
  return false;
}

/**
 * Decodes the entries d[start, end) (a restart interval; limit: where the
 * block's entries end) into at, whole keys: false, at.count 0, when there are
 * none, or more than KEPT_MAX entries or KEPT_BYTES_MAX key bytes.
 */
function keepInterval(at: ScannedInterval, d: Uint8Array, start: number, end: number, limit: number, file: string, fileOffset: number): boolean {
  const keyStart = at.keyStart;
  let keys = at.keys;
  let count = 0;
  let klen = 0;
  let kat = 0;
  let common = 0;
  keyStart[0] = 0;
  for (let off = start; off < end; count++) {
    if (count === KEPT_MAX) return false;
    scanEntry(d, off, limit, klen, file, fileOffset);
    const shared = header.shared;
    const unshared = header.unshared;
    const vlen = header.valueLength;
    const p = header.keyAt;
    klen = shared + unshared;
    if (kat + klen > KEPT_BYTES_MAX) return false;
    if (keys.length < kat + klen) {
      const bigger = new Uint8Array(Math.min(KEPT_BYTES_MAX, (kat + klen) * 2));
      bigger.set(keys.subarray(0, kat));
      keys = at.keys = bigger;
    }
    // The key is the last key's first `shared` bytes, then its own.
    if (shared > 0) keys.copyWithin(kat, keyStart[count - 1], keyStart[count - 1] + shared);
    for (let i = 0; i < unshared; i++) keys[kat + shared + i] = d[p + i];
    const ulen = klen - 8;
    // The restart key (shared 0) sets it; each next key shares with it what both share with the keys between.
    if (count === 0) common = ulen;
    else if (shared < common) common = shared;
    if (ulen < common) common = ulen;
    kat += klen;
    keyStart[count + 1] = kat;
    at.valueStart[count] = p + unshared;
    at.valueLength[count] = vlen;
    off = p + unshared + vlen;
  }
  at.count = count;
  at.shared = common;
  at.next = end;
  at.limit = limit;
  return count > 0;
}

/** keptGet's answer when it has one: whether the key was found (lookupOut filled). */
let keptFound = false;

/**
 * The lookup of (uk, hi, lo) in at's kept entries (of the block d holds;
 * matched: a prefix uk shares with every key of it): true, the answer in
 * keptFound (and lookupOut), when the first kept key >= the target has a kept
 * key below it or is the block's first (restart 0): then it is the block's
 * first entry >= the target. Else false: the target lies before or after the
 * kept interval. The search's first probes are the entry next to the last
 * answer the way it moved last (the one before for a pop streak's next
 * position), then the one next to that on the target's side.
 */
function keptGet(at: ScannedInterval, d: Uint8Array, uk: Uint8Array, hi: number, lo: number, matched: number, inChosenBlock = true): boolean {
  const count = at.count;
  const keys = at.keys;
  const keyStart = at.keyStart;
  // The first kept key >= target is in [left, right] (right = count: none).
  let left = 0;
  let right = count;
  let lcpLeft = matched;
  let lcpRight = matched;
  let probe = at.last + at.step;
  let probes = 2;
  while (left < right) {
    const mid = probes > 0 && probe >= left && probe < right ? probe : (left + right) >>> 1;
    const ks = keyStart[mid];
    if (compareIkeyFrom(keys, ks, keyStart[mid + 1] - ks, uk, hi, lo, lcpLeft < lcpRight ? lcpLeft : lcpRight) < 0) {
      left = mid + 1;
      lcpLeft = compared.matched;
      probe = mid + 1;
    } else {
      right = mid;
      lcpRight = compared.matched;
      probe = mid - 1;
    }
    probes--;
  }
  // Without the index's choice of block, matched holds for the kept keys only, and the block's first entry may not be the table's first >= the target.
  if (left === count) return nextGet(at, d, uk, hi, lo, inChosenBlock ? matched : 0);
  if (left === 0 && (at.restart !== 0 || !inChosenBlock)) return false;
  moved(at, left);
  // right moved to left: lcpRight is the target's common prefix with that key.
  const ks = keyStart[left];
  const ulen = keyStart[left + 1] - ks - 8;
  keptFound = ulen === uk.length && lcpRight === ulen;
  if (keptFound) found(keys, ks + ulen, d, at.valueStart[left], at.valueLength[left]);
  return true;
}

/**
 * A table's point lookup in at's kept entries before its filter and index
 * (a pop streak's next position is there, 15 times in 16): 1 found
 * (lookupOut filled), 0 not in the table, -1 no answer here. An answer is
 * the table's first entry >= the target: a kept entry with a kept one below
 * it, or the one after them (their neighbours in the block, and so in the
 * table). The target must share the kept keys' common prefix, checked once,
 * where the search's comparisons start.
 */
export function keptLookup(at: ScannedInterval, uk: Uint8Array, hi: number, lo: number): number {
  const d = at.d;
  if (at.count === 0 || d === null) return -1;
  const shared = at.shared;
  if (uk.length < shared) return -1;
  const keys = at.keys;
  for (let i = 0; i < shared; i++) if (keys[i] !== uk[i]) return -1;
  if (!keptGet(at, d, uk, hi, lo, shared, false)) return -1;
  return keptFound ? 1 : 0;
}

/** keptGet's answer became kept entry i (count: the one after them): the next search starts next to it, the way the answers move. */
function moved(at: ScannedInterval, i: number): void {
  if (i !== at.last) at.step = i < at.last ? -1 : 1;
  at.last = i;
}

/** Fills lookupOut with a found entry: its trailer at key[trailer, +8), its value at d[voff, +vlen). */
function found(key: Uint8Array, trailer: number, d: Uint8Array, voff: number, vlen: number): void {
  const tlo = getFixed32(key, trailer);
  const thi = getFixed32(key, trailer + 4);
  lookupOut.seq = thi * 16777216 + (tlo >>> 8);
  lookupOut.kind = tlo & 0xff;
  lookupOut.buf = d;
  lookupOut.voff = voff;
  lookupOut.vlen = vlen;
}

/**
 * keptGet of a target above every kept key: the block's first entry >= it is
 * the one after them when that one is >= it (the next restart's key, stored
 * whole: a pop streak going down enters the interval below from there).
 * False (search the block) when it is below the target, malformed, or the
 * kept interval is the block's last.
 */
function nextGet(at: ScannedInterval, d: Uint8Array, uk: Uint8Array, hi: number, lo: number, matched: number): boolean {
  const limit = at.limit;
  // entryHeader is false at limit too: the kept interval is the block's last.
  if (!entryHeader(d, at.next, limit)) return false;
  const unshared = header.unshared;
  const p = header.keyAt;
  if (header.shared !== 0 || unshared < 8 || p + unshared + header.valueLength > limit) return false;
  if (compareIkeyFrom(d, p, unshared, uk, hi, lo, matched) < 0) return false;
  moved(at, at.count);
  const ulen = unshared - 8;
  keptFound = ulen === uk.length && compared.matched === ulen;
  if (keptFound) found(d, p + ulen, d, p + unshared, header.valueLength);
  return true;
}
