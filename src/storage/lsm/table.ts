/**
 * SSTable reader. The file is memory-mapped (tables are immutable; LevelDB
 * maps them too): a block read is a view of the mapping, no syscall and no
 * copy (fs.readSync of a 4 KiB block cost ~11 us in Bun, a view ~1.5 us).
 * Index, filter and properties are loaded at open. An uncompressed data block
 * is read in place: a point lookup searches the mapped bytes and allocates
 * nothing (the kernel's page cache is its cache); only decompressed blocks are
 * kept in the shared block cache. Every block's checksum is verified the
 * first time it is read after the table is opened.
 */
import * as fs from 'node:fs';
import { getFixed32, getFixed64, getVarint, varintOut } from './coding.ts';
import { unmaskCrc } from './crc32c.ts';
import { Block, blockGet, blockGetAt, BlockIterator, compareIkeyFrom, compared, keptLookup, ScannedInterval } from './block.ts';
import { bloomHash, bloomMayContain } from './bloom.ts';
import { KIND_SEEK, lookupOut, trailerHi, trailerLo, view } from './dbformat.ts';
import { CorruptionError, assert } from './assert.ts';
import type { LruCache } from './cache.ts';
import type { InternalIterator } from './iterator.ts';
import {
  type BlockHandle,
  BLOCK_TRAILER,
  COMPRESSION_NONE,
  COMPRESSION_ZSTD,
  decodeProperties,
  FOOTER_SIZE,
  FORMAT_VERSION,
  FORMAT_VERSION_CRC32C,
  TABLE_MAGIC,
  tableChecksum,
  type TableProperties,
} from './table_format.ts';
import * as path from 'node:path';

let nextTableId = 1;
const EMPTY_FILE = new Uint8Array(0);

export interface TableStats {
  bytesRead: number;
  blockReads: number;
}

export interface GetResult {
  seq: number;
  kind: number;
  value: Uint8Array;
}

export class Table {
  readonly index: Block;
  readonly filter: Uint8Array;
  readonly props: TableProperties;
  /** Unique per open, so block-cache keys never collide across reopenings. */
  private readonly id = nextTableId++;
  /** Cache + live iterators; the mapping is dropped (unmapped on GC) when it reaches zero. */
  private refs = 1;
  /** The whole file, MAP_PRIVATE: the table is never written after it is installed. */
  private file: Uint8Array;
  /** The footer's format version: which checksum the blocks carry. */
  private readonly version: number;
  /** Per data block, 1 once its checksum has been checked (the mapped bytes cannot change). */
  private readonly verified: Uint8Array;
  readonly name: string;
  /**
   * Decoded index for allocation-free point lookups: per data block, where
   * its last internal key lies in the index block (keys are stored whole
   * there: restart interval 1) and its handle. Offsets, not key copies: a
   * table of 16k blocks opens in 4-13 ms instead of 18-52 ms, and opening
   * happens on the first read that needs the table.
   */
  private readonly idxKeyOff: number[] = [];
  private readonly idxKeyLen: number[] = [];
  private readonly idxOff: number[] = [];
  private readonly idxSize: number[] = [];
  /**
   * The user-key bytes every index key shares (the first key's [0,
   * idxPrefixLen)): a lookup checks them once.
   */
  private readonly idxPrefixLen: number;
  /**
   * Binary search over the index compares numbers: the index keys as nested
   * runs. idxLevels[0] holds each key's bytes [idxPrefixLen, +6) as an
   * order-preserving number (6 bytes, not 4: keys that differ in decimal
   * digits, `key:000012345678`, carry only 10^4 values in 4 bytes, fewer
   * than a table's 16k blocks); keys of equal numbers form a run, whose keys
   * share a longer prefix (the engine's keys of one collection share their
   * first 20-40 bytes, so all its blocks' keys had one number, and a lookup
   * compared them whole, a byte at a time, ~2-3 ns each in JS: about 470 of
   * a set member's 1,300 ns table read). The next level numbers the keys of
   * each run by their 6 bytes after that prefix, and so on. A lookup checks
   * the target against a run's prefix once, then searches the run by the
   * next level's numbers; keys still tied at the last level are compared
   * whole (which reads the index block: more cache lines and pages per
   * lookup).
   */
  private readonly idxLevels: IndexLevel[];
  /**
   * The data block the last point lookup searched (-1 before the first): a
   * hint for the next lookup (see inLastBlock), checked by key comparisons
   * before use. The table is immutable, so it indexes its blocks while it is
   * open.
   */
  private lastBlock = -1;
  /** Where in that block the last point lookup was, and the entries it decoded there (blockGetAt's hints). */
  private readonly scanned = new ScannedInterval();
  /** The user-key prefix index keys lastBlock - 1 and lastBlock share (0 for block 0). */
  private lastBlockShared = 0;

