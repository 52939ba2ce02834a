/** LevelDB log format constants (shared by WAL and MANIFEST). */
export const BLOCK_SIZE = 32768;
/** checksum (4) + length (2) + type (1) */
export const HEADER_SIZE = 7;
export const FULL = 1;
export const FIRST = 2;
export const MIDDLE = 3;
export const LAST = 4;
