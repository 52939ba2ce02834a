/**
 * Sorting many keys in about O(n): an MSD radix sort on 8-byte key
 * abbreviations. A group of keys is abbreviated by the 8 bytes after the
 * prefix all of them share, and sorted on those: on the bits that differ
 * among them, packed into one int32, when there are at most 31 (an LSD
 * radix sort), else by byte, from the first byte that is not the same for
 * all; keys whose 8 bytes tie form a group of their own. Used to order a memtable after a write burst and a flush's
 * entries (a comparator sort of ~550k entries was ~20% of a flush).
 */
import { assert } from './assert.ts';

/** Groups of up to this many keys are sorted by insertion: a radix pass costs more. */
const SMALL_SORT = 32;
/** Bytes of a key an abbreviation holds: two big-endian int32s. */
const ABBREVIATION = 8;

/**
 * Scratch arrays reused by this thread's sorts, by slot: a fresh array's
 * pages fault on first touch (about 20 us per 4 KiB page on this VM), and
 * a sort of 290k memtable entries spent more on faults in its fresh scratch
 * arrays than on sorting. Grow-only (the largest sort's size stays mapped);
 * sorts are synchronous, so one sort at a time uses them.
 */
const pool: Int32Array<ArrayBuffer>[] = [];

/** Slots of scratch() for callers; the sort's own slots follow. */
export const SCRATCH_STARTS = 0;
export const SCRATCH_ENDS = 1;
export const SCRATCH_HI = 2;
export const SCRATCH_LO = 3;
/** A radix pass's destination for the ids and their abbreviations, by position. */
const SPARE_IDS = 4;
const SPARE_HI = 5;
const SPARE_LO = 6;
/** sortByPackedBits's packed abbreviations, and its passes' destination for them. */
const PACKED = 7;
const SPARE_PACKED = 8;

/** A view of n entries of pooled scratch array `slot` (contents unspecified: write before reading). */
export function scratch(slot: number, n: number): Int32Array<ArrayBuffer> {
  let a = pool[slot];
  if (a === undefined || a.length < n) pool[slot] = a = new Int32Array(n);
  return a.subarray(0, n);
}

/** Bucket bounds of each radix level being sorted, by recursion depth (a level's buckets are sorted one after the other). */
const bucketEnds: Int32Array[] = [];
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
  /** Scratch for the abbreviations, by position in the ids sorted: at least ids.length entries each. */
  readonly hi: Int32Array;
  readonly lo: Int32Array;
  /** Order of two versions of one key: < 0 when a sorts first (never 0 for distinct ids). */
  versionOrder(a: number, b: number): number;
}

/** Sorts ids in place by (key, versionOrder). */
export function sortKeys(k: KeyRanges, ids: Int32Array<ArrayBuffer>): void {
  assert(k.hi.length >= ids.length && k.lo.length >= ids.length, 'abbreviation scratch shorter than the ids');
  sortGroup(k, ids, 0, ids.length, 0);
}

function keyOf(k: KeyRanges, id: number): Uint8Array {
  return k.buffers[k.bufferOf === null ? 0 : k.bufferOf[id]];
}

function keyLength(k: KeyRanges, id: number): number {
  return k.ends[id] - k.starts[id];
}

/** Moves the ids of [from, to) whose keys are `length` long, or at most that when orShorter, to its front; returns where the others start. */
function partitionByLength(k: KeyRanges, ids: Int32Array, from: number, to: number, length: number, orShorter: boolean): number {
  let front = from;
  for (let i = from; i < to; i++) {
    const id = ids[i];
    const len = keyLength(k, id);
    if (len === length || (orShorter && len < length)) {
      ids[i] = ids[front];
      ids[front++] = id;
    }
  }
  return front;
}

/** Set by commonPrefix: the shortest key length of the ids it scanned. */
const scanned = { shortest: 0 };

/**
 * The length of the prefix the keys of ids[from, to) share, given that
 * they share their first `shared` bytes (a key shorter than that: as far
 * as it goes); sets scanned.shortest. One pass over the ids: their
 * lengths are read there once, not again by a pass of their own for each
 * of the two partitions sortGroup may need (keys that end within the
 * shared bytes, keys that are the whole prefix).
 */
