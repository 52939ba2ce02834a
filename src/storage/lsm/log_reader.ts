/**
 * Reads a LevelDB-format log file. Distinguishes a torn tail (crash while
 * appending: nothing valid follows the damage) from corruption in the middle
 * (valid records follow), which is an error unless salvaging.
 */
import * as fs from 'node:fs';
import { basename } from 'node:path';
import { getFixed32 } from './coding.ts';
import { crc32c, unmaskCrc } from './crc32c.ts';
import { CorruptionError } from './assert.ts';
import { BLOCK_SIZE, CRC32_TYPE_OFFSET, FIRST, FULL, HEADER_SIZE, LAST, MIDDLE } from './log_format.ts';

export type LogRecoveryMode = 'strict' | 'tolerate-tail' | 'salvage';

export interface LogRecord {
  data: Uint8Array;
  /** File offset of the record's first fragment header. */
  offset: number;
}

export interface LogReadResult {
  records: LogRecord[];
  /** Set when the file ends in a torn record: valid data ends here. */
  tornTailAt?: number;
  /** Damaged regions skipped in salvage mode. */
  skipped: { offset: number; reason: string }[];
}

/** parsePhysical's result (no object per record): the type and payload bounds of a valid physical record. */
const phys = { type: 0, start: 0, end: 0 };

/** Parses the physical record at off into `phys`; returns null, or why it is not valid. */
function parsePhysical(buf: Uint8Array, off: number): string | null {
  if (off + HEADER_SIZE > buf.length) return 'truncated header';
  const len = buf[off + 4] | (buf[off + 5] << 8);
  const type = buf[off + 6];
  if (type === 0 && len === 0 && getFixed32(buf, off) === 0) return 'zero header';
  if (type < FULL || type > LAST + CRC32_TYPE_OFFSET) return `bad record type ${type}`;
  if (off + HEADER_SIZE + len > buf.length) return 'truncated record';
  if ((off % BLOCK_SIZE) + HEADER_SIZE + len > BLOCK_SIZE) return 'record crosses block boundary';
  const expected = unmaskCrc(getFixed32(buf, off));
  // Types 1-4 (older logs) carry CRC32C, 5-8 CRC32 (log_format.ts).
  const ieee = type > LAST;
  const actual = ieee ? Bun.hash.crc32(buf.subarray(off + 6, off + HEADER_SIZE + len)) : crc32c(buf, off + 6, off + HEADER_SIZE + len);
  if (expected !== actual) return 'checksum mismatch';
  phys.type = ieee ? type - CRC32_TYPE_OFFSET : type;
  phys.start = off + HEADER_SIZE;
  phys.end = off + HEADER_SIZE + len;
  return null;
}

/** True when some valid physical record starts at a block boundary after `off`. */
function validDataAfter(buf: Uint8Array, off: number): boolean {
  for (let b = Math.floor(off / BLOCK_SIZE) + 1; b * BLOCK_SIZE < buf.length; b++) {
    if (parsePhysical(buf, b * BLOCK_SIZE) === null) return true;
  }
  return false;
}

/**
 * True when a valid physical record starts later in off's block: the damage
 * hit a record that was followed by others (e.g. a flipped length byte that
 * makes it look cut short), so it is no torn tail. A torn payload holds a
 * prefix of one batch, in which a CRC-valid record is vanishingly unlikely.
 */
function validRecordInBlockAfter(buf: Uint8Array, off: number): boolean {
  const blockEnd = Math.min(buf.length, (Math.floor(off / BLOCK_SIZE) + 1) * BLOCK_SIZE);
  for (let p = off + 1; p + HEADER_SIZE <= blockEnd; p++) {
    if (parsePhysical(buf, p) === null && phys.end > phys.start) return true;
  }
  return false;
}

