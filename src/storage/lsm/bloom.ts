/**
 * Bloom filters over user keys, one per table (see FORMAT.md, "Filter block").
 *
 * Written: a cache-local ("blocked") filter as RocksDB's FastLocalBloom: the
 * key's hash picks one 64-byte line and every probe falls in that line, so a
 * lookup costs one cache miss instead of k. A table's filter is ~1.2 bytes
 * per key, so the filters of a large database are far bigger than the CPU
 * caches and each probe of LevelDB's scheme was a miss (plus a TLB miss): the
 * filter check was about an eighth of the CPU of a GET of a key not in any
 * cache. Read as well: LevelDB's double-hashing filter, in older tables.
 */
import { assert } from './assert.ts';

/** LevelDB's Hash(): murmur-like, 32-bit. Hash of data[0, n). */
export function bloomHash(data: Uint8Array, n = data.length): number {
  return bloomHashAt(data, 0, n);
}

/**
 * Hash of data[at, at + n). Computed in int32s (the same bits: every step
 * is modulo 2^32) and made unsigned once at the end: the unsigned values of
 * `>>> 0` after each step are doubles to the JIT once above 2^31 (a
 * 41-byte key: 58 -> 44 ns in a loop; the hash's line was most of
 * TableBuilder.add's own time in one profile of flushes).
 */
export function bloomHashAt(data: Uint8Array, at: number, n: number): number {
  const m = 0xc6a4a793 | 0;
  let h = 0xbc9f1d34 ^ Math.imul(n, m);
  let i = at;
  const end = at + n;
  for (; i + 4 <= end; i += 4) {
    h = Math.imul(h + (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)), m);
    h ^= h >>> 16;
  }
  const rest = end - i;
  if (rest === 3) h += data[i + 2] << 16;
  if (rest >= 2) h += data[i + 1] << 8;
  if (rest >= 1) {
    h = Math.imul(h + data[i], m);
    h ^= h >>> 24;
  }
  return h >>> 0;
}

const LINE_BYTES = 64;
/** Last byte of a cache-local filter (a legacy filter's last byte is its k, at most 30). */
const LOCAL_FILTER_MARKER = 0x80;
/** Lines are picked by (hash * lines) / 2^32 in doubles: exact while the product stays below 2^53. */
const MAX_LINES = 2 ** 21;
const GOLDEN32 = 0x9e3779b9;

/** Probes per key for a 512-bit line (RocksDB's choice by bits per key: fewer than a flat filter's 0.69 * bits). */
function localProbes(bitsPerKey: number): number {
  const limits = [2.08, 3.5, 5, 6.5, 8, 10.5, 13, 16, 21];
  let k = 1;
  while (k <= limits.length && bitsPerKey > limits[k - 1]) k++;
  return k;
}

/** The in-line probe sequence's seed: murmur3's finalizer, so it does not repeat the bits that chose the line. */
function lineProbeSeed(hash: number): number {
  let h = hash;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Byte offset of the line a hash maps to. */
function lineOffset(hash: number, lines: number): number {
  return Math.floor((hash * lines) / 4294967296) * LINE_BYTES;
}

function filterLines(count: number, bitsPerKey: number): number {
  const lines = Math.ceil((count * bitsPerKey) / (LINE_BYTES * 8));
  if (lines > MAX_LINES) throw new Error(`bloom filter of ${count} keys is too large`);
  return lines < 1 ? 1 : lines;
}

/** The size of buildBloom's filter of `count` keys. */
export function bloomBytes(count: number, bitsPerKey: number): number {
  return filterLines(count, bitsPerKey) * LINE_BYTES + 2;
}

/**
 * A cache-local filter of `count` key hashes: `lines * 64 bytes | k u8 | 0x80`.
 * In a new array, or in the first bloomBytes() bytes of `into` (a view of them).
 */
export function buildBloom(hashes: Uint32Array | number[], count: number, bitsPerKey: number, into?: Uint8Array): Uint8Array {
  const k = localProbes(bitsPerKey);
  const lines = filterLines(count, bitsPerKey);
  const size = lines * LINE_BYTES + 2;
  let out: Uint8Array;
  if (into === undefined) out = new Uint8Array(size);
  else {
    assert(into.length >= size, 'a bloom filter larger than its buffer');
    out = into.subarray(0, size);
    out.fill(0);
  }
  out[size - 2] = k;
  out[size - 1] = LOCAL_FILTER_MARKER;
  for (let i = 0; i < count; i++) {
    const base = lineOffset(hashes[i], lines);
    let h = lineProbeSeed(hashes[i]);
    for (let j = 0; j < k; j++) {
      const bit = h >>> 23; // 9 bits: one of the line's 512
      out[base + (bit >>> 3)] |= 1 << (bit & 7);
      h = Math.imul(h, GOLDEN32);
    }
  }
  return out;
}

/** LevelDB's filter: `bits | k u8`. Written by older versions; kept to test that they still read, and to compare. */
export function buildLegacyBloom(hashes: Uint32Array | number[], count: number, bitsPerKey: number): Uint8Array {
  let k = Math.round(bitsPerKey * 0.69);
  if (k < 1) k = 1;
  if (k > 30) k = 30;
  let bits = count * bitsPerKey;
  if (bits < 64) bits = 64;
  const bytes = (bits + 7) >>> 3;
  bits = bytes * 8;
  const out = new Uint8Array(bytes + 1);
  out[bytes] = k;
  for (let i = 0; i < count; i++) {
    let h = hashes[i];
    const delta = ((h >>> 17) | (h << 15)) >>> 0;
    for (let j = 0; j < k; j++) {
      const pos = h % bits;
      out[pos >>> 3] |= 1 << (pos & 7);
      h = (h + delta) >>> 0;
    }
  }
  return out;
}

export function bloomMayContain(filter: Uint8Array, hash: number): boolean {
  const len = filter.length;
  if (len < 2) return true;
  const last = filter[len - 1];
  if (last === LOCAL_FILTER_MARKER) {
    const k = filter[len - 2];
    const base = lineOffset(hash, (len - 2) / LINE_BYTES);
    let h = lineProbeSeed(hash);
    for (let j = 0; j < k; j++) {
      const bit = h >>> 23;
      if ((filter[base + (bit >>> 3)] & (1 << (bit & 7))) === 0) return false;
      h = Math.imul(h, GOLDEN32);
    }
    return true;
  }
  if (last > 30) return true; // an encoding this version does not know: no filtering
  const bits = (len - 1) * 8;
  let h = hash;
  const delta = ((h >>> 17) | (h << 15)) >>> 0;
  for (let j = 0; j < last; j++) {
    const pos = h % bits;
    if ((filter[pos >>> 3] & (1 << (pos & 7))) === 0) return false;
    h = (h + delta) >>> 0;
  }
  return true;
}