function commonPrefix(k: KeyRanges, ids: Int32Array, from: number, to: number, shared: number): number {
  const { starts, ends } = k;
  const first = ids[from];
  const firstKey = keyOf(k, first);
  const firstStart = starts[first];
  let cp = ends[first] - firstStart;
  let shortest = cp;
  for (let i = from + 1; i < to; i++) {
    const id = ids[i];
    const ks = starts[id];
    const len = ends[id] - ks;
    if (len < shortest) shortest = len;
    if (cp <= shared) continue;
    if (len < cp) cp = len;
    const key = keyOf(k, id);
    let j = shared;
    while (j < cp && key[ks + j] === firstKey[firstStart + j]) j++;
    cp = j;
  }
  scanned.shortest = shortest;
  return cp > shared ? cp : shared;
}

/**
 * Sorts ids[from, to), whose keys share their first `shared` bytes (a key
 * shorter than that: as far as it goes, and zeros after its end).
 */
function sortGroup(k: KeyRanges, ids: Int32Array<ArrayBuffer>, from: number, to: number, shared: number): void {
  if (to - from <= SMALL_SORT) {
    insertionSort(k, ids, from, to, shared);
    return;
  }
  const { starts, ends } = k;
  let cp = commonPrefix(k, ids, from, to, shared);
  if (scanned.shortest <= shared) {
    // Keys that end within the shared bytes are prefixes of the others (and of the longer ones among them): first, shortest first.
    const ended = partitionByLength(k, ids, from, to, shared, true);
    if (ended - from > 1) ids.subarray(from, ended).sort((a, b) => keyLength(k, a) - keyLength(k, b) || k.versionOrder(a, b));
    from = ended;
    if (to - from <= SMALL_SORT) {
      insertionSort(k, ids, from, to, shared);
      return;
    }
    cp = commonPrefix(k, ids, from, to, shared);
  }
  if (scanned.shortest === cp) {
    // A key that is that prefix (one key, its versions) sorts first.
    const whole = partitionByLength(k, ids, from, to, cp, false);
    if (whole - from > 1) ids.subarray(from, whole).sort((a, b) => k.versionOrder(a, b));
    from = whole;
    if (to - from <= SMALL_SORT) {
      insertionSort(k, ids, from, to, cp);
      return;
    }
  }
  const { hi, lo } = k;
  for (let i = from; i < to; i++) {
    const id = ids[i];
    const key = keyOf(k, id);
    const at = starts[id] + cp;
    const len = ends[id] - at;
    if (len >= ABBREVIATION) {
      hi[i] = (key[at] << 24) | (key[at + 1] << 16) | (key[at + 2] << 8) | key[at + 3];
      lo[i] = (key[at + 4] << 24) | (key[at + 5] << 16) | (key[at + 6] << 8) | key[at + 7];
    } else {
      let h = 0;
      let l = 0;
      for (let j = 0; j < len; j++) {
        if (j < 4) h |= key[at + j] << (24 - 8 * j);
        else l |= key[at + j] << (56 - 8 * j);
      }
      hi[i] = h;
      lo[i] = l;
    }
  }
  sortByAbbreviation(k, ids, from, to, cp);
}

/**
 * Sorts ids[from, to) by their abbreviations (hi and lo at the same
 * positions, moved with them) of the bytes [cp, cp + 8) of their keys:
 * by their packed differing bits (sortByPackedBits) if few differ, else
 * one counting pass per byte, from the first byte that differs, each
 * bucket on its own; then by the bytes after those (sortGroup).
 */
