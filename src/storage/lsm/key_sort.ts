/**
 * Sorting many keys in O(n): an LSD radix sort over 6-byte key
 * abbreviations, then the same within each run of ties. Used to order a
 * memtable after a write burst and a flush's WAL entries (a comparator sort
 * of ~550k entries was ~20% of a flush).
 */

/** Runs of up to this many keys are sorted by comparison: a radix sort's passes cost more. */
const SMALL_SORT = 64;

/**
 * Scratch arrays reused by this thread's sorts, by slot: a fresh array's
 * pages fault on first touch (about 20 us per 4 KiB page on this VM), and
 * a sort of 290k memtable entries spent more on faults in its fresh scratch
 * arrays than on sorting. Grow-only (the largest sort's size stays mapped);
 * sorts are synchronous, so one sort at a time uses them, each recursion
 * depth with its own spare and counts.
 */
const pool: Int32Array<ArrayBuffer>[] = [];

/** Slots of scratch() for callers; the sort's own per-depth slots follow. */
export const SCRATCH_STARTS = 0;
export const SCRATCH_ENDS = 1;
export const SCRATCH_HI = 2;
export const SCRATCH_LO = 3;
const FIRST_DEPTH_SLOT = 4;
const RADIX = 4096;

/** A view of n entries of pooled scratch array `slot` (contents unspecified: write before reading). */
export function scratch(slot: number, n: number): Int32Array<ArrayBuffer> {
  let a = pool[slot];
  if (a === undefined || a.length < n) pool[slot] = a = new Int32Array(n);
  return a.subarray(0, n);
}

/** Recursion depth of sortKeys's radix sorts (their spare and counts slots). */
let depth = 0;

/** Order of a[as, ae) and b[bs, be) (compareBytes without views). */
export function compareRanges(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const al = ae - as;
  const bl = be - bs;
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const d = a[as + i] - b[bs + i];
    if (d !== 0) return d;
  }
  return al - bl;
}

/** The keys sortKeys orders, by id: id's key is buffers[bufferOf[id]] (buffers[0] when bufferOf is null) [starts[id], ends[id]). */
export interface KeyRanges {
  readonly buffers: readonly Uint8Array[];
  readonly bufferOf: Int32Array | null;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Scratch for the abbreviations, of at least (largest id + 1) entries each. */
  readonly hi: Int32Array;
  readonly lo: Int32Array;
  /** Order of two versions of one key: < 0 when a sorts first (never 0 for distinct ids). */
  versionOrder(a: number, b: number): number;
}

/**
 * Sorts ids[from, to), whose keys share their first `shared` bytes, in place
 * by (key, versionOrder): a radix sort on the 6 bytes after the prefix they
 * all share, then the same within each run of equal abbreviations; runs of
 * up to SMALL_SORT ids by insertion. One prefix for all keys is empty as soon
 * as two columns mix (an INCR's metadata and its db's key-count record, an
 * LPUSH's metadata and elements), and then every metadata key, or every
 * element of one list, would tie on its first 6 bytes (a comparator sort of
 * those ties was 30-40% of a flush). `tied`: the ids tied on their
 * abbreviation at `shared` in the caller.
 */