  private constructor(
    readonly path: string,
    readonly fileNumber: number,
    file: Uint8Array,
    readonly size: number,
    private readonly cache: LruCache<Block> | null,
    readonly stats: TableStats,
  ) {
    this.name = pathBase(path);
    this.file = file;
    const footer = this.read(size - FOOTER_SIZE, FOOTER_SIZE);
    for (let i = 0; i < 8; i++) if (footer[56 + i] !== TABLE_MAGIC[i]) throw new CorruptionError(this.name, size - 8, 'bad table magic');
    // The version says which checksum covers the footer (the version included): a damaged version fails one check or the other.
    this.version = getFixed32(footer, 48);
    if (this.version !== FORMAT_VERSION && this.version !== FORMAT_VERSION_CRC32C) throw new CorruptionError(this.name, size - FOOTER_SIZE + 48, 'unknown format version');
    if (unmaskCrc(getFixed32(footer, 52)) !== tableChecksum(this.version, 0, footer, 0, 52)) throw new CorruptionError(this.name, size - FOOTER_SIZE, 'footer checksum mismatch');
    const h = (o: number): BlockHandle => ({ offset: getFixed64(footer, o), size: getFixed64(footer, o + 8) });
    this.index = new Block(this.readBlockContents(h(0)), this.name, h(0).offset);
    const idx = this.index.data;
    const limit = this.index.restartOffset;
    const badEntry = (): never => {
      throw new CorruptionError(this.name, h(0).offset, 'bad index entry');
    };
    for (let p = 0; p < limit; ) {
      if (!getVarint(idx, p, limit)) badEntry();
      const shared = varintOut.value;
      if (!getVarint(idx, varintOut.offset, limit)) badEntry();
      const keyLen = varintOut.value;
      if (!getVarint(idx, varintOut.offset, limit)) badEntry();
      const valueLen = varintOut.value;
      const keyOff = varintOut.offset;
      const valueOff = keyOff + keyLen;
      p = valueOff + valueLen;
      if (shared !== 0 || keyLen < 8 || p > limit) badEntry();
      if (!getVarint(idx, valueOff, p)) badEntry();
      this.idxOff.push(varintOut.value);
      if (!getVarint(idx, varintOut.offset, p)) badEntry();
      this.idxSize.push(varintOut.value);
      this.idxKeyOff.push(keyOff);
      this.idxKeyLen.push(keyLen);
    }
    const n = this.idxKeyOff.length;
    this.idxPrefixLen = n === 0 ? 0 : sharedUserKeyPrefix(idx, this.idxKeyOff[0], this.idxKeyLen[0], this.idxKeyOff[n - 1], this.idxKeyLen[n - 1]);
    this.verified = new Uint8Array(n);
    this.idxLevels = indexLevels(idx, this.idxKeyOff, this.idxKeyLen, this.idxPrefixLen);
    this.filter = this.readBlockContents(h(16));
    try {
      this.props = decodeProperties(this.readBlockContents(h(32)));
    } catch (e) {
      if (e instanceof CorruptionError) throw e;
      throw new CorruptionError(this.name, h(32).offset, 'bad properties block');
    }
  }

  static open(file: string, fileNumber: number, cache: LruCache<Block> | null, stats: TableStats): Table {
    const size = fs.statSync(file).size;
    // Checked before mapping: Bun.mmap refuses empty files.
    if (size < FOOTER_SIZE) throw new CorruptionError(pathBase(file), 0, `file too short (${size} bytes)`);
    return new Table(file, fileNumber, Bun.mmap(file, { shared: false }), size, cache, stats);
  }

  ref(): void {
    this.refs++;
  }
  unref(): void {
    assert(this.refs > 0, 'table refcount underflow');
    // Blocks still cached or held by iterators keep the mapping alive until they go.
    if (--this.refs === 0) {
      this.file = EMPTY_FILE;
      this.scanned.forget();
    }
  }

