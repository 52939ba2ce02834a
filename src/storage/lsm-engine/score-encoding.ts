// Order-preserving encoding of zset scores (FORMAT.md): 8 bytes whose
// bytewise order is the numeric order of the doubles, so the score index
// iterates in Redis's order (score, then member bytewise).

/** Bytes of one encoded score. */
export const SCORE_BYTES = 8;

// One scratch double for both directions (no allocation per call).
const scratch = new Uint8Array(SCORE_BYTES);
const scratchView = new DataView(scratch.buffer);

/**
 * Writes score at `at`: the big-endian IEEE-754 bits with the sign bit
 * flipped for positives and every bit flipped for negatives. -0 is written
 * as +0 (Redis compares them as equal, ordering such members bytewise);
 * ±Infinity encode as the extremes. NaN is never stored.
 */
export function encodeScore(score: number, out: Uint8Array, at: number): void {
  scratchView.setFloat64(0, score === 0 ? 0 : score);
  const negative = scratch[0] >= 0x80;
  for (let i = 0; i < SCORE_BYTES; i++) out[at + i] = negative ? ~scratch[i] & 0xff : scratch[i];
  if (!negative) out[at] ^= 0x80;
}

/** The score encodeScore wrote at `at` (-0 comes back as +0). */
export function decodeScore(bytes: Uint8Array, at: number): number {
  const positive = bytes[at] >= 0x80;
  for (let i = 0; i < SCORE_BYTES; i++) scratch[i] = positive ? bytes[at + i] : ~bytes[at + i] & 0xff;
  if (positive) scratch[0] ^= 0x80;
  return scratchView.getFloat64(0);
}
