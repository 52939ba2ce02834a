/**
 * Sorted in-memory table of internal entries ordered by (userKey asc, seq
 * desc): a sorted run (rebuilt in one radix sort after a write burst) plus a
 * skiplist of the entries linked one by one since. Single-threaded (the JS
 * event loop), so no CAS: iterators stay valid across inserts because nodes
 * are never removed (and a rebuild makes a new run).
 *
 * The skiplist is flat: a node is an index into typed arrays (key/value
 * offsets, sequence, kind, links) and key/value bytes live in one arena, so
 * an insert allocates no JS object and a search chases int32 links instead
 * of object pointers (a Node object + next array per entry cost ~20% of a
 * put, the pointer chasing another ~30%).
 */
import { KIND_PUT, KIND_SEEK, lookupOut } from './dbformat.ts';
import type { InternalIterator } from './iterator.ts';
import type { MemtablePlace } from './write_batch.ts';
import { assert } from './assert.ts';
import { bloomHash, bloomHashAt } from './bloom.ts';
import { WordCopier } from './coding.ts';
import { abbrev24, SCRATCH_ENDS, SCRATCH_HI, SCRATCH_LO, SCRATCH_STARTS, scratch, sortKeys } from './key_sort.ts';

const MAX_HEIGHT = 12;
/** Inserts link at once while the last ordered read was within the newest 1/MIXED_READ_WINDOW of the entries (see linkOnInsert). */
const MIXED_READ_WINDOW = 16;
/** Node 0 is the head; 0 as a link means "none" (nothing links to the head). */
const HEAD = 0;
const NIL = 0;

/** Int32 fields per node in `meta`. */
const KOFF = 0;
const KLEN = 1;
const VOFF = 2;
const VLEN = 3;
const KIND = 4;
/** Index of the node's level-0 link in `links` (level i at +i). */
const LINKS = 5;
/**
 * The node's sequence number (< 2^53) as two int32s (seqAt): beside the
 * other fields, not in an array of its own, so a write or lookup of a key
 * reads one cache line of its node, not two (32-byte nodes: a line holds
 * two whole ones).
 */
const SEQ_LO = 6;
const SEQ_HI = 7;
const STRIDE = 8;

function seqAt(m: Int32Array<ArrayBufferLike>, base: number): number {
  return m[base + SEQ_HI] * 4294967296 + (m[base + SEQ_LO] >>> 0);
}

function setSeqAt(m: Int32Array<ArrayBufferLike>, base: number, seq: number): void {
  m[base + SEQ_LO] = seq >>> 0;
  m[base + SEQ_HI] = Math.floor(seq / 4294967296);
}

/**
 * Per-entry overhead estimate for size accounting: node fields with the
 * sequence (32 B), ~1.33 links (6 B), newest-version index slots (16-32 B),
 * plus slack for the arrays' doubling.
 */
const NODE_OVERHEAD = 80;

export interface RangeTombstone {
  start: Uint8Array;
  end: Uint8Array;
  seq: number;
}

/** The sizes of the arrays a memtable allocates up front for sizeLimit (0 = unknown: small, doubling). */
function layoutFor(sizeLimit: number): { nodes: number; arenaBytes: number; slots: number } {
  // approximateSize charges each entry its key and value bytes plus NODE_OVERHEAD.
  const nodes = sizeLimit > 0 ? Math.ceil(sizeLimit / NODE_OVERHEAD) + 2 : 1024;
  let slots = 1024;
  while (slots < 2 * nodes) slots *= 2;
  return { nodes, arenaBytes: sizeLimit > 0 ? sizeLimit + 4096 : 64 * 1024, slots };
}

/**
 * Where the index arrays start in a memtable's memory: a MemTable needs
 * them zeroed, not the arena before them (each byte is written before it
 * is read), so reused memory is zeroed from here on (DB.recycle).
 */
export function memtableIndexOffset(sizeLimit: number): number {
  return alignedTo8(layoutFor(sizeLimit).arenaBytes);
}

/** Bytes of the `memory` a MemTable of sizeLimit takes its arrays from. */
export function memtableMemoryBytes(sizeLimit: number): number {
  const { nodes, arenaBytes, slots } = layoutFor(sizeLimit);
  return alignedTo8(arenaBytes) + 4 * (STRIDE * nodes + MAX_HEIGHT + 2 * nodes + 2 * slots);
}

/**
 * The arrays of a memtable of sizeLimit in `memory` (memtableMemoryBytes of
 * it): the MemTable's own, and those a flush worker reads (memtableEntries).
 */
function viewsOf(memory: SharedArrayBuffer, sizeLimit: number) {
  const { nodes, arenaBytes, slots } = layoutFor(sizeLimit);
  assert(memory.byteLength === memtableMemoryBytes(sizeLimit), 'memtable memory of another size');
  // The arena first: keyOf/valueOf view its buffer at the arena's offsets.
  const arena = new Uint8Array(memory, 0, arenaBytes);
  let at = alignedTo8(arenaBytes);
  const int32s = (n: number): Int32Array<SharedArrayBuffer> => new Int32Array(memory, (at += 4 * n) - 4 * n, n);
  const meta = int32s(STRIDE * nodes);
  const links = int32s(MAX_HEIGHT + 2 * nodes);
  const newest = int32s(2 * slots);
  return { arena, meta, links, newest };
}

/**
 * An immutable memtable whose entries are all in its shared memory
 * (MemTable.shared): a flush worker reads them there (memtableEntries)
 * instead of rebuilding them from the WAL.
 */
