/** LevelDB log format constants (shared by WAL and MANIFEST). */
export const BLOCK_SIZE = 32768;
/** checksum (4) + length (2) + type (1) */
export const HEADER_SIZE = 7;
export const FULL = 1;
export const FIRST = 2;
export const MIDDLE = 3;
export const LAST = 4;
/**
 * Added to a fragment's type (FULL..LAST) when its checksum is CRC32 (IEEE)
 * instead of LevelDB's CRC32C: types 5-8, written now; 1-4 are still read.
 * Bun computes CRC32 natively (0.11 ns/byte against 1.1 for CRC32C in JS),
 * and the WAL checksums every byte a write command logs (~4.5% of an
 * LPUSH's main-thread CPU with CRC32C).
 */
export const CRC32_TYPE_OFFSET = 4;
