// CRC-64/Jones as Redis's crc64.c computes it (reflected in and out, initial
// value 0, no final xor; check value for "123456789" is 0xe9c6d914c4b8d9ca).
// DUMP payloads and RDB files end with it. The 64-bit state is kept as two
// 32-bit halves so the inner loop stays in small integers.

/** The Jones polynomial 0xad93d23594c935a9, bit-reflected. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | (hi << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLE_HI[i] = hi;
  TABLE_LO[i] = lo;
}

/** CRC-64/Jones of `data`, continuing from `crc` (0 to start). */
export function crc64(data: Uint8Array, crc = 0n): bigint {
  let hi = Number(crc >> 32n) >>> 0;
  let lo = Number(crc & 0xffffffffn) >>> 0;
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ data[i]) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ TABLE_LO[idx]) >>> 0;
    hi = ((hi >>> 8) ^ TABLE_HI[idx]) >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}