export interface SharedMemtable {
  memory: SharedArrayBuffer;
  sizeLimit: number;
  /** Nodes 1..nodes-1 are the entries (node 0 is the skiplist's head). */
  nodes: number;
}

/**
 * Calls add for each entry of a shared memtable, in insertion order, with
 * its key's and value's offsets in the returned arena. An overwrite in
 * place left only a key's newest version (see MemTable.put): the versions
 * any reader could still see are all here.
 */
export function memtableEntries(
  shared: SharedMemtable,
  add: (keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, seq: number, kind: number) => void,
): Uint8Array {
  const { arena, meta } = viewsOf(shared.memory, shared.sizeLimit);
  for (let node = 1; node < shared.nodes; node++) {
    const base = node * STRIDE;
    const keyStart = meta[base + KOFF];
    const valueStart = meta[base + VOFF];
    add(keyStart, keyStart + meta[base + KLEN], valueStart, valueStart + meta[base + VLEN], seqAt(meta, base), meta[base + KIND]);
  }
  return arena;
}

/**
 * Where the last MemTable.putRange left its key: its newest-version index
 * slot and its newest node there (NIL: unknown), for overwritePlaced at the
 * key's next put.
 */
export const placeOut = { slot: 0, node: 0 };

/**
 * Where the last MemTable.lookup that found its key's newest entry found
 * it: the key's newest-version index slot and node (NIL: that lookup found
 * nothing, or an older version), for overwritePlaced at a write of the key
 * that follows its read (a popped element's delete, a member's new score).
 */
export const foundOut = { slot: 0, node: 0 };

/** Keys a MemTable.prefetch call loads at most (a pipeline's worth: the server looks 16 commands ahead). */
export const PREFETCH_MAX = 16;
const prefetchNodes = new Int32Array(PREFETCH_MAX);
const prefetchSlots = new Int32Array(PREFETCH_MAX);
/** Where prefetch leaves a value computed from what it loaded, so the loads are not optimized away. */
export let memtablePrefetchSink = 0;

/** MemTables made so far in this process (MemTable.id). */
let memtablesMade = 0;

