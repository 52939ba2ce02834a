/** SSTable constants and small shared encoders (see FORMAT.md). */
import { ByteReader, ByteWriter } from './coding.ts';
import { crc32cExtend } from './crc32c.ts';

/** "AiKvSST1" */
export const TABLE_MAGIC = new Uint8Array([0x41, 0x69, 0x4b, 0x76, 0x53, 0x53, 0x54, 0x31]);
export const FOOTER_SIZE = 64;
/** Format 1: block and footer checksums are CRC32C, computed in JS (still read). */
export const FORMAT_VERSION_CRC32C = 1;
/**
 * Format 2 (written now): the same layout with CRC32 (IEEE) checksums, which
 * Bun computes natively (zlib, hardware-accelerated): 0.27 us per 4 KiB block
 * against 6 us for CRC32C in JS, paid on every block a cold read or a
 * compaction touches.
 */
export const FORMAT_VERSION = 2;
/** compression type (1) + masked checksum (4) */
export const BLOCK_TRAILER = 5;

/** The checksum of the table's format `version` over buf[start, end), extending `crc` (0 to start). */
export function tableChecksum(version: number, crc: number, buf: Uint8Array, start: number, end: number): number {
  if (version === FORMAT_VERSION_CRC32C) return crc32cExtend(crc, buf, start, end);
  return Bun.hash.crc32(start === 0 && end === buf.length ? buf : buf.subarray(start, end), crc);
}
export const COMPRESSION_NONE = 0;
export const COMPRESSION_ZSTD = 1;

export interface BlockHandle {
  offset: number;
  size: number; // excluding trailer
}

export interface TableProperties {
  numEntries: number;
  numDeletions: number;
  numDataBlocks: number;
  rawKeyBytes: number;
  rawValueBytes: number;
  smallestSeq: number;
  largestSeq: number;
  /** Smallest/largest internal keys. */
  smallest: Uint8Array;
  largest: Uint8Array;
  compression: number;
}

export function encodeProperties(p: TableProperties): Uint8Array {
  const w = new ByteWriter(128);
  w.varint(p.numEntries);
  w.varint(p.numDeletions);
  w.varint(p.numDataBlocks);
  w.varint(p.rawKeyBytes);
  w.varint(p.rawValueBytes);
  w.varint(p.smallestSeq);
  w.varint(p.largestSeq);
  w.lenBytes(p.smallest);
  w.lenBytes(p.largest);
  w.byte(p.compression);
  return w.finish();
}

export function decodeProperties(b: Uint8Array): TableProperties {
  const r = new ByteReader(b);
  return {
    numEntries: r.varint(),
    numDeletions: r.varint(),
    numDataBlocks: r.varint(),
    rawKeyBytes: r.varint(),
    rawValueBytes: r.varint(),
    smallestSeq: r.varint(),
    largestSeq: r.varint(),
    smallest: r.lenBytes().slice(),
    largest: r.lenBytes().slice(),
    compression: r.byte(),
  };
}
