/**
 * Appends records in LevelDB log format. Records are staged in memory and
 * written with one write() per group (group commit); sync is separate so the
 * caller decides when to pay for fdatasync.
 */
import * as fs from 'node:fs';
import { ByteWriter, putFixed32 } from './coding.ts';
import { maskCrc } from './crc32c.ts';
import { BLOCK_SIZE, CRC32_TYPE_OFFSET, FIRST, FULL, HEADER_SIZE, LAST, MIDDLE } from './log_format.ts';

export class LogWriter {
  private blockOffset: number;
  private pending = new ByteWriter(64 * 1024);
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
    let left = end - start;
    let p = start;
    let begin = true;
    const w = this.pending;
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
      w.bytes(data, p, p + n);
      const buf = w.buf;
      buf[h + 4] = n & 0xff;
      buf[h + 5] = n >>> 8;
      buf[h + 6] = type;
      // The checksum covers the type byte and the data, which follow each other in the staged bytes.
      putFixed32(buf, h, maskCrc(Bun.hash.crc32(buf.subarray(h + 6, h + HEADER_SIZE + n))));
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
    this.pending.reset();
    // Don't keep a huge buffer around after a burst.
    if (buf.length > 4 * 1024 * 1024) this.pending = new ByteWriter(64 * 1024);
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