  private read(offset: number, length: number): Uint8Array {
    this.stats.bytesRead += length;
    this.stats.blockReads++;
    return this.file.subarray(offset, offset + length);
  }

  /** Throws unless the block at offset (size bytes, then its trailer) lies in the file and matches its checksum. */
  private verifyBlock(offset: number, size: number): void {
    if (offset + size + BLOCK_TRAILER > this.size) throw new CorruptionError(this.name, offset, 'block handle out of range');
    const expected = unmaskCrc(getFixed32(this.file, offset + size + 1));
    if (tableChecksum(this.version, 0, this.file, offset, offset + size + 1) !== expected) throw new CorruptionError(this.name, offset, 'block checksum mismatch');
  }

  /** A verified block's contents: a view of the mapping, or its decompressed copy. */
  private blockContents(offset: number, size: number): Uint8Array {
    const type = this.file[offset + size];
    const body = view(this.file, offset, offset + size);
    if (type === COMPRESSION_NONE) return body;
    if (type === COMPRESSION_ZSTD) {
      try {
        const d = Bun.zstdDecompressSync(body);
        return new Uint8Array(d.buffer, d.byteOffset, d.length);
      } catch {
        throw new CorruptionError(this.name, offset, 'zstd decompression failed');
      }
    }
    throw new CorruptionError(this.name, offset, `unknown compression type ${type}`);
  }

  /** Index, filter and properties blocks (read once, at open). */
  private readBlockContents(h: BlockHandle): Uint8Array {
    this.verifyBlock(h.offset, h.size);
    this.read(h.offset, h.size + BLOCK_TRAILER);
    return this.blockContents(h.offset, h.size);
  }

  /** Reads data block i: checks it on its first read; returns its compression type. */
  private readDataBlock(i: number): number {
    const offset = this.idxOff[i];
    const size = this.idxSize[i];
    if (this.verified[i] === 0) {
      this.verifyBlock(offset, size);
      this.verified[i] = 1;
    }
    this.countBlockRead(i);
    return this.file[offset + size];
  }

  /** Counts a read of data block i in the stats (a lookup answered by the entries kept of it reads it too: its value lies there). */
  private countBlockRead(i: number): void {
    this.stats.bytesRead += this.idxSize[i] + BLOCK_TRAILER;
    this.stats.blockReads++;
  }

  /** A compressed data block, decompressed through the block cache. */
  private decompressedBlock(i: number): Block {
    const offset = this.idxOff[i];
    const key = this.id * 4294967296 + offset;
    if (this.cache !== null) {
      const b = this.cache.get(key);
      if (b !== undefined) return b;
    }
    const b = new Block(this.blockContents(offset, this.idxSize[i]), this.name, offset);
    this.cache?.set(key, b, b.data.length + 64);
    return b;
  }

  mayContain(userKey: Uint8Array, hash = bloomHash(userKey)): boolean {
    return bloomMayContain(this.filter, hash);
  }

  /** Newest entry for userKey with seq <= snapshot (allocates; tests/tools). */
  get(userKey: Uint8Array, snapshot: number, hash?: number): GetResult | null {
    if (!this.lookup(userKey, snapshot, hash ?? bloomHash(userKey))) return null;
    return { seq: lookupOut.seq, kind: lookupOut.kind, value: view(lookupOut.buf, lookupOut.voff, lookupOut.voff + lookupOut.vlen) };
  }

