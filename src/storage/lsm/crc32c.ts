/**
 * CRC32C (Castagnoli, reflected poly 0x82F63B78), slicing-by-8.
 * Bun only ships IEEE CRC32 natively, and LevelDB's log/table format uses CRC32C.
 */
const POLY = 0x82f63b78;
const T = new Uint32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c >>> 0;
}
for (let n = 0; n < 256; n++) {
  let c = T[n];
  for (let k = 1; k < 8; k++) {
    c = T[c & 0xff] ^ (c >>> 8);
    T[k * 256 + n] = c >>> 0;
  }
}

/** Extend `crc` (a previous crc32c value, 0 to start) with buf[start, end). */
export function crc32cExtend(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let c = ~crc >>> 0;
  let i = start;
  // Slicing-by-8 main loop: 8 table lookups per 8 bytes instead of 8 dependent steps.
  while (end - i >= 8) {
    const a = (c ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24))) >>> 0;
    c =
      T[1792 + (a & 0xff)] ^
      T[1536 + ((a >>> 8) & 0xff)] ^
      T[1280 + ((a >>> 16) & 0xff)] ^
      T[1024 + (a >>> 24)] ^
      T[768 + buf[i + 4]] ^
      T[512 + buf[i + 5]] ^
      T[256 + buf[i + 6]] ^
      T[buf[i + 7]];
    i += 8;
  }
  while (i < end) c = T[(c ^ buf[i++]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc32cExtend(0, buf, start, end);
}

const MASK_DELTA = 0xa282ead8;
/**
 * Masked CRC (LevelDB): storing CRCs of data that itself contains CRCs is
 * error-prone otherwise. Its 32 bits as an int32 (putFixed32 stores them; unmaskCrc
 * takes either form): a uint32 above 2^31 left int arithmetic, an overflow
 * deoptimization of every caller it was inlined into, compiled again.
 */
export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + (MASK_DELTA | 0)) | 0;
}
export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
