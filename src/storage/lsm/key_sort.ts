/**
 * Sorting many keys in O(n): an LSD radix sort over 6-byte key
 * abbreviations, then comparison sorts only within ties. Used to order a
 * memtable after a write burst and a flush's WAL entries (a comparator sort
 * of ~550k entries was ~20% of a flush).
 */

/** Bytes [from, from+3) of buf[off, off+len) big-endian (missing bytes = 0): keys in order have abbreviations in (non-strict) order. */
export function abbrev24(buf: Uint8Array, off: number, len: number, from: number): number {
  let a = 0;
  for (let j = from; j < from + 3; j++) a = (a << 8) | (j < len ? buf[off + j] : 0);
  return a;
}

/**
 * Sorts the items in `order` (ids indexing hi and lo) by (hi[id], lo[id]),
 * the two 24-bit halves of each item's abbreviation, then each run of items
 * with equal abbreviations by sortTies(run), in place. Returns the sorted ids
 * (order or a new array).
 */
export function sortByAbbreviation(order: Int32Array<ArrayBuffer>, hi: Int32Array, lo: Int32Array, sortTies: (run: Int32Array<ArrayBuffer>) => void): Int32Array<ArrayBuffer> {
  const n = order.length;
  if (n === 0) return order;
  let spare = new Int32Array(n);
  const counts = new Int32Array(4096);
  for (let pass = 0; pass < 4; pass++) {
    const digits = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 12;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(digits[order[i]] >>> shift) & 0xfff]++;
    if (counts[(digits[order[0]] >>> shift) & 0xfff] === n) continue; // one digit for all: order unchanged
    let sum = 0;
    for (let d = 0; d < 4096; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const x = order[i];
      spare[counts[(digits[x] >>> shift) & 0xfff]++] = x;
    }
    const t = order;
    order = spare;
    spare = t;
  }
  for (let i = 0; i < n; ) {
    const h = hi[order[i]];
    const l = lo[order[i]];
    let j = i + 1;
    while (j < n && hi[order[j]] === h && lo[order[j]] === l) j++;
    if (j - i > 1) sortTies(order.subarray(i, j));
    i = j;
  }
  return order;
}