  /** Hot-path lookup: fills lookupOut and returns true when found. */
  lookup(userKey: Uint8Array, snapshot: number, hash: number): boolean {
    const hi = trailerHi(snapshot);
    const lo = trailerLo(snapshot, KIND_SEEK);
    // The entries the last lookup decoded answer a pop streak's next position without the filter and index.
    const kept = keptLookup(this.scanned, userKey, hi, lo);
    if (kept >= 0) {
      // The entries were kept by the last lookup that searched a block: lastBlock's.
      this.countBlockRead(this.lastBlock);
      return kept === 1;
    }
    if (!bloomMayContain(this.filter, hash)) return false;
    // First data block whose last key >= target holds the answer, if any.
    const hinted = this.inLastBlock(userKey, hi, lo);
    const l = hinted ? this.lastBlock : this.findBlock(userKey, hi, lo);
    if (l === this.idxKeyOff.length) return false;
    const matched = indexSearch.matched;
    // Uncompressed: searched in place, no Block object (GET of a key not cached allocated ~10 objects, and the garbage collector's pauses made the p99).
    const found =
      this.readDataBlock(l) === COMPRESSION_NONE
        ? blockGetAt(this.file, this.idxOff[l], this.idxSize[l], this.name, userKey, hi, lo, this.idxOff[l], matched, this.scanned)
        : blockGet(this.decompressedBlock(l), userKey, hi, lo, matched, this.scanned);
    if (l !== this.lastBlock) {
      this.lastBlock = l;
      this.lastBlockShared = l === 0 ? 0 : sharedUserKeyPrefix(this.index.data, this.idxKeyOff[l - 1], this.idxKeyLen[l - 1], this.idxKeyOff[l], this.idxKeyLen[l]);
    }
    return found;
  }

  /**
   * Whether the target's block is lastBlock (the one the last lookup
   * searched: a list's pops and pushes read adjacent keys, most in one
   * block): index key lastBlock - 1 (that block's last key) is below the
   * target and index key lastBlock is not, findBlock's answer, checked by two
   * comparisons instead of its search. Sets indexSearch.matched as findBlock
   * does: the keys of the block lie between those two, so they share with
   * the target the shorter of its common prefixes with them.
   */
  private inLastBlock(userKey: Uint8Array, hi: number, lo: number): boolean {
    const l = this.lastBlock;
    if (l < 0) return false;
    const idx = this.index.data;
    if (compareIkeyFrom(idx, this.idxKeyOff[l], this.idxKeyLen[l], userKey, hi, lo, 0) < 0) return false;
    if (l === 0) {
      // Block 0's first keys come before index key 0 with no bound below: they need share nothing with the target.
      indexSearch.matched = 0;
      return true;
    }
    const sharedWithLast = compared.matched;
    // The target and index key l - 1 share the bytes both share with index key l.
    const shared = sharedWithLast < this.lastBlockShared ? sharedWithLast : this.lastBlockShared;
    if (compareIkeyFrom(idx, this.idxKeyOff[l - 1], this.idxKeyLen[l - 1], userKey, hi, lo, shared) >= 0) return false;
    indexSearch.matched = compared.matched < sharedWithLast ? compared.matched : sharedWithLast;
    return true;
  }

  get numBlocks(): number {
    return this.idxKeyOff.length;
  }

  /**
   * @internal Index of the first data block whose last key >= target
   * (numBlocks if none). Sets indexSearch.matched: a length of user-key
   * prefix that uk shares with every key of that block.
   */
  findBlock(userKey: Uint8Array, hi: number, lo: number): number {
    const idx = this.index.data;
    const keyOff = this.idxKeyOff;
    const n = keyOff.length;
    indexSearch.matched = 0;
    if (n === 0) return 0;
    const cp = this.idxPrefixLen;
    const first = keyOff[0];
    for (let i = 0; i < cp; i++) {
      // Every index key has this prefix: a target that differs in it (or is shorter) sorts before or after all of them.
      if (i >= userKey.length) return 0;
      const d = userKey[i] - idx[first + i];
      if (d !== 0) return d < 0 ? 0 : n;
    }
    // The keys [from, to) share their first `checked` bytes with the target.
    let from = 0;
    let to = n;
    let checked = cp;
    ranges = 0;
    const levels = this.idxLevels;
    for (let depth = 0; depth < levels.length; depth++) {
      const level = levels[depth];
      const prefix = level.prefix[from];
      const runFirst = keyOff[from];
      for (let i = checked; i < prefix; i++) {
        // Shorter than the run's prefix, or different in it: below or above the whole run.
        if (i >= userKey.length) return this.searched(from);
        const d = userKey[i] - idx[runFirst + i];
        if (d !== 0) return this.searched(d < 0 ? from : to);
      }
      checked = prefix;
      this.enterRange(from, to, checked);
      // Keys whose number is below the target's sort below it, above: above it.
      const target = abbreviate(userKey, 0, userKey.length, prefix);
      const start = lowerBound(level.abbrev, from, to, target);
      if (start === to || level.abbrev[start] !== target) return this.searched(start);
      from = start;
      to = level.runEnd[start];
      if (to - from === 1) return this.searched(compareIkeyFrom(idx, keyOff[from], this.idxKeyLen[from], userKey, hi, lo, checked) < 0 ? to : from);
    }
    // Keys equal in every level's number: compared whole (their shared bytes skipped).
    this.enterRange(from, to, checked);
    while (from < to) {
      const mid = (from + to) >>> 1;
      if (compareIkeyFrom(idx, keyOff[mid], this.idxKeyLen[mid], userKey, hi, lo, checked) < 0) from = mid + 1;
      else to = mid;
    }
    return this.searched(from);
  }