function allZero(buf: Uint8Array, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * A crash while appending can only damage the end of the file: a record cut
 * short by EOF, or a damaged last record followed by nothing but zeros. Any
 * other damage is corruption.
 */
function isTornTail(buf: Uint8Array, off: number, reason: string): boolean {
  if (validDataAfter(buf, off) || validRecordInBlockAfter(buf, off)) return false;
  if (reason === 'truncated header' || reason === 'truncated record') return true;
  if (reason === 'zero header') return allZero(buf, off);
  const len = off + HEADER_SIZE <= buf.length ? buf[off + 4] | (buf[off + 5] << 8) : 0;
  const end = off + HEADER_SIZE + len;
  return end >= buf.length || allZero(buf, end);
}

/**
 * A record's payload: data[start, end) (data is the log's buffer for a
 * record in one fragment, else the fragments joined), and the file offset
 * of its first fragment header.
 */
export type LogRecordVisitor = (data: Uint8Array, start: number, end: number, offset: number) => void;

/** Where the valid records end, and what salvage mode skipped. */
export type LogScanResult = Omit<LogReadResult, 'records'>;

/** Visits the records of a log in buf (no view or object per record, unlike readLogBuffer). */
export function forEachLogRecord(buf: Uint8Array, file: string, mode: LogRecoveryMode, visit: LogRecordVisitor): LogScanResult {
  const skipped: { offset: number; reason: string }[] = [];
  let off = 0;
  let parts: Uint8Array[] = [];
  let recordStart = -1;
  const fail = (at: number, reason: string): 'stop' | 'continue' => {
    const torn = isTornTail(buf, at, reason);
    if (torn && mode !== 'strict') return 'stop';
    if (mode !== 'salvage') throw new CorruptionError(file, at, reason);
    skipped.push({ offset: at, reason });
    parts = [];
    recordStart = -1;
    return 'continue';
  };
  while (off < buf.length) {
    const inBlock = off % BLOCK_SIZE;
    if (BLOCK_SIZE - inBlock < HEADER_SIZE) {
      off += BLOCK_SIZE - inBlock; // trailer padding
      continue;
    }
    const invalid = parsePhysical(buf, off);
    if (invalid !== null) {
      const at = recordStart >= 0 ? recordStart : off;
      if (fail(off, invalid) === 'stop') return { tornTailAt: at, skipped };
      off = (Math.floor(off / BLOCK_SIZE) + 1) * BLOCK_SIZE;
      continue;
    }
    const here = off;
    const { type, start, end } = phys;
    off = end;
    if (type === FULL || type === FIRST) {
      if (recordStart >= 0) {
        // Previous multi-fragment record never finished.
        if (fail(recordStart, 'incomplete fragmented record') === 'stop') return { tornTailAt: recordStart, skipped };
      }
      if (type === FULL) {
        visit(buf, start, end, here);
      } else {
        parts = [buf.subarray(start, end)];
        recordStart = here;
      }
    } else {
      if (recordStart < 0) {
        if (fail(here, 'fragment without start') === 'stop') return { tornTailAt: here, skipped };
        continue;
      }
      parts.push(buf.subarray(start, end));
      if (type === LAST) {
        let n = 0;
        for (const x of parts) n += x.length;
        const data = new Uint8Array(n);
        n = 0;
        for (const x of parts) {
          data.set(x, n);
          n += x.length;
        }
        visit(data, 0, data.length, recordStart);
        parts = [];
        recordStart = -1;
      } else if (type !== MIDDLE) {
        throw new Error('unreachable');
      }
    }
  }
  if (recordStart >= 0) return { tornTailAt: recordStart, skipped };
  return { skipped };
}

export function readLogBuffer(buf: Uint8Array, file: string, mode: LogRecoveryMode): LogReadResult {
  const records: LogRecord[] = [];
  const scan = forEachLogRecord(buf, file, mode, (data, start, end, offset) => {
    records.push({ data: start === 0 && end === data.length ? data : data.subarray(start, end), offset });
  });
  return { records, ...scan };
}

/**
 * Reads a log file into the first bytes of buffer, or of a new larger one
 * when it is too small (a flush worker reuses one buffer: fresh memory
 * faults its pages in, see compaction_job.ts FlushScratch).
 */
export function readLogBytesInto(path: string, buffer: Uint8Array): { buffer: Uint8Array; size: number } {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const into = buffer.length >= size ? buffer : new Uint8Array(size + (size >> 3));
    let read = 0;
    while (read < size) {
      const n = fs.readSync(fd, into, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return { buffer: into, size: read };
  } finally {
    fs.closeSync(fd);
  }
}

/** The bytes of a log file (a plain Uint8Array view of them, not a copy: a copy of a flush's 8 MiB WAL was ~20% of the flush, fresh pages faulting in). */
export function readLogBytes(path: string): Uint8Array {
  const file = fs.readFileSync(path);
  return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
}

export function readLogFile(path: string, mode: LogRecoveryMode): LogReadResult {
  return readLogBuffer(readLogBytes(path), basename(path), mode);
}