function sortByAbbreviation(k: KeyRanges, ids: Int32Array<ArrayBuffer>, from: number, to: number, cp: number): void {
  if (to - from <= SMALL_SORT) {
    insertionSortAbbreviated(k, ids, from, to, cp);
    return;
  }
  const { hi, lo } = k;
  const h0 = hi[from];
  const l0 = lo[from];
  let hiDiffers = 0;
  let loDiffers = 0;
  for (let i = from + 1; i < to; i++) {
    hiDiffers |= hi[i] ^ h0;
    loDiffers |= lo[i] ^ l0;
  }
  if (hiDiffers === 0 && loDiffers === 0) {
    sortGroup(k, ids, from, to, cp + ABBREVIATION);
    return;
  }
  if (packFields(hiDiffers, loDiffers) <= PACKED_BITS) {
    sortByPackedBits(k, ids, from, to, cp);
    return;
  }
  // The first byte that differs (byte 0 is the most significant of hi).
  const digits = hiDiffers !== 0 ? hi : lo;
  const shift = 24 - (Math.clz32(hiDiffers !== 0 ? hiDiffers : loDiffers) & ~7);
  const d = depth++;
  try {
    let ends = bucketEnds[d];
    if (ends === undefined) bucketEnds[d] = ends = new Int32Array(256);
    ends.fill(0);
    for (let i = from; i < to; i++) ends[(digits[i] >>> shift) & 0xff]++;
    let start = from;
    for (let b = 0; b < 256; b++) {
      const count = ends[b];
      ends[b] = start;
      start += count;
    }
    const spareIds = scratch(SPARE_IDS, to);
    const spareHi = scratch(SPARE_HI, to);
    const spareLo = scratch(SPARE_LO, to);
    // Each bucket's start becomes its end.
    for (let i = from; i < to; i++) {
      const p = ends[(digits[i] >>> shift) & 0xff]++;
      spareIds[p] = ids[i];
      spareHi[p] = hi[i];
      spareLo[p] = lo[i];
    }
    ids.set(spareIds.subarray(from, to), from);
    hi.set(spareHi.subarray(from, to), from);
    lo.set(spareLo.subarray(from, to), from);
    start = from;
    for (let b = 0; b < 256; b++) {
      const end = ends[b];
      if (end - start > 1) sortByAbbreviation(k, ids, start, end, cp);
      start = end;
    }
  } finally {
    depth = d;
  }
}

/** The most bits sortByPackedBits packs into one int32 (a field of 32 would need a mask of its own). */
const PACKED_BITS = 31;
/** The widest digit of sortByPackedBits's passes: its counts (2^11 int32s) stay in the L1 cache. */
const MAX_DIGIT_BITS = 11;
/**
 * Set by packFields: the bit fields of an abbreviation that vary in a
 * group, most significant first - per field its word (0: hi, 1: lo), the
 * shift of its lowest bit and its width - and how many there are.
 */
const fieldWord = new Int32Array(8);
const fieldShift = new Int32Array(8);
const fieldWidth = new Int32Array(8);
let fieldCount = 0;
/** sortByPackedBits's bucket counts (its passes end before it sorts the runs of equal abbreviations: one array serves every depth). */
const counts = new Int32Array(1 << MAX_DIGIT_BITS);

/**
 * Finds the fields of the abbreviations whose bits differ where hiDiffers
 * and loDiffers have bits set: per byte, from its highest to its lowest
 * differing bit (a field goes on into the next byte when both reach their
 * common edge); returns the fields' total width. Bits outside the fields
 * are the same in every abbreviation of the group, so the fields, packed
 * side by side, order the abbreviations as the abbreviations do.
 */
function packFields(hiDiffers: number, loDiffers: number): number {
  fieldCount = 0;
  let bits = 0;
  for (let word = 0; word < 2; word++) {
    const differs = word === 0 ? hiDiffers : loDiffers;
    const firstOfWord = fieldCount;
    for (let byteShift = 24; byteShift >= 0; byteShift -= 8) {
      const m = (differs >>> byteShift) & 0xff;
      if (m === 0) continue;
      const high = byteShift + 31 - Math.clz32(m);
      const low = byteShift + 31 - Math.clz32(m & -m);
      const last = fieldCount - 1;
      if (last >= firstOfWord && fieldShift[last] === high + 1) {
        fieldWidth[last] += high - low + 1;
        fieldShift[last] = low;
      } else {
        fieldWord[fieldCount] = word;
        fieldShift[fieldCount] = low;
        fieldWidth[fieldCount] = high - low + 1;
        fieldCount++;
      }
      bits += high - low + 1;
    }
  }
  return bits;
}

/**
 * sortByAbbreviation of a group whose abbreviations differ in at most
 * PACKED_BITS bits (packFields): each abbreviation's differing fields
 * packed into one int32, sorted by an LSD radix sort of those bits in
 * passes of equal digits, then each run of equal abbreviations by the
 * bytes after them (sortGroup). Keys of one shape differ in few bits of 8
 * bytes (decimal digits in their low 4 bits, a counter's low bytes): a
 * byte-by-byte MSD sort of those took ~5 passes of 256 buckets, most of
 * them nearly empty, and an insertion sort per small bucket.
 */