  /** findBlock: the keys [from, to) share their first `shared` bytes with the target (nested in the ranges before). */
  private enterRange(from: number, to: number, shared: number): void {
    rangeFrom[ranges] = from;
    rangeTo[ranges] = to;
    rangeShared[ranges++] = shared;
  }

  /**
   * findBlock's answer, block l: its keys lie between index keys l - 1 and
   * l, so they share with the target the prefix of the innermost range
   * holding both (none for block 0: its first keys come before index key 0,
   * and need not share even idxPrefixLen bytes with it).
   */
  private searched(l: number): number {
    let shared = 0;
    for (let r = ranges - 1; r >= 0; r--) {
      if (rangeFrom[r] < l && l < rangeTo[r]) {
        shared = rangeShared[r];
        break;
      }
    }
    indexSearch.matched = shared;
    return l;
  }

  /** @internal */
  blockAt(i: number): Block {
    if (this.readDataBlock(i) !== COMPRESSION_NONE) return this.decompressedBlock(i);
    const offset = this.idxOff[i];
    return new Block(view(this.file, offset, offset + this.idxSize[i]), this.name, offset);
  }

  iterator(): InternalIterator {
    this.ref();
    return new TableIterator(this);
  }
}

/** Set by Table.findBlock (see there). */
const indexSearch = { matched: 0 };

/** One level of Table.idxLevels: per index key, where its number starts (a user-key prefix length), the number, and the end of its run of equal numbers. */
interface IndexLevel {
  readonly prefix: Int32Array;
  readonly abbrev: Float64Array;
  readonly runEnd: Int32Array;
}

/** Levels past this many leave their ties to whole comparisons. */
const INDEX_LEVELS_MAX = 4;

/** findBlock's nested ranges of index keys (see enterRange): one per level, and one for the last ties. */
const rangeFrom = new Int32Array(INDEX_LEVELS_MAX + 1);
const rangeTo = new Int32Array(INDEX_LEVELS_MAX + 1);
const rangeShared = new Int32Array(INDEX_LEVELS_MAX + 1);
let ranges = 0;

/**
 * Table.idxLevels of the index keys idx[keyOff[i], +keyLen[i]), which all
 * share their first cp bytes: the first level numbers each key's bytes
 * after those, and each next level numbers the keys of every run of equal
 * numbers by their bytes after the run's shared prefix, until no run has
 * two keys (or INDEX_LEVELS_MAX).
 */
function indexLevels(idx: Uint8Array, keyOff: number[], keyLen: number[], cp: number): IndexLevel[] {
  const n = keyOff.length;
  const levels: IndexLevel[] = [];
  const abbrev = new Float64Array(n);
  for (let i = 0; i < n; i++) abbrev[i] = abbreviate(idx, keyOff[i], keyLen[i] - 8, cp);
  let level: IndexLevel = { prefix: new Int32Array(n).fill(cp), abbrev, runEnd: new Int32Array(n) };
  for (;;) {
    const next: IndexLevel = { prefix: new Int32Array(n), abbrev: new Float64Array(n), runEnd: new Int32Array(n) };
    let ties = false;
    for (let start = 0; start < n; ) {
      // Runs lie within the run of the level before.
      const limit = levels.length === 0 ? n : levels[levels.length - 1].runEnd[start];
      let end = start + 1;
      while (end < limit && level.abbrev[end] === level.abbrev[start]) end++;
      if (end - start > 1) {
        ties = true;
        // Keys in order: those between the run's first and last share the prefix those two share.
        const prefix = sharedUserKeyPrefix(idx, keyOff[start], keyLen[start], keyOff[end - 1], keyLen[end - 1]);
        for (let i = start; i < end; i++) {
          next.prefix[i] = prefix;
          next.abbrev[i] = abbreviate(idx, keyOff[i], keyLen[i] - 8, prefix);
        }
      }
      for (let i = start; i < end; i++) level.runEnd[i] = end;
      start = end;
    }
    levels.push(level);
    if (!ties || levels.length === INDEX_LEVELS_MAX) return levels;
    level = next;
  }
}

