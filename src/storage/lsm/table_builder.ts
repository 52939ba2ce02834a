/**
 * Writes an SSTable sequentially:
 *   data blocks | filter block | properties block | index block | footer
 * each block followed by a 5-byte trailer (compression type + masked CRC32C).
 */
import * as fs from 'node:fs';
import { ByteWriter, putFixed32, putFixed64 } from './coding.ts';
import { crc32cExtend, maskCrc } from './crc32c.ts';
import { BlockBuilder } from './block_builder.ts';
import { bloomHash, buildBloom } from './bloom.ts';
import { bytesEqual, compareInternalN, KIND_DELETE, trailerHi, trailerLo } from './dbformat.ts';
import {
  type BlockHandle,
  BLOCK_TRAILER,
  COMPRESSION_NONE,
  COMPRESSION_ZSTD,
  encodeProperties,
  FOOTER_SIZE,
  FORMAT_VERSION,
  TABLE_MAGIC,
  type TableProperties,
} from './table_format.ts';
import { assert } from './assert.ts';

export interface TableBuilderOptions {
  blockSize: number;
  restartInterval: number;
  bloomBitsPerKey: number;
  compression: 'none' | 'zstd';
}

const hasZstd = typeof Bun !== 'undefined' && typeof Bun.zstdCompressSync === 'function';

export class TableBuilder {
  private offset = 0;
  private readonly data: BlockBuilder;
  private readonly index = new BlockBuilder(1);
  private readonly scratch = new ByteWriter(64);
  private lastKey: Uint8Array | null = null;
  private pendingIndex = false;
  private hashes = new Uint32Array(1024);
  private nHashes = 0;
  private lastUserKey: Uint8Array | null = null;
  private readonly props: TableProperties;
  private readonly trailer = new Uint8Array(BLOCK_TRAILER);
  private closed = false;

  constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly opts: TableBuilderOptions,
  ) {
    this.data = new BlockBuilder(opts.restartInterval);
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

  add(userKey: Uint8Array, seq: number, kind: number, value: Uint8Array): void {
    assert(!this.closed);
    const s = this.scratch;
    s.reset();
    s.bytes(userKey);
    s.fixed32(trailerLo(seq, kind));
    s.fixed32(trailerHi(seq));
    const ikey = s.buf;
    const klen = s.len;
    if (this.lastKey !== null) assert(compareInternalN(this.lastKey, this.lastKey.length, ikey, klen) < 0, 'table keys out of order');
    if (this.pendingIndex) this.emitIndexEntry();
    const ab = new ArrayBuffer(klen);
    const copy = new Uint8Array(ab);
    for (let i = 0; i < klen; i++) copy[i] = ikey[i];
    if (this.props.numEntries === 0) this.props.smallest = copy;
    this.lastKey = copy;
    this.data.add(ikey, klen, value);
    const p = this.props;
    p.numEntries++;
    if (kind === KIND_DELETE) p.numDeletions++;
    p.rawKeyBytes += userKey.length;
    p.rawValueBytes += value.length;
    if (seq < p.smallestSeq) p.smallestSeq = seq;
    if (seq > p.largestSeq) p.largestSeq = seq;
    if (this.lastUserKey === null || !bytesEqual(this.lastUserKey, userKey)) {
      if (this.nHashes === this.hashes.length) {
        const nh = new Uint32Array(this.hashes.length * 2);
        nh.set(this.hashes);
        this.hashes = nh;
      }
      this.hashes[this.nHashes++] = bloomHash(userKey);
      this.lastUserKey = new Uint8Array(ab, 0, userKey.length);
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
    const k = this.lastKey!;
    this.index.add(k, k.length, v.view());
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
    const crc = maskCrc(crc32cExtend(crc32cExtend(0, body), this.trailer, 0, 1));
    putFixed32(this.trailer, 1, crc);
    const handle = { offset: this.offset, size: body.length };
    this.write(body);
    this.write(this.trailer);
    return handle;
  }

  private write(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) off += fs.writeSync(this.fd, b, off, b.length - off);
    this.offset += b.length;
  }

  /** Writes the meta blocks and footer; returns file size and properties. Does not fsync. */
  finish(): { fileSize: number; props: TableProperties } {
    this.flushDataBlock();
    if (this.pendingIndex) this.emitIndexEntry();
    const p = this.props;
    p.largest = this.lastKey ?? new Uint8Array(0);
    if (p.numEntries === 0) p.smallestSeq = 0;
    const filter = this.writeBlock(buildBloom(this.hashes, this.nHashes, this.opts.bloomBitsPerKey), COMPRESSION_NONE);
    const propsH = this.writeBlock(encodeProperties(p), COMPRESSION_NONE);
    const indexH = this.writeBlock(this.index.finish(), COMPRESSION_NONE);
    const footer = new Uint8Array(FOOTER_SIZE);
    putFixed64(footer, 0, indexH.offset);
    putFixed64(footer, 8, indexH.size);
    putFixed64(footer, 16, filter.offset);
    putFixed64(footer, 24, filter.size);
    putFixed64(footer, 32, propsH.offset);
    putFixed64(footer, 40, propsH.size);
    putFixed32(footer, 48, FORMAT_VERSION);
    putFixed32(footer, 52, maskCrc(crc32cExtend(0, footer, 0, 52)));
    footer.set(TABLE_MAGIC, 56);
    this.write(footer);
    this.closed = true;
    return { fileSize: this.offset, props: p };
  }

  sync(): void {
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  /** Gives up: closes and removes the partial file. */
  abandon(): void {
    try {
      fs.closeSync(this.fd);
    } catch {}
    try {
      fs.unlinkSync(this.path);
    } catch {}
  }
}