function sortByPackedBits(k: KeyRanges, ids: Int32Array<ArrayBuffer>, from: number, to: number, cp: number): void {
  const { hi, lo } = k;
  let keys = scratch(PACKED, to);
  const count = fieldCount;
  for (let i = from; i < to; i++) {
    const h = hi[i];
    const l = lo[i];
    let packed = 0;
    for (let f = 0; f < count; f++) {
      const width = fieldWidth[f];
      packed = (packed << width) | (((fieldWord[f] === 0 ? h : l) >>> fieldShift[f]) & ((1 << width) - 1));
    }
    keys[i] = packed;
  }
  let bits = 0;
  for (let f = 0; f < count; f++) bits += fieldWidth[f];
  // Digits of at most MAX_DIGIT_BITS, and not many more buckets than keys.
  const widest = Math.min(MAX_DIGIT_BITS, Math.max(4, 32 - Math.clz32(to - from)));
  const passes = Math.ceil(bits / widest);
  const digitBits = Math.ceil(bits / passes);
  const digitMask = (1 << digitBits) - 1;
  let srcIds: Int32Array<ArrayBuffer> = ids;
  let dstIds = scratch(SPARE_IDS, to);
  let dstKeys = scratch(SPARE_PACKED, to);
  for (let pass = 0, shift = 0; pass < passes; pass++, shift += digitBits) {
    counts.fill(0, 0, digitMask + 1);
    for (let i = from; i < to; i++) counts[(keys[i] >>> shift) & digitMask]++;
    let start = from;
    for (let b = 0; b <= digitMask; b++) {
      const n = counts[b];
      counts[b] = start;
      start += n;
    }
    for (let i = from; i < to; i++) {
      const key = keys[i];
      const p = counts[(key >>> shift) & digitMask]++;
      dstIds[p] = srcIds[i];
      dstKeys[p] = key;
    }
    const ids0 = srcIds;
    srcIds = dstIds;
    dstIds = ids0;
    const keys0 = keys;
    keys = dstKeys;
    dstKeys = keys0;
  }
  if (srcIds !== ids) ids.set(srcIds.subarray(from, to), from);
  // Runs of equal abbreviations: by the bytes after them (nested sorts use positions in their run only, so keys past it stay).
  let runStart = from;
  for (let i = from + 1; i <= to; i++) {
    if (i < to && keys[i] === keys[runStart]) continue;
    if (i - runStart > 1) sortGroup(k, ids, runStart, i, cp + ABBREVIATION);
    runStart = i;
  }
}

/** Order of ids a and b, whose keys share their first `shared` bytes. */
function compareKeys(k: KeyRanges, a: number, b: number, shared: number): number {
  const { starts, ends } = k;
  return compareRanges(keyOf(k, a), starts[a] + shared, ends[a], keyOf(k, b), starts[b] + shared, ends[b]) || k.versionOrder(a, b);
}

/** Short runs: no allocation, unlike TypedArray.sort with a comparator. */
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

/** insertionSort of keys abbreviated at cp (sortByAbbreviation's): by abbreviation, then by the bytes after it. */
function insertionSortAbbreviated(k: KeyRanges, ids: Int32Array, from: number, to: number, cp: number): void {
  const { hi, lo } = k;
  for (let i = from + 1; i < to; i++) {
    const id = ids[i];
    const h = hi[i] >>> 0;
    const l = lo[i] >>> 0;
    let j = i - 1;
    for (; j >= from; j--) {
      const hj = hi[j] >>> 0;
      const lj = lo[j] >>> 0;
      const order = hj !== h ? hj - h : lj !== l ? lj - l : compareKeys(k, ids[j], id, cp + ABBREVIATION);
      if (order <= 0) break;
      ids[j + 1] = ids[j];
      hi[j + 1] = hi[j];
      lo[j + 1] = lo[j];
    }
    ids[j + 1] = id;
    hi[j + 1] = h;
    lo[j + 1] = l;
  }
}

/** Bytes [from, from+3) of buf[off, off+len) big-endian (missing bytes = 0): keys in order have abbreviations in (non-strict) order. */
export function abbrev24(buf: Uint8Array, off: number, len: number, from: number): number {
  let a = 0;
  for (let j = from; j < from + 3; j++) a = (a << 8) | (j < len ? buf[off + j] : 0);
  return a;
}