/** The first i in [from, to) with a[i] >= x (to if none); a ascending. */
function lowerBound(a: Float64Array, from: number, to: number, x: number): number {
  let l = from;
  let r = to;
  while (l < r) {
    const mid = (l + r) >>> 1;
    if (a[mid] < x) l = mid + 1;
    else r = mid;
  }
  return l;
}

/** Length of the prefix shared by the user keys of the internal keys buf[a, a+aLen) and buf[b, b+bLen). */
function sharedUserKeyPrefix(buf: Uint8Array, a: number, aLen: number, b: number, bLen: number): number {
  const n = Math.min(aLen, bLen) - 8;
  let i = 0;
  while (i < n && buf[a + i] === buf[b + i]) i++;
  return i;
}

/**
 * Bytes [from, from+6) of the key buf[off, off+len) as a big-endian number
 * (missing bytes = 0; below 2^48, so exact in a double). Keys in order have
 * abbreviations in (non-strict) order.
 */
function abbreviate(buf: Uint8Array, off: number, len: number, from: number): number {
  let a = 0;
  for (let j = from; j < from + 6; j++) a = a * 256 + (j < len ? buf[off + j] : 0);
  return a;
}

function pathBase(p: string): string {
  return path.basename(p);
}

/** Two-level iterator: decoded index -> data block iterator. */
class TableIterator implements InternalIterator {
  /** Current data block index; -1 or numBlocks when positioned outside. */
  private bi = -1;
  private di: BlockIterator | null = null;
  private closed = false;

  constructor(private readonly table: Table) {}

  private loadBlock(i: number): boolean {
    this.bi = i;
    if (i < 0 || i >= this.table.numBlocks) {
      this.di = null;
      return false;
    }
    this.di = this.table.blockAt(i).iterator();
    return true;
  }

  private skipEmptyForward(): void {
    while (this.di !== null && !this.di.valid()) {
      if (!this.loadBlock(this.bi + 1)) return;
      this.di!.seekToFirst();
    }
  }
  private skipEmptyBackward(): void {
    while (this.di !== null && !this.di.valid()) {
      if (!this.loadBlock(this.bi - 1)) return;
      this.di!.seekToLast();
    }
  }

  valid(): boolean {
    return this.di !== null && this.di.valid();
  }
  seekToFirst(): void {
    if (this.loadBlock(0)) this.di!.seekToFirst();
    this.skipEmptyForward();
  }
  seekToLast(): void {
    if (this.loadBlock(this.table.numBlocks - 1)) this.di!.seekToLast();
    this.skipEmptyBackward();
  }
  seek(userKey: Uint8Array, seq: number): void {
    const hi = trailerHi(seq);
    const lo = trailerLo(seq, KIND_SEEK);
    // Binary search over the decoded index instead of parsing the index block.
    if (this.loadBlock(this.table.findBlock(userKey, hi, lo))) this.di!.seek(userKey, hi, lo);
    this.skipEmptyForward();
  }
  next(): void {
    this.di!.next();
    this.skipEmptyForward();
  }
  prev(): void {
    this.di!.prev();
    this.skipEmptyBackward();
  }
  userKey(): Uint8Array {
    return this.di!.uk;
  }
  keyBuffer(): Uint8Array {
    return this.di!.keyBuffer;
  }
  keyOffset(): number {
    return 0;
  }
  keyLength(): number {
    return this.di!.userKeyLength;
  }
  seq(): number {
    return this.di!.seq();
  }
  kind(): number {
    return this.di!.kind();
  }
  value(): Uint8Array {
    return this.di!.value();
  }
  valueBuffer(): Uint8Array {
    return this.di!.valueBuffer;
  }
  valueStart(): number {
    return this.di!.valueStart;
  }
  valueEnd(): number {
    return this.di!.valueEnd;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.table.unref();
  }
}
