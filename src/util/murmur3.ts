// MurmurHash3 (x86, 32-bit, seed 0 unless given) for the in-memory hash tables: four bytes
// per step (FNV-1a's byte-at-a-time loop was a quarter of a cached GET's time
// in the lsm engine's metadata cache; microbenchmark, 16-byte keys: 156-193 ->
// 38-45 ns).

/** MurmurHash3 of b's bytes [from, to) (another seed: another, independent hash). */
export function murmur3Bytes(b: Uint8Array, from = 0, to = b.length, seed = 0): number {
  let h = seed;
  let i = from;
  for (; i + 4 <= to; i += 4) h = mixBlock(h, b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
  let tail = 0;
  for (let shift = 0; i < to; i++, shift += 8) tail |= b[i] << shift;
  return finish(h, tail, to - from);
}

/** murmur3Bytes of the bytes a latin1 string stands for (one char per byte). */
export function murmur3Latin1(s: string): number {
  let h = 0;
  let i = 0;
  const n = s.length;
  for (; i + 4 <= n; i += 4) {
    h = mixBlock(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24));
  }
  let tail = 0;
  for (let shift = 0; i < n; i++, shift += 8) tail |= s.charCodeAt(i) << shift;
  return finish(h, tail, n);
}

function mixWord(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function mixBlock(h: number, k: number): number {
  h ^= mixWord(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, tail: number, len: number): number {
  h ^= mixWord(tail);
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
