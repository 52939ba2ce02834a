/** Bloom filter over user keys (LevelDB's double-hashing scheme), one per table. */

/** LevelDB's Hash(): murmur-like, 32-bit. */
/** Hash of data[0, n). */
export function bloomHash(data: Uint8Array, n = data.length): number {
  return bloomHashAt(data, 0, n);
}

/** Hash of data[at, at + n). */
export function bloomHashAt(data: Uint8Array, at: number, n: number): number {
  const m = 0xc6a4a793;
  let h = (0xbc9f1d34 ^ Math.imul(n, m)) >>> 0;
  let i = at;
  const end = at + n;
  for (; i + 4 <= end; i += 4) {
    const w = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    h = (h + w) >>> 0;
    h = Math.imul(h, m) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  const rest = end - i;
  if (rest === 3) h = (h + (data[i + 2] << 16)) >>> 0;
  if (rest >= 2) h = (h + (data[i + 1] << 8)) >>> 0;
  if (rest >= 1) {
    h = (h + data[i]) >>> 0;
    h = Math.imul(h, m) >>> 0;
    h = (h ^ (h >>> 24)) >>> 0;
  }
  return h;
}

/** Filter bytes: bit array followed by one byte k (number of probes). */
export function buildBloom(hashes: Uint32Array | number[], count: number, bitsPerKey: number): Uint8Array {
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
  const bits = (len - 1) * 8;
  const k = filter[len - 1];
  if (k > 30) return true; // reserved for future encodings
  let h = hash;
  const delta = ((h >>> 17) | (h << 15)) >>> 0;
  for (let j = 0; j < k; j++) {
    const pos = h % bits;
    if ((filter[pos >>> 3] & (1 << (pos & 7))) === 0) return false;
    h = (h + delta) >>> 0;
  }
  return true;
}
