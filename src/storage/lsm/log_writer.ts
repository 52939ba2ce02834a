/**
 * Appends records in LevelDB log format. Records are staged in memory and
 * written with one write() per group (group commit); sync is separate so the
 * caller decides when to pay for fdatasync.
 */
import * as fs from 'node:fs';
import { ByteWriter, putFixed32 } from './coding.ts';
import { maskCrc } from './crc32c.ts';
import { BLOCK_SIZE, CRC32_TYPE_OFFSET, FIRST, FULL, HEADER_SIZE, LAST, MIDDLE } from './log_format.ts';

/** Bun.hash.crc32 of each type byte: a fragment's checksum (type byte ++ data) extends it over the data. */
const TYPE_CRC = Array.from({ length: LAST + CRC32_TYPE_OFFSET + 1 }, (_, type) => Bun.hash.crc32(new Uint8Array([type])));
/** writeRecord's fragments at most: two parts each in a writev of at most IOV_MAX (1024) parts. */
const WRITEV_MAX_FRAGMENTS = 500;
/**
 * writeRecord stages a record shorter than this: Bun's writevSync costs
 * ~1 us more per call than writeSync, more than copying ~2 KB
 * (bench/lsm/log_writer.ts: 200-byte records 2.1 us against 1.0 us).
 */
const WRITEV_MIN_BYTES = 2048;

export class LogWriter {
  private blockOffset: number;
  private pending = new ByteWriter(64 * 1024);
  /** writeRecord's writev parts (reused). */
  private readonly parts: Uint8Array[] = [];
  /** Bytes handed to the OS so far. */
  writtenBytes: number;
  closed = false;

  constructor(
    readonly path: string,
    readonly fd: number,
    initialSize = 0,
  ) {
    this.blockOffset = initialSize % BLOCK_SIZE;
    this.writtenBytes = initialSize;
  }

  static create(path: string): LogWriter {
    const fd = fs.openSync(path, 'w');
    return new LogWriter(path, fd, 0);
  }

  get pendingBytes(): number {
    return this.pending.len;
  }

  addRecord(data: Uint8Array, start = 0, end = data.length): void {
    this.frame(data, start, end, null);
  }

  /**
   * addRecord() then flushToOs(), without copying the record into the
   * staged bytes: the staged bytes and each fragment's header (staged) and
   * data (a view of `data`) go to the OS in one writev. Saves a copy of
   * every byte logged (a server's turn logs one record of ~50 KB).
   */
  writeRecord(data: Uint8Array, start = 0, end = data.length): void {
    const length = end - start;
    // IOV_MAX is 1024: a record of more fragments (over ~16 MiB, a huge MULTI) is staged, and so is a short one.
    if (length < WRITEV_MIN_BYTES || length > WRITEV_MAX_FRAGMENTS * (BLOCK_SIZE - HEADER_SIZE)) {
      this.addRecord(data, start, end);
      this.flushToOs();
      return;
    }
    const parts = this.parts;
    parts.length = 0;
    this.frame(data, start, end, parts);
    let left = this.pending.len + end - start;
    let first = 0;
    for (;;) {
      const written = fs.writevSync(this.fd, first === 0 ? parts : parts.slice(first));
      this.writtenBytes += written;
      left -= written;
      if (left === 0) break;
      // A short write: skip what was written, resume within the part it ended in.
      let done = written;
      while (done >= parts[first].length) done -= parts[first++].length;
      parts[first] = parts[first].subarray(done);
    }
    parts.length = 0;
    this.stagedWritten();
  }

  /**
   * Frames data[start, end) as fragments. The padding and headers are
   * staged; the data too when parts is null, else parts gets, in file
   * order, views of the staged bytes and of data's fragments (the staged
   * bytes then end with the last fragment's header).
   */
  private frame(data: Uint8Array, start: number, end: number, parts: Uint8Array[] | null): void {
    let left = end - start;
    let p = start;
    let begin = true;
    const w = this.pending;
    /** Where the staged bytes not yet in parts start. */
    let staged = 0;
    do {
      const leftover = BLOCK_SIZE - this.blockOffset;
      if (leftover < HEADER_SIZE) {
        // Too small for a header: pad with zeros and start a new block.
        w.ensure(leftover);
        w.buf.fill(0, w.len, w.len + leftover);
        w.len += leftover;
        this.blockOffset = 0;
      }
      const avail = BLOCK_SIZE - this.blockOffset - HEADER_SIZE;
      const n = left < avail ? left : avail;
      const last = n === left;
      const type = (begin && last ? FULL : begin ? FIRST : last ? LAST : MIDDLE) + CRC32_TYPE_OFFSET;
      const h = w.len;
      w.ensure(HEADER_SIZE);
      w.len = h + HEADER_SIZE;
      w.buf[h + 6] = type;
      let crc: number;
      if (parts === null) {
        w.bytes(data, p, p + n);
        // The checksum covers the type byte and the data, which follow each other in the staged bytes.
        crc = Bun.hash.crc32(w.buf.subarray(h + 6, h + HEADER_SIZE + n));
      } else {
        const fragment = data.subarray(p, p + n);
        crc = Bun.hash.crc32(fragment, TYPE_CRC[type]);
        // The view sees the header filled in below: only a later ensure() moves the staged bytes.
        parts.push(w.buf.subarray(staged, h + HEADER_SIZE), fragment);
        staged = h + HEADER_SIZE;
      }
      const buf = w.buf;
      putFixed32(buf, h, maskCrc(crc));
      buf[h + 4] = n & 0xff;
      buf[h + 5] = n >>> 8;
      this.blockOffset += HEADER_SIZE + n;
      p += n;
      left -= n;
      begin = false;
    } while (left > 0);
  }

  /** Hands staged bytes to the OS (no fsync). */
  flushToOs(): void {
    if (this.pending.len === 0) return;
    const buf = this.pending.buf;
    let off = 0;
    const len = this.pending.len;
    while (off < len) off += fs.writeSync(this.fd, buf, off, len - off);
    this.writtenBytes += len;
    this.stagedWritten();
  }

  /** After the staged bytes reached the OS. */
  private stagedWritten(): void {
    this.pending.reset();
    // Don't keep a huge buffer around after a burst.
    if (this.pending.buf.length > 4 * 1024 * 1024) this.pending = new ByteWriter(64 * 1024);
  }

  syncSync(doSync = true): void {
    this.flushToOs();
    if (doSync) fs.fdatasyncSync(this.fd);
  }

  /**
   * Closes the file without writing what is staged: after a failed write the
   * file may end in a torn record, and nothing may follow it (DB.resume()).
   */
  abandon(): void {
    this.pending.reset();
    if (this.closed) return;
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } catch {}
  }

  close(): void {
    if (this.closed) return;
    this.flushToOs();
    fs.closeSync(this.fd);
    this.closed = true;
  }
}