export function sortKeys(k: KeyRanges, ids: Int32Array<ArrayBuffer>, from = 0, to = ids.length, shared = 0, tied = false): void {
  if (to - from <= SMALL_SORT) {
    insertionSort(k, ids, from, to, shared);
    return;
  }
  const { buffers, bufferOf, starts, ends } = k;
  const first = ids[from];
  const firstKey = buffers[bufferOf === null ? 0 : bufferOf[first]];
  const firstStart = starts[first];
  const firstLength = ends[first] - firstStart;
  let cp = firstLength;
  let allEqual = true;
  for (let i = from + 1; i < to; i++) {
    const id = ids[i];
    const key = buffers[bufferOf === null ? 0 : bufferOf[id]];
    const ks = starts[id];
    const len = ends[id] - ks;
    if (len < cp) cp = len;
    let j = shared;
    while (j < cp && key[ks + j] === firstKey[firstStart + j]) j++;
    cp = j;
    if (len !== firstLength || j < len) allEqual = false;
  }
  if (allEqual) {
    // Versions of one key (a db's key-count record, a collection's metadata).
    ids.subarray(from, to).sort((a, b) => k.versionOrder(a, b));
    return;
  }
  // Keys that end within the bytes their caller compared (equal after zero padding) tie again: compare them in full.
  if (tied && cp < shared + 6) {
    ids.subarray(from, to).sort((a, b) => compareKeys(k, a, b, shared));
    return;
  }
  const { hi, lo } = k;
  for (let i = from; i < to; i++) {
    const id = ids[i];
    const key = buffers[bufferOf === null ? 0 : bufferOf[id]];
    hi[id] = abbrev24(key, starts[id], ends[id] - starts[id], cp);
    lo[id] = abbrev24(key, starts[id], ends[id] - starts[id], cp + 3);
  }
  const range = ids.subarray(from, to);
  const d = depth++;
  try {
    const slot = FIRST_DEPTH_SLOT + 2 * d;
    const sorted = sortByAbbreviation(range, hi, lo, scratch(slot, range.length), scratch(slot + 1, RADIX), (run, f, t) =>
      sortKeys(k, run, f, t, cp, true),
    );
    if (sorted !== range) ids.set(sorted, from);
  } finally {
    depth = d;
  }
}

/** Order of ids a and b, whose keys share their first `shared` bytes. */
function compareKeys(k: KeyRanges, a: number, b: number, shared: number): number {
  const { buffers, bufferOf, starts, ends } = k;
  const ka = buffers[bufferOf === null ? 0 : bufferOf[a]];
  const kb = buffers[bufferOf === null ? 0 : bufferOf[b]];
  return compareRanges(ka, starts[a] + shared, ends[a], kb, starts[b] + shared, ends[b]) || k.versionOrder(a, b);
}

/** Short runs (most runs of ties): no allocation, unlike TypedArray.sort with a comparator. */
function insertionSort(k: KeyRanges, ids: Int32Array, from: number, to: number, shared: number): void {
  for (let i = from + 1; i < to; i++) {
    const id = ids[i];
    let j = i - 1;
    while (j >= from && compareKeys(k, ids[j], id, shared) > 0) {
      ids[j + 1] = ids[j];
      j--;
    }
    ids[j + 1] = id;
  }
}

/** Bytes [from, from+3) of buf[off, off+len) big-endian (missing bytes = 0): keys in order have abbreviations in (non-strict) order. */
export function abbrev24(buf: Uint8Array, off: number, len: number, from: number): number {
  let a = 0;
  for (let j = from; j < from + 3; j++) a = (a << 8) | (j < len ? buf[off + j] : 0);
  return a;
}

/**
 * Sorts the items in `order` (ids indexing hi and lo) by (hi[id], lo[id]),
 * the two 24-bit halves of each item's abbreviation, then each run of items
 * with equal abbreviations [from, to) by sortTies(sorted, from, to), in place.
 * `spare`: order.length entries of scratch; `counts`: RADIX entries. Returns
 * the sorted ids (order or spare).
 */
function sortByAbbreviation(
  order: Int32Array<ArrayBuffer>,
  hi: Int32Array,
  lo: Int32Array,
  spare: Int32Array<ArrayBuffer>,
  counts: Int32Array,
  sortTies: (sorted: Int32Array<ArrayBuffer>, from: number, to: number) => void,
): Int32Array<ArrayBuffer> {
  const n = order.length;
  if (n === 0) return order;
  for (let pass = 0; pass < 4; pass++) {
    const digits = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 12;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(digits[order[i]] >>> shift) & 0xfff]++;
    if (counts[(digits[order[0]] >>> shift) & 0xfff] === n) continue; // one digit for all: order unchanged
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
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
    if (j - i > 1) sortTies(order, i, j);
    i = j;
  }
  return order;
}