function alignedTo8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function grownInt32(a: Int32Array<ArrayBufferLike>, need: number): Int32Array<ArrayBufferLike> {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export class MemTable {
  /** Key and value bytes of every node; replaced by a copy twice the size when full (old views stay valid). */
  private arena: Uint8Array<ArrayBufferLike>;
  private arenaUsed = 0;
  /** Copies keys and values into the arena (from a WAL record, mostly). */
  private readonly copier = new WordCopier();
  private meta: Int32Array<ArrayBufferLike>;
  private links: Int32Array<ArrayBufferLike>;
  private linksUsed = MAX_HEIGHT;
  private nodes = 1;
  /** Nodes below this index are in the run or the skiplist (the head always is); see linkPending. */
  private linkedUpTo = 1;
  /**
   * Whether inserts join the order at once (linkPending's one-by-one links,
   * paid by the write instead of the next ordered read). On while ordered
   * reads come often: a read that links one by one (fewer pending entries
   * than a rebuild needs) turns it on; 1/MIXED_READ_WINDOW of the
   * memtable's entries inserted with no ordered read in between turns it
   * off again.
   * A burst then costs the read that follows it one link per entry, which
   * stalled every client (HGETALL/SCAN during SETs: p50 20-27 ms against
   * GET's 4.7 ms, bench/lsm-engine/mixed-latency.ts).
   */
  private linkOnInsert = false;
  /** nodes at the last linkPending (ordered read). */
  private nodesAtLastRead = 1;
  /**
   * The sorted run: the nodes sorted by the last rebuild, in order, with
   * each key's abbreviation (bytes [runPrefix.length, +6) of the key, the
   * prefix being shared by all of them) for a binary search that mostly
   * reads one dense array. The skiplist holds the nodes linked since.
   */
  private run = new Int32Array(0);
  private runAbbrev = new Float64Array(0);
  private runPrefix = new Uint8Array(0);
  /** Bumped by each rebuild of the run: an iterator positioned before it re-seeks. */
  generation = 0;
  /** Unique in the process (never 0): a place noted in one memtable (placeOut) is never tried in another. */
  readonly id = ++memtablesMade;
  private height = 1;
  private rnd = 0x2545f491;
  /** Approximate memory usage in bytes. */
  approximateSize = 0;
  count = 0;
  minSeq = Number.MAX_SAFE_INTEGER;
  maxSeq = 0;
  /**
   * Newest node per user key, an open-addressing hash table (linear probing,
   * at most half full) of slots of two int32s: the node (NIL: an empty
   * slot) and the bloomHash of its key, so a probe reads a node's fields
   * only when the hash matches (a node's fields are a cache miss each, and a
   * key absent from the memtable probes ~2.5 slots). A point lookup is one
   * hash probe instead of a skiplist search, which costs a cache miss per
   * visited node; a key absent from the memtable (most reads) is answered by
   * the same probe. No JS string or Map entry per key. A slot is known by
   * the index of its node in this array (even; the hash follows).
   */
  private newest: Int32Array<ArrayBufferLike>;
  private distinctKeys = 0;
  /** Range tombstones written while this memtable was active (persisted at flush). */
  readonly rangeTombstones: RangeTombstone[] = [];
  private readonly prevScratch = new Int32Array(MAX_HEIGHT);

  /**
   * logNumber: the WAL that holds this memtable's writes. sizeLimit (the
   * size at which the owner switches it out; 0 = unknown): the arrays are
   * allocated for it at once instead of doubling as they fill. A fresh page
   * costs a fault on first touch (about 20 us per 4 KiB page on this VM,
   * more than the skiplist insert), and every doubling touched a new copy of
   * all the bytes so far; untouched capacity costs no memory. `memory`:
   * memory of memtableMemoryBytes(sizeLimit) bytes, zeroed from
   * memtableIndexOffset on, its pages mapped already when a worker
   * prefaulted it or a flushed memtable had it (see DB): the arrays are
   * views of it, which the flush worker then reads in place (shared()).
   */
  constructor(
    readonly logNumber: number,
    private readonly sizeLimit = 0,
    private memory: SharedArrayBuffer | null = null,
  ) {
    const { nodes, arenaBytes, slots } = layoutFor(sizeLimit);
    if (memory === null) {
      this.meta = new Int32Array(STRIDE * nodes);
      this.links = new Int32Array(MAX_HEIGHT + 2 * nodes);
      this.newest = new Int32Array(2 * slots);
      this.arena = new Uint8Array(arenaBytes);
    } else {
      ({ arena: this.arena, meta: this.meta, links: this.links, newest: this.newest } = viewsOf(memory, sizeLimit));
    }
    this.meta[LINKS] = 0; // the head's links are links[0, MAX_HEIGHT)
  }

  /**
   * For a flush on another thread, once this memtable takes no more writes:
   * its entries in its shared memory, or null when they are not all there
   * (no shared memory, or the arena or node arrays outgrew it).
   */
  shared(): SharedMemtable | null {
    const memory = this.memory;
    if (memory === null || this.arena.buffer !== memory || this.meta.buffer !== memory) return null;
    return { memory, sizeLimit: this.sizeLimit, nodes: this.nodes };
  }

  /**
   * Moves the entries into `memory` (zeroed, for this sizeLimit) when this
   * memtable's arrays are plain ones of their first size and at most
   * maxCopyBytes of them are in use: a memtable made before shared memory
   * was ready (a DB's first) is then flushed from memory too. Returns
   * whether it did. Readers see the same entries (iterators and lookups
   * read the arrays through this object; what they handed out are copies).
   */
  adopt(memory: SharedArrayBuffer, maxCopyBytes: number): boolean {
    const { nodes, arenaBytes, slots } = layoutFor(this.sizeLimit);
    if (this.memory !== null || this.sizeLimit === 0 || memory.byteLength !== memtableMemoryBytes(this.sizeLimit)) return false;
    const firstSize =
      this.arena.length === arenaBytes && this.meta.length === STRIDE * nodes && this.links.length === MAX_HEIGHT + 2 * nodes && this.newest.length === 2 * slots;
    if (!firstSize || this.arenaUsed + this.nodes * 4 * STRIDE + 4 * this.linksUsed > maxCopyBytes) return false;
    const views = viewsOf(memory, this.sizeLimit);
    views.arena.set(this.arena.subarray(0, this.arenaUsed));
    views.meta.set(this.meta.subarray(0, STRIDE * this.nodes));
    views.links.set(this.links.subarray(0, this.linksUsed));
    if (this.distinctKeys > 0) views.newest.set(this.newest);
    ({ arena: this.arena, meta: this.meta, links: this.links, newest: this.newest } = views);
    this.memory = memory;
    return true;
  }

  private randomHeight(): number {
    let h = 1;
    // xorshift32: cheap, deterministic enough; branching factor 4.
    let x = this.rnd;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rnd = x >>> 0;
    let r = this.rnd;
    while (h < MAX_HEIGHT && (r & 3) === 0) {
      h++;
      r >>>= 2;
    }
    return h;
  }

  /** True if node n sorts before (k, s, kind). */
  private before(n: number, k: Uint8Array, s: number, kind: number): boolean {
    const b = this.arena;
    const m = this.meta;
    const base = n * STRIDE;
    const off = m[base + KOFF];
    const nl = m[base + KLEN];
    const kl = k.length;
    const len = nl < kl ? nl : kl;
    for (let i = 0; i < len; i++) {
      const d = b[off + i] - k[i];
      if (d !== 0) return d < 0;
    }
    if (nl !== kl) return nl < kl;
    const ns = seqAt(m, base);
    if (ns !== s) return ns > s;
    return m[base + KIND] > kind;
  }

  /** @internal Order of two nodes: < 0 when a sorts first (distinct nodes never compare equal). */
  compareNodes(a: number, b: number): number {
    const bytes = this.arena;
    const m = this.meta;
    const ao = m[a * STRIDE + KOFF];
    const bo = m[b * STRIDE + KOFF];
    const al = m[a * STRIDE + KLEN];
    const bl = m[b * STRIDE + KLEN];
    const len = al < bl ? al : bl;
    for (let i = 0; i < len; i++) {
      const d = bytes[ao + i] - bytes[bo + i];
      if (d !== 0) return d;
    }
    if (al !== bl) return al - bl;
    const sa = seqAt(m, a * STRIDE);
    const sb = seqAt(m, b * STRIDE);
    if (sa !== sb) return sb - sa;
    return m[b * STRIDE + KIND] - m[a * STRIDE + KIND];
  }

  /** Copies src[start, end) into the arena; returns its offset. */
  private place(src: Uint8Array, start: number, end: number): number {
    const n = end - start;
    if (this.arenaUsed + n > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + n));
      bigger.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = bigger;
    }
    const off = this.arenaUsed;
    this.copier.copy(this.arena, off, src, start, end);
    this.arenaUsed = off + n;
    return off;
  }

  add(key: Uint8Array, seq: number, kind: number, value: Uint8Array): void {
    this.putRange(key, 0, key.length, value, 0, value.length, seq, kind, false);
  }

  /**
   * add(), or when inPlace (the caller knows no reader can still see older
   * versions) overwriteNewest() if the key is here: one hash for both.
   * Returns the key's hash, bloomHash(key) | 0 (the row cache files it so).
   */
  put(key: Uint8Array, seq: number, kind: number, value: Uint8Array, inPlace: boolean): number {
    return this.putRange(key, 0, key.length, value, 0, value.length, seq, kind, inPlace);
  }

  /**
   * put() of the key keys[keyStart, keyEnd) and the value
   * values[valueStart, valueEnd): an encoded batch's ops go in without a
   * view of each key and value. Returns the key's hash as put() does;
   * `hash`: that hash, when the caller has it already.
   */
  putRange(
    keys: Uint8Array,
    keyStart: number,
    keyEnd: number,
    values: Uint8Array,
    valueStart: number,
    valueEnd: number,
    seq: number,
    kind: number,
    inPlace: boolean,
    hash = bloomHashAt(keys, keyStart, keyEnd - keyStart) | 0,
  ): number {
    const slot = this.slotOf(keys, keyStart, keyEnd, hash);
    placeOut.slot = slot;
    if (inPlace) {
      const node = this.newest[slot];
      placeOut.node = node;
      if (node !== NIL && this.overwrite(node, seq, kind, values, valueStart, valueEnd)) return hash;
    }
    this.insert(keys, keyStart, keyEnd, hash, slot, seq, kind, values, valueStart, valueEnd);
    // The new node, unless it is not the key's newest (an older sequence) or the index grew (slots moved).
    const node = this.nodes - 1;
    placeOut.node = this.newest[slot] === node ? node : NIL;
    return hash;
  }

  /**
   * putRange(..., inPlace) of a key whose newest entry was at index slot
   * `slot`, node `node` after its last put here (placeOut then): the
   * overwrite in place without hashing the key or probing the index, when
   * the slot still holds that node (a node is in one slot, as its key's
   * newest: an insert of a newer version, a growth of the index move it)
   * with the same key bytes (compared in place: they share the value's
   * cache lines, which the overwrite writes anyway) and the value fits.
   * False, nothing changed, otherwise: the caller puts as usual.
   */
  overwritePlaced(
    slot: number,
    node: number,
    keys: Uint8Array,
    keyStart: number,
    keyEnd: number,
    values: Uint8Array,
    valueStart: number,
    valueEnd: number,
    seq: number,
    kind: number,
  ): boolean {
    const slots = this.newest;
    if (node === NIL || slot >= slots.length || slots[slot] !== node) return false;
    const m = this.meta;
    const base = node * STRIDE;
    if (m[base + KLEN] !== keyEnd - keyStart) return false;
    const b = this.arena;
    const off = m[base + KOFF] - keyStart;
    // From the end: keys of one collection share a long prefix and differ last (a position, a member).
    for (let j = keyEnd - 1; j >= keyStart; j--) if (b[off + j] !== keys[j]) return false;
    return this.overwrite(node, seq, kind, values, valueStart, valueEnd);
  }

  /** The hash (bloomHash | 0) of the key whose newest node index slot `slot` holds: after overwritePlaced at it, the row cache's hash of the key. */
  hashAtSlot(slot: number): number {
    assert(this.newest[slot] !== NIL, 'the hash of an empty index slot');
    return this.newest[slot + 1];
  }

  /**
   * The newest-version slot of the key keys[keyStart, keyEnd): the one
   * holding its node, or the empty slot where it would go.
   */
  private slotOf(keys: Uint8Array, keyStart: number, keyEnd: number, hash: number): number {
    const slots = this.newest;
    // Slots are pairs at even indexes: the mask keeps an index even.
    const mask = slots.length - 2;
    const m = this.meta;
    const b = this.arena;
    const kl = keyEnd - keyStart;
    for (let i = (hash << 1) & mask; ; i = (i + 2) & mask) {
      const n = slots[i];
      if (n === NIL) return i;
      if (slots[i + 1] !== hash) continue;
      const base = n * STRIDE;
      if (m[base + KLEN] !== kl) continue;
      const off = m[base + KOFF] - keyStart;
      let j = keyStart;
      while (j < keyEnd && b[off + j] === keys[j]) j++;
      if (j === keyEnd) return i;
    }
  }

  /** Doubles the newest-version index (re-inserting every key's newest node). */
  private growIndex(): void {
    const old = this.newest;
    const slots = (this.newest = new Int32Array(old.length * 2));
    const mask = slots.length - 2;
    for (let i = 0; i < old.length; i += 2) {
      const n = old[i];
      if (n === NIL) continue;
      const hash = old[i + 1];
      let j = (hash << 1) & mask;
      while (slots[j] !== NIL) j = (j + 2) & mask;
      slots[j] = n;
      slots[j + 1] = hash;
    }
  }

  /**
   * Appends the entry and indexes it as its key's newest version; it joins
   * the order only when something needs it (linkPending): point
   * lookups use the newest-version index and worker flushes sort the WAL,
   * so a memtable that is only written and read by key (bulk loads, the
   * keyspace's plain SETs/GETs) never pays the skiplist search, about half
   * of a put's cost at 8 MiB and more in bigger memtables.
   */
  private insert(
    keys: Uint8Array,
    keyStart: number,
    keyEnd: number,
    hash: number,
    /** slotOf(the key): the key's newest-version slot before this insert. */
    slot: number,
    seq: number,
    kind: number,
    values: Uint8Array,
    valueStart: number,
    valueEnd: number,
  ): void {
    const node = this.nodes++;
    if ((node + 1) * STRIDE > this.meta.length) {
      this.meta = grownInt32(this.meta, (node + 1) * STRIDE);
    }
    const m = this.meta;
    const base = node * STRIDE;
    const keyLength = keyEnd - keyStart;
    const valueLength = valueEnd - valueStart;
    m[base + KOFF] = this.place(keys, keyStart, keyEnd);
    m[base + KLEN] = keyLength;
    m[base + VOFF] = this.place(values, valueStart, valueEnd);
    m[base + VLEN] = valueLength;
    m[base + KIND] = kind;
    setSeqAt(m, base, seq);
    const newest = this.newest[slot];
    if (newest === NIL) {
      this.newest[slot] = node;
      this.newest[slot + 1] = hash;
      // At most half the slots (pairs) in use.
      if (++this.distinctKeys * 4 > this.newest.length) this.growIndex();
    } else if (seqAt(m, newest * STRIDE) < seq) this.newest[slot] = node;
    this.approximateSize += keyLength + valueLength + NODE_OVERHEAD;
    this.count++;
    if (seq < this.minSeq) this.minSeq = seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
    if (this.linkOnInsert) {
      if (MIXED_READ_WINDOW * (this.nodes - this.nodesAtLastRead) > this.nodes) this.linkOnInsert = false;
      else if (this.linkedUpTo === node) {
        this.link(node);
        this.linkedUpTo = this.nodes;
      }
    }
  }

  /** @internal Entries not yet in the order (linkPending links them). */
  get pendingCount(): number {
    return this.nodes - this.linkedUpTo;
  }

  /**
   * Makes every entry reachable in order, the entry point of each ordered
   * read. Entries added since the last call join the skiplist one by one
   * when they are few; when they are many (the first ordered read after a
   * write burst) the whole memtable is sorted into a new run instead (one
   * radix sort over key abbreviations, O(n), about 20x faster per entry
   * than a skiplist insert), which leaves the skiplist empty. A reader
   * iterating meanwhile sees the entries it saw before (it skips newer ones
   * by sequence anyway). Frequent reads turn on linking at insert (see
   * linkOnInsert).
   */
  linkPending(): void {
    this.nodesAtLastRead = this.nodes;
    const from = this.linkedUpTo;
    const pending = this.nodes - from;
    if (pending === 0) return;
    if (pending >= 256 && 16 * pending >= this.nodes - 1) this.rebuildRun();
    else {
      for (let n = from; n < this.nodes; n++) this.link(n);
      this.linkOnInsert = true;
    }
    this.linkedUpTo = this.nodes;
  }

  /**
   * Sorts every node into a new run (run, runAbbrev, runPrefix) and empties
   * the skiplist (key_sort.ts sortKeys). The run's abbreviations, for its
   * binary search, are the 6 bytes after the prefix all keys share.
   */
  private rebuildRun(): void {
    const n = this.nodes - 1;
    const m = this.meta;
    const b = this.arena;
    const starts = scratch(SCRATCH_STARTS, n + 1);
    const ends = scratch(SCRATCH_ENDS, n + 1);
    for (let x = 1; x <= n; x++) {
      starts[x] = m[x * STRIDE + KOFF];
      ends[x] = starts[x] + m[x * STRIDE + KLEN];
    }
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i + 1;
    const versionOrder = (x: number, y: number): number => seqAt(m, y * STRIDE) - seqAt(m, x * STRIDE) || m[y * STRIDE + KIND] - m[x * STRIDE + KIND];
    sortKeys({ buffers: [b], bufferOf: null, starts, ends, hi: scratch(SCRATCH_HI, n + 1), lo: scratch(SCRATCH_LO, n + 1), versionOrder }, order);
    const firstOff = starts[1];
    let cp = ends[1] - firstOff;
    for (let x = 2; x <= n && cp > 0; x++) {
      const off = starts[x];
      if (ends[x] - off < cp) cp = ends[x] - off;
      let i = 0;
      while (i < cp && b[off + i] === b[firstOff + i]) i++;
      cp = i;
    }
    const abbrev = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = order[i];
      abbrev[i] = abbrev24(b, starts[x], ends[x] - starts[x], cp) * 16777216 + abbrev24(b, starts[x], ends[x] - starts[x], cp + 3);
    }
    this.run = order;
    this.runAbbrev = abbrev;
    this.runPrefix = b.slice(firstOff, firstOff + cp);
    this.links.fill(NIL, 0, MAX_HEIGHT);
    this.linksUsed = MAX_HEIGHT;
    this.height = 1;
    this.generation++;
  }

  /** @internal Index of the first run entry >= (key, seq, kind) (run.length if none). */
  runLowerBound(key: Uint8Array, seq: number, kind: number): number {
    const run = this.run;
    const p = this.runPrefix;
    for (let i = 0; i < p.length; i++) {
      // Every run key starts with p: a key that differs in it (or ends in it) sorts before or after them all.
      if (i >= key.length) return 0;
      const d = key[i] - p[i];
      if (d !== 0) return d < 0 ? 0 : run.length;
    }
    const target = abbrev24(key, 0, key.length, p.length) * 16777216 + abbrev24(key, 0, key.length, p.length + 3);
    const abbrev = this.runAbbrev;
    let l = 0;
    let r = run.length;
    while (l < r) {
      const mid = (l + r) >>> 1;
      const a = abbrev[mid];
      if (a !== target ? a < target : this.before(run[mid], key, seq, kind)) l = mid + 1;
      else r = mid;
    }
    return l;
  }

  /** Links one node into the skiplist: a search from the head. */
  private link(node: number): void {
    const prev = this.prevScratch;
    this.lastBefore(this.keyOf(node), this.seqOf(node), this.meta[node * STRIDE + KIND], prev);
    const h = this.randomHeight();
    if (h > this.height) {
      for (let i = this.height; i < h; i++) prev[i] = HEAD;
      this.height = h;
    }
    this.splice(node, h, prev);
  }

  /** Gives node h levels of links and puts it after prev[i] at each level i < h. */
  private splice(node: number, h: number, prev: Int32Array): void {
    const m = this.meta;
    const lb = this.linksUsed;
    this.linksUsed = lb + h;
    const links = (this.links = grownInt32(this.links, lb + h));
    m[node * STRIDE + LINKS] = lb;
    for (let i = 0; i < h; i++) {
      const p = m[prev[i] * STRIDE + LINKS] + i;
      links[lb + i] = links[p];
      links[p] = node;
    }
  }

  /**
   * Replaces the key's newest entry in place with (seq, kind, value), which
   * keeps the skiplist order (it stays the key's newest entry) and skips the
   * skiplist search of add(). Only for a caller that knows no reader can
   * still see the replaced version (no snapshot, no live iterator): the WAL
   * keeps both. Returns false (nothing changed) when the key is not here or
   * the value does not fit in the old one's bytes.
   */
  overwriteNewest(key: Uint8Array, seq: number, kind: number, value: Uint8Array): boolean {
    const node = this.newest[this.slotOf(key, 0, key.length, bloomHash(key) | 0)];
    return node !== NIL && this.overwrite(node, seq, kind, value, 0, value.length);
  }

  private overwrite(node: number, seq: number, kind: number, values: Uint8Array, valueStart: number, valueEnd: number): boolean {
    const m = this.meta;
    const base = node * STRIDE;
    const valueLength = valueEnd - valueStart;
    if (valueLength > m[base + VLEN]) return false;
    this.copier.copy(this.arena, m[base + VOFF], values, valueStart, valueEnd);
    m[base + VLEN] = valueLength;
    m[base + KIND] = kind;
    setSeqAt(m, base, seq);
    if (seq > this.maxSeq) this.maxSeq = seq;
    return true;
  }

  addRangeTombstone(t: RangeTombstone): void {
    this.rangeTombstones.push(t);
    this.approximateSize += t.start.length + t.end.length + NODE_OVERHEAD;
    if (t.seq < this.minSeq) this.minSeq = t.seq;
    if (t.seq > this.maxSeq) this.maxSeq = t.seq;
  }

  /** @internal The node after n (NIL at the end). */
  nextOf(n: number): number {
    return this.links[this.meta[n * STRIDE + LINKS]];
  }

  /** First node >= (key, seq, kind), or NIL. */
  private findGreaterOrEqual(key: Uint8Array, seq: number, kind: number): number {
    this.linkPending();
    const r = this.runLowerBound(key, seq, kind);
    return this.earlier(r < this.run.length ? this.run[r] : NIL, this.skiplistAtOrAfter(key, seq, kind));
  }

  /** @internal The one of two nodes (NIL = none) that sorts first. */
  earlier(a: number, b: number): number {
    if (a === NIL) return b;
    if (b === NIL) return a;
    return this.compareNodes(a, b) < 0 ? a : b;
  }

  /** @internal First skiplist node >= (key, seq, kind), or NIL. */
  skiplistAtOrAfter(key: Uint8Array, seq: number, kind: number): number {
    return this.nextOf(this.lastBefore(key, seq, kind, null));
  }

  /** @internal Last skiplist node < (key, seq, kind), or HEAD. */
  skiplistBefore(key: Uint8Array, seq: number, kind: number): number {
    return this.lastBefore(key, seq, kind, null);
  }

  /** @internal The sorted run (replaced, never changed, by a rebuild). */
  get sortedRun(): Int32Array {
    return this.run;
  }

  /**
   * The last node ordered before (key, seq, kind), or the head when there is
   * none; with prev, also the last such node at every level (for an insert).
   */
  private lastBefore(key: Uint8Array, seq: number, kind: number, prev: Int32Array | null): number {
    const links = this.links;
    const m = this.meta;
    let x = HEAD;
    // A node found not to sort before the target at one level is often the
    // next one at the level below too: skipping its comparison saves about a
    // key comparison per level (RocksDB's InlineSkipList does the same).
    let bigger = -1;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = links[m[x * STRIDE + LINKS] + level];
        if (nx !== NIL && nx !== bigger && this.before(nx, key, seq, kind)) x = nx;
        else {
          bigger = nx;
          break;
        }
      }
      if (prev !== null) prev[level] = x;
    }
    return x;
  }

  /** @internal Last skiplist node, or HEAD. */
  skiplistLast(): number {
    const links = this.links;
    const m = this.meta;
    let x = HEAD;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = links[m[x * STRIDE + LINKS] + level];
        if (nx !== NIL) x = nx;
        else break;
      }
    }
    return x;
  }

  /**
   * Loads what a put or lookup of each key whose hash (bloomHash(key) | 0)
   * is hashes[i] (i < count <= PREFETCH_MAX) reads first: its index slot, then its newest
   * node's fields (its sequence among them) and key bytes, in passes over
   * all the keys, so their cache misses overlap instead of following one
   * another as the writes' would (a miss costs 150-300 ns on this VM, and a write's
   * memtable access is about four of them in a row). A hint: nothing changes.
   */
  prefetch(hashes: Int32Array, count: number): void {
    assert(count <= PREFETCH_MAX, 'prefetch of more than PREFETCH_MAX keys');
    const slots = this.newest;
    const mask = slots.length - 2;
    for (let i = 0; i < count; i++) prefetchSlots[i] = (hashes[i] << 1) & mask;
    for (let i = 0; i < count; i++) {
      const hash = hashes[i];
      let j = prefetchSlots[i];
      while (slots[j] !== NIL && slots[j + 1] !== hash) j = (j + 2) & mask;
      prefetchNodes[i] = slots[j];
    }
    const m = this.meta;
    let sink = 0;
    for (let i = 0; i < count; i++) sink += m[prefetchNodes[i] * STRIDE + KOFF];
    for (let i = 0; i < count; i++) {
      const n = prefetchNodes[i];
      if (n !== NIL) sink += this.arena[m[n * STRIDE + KOFF]];
    }
    memtablePrefetchSink = sink;
  }

  /**
   * prefetch() of the keys of up to PREFETCH_MAX places (null: none) by the
   * places, for the overwritePlaced each is about to get: loads their index
   * slots, nodes and key bytes (the value follows them) in passes, without
   * hashing or probing. Notes in unplacedOut the indexes of the places that
   * are not in this memtable and returns how many (a caller prefetches
   * them by key). A hint: nothing changes.
   */
  prefetchPlaced(places: ArrayLike<MemtablePlace | null>, count: number, unplacedOut: Int32Array): number {
    assert(count <= PREFETCH_MAX, 'prefetch of more than PREFETCH_MAX keys');
    const slots = this.newest;
    let placed = 0;
    let unplaced = 0;
    for (let i = 0; i < count; i++) {
      const place = places[i];
      if (place === null || place.placeMemtable !== this.id || place.placeSlot >= slots.length) unplacedOut[unplaced++] = i;
      else {
        prefetchSlots[placed] = place.placeSlot;
        prefetchNodes[placed++] = place.placeNode;
      }
    }
    const m = this.meta;
    let sink = 0;
    for (let i = 0; i < placed; i++) sink += slots[prefetchSlots[i]];
    for (let i = 0; i < placed; i++) sink += m[prefetchNodes[i] * STRIDE + KOFF];
    for (let i = 0; i < placed; i++) sink += this.arena[m[prefetchNodes[i] * STRIDE + KOFF]];
    memtablePrefetchSink = sink;
    return unplaced;
  }

  /** Hot-path lookup: fills lookupOut and returns true when found. hash = bloomHash(key), shared by the memtables and tables probed. */
  lookup(key: Uint8Array, snapshot: number, hash = bloomHash(key)): boolean {
    const n = this.find(key, hash | 0, snapshot);
    if (n === NIL) return false;
    foundOut.node = n === this.newest[foundOut.slot] ? n : NIL;
    const base = n * STRIDE;
    lookupOut.seq = seqAt(this.meta, base);
    lookupOut.kind = this.meta[base + KIND];
    lookupOut.buf = this.arena;
    lookupOut.voff = this.meta[base + VOFF];
    lookupOut.vlen = this.meta[base + VLEN];
    return true;
  }

  /** Newest entry for key with seq <= snapshot, or null. */
  get(key: Uint8Array, snapshot: number): { seq: number; kind: number; value: Uint8Array } | null {
    const n = this.find(key, bloomHash(key) | 0, snapshot);
    return n === NIL ? null : { seq: this.seqOf(n), kind: this.kindOf(n), value: this.valueOf(n) };
  }

  /** The newest node for key with seq <= snapshot, or NIL. */
  private find(key: Uint8Array, hash: number, snapshot: number): number {
    const slot = (foundOut.slot = this.slotOf(key, 0, key.length, hash));
    const newest = this.newest[slot];
    if (newest === NIL) return NIL;
    if (seqAt(this.meta, newest * STRIDE) <= snapshot) return newest;
    // An older version under a snapshot: search the skiplist.
    const n = this.findGreaterOrEqual(key, snapshot, KIND_SEEK);
    if (n === NIL || this.meta[n * STRIDE + KLEN] !== key.length) return NIL;
    const b = this.arena;
    const off = this.meta[n * STRIDE + KOFF];
    for (let i = 0; i < key.length; i++) if (b[off + i] !== key[i]) return NIL;
    return n;
  }

  /** @internal The arena, which holds node n's user key at [keyOffsetOf(n), +keyLengthOf(n)). */
  get bytes(): Uint8Array {
    return this.arena;
  }
  /** @internal */
  keyOffsetOf(n: number): number {
    return this.meta[n * STRIDE + KOFF];
  }
  /** @internal */
  keyLengthOf(n: number): number {
    return this.meta[n * STRIDE + KLEN];
  }
  /** @internal */
  valueOffsetOf(n: number): number {
    return this.meta[n * STRIDE + VOFF];
  }
  /** @internal */
  valueLengthOf(n: number): number {
    return this.meta[n * STRIDE + VLEN];
  }
  /**
   * @internal A copy of node n's key (and valueOf: value). Copies, not views:
   * a flushed memtable's memory is reused for a later one (DB.recycle), so
   * no view of it may leave the LSM (a small slice costs about what a view
   * does in JSC).
   */
  keyOf(n: number): Uint8Array {
    const base = n * STRIDE;
    const off = this.meta[base + KOFF];
    return this.arena.slice(off, off + this.meta[base + KLEN]);
  }
  /** @internal */
  valueOf(n: number): Uint8Array {
    const base = n * STRIDE;
    const off = this.meta[base + VOFF];
    return this.arena.slice(off, off + this.meta[base + VLEN]);
  }
  /** @internal */
  seqOf(n: number): number {
    return seqAt(this.meta, n * STRIDE);
  }
  /** @internal */
  kindOf(n: number): number {
    return this.meta[n * STRIDE + KIND];
  }

  iterator(): InternalIterator {
    return new MemTableIterator(this);
  }
}

