/**
 * Writes an SSTable sequentially:
 *   data blocks | filter block | properties block | index block | footer
 * each block followed by a 5-byte trailer (compression type + masked checksum).
 */
import * as fs from 'node:fs';
import { ByteWriter, putFixed32, putFixed64 } from './coding.ts';
import { maskCrc } from './crc32c.ts';
import { BlockBuilder } from './block_builder.ts';
import { bloomBytes, bloomHash, buildBloom } from './bloom.ts';
import { KIND_DELETE, trailerHi, trailerLo } from './dbformat.ts';
import {
  type BlockHandle,
  BLOCK_TRAILER,
  COMPRESSION_NONE,
  COMPRESSION_ZSTD,
  encodeProperties,
  FOOTER_SIZE,
  FORMAT_VERSION,
  TABLE_MAGIC,
  tableChecksum,
  type TableProperties,
} from './table_format.ts';
import { assert } from './assert.ts';

export interface TableBuilderOptions {
  blockSize: number;
  restartInterval: number;
  bloomBitsPerKey: number;
  compression: 'none' | 'zstd';
  /** FORMAT_VERSION unless given; tests write FORMAT_VERSION_CRC32C to check that older tables still read. */
  formatVersion?: number;
}

const WRITE_BUFFER = 1 << 20;

const hasZstd = typeof Bun !== 'undefined' && typeof Bun.zstdCompressSync === 'function';

/**
 * A builder's big buffers - its write buffer, its keys' hashes, its filter -
 * kept by the thread for its next builder: fresh memory costs a page fault
 * per 4 KiB on first touch, and a flush of a 290k-entry memtable took ~1400
 * faults (10-20 ms of the worker's CPU on this VM), most of them in the
 * hashes' doubling array. A builder takes the set at creation (or makes its
 * own while another builder has it) and gives it back when it is done.
 */
class BuilderBuffers {
  readonly pending = new ByteWriter(WRITE_BUFFER + 64 * 1024);
  hashes = new Uint32Array(1024);
  filter = new Uint8Array(0);

  /** Whether to keep these for the next builder: not a hashes array of an unusually large table. */
  keepable(): boolean {
    return this.hashes.length <= KEPT_HASHES && this.filter.length <= KEPT_HASHES * 2;
  }
}

/** Hashes of the largest table whose buffers are kept (16 MiB of hashes; a 64 MiB output of ~30-byte entries has ~2M). */
const KEPT_HASHES = 4 << 20;
let spareBuffers: BuilderBuffers | null = null;

export class TableBuilder {
  private offset = 0;
  private readonly data: BlockBuilder;
  private readonly index = new BlockBuilder(1);
  /** The trailer of the key being added. */
  private readonly trailerScratch = new Uint8Array(8);
  /**
   * The last internal key added, in lastKey[0, lastKeyLen) (0: none yet),
   * a buffer reused across entries: a fresh ArrayBuffer per entry was ~30%
   * of a compaction's CPU.
   */
  private lastKey = new Uint8Array(64);
  private lastKeyLen = 0;
  /** The last key's sequence number and kind (the order of one user key's versions). */
  private lastSeq = 0;
  private lastKind = 0;
  private pendingIndex = false;
  private nHashes = 0;
  /** null once given back (finished or abandoned). */
  private buffers: BuilderBuffers | null;
  private readonly props: TableProperties;
  private readonly trailer = new Uint8Array(BLOCK_TRAILER);
  /** Bytes not yet written to the file: blocks go out in writes of ~1 MiB, not two syscalls per 4 KiB block. */
  private readonly pending: ByteWriter;
  private closed = false;
  private readonly version: number;

  constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly opts: TableBuilderOptions,
  ) {
    this.data = new BlockBuilder(opts.restartInterval);
    this.buffers = spareBuffers ?? new BuilderBuffers();
    spareBuffers = null;
    this.pending = this.buffers.pending;
    this.pending.reset();
    this.version = opts.formatVersion ?? FORMAT_VERSION;
    this.props = {
      numEntries: 0,
      numDeletions: 0,
      numDataBlocks: 0,
      rawKeyBytes: 0,
      rawValueBytes: 0,
      smallestSeq: Number.MAX_SAFE_INTEGER,
      largestSeq: 0,
      smallest: new Uint8Array(0),
      largest: new Uint8Array(0),
      compression: opts.compression === 'zstd' && hasZstd ? COMPRESSION_ZSTD : COMPRESSION_NONE,
    };
  }

  static create(path: string, opts: TableBuilderOptions): TableBuilder {
    return new TableBuilder(path, fs.openSync(path, 'w'), opts);
  }

  get numEntries(): number {
    return this.props.numEntries;
  }

  /** Bytes written so far plus the open data block. */
  get fileSize(): number {
    return this.offset + this.data.currentSizeEstimate();
  }

  /**
   * Adds userKey[0, keyLen) (all of it by default) at (seq, kind) with the
   * value value[valueStart, valueEnd) (all of it by default). Keys must come
   * in internal-key order. sharedWithLast: how many first bytes the user key
   * shares with the last one added, when the caller knows (-1: compared here).
   */
  add(userKey: Uint8Array, seq: number, kind: number, value: Uint8Array, keyLen = userKey.length, valueStart = 0, valueEnd = value.length, sharedWithLast = -1): void {
    assert(!this.closed);
    if (this.pendingIndex) this.emitIndexEntry();
    const lastLen = this.lastKeyLen;
    const lastUserLen = lastLen - 8;
    // One pass over the bytes the key shares with the last one orders the
    // two, tells the block how many to share, and leaves only the rest to
    // copy into lastKey (a compare, an order check by compareInternalN and
    // a copy of the whole key each were ~25% of a flush's table building).
    let shared = 0;
    let newUserKey = true;
    let lk = this.lastKey;
    if (lastLen !== 0) {
      const n = keyLen < lastUserLen ? keyLen : lastUserLen;
      if (sharedWithLast >= 0) {
        assert(sharedWithLast <= n, 'a shared prefix longer than a key');
        shared = sharedWithLast;
      } else while (shared < n && lk[shared] === userKey[shared]) shared++;
      if (shared === keyLen && keyLen === lastUserLen) {
        newUserKey = false;
        // The same user key: its versions newest first (the trailer descending).
        assert(seq < this.lastSeq || (seq === this.lastSeq && kind < this.lastKind), 'table keys out of order');
      } else assert(shared < n ? userKey[shared] > lk[shared] : keyLen > lastUserLen, 'table keys out of order');
    }
    const klen = keyLen + 8;
    if (lk.length < klen) {
      const grown = new Uint8Array(klen * 2);
      grown.set(lk.subarray(0, shared));
      this.lastKey = lk = grown;
    }
    for (let i = shared; i < keyLen; i++) lk[i] = userKey[i];
    const t = this.trailerScratch;
    putFixed32(t, 0, trailerLo(seq, kind));
    putFixed32(t, 4, trailerHi(seq));
    // The same user key's trailers share their first bytes too.
    let blockShared = shared;
    if (!newUserKey) while (blockShared < klen && lk[blockShared] === t[blockShared - keyLen]) blockShared++;
    for (let i = 0; i < 8; i++) lk[keyLen + i] = t[i];
    this.lastKeyLen = klen;
    this.lastSeq = seq;
    this.lastKind = kind;
    if (this.props.numEntries === 0) this.props.smallest = lk.slice(0, klen);
    this.data.addShared(lk, klen, blockShared, value, valueStart, valueEnd);
    const p = this.props;
    p.numEntries++;
    if (kind === KIND_DELETE) p.numDeletions++;
    p.rawKeyBytes += keyLen;
    p.rawValueBytes += valueEnd - valueStart;
    if (seq < p.smallestSeq) p.smallestSeq = seq;
    if (seq > p.largestSeq) p.largestSeq = seq;
    if (newUserKey) {
      const buffers = this.buffers!;
      if (this.nHashes === buffers.hashes.length) {
        const nh = new Uint32Array(buffers.hashes.length * 2);
        nh.set(buffers.hashes);
        buffers.hashes = nh;
      }
      buffers.hashes[this.nHashes++] = bloomHash(userKey, keyLen);
    }
    if (this.data.currentSizeEstimate() >= this.opts.blockSize) this.flushDataBlock();
  }

  private lastHandle: BlockHandle = { offset: 0, size: 0 };

  private flushDataBlock(): void {
    if (this.data.empty) return;
    this.lastHandle = this.writeBlock(this.data.finish(), this.props.compression);
    this.data.reset();
    this.props.numDataBlocks++;
    // Index entry is emitted lazily; the last key of the block is its separator.
    this.pendingIndex = true;
  }

  private emitIndexEntry(): void {
    const h = this.lastHandle;
    const v = new ByteWriter(16);
    v.varint(h.offset);
    v.varint(h.size);
    this.index.add(this.lastKey, this.lastKeyLen, v.view());
    this.pendingIndex = false;
  }

  private writeBlock(contents: Uint8Array, compression: number): BlockHandle {
    let body = contents;
    let type = COMPRESSION_NONE;
    if (compression === COMPRESSION_ZSTD) {
      const c = Bun.zstdCompressSync(contents, { level: 1 });
      // Only keep compression when it saves at least 12.5%.
      if (c.length < contents.length - contents.length / 8) {
        body = new Uint8Array(c.buffer, c.byteOffset, c.length);
        type = COMPRESSION_ZSTD;
      }
    }
    this.trailer[0] = type;
    const crc = maskCrc(tableChecksum(this.version, tableChecksum(this.version, 0, body, 0, body.length), this.trailer, 0, 1));
    putFixed32(this.trailer, 1, crc);
    const handle = { offset: this.offset, size: body.length };
    this.write(body);
    this.write(this.trailer);
    return handle;
  }

  private write(b: Uint8Array): void {
    this.pending.bytes(b);
    this.offset += b.length;
    if (this.pending.len >= WRITE_BUFFER) this.writePending();
  }

  private writePending(): void {
    const b = this.pending.buf;
    const n = this.pending.len;
    let off = 0;
    while (off < n) off += fs.writeSync(this.fd, b, off, n - off);
    this.pending.reset();
  }

  /** Writes the meta blocks and footer; returns file size and properties. Does not fsync. */
  finish(): { fileSize: number; props: TableProperties } {
    this.flushDataBlock();
    if (this.pendingIndex) this.emitIndexEntry();
    const p = this.props;
    p.largest = this.lastKey.slice(0, this.lastKeyLen);
    if (p.numEntries === 0) p.smallestSeq = 0;
    const buffers = this.buffers!;
    const filterBytes = bloomBytes(this.nHashes, this.opts.bloomBitsPerKey);
    if (buffers.filter.length < filterBytes) buffers.filter = new Uint8Array(filterBytes);
    const filter = this.writeBlock(buildBloom(buffers.hashes, this.nHashes, this.opts.bloomBitsPerKey, buffers.filter), COMPRESSION_NONE);
    const propsH = this.writeBlock(encodeProperties(p), COMPRESSION_NONE);
    const indexH = this.writeBlock(this.index.finish(), COMPRESSION_NONE);
    const footer = new Uint8Array(FOOTER_SIZE);
    putFixed64(footer, 0, indexH.offset);
    putFixed64(footer, 8, indexH.size);
    putFixed64(footer, 16, filter.offset);
    putFixed64(footer, 24, filter.size);
    putFixed64(footer, 32, propsH.offset);
    putFixed64(footer, 40, propsH.size);
    putFixed32(footer, 48, this.version);
    putFixed32(footer, 52, maskCrc(tableChecksum(this.version, 0, footer, 0, 52)));
    footer.set(TABLE_MAGIC, 56);
    this.write(footer);
    this.writePending();
    this.closed = true;
    this.giveBackBuffers();
    return { fileSize: this.offset, props: p };
  }

  sync(): void {
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private giveBackBuffers(): void {
    const b = this.buffers;
    this.buffers = null;
    if (b !== null && b.keepable()) spareBuffers = b;
  }

  /** Gives up: closes and removes the partial file. */
  abandon(): void {
    this.closed = true;
    this.giveBackBuffers();
    try {
      fs.closeSync(this.fd);
    } catch {}
    try {
      fs.unlinkSync(this.path);
    } catch {}
  }
}