/**
 * Walks the union of the memtable's run and skiplist, positioned at the
 * earlier of the first run entry and the first skiplist node at or after
 * its entry.
 */
class MemTableIterator implements InternalIterator {
  private node = NIL;
  /** Index of the first run entry >= node (run.length: none). */
  private ri = 0;
  /** First skiplist node >= node (NIL: none). */
  private sn = NIL;
  /** The memtable's generation when positioned: ri indexes that generation's run. */
  private generation = -1;
  /** View of the current node's key, made on first use. */
  private key: Uint8Array | null = null;
  constructor(private readonly mem: MemTable) {}
  private at(n: number): void {
    this.node = n;
    this.key = null;
  }
  private pick(): void {
    const run = this.mem.sortedRun;
    this.at(this.mem.earlier(this.ri < run.length ? run[this.ri] : NIL, this.sn));
  }
  valid(): boolean {
    return this.node !== NIL;
  }
  seekToFirst(): void {
    this.mem.linkPending();
    this.generation = this.mem.generation;
    this.ri = 0;
    this.sn = this.mem.nextOf(HEAD);
    this.pick();
  }
  seekToLast(): void {
    this.mem.linkPending();
    this.generation = this.mem.generation;
    this.stepBack(this.mem.sortedRun.length - 1, this.mem.skiplistLast());
  }
  seek(userKey: Uint8Array, seq: number): void {
    this.seekEntry(userKey, seq, KIND_SEEK);
  }
  private seekEntry(key: Uint8Array, seq: number, kind: number): void {
    this.mem.linkPending();
    this.generation = this.mem.generation;
    this.ri = this.mem.runLowerBound(key, seq, kind);
    this.sn = this.mem.skiplistAtOrAfter(key, seq, kind);
    this.pick();
  }
  /** After a rebuild: the same entry, located in the new run. */
  private refresh(): void {
    if (this.generation === this.mem.generation) return;
    const n = this.node;
    this.seekEntry(this.userKey(), this.mem.seqOf(n), this.mem.kindOf(n));
    assert(this.node === n, 'memtable entry lost by a rebuild');
  }
  next(): void {
    assert(this.node !== NIL);
    this.refresh();
    const run = this.mem.sortedRun;
    if (this.ri < run.length && run[this.ri] === this.node) this.ri++;
    else this.sn = this.mem.nextOf(this.sn);
    this.pick();
  }
  prev(): void {
    assert(this.node !== NIL);
    this.mem.linkPending();
    this.refresh();
    const n = this.node;
    // No back pointers: search the skiplist for the last node before this one.
    this.stepBack(this.ri - 1, this.mem.skiplistBefore(this.userKey(), this.mem.seqOf(n), this.mem.kindOf(n)));
  }
  /** Positions at the later of run[rp] (rp < 0: none) and skiplist node sp (HEAD: none). */
  private stepBack(rp: number, sp: number): void {
    const rn = rp >= 0 ? this.mem.sortedRun[rp] : NIL;
    if (rn === NIL && sp === HEAD) {
      this.at(NIL);
      return;
    }
    if (sp === HEAD || (rn !== NIL && this.mem.compareNodes(rn, sp) > 0)) {
      this.ri = rp;
      this.sn = this.mem.nextOf(sp);
    } else {
      this.ri = rp + 1;
      this.sn = sp;
    }
    this.pick();
  }
  userKey(): Uint8Array {
    if (this.key === null) this.key = this.mem.keyOf(this.node);
    return this.key;
  }
  keyBuffer(): Uint8Array {
    return this.mem.bytes;
  }
  keyOffset(): number {
    return this.mem.keyOffsetOf(this.node);
  }
  keyLength(): number {
    return this.mem.keyLengthOf(this.node);
  }
  seq(): number {
    return this.mem.seqOf(this.node);
  }
  kind(): number {
    return this.mem.kindOf(this.node);
  }
  value(): Uint8Array {
    return this.mem.valueOf(this.node);
  }
  valueBuffer(): Uint8Array {
    return this.mem.bytes;
  }
  valueStart(): number {
    return this.mem.valueOffsetOf(this.node);
  }
  valueEnd(): number {
    return this.mem.valueOffsetOf(this.node) + this.mem.valueLengthOf(this.node);
  }
  close(): void {}
}

export { KIND_PUT };
