/**
 * The row cache: the newest value, or the known absence, of keys the owner
 * opted in (DBOptions.rowCacheKeys), so a point read of a hot key that was
 * flushed long ago answers without probing the memtables, the L0 tables'
 * filters and a table block (a collection member's read before its write
 * spent half of SADD's main-thread time there once its memtable was flushed).
 * RocksDB's row_cache is keyed by table file and filled per table; this one
 * is keyed by user key and kept coherent with every write (DB.commit), so it
 * survives flushes and compactions. See README.md, "Row cache".
 *
 * Layout: no JS object per entry (hundreds of thousands of entries would be
 * that many objects for the GC to mark). Each generation is an open-addressing
 * table of slots of two int32s (hash, arena offset + 1) over a byte arena
 * holding each entry's key length and value length (ENTRY_HEAD), key, then
 * value: 8 bytes of slot per entry, not 16, so a generation of the default
 * budget holds SADD, HSET and ZADD's 300k members of bench-vs-redis (the
 * lengths in the slots capped it at 262k: each round's first touch of a key
 * then copied it from the old generation). Entries are never
 * removed from a generation: a changed value is written over the old one when
 * its length is the same (a set member's, a score's, a 3-byte hash value's),
 * or appended and the slot repointed.
 *
 * Eviction by generations: new entries go into the current generation; when
 * it holds half the byte budget it becomes the old one and the previous old
 * one is dropped. A hit in the old generation copies the entry into the
 * current one, so a key read or written once per generation stays cached.
 * The current generation shadows the old one (its entries are newer).
 *
 * Every write of an admitted key must find out whether the key is cached,
 * most of them to learn that it is not (an element pushed on a list): two
 * probes of megabytes of slots, each a cache and TLB miss (LPUSH took ~900
 * ns more with a populated cache in `bench/hot-path.ts --engine lsm`). A
 * bitmap of the hashes either generation holds (`held`, 1/128 of the
 * budget) answers most of those without a probe.
 *
 * Admission: a read that misses caches what the tables answer only when the
 * same key missed lately (its hash is in `missed`), and a put caches a key
 * not cached only when a read of it missed just before (its hash is in
 * `justMissed`, small enough to stay in the CPU's caches: every put of a
 * key not cached checks it): a read-then-write (SADD, HSET, ZADD's member)
 * is cached at its first write, a key read once and deleted (a list element
 * popped) or written blindly (pushed) never is.
 */
import { assert } from './assert.ts';
import { copyRange } from './coding.ts';
import { KIND_PUT, lookupOut } from './dbformat.ts';
import { PREFETCH_MAX } from './memtable.ts';

/** Which keys the row cache may hold: the key is buf[start, end). */
export type RowCacheKeys = (buf: Uint8Array, start: number, end: number) => boolean;

/** lookup()'s answers. */
export const ROW_MISS = -1;
export const ROW_ABSENT = 0;
export const ROW_PRESENT = 1;
export type RowLookup = typeof ROW_MISS | typeof ROW_ABSENT | typeof ROW_PRESENT;

/** Value length of an entry that knows the key has no value. */
const ABSENT = -1;
/** Value length of an entry whose value was too large to keep: the key's newest value is not cached (a lookup misses). */
const UNCACHED = -2;

/** Longer values are not cached (a chunked string's 2 KiB chunks, stream nodes): a copy per write for keys rarely read by point reads. */
export const ROW_CACHE_MAX_VALUE_BYTES = 512;
/** Longer keys are not cached. */
const MAX_KEY_BYTES = 1024;

// Slot fields (int32s per slot).
const S_HASH = 0;
/** Arena offset of the entry, plus one (0: the slot is empty). */
const S_OFF = 1;
/** A power of two: a hash's first slot is (hash << 1) & mask. */
const SLOT_INTS = 2;
/** An arena entry's head: its key length and its value length + 2 (UNCACHED..ROW_CACHE_MAX_VALUE_BYTES), uint16 LE each. */
const ENTRY_HEAD = 4;

/** The most arena bytes one entry takes. */
const MAX_ENTRY_BYTES = ENTRY_HEAD + MAX_KEY_BYTES + ROW_CACHE_MAX_VALUE_BYTES;
assert(MAX_KEY_BYTES <= 0xffff && ROW_CACHE_MAX_VALUE_BYTES + 2 <= 0xffff, 'row cache: entry lengths must fit ENTRY_HEAD');

/** The key length of the arena entry at `at`. */
function keyLengthAt(arena: Uint8Array, at: number): number {
  return arena[at] | (arena[at + 1] << 8);
}

/** The value length (or ABSENT, UNCACHED) of the arena entry at `at`. */
function valueLengthAt(arena: Uint8Array, at: number): number {
  return (arena[at + 2] | (arena[at + 3] << 8)) - 2;
}

const MIN_SLOTS = 1024;
const MIN_ARENA_BYTES = 16 * 1024;
/** Budget bytes per slot of `missed` (a 64 MiB cache remembers the last ~256k keys that missed). */
const BYTES_PER_MISSED_SLOT = 256;
const MIN_MISSED_SLOTS = 1024;
/** 4 MiB: budgets are as large as maxmemory (CONFIG SET maxmemory 20000000000gb is valid). */
const MAX_MISSED_SLOTS = 1 << 20;

/** Slots of `justMissed`: more than the members of one pipelined read's commands (16 x a few). */
const JUST_MISSED_SLOTS = 1024;

/** `missed` for a budget: a power of two of slots (none for a cache that is off). */
function missedFor(capacity: number): Int32Array {
  if (capacity <= 0) return new Int32Array(0);
  let n = MIN_MISSED_SLOTS;
  while (n < MAX_MISSED_SLOTS && n * 2 * BYTES_PER_MISSED_SLOT <= capacity) n *= 2;
  return new Int32Array(n);
}

/** Budget bytes per bit of `held` (a 64 MiB cache: 512 KiB of bits, about 8 per entry it can hold). */
const BYTES_PER_HELD_BIT = 16;
const MIN_HELD_BITS = 1024;
/** 4 MiB, as MAX_MISSED_SLOTS. */
const MAX_HELD_BITS = 1 << 25;

/** `held` for a budget: a power of two of bits. */
function heldFor(capacity: number): Int32Array {
  let bits = MIN_HELD_BITS;
  while (bits < MAX_HELD_BITS && bits * 2 * BYTES_PER_HELD_BIT <= capacity) bits *= 2;
  return new Int32Array(bits >>> 5);
}

class Generation {
  slots = new Int32Array(MIN_SLOTS * SLOT_INTS);
  arena = new Uint8Array(MIN_ARENA_BYTES);
  /** Arena bytes in use. */
  used = 0;
  entries = 0;
  /** Whether its slots are half used and may not grow within the limit. */
  private full = false;

  /** Bytes its arrays take. */
  get bytes(): number {
    return this.slots.byteLength + this.arena.byteLength;
  }

  /** Whether it holds what it may (limit bytes of slots and entries, less room for one more), or may not add a slot: it must become the old generation. */
  get isFull(): boolean {
    return this.full || this.slots.byteLength + this.used + MAX_ENTRY_BYTES >= this.limit;
  }

  /** Empties the generation, keeping its memory when it is within limit bytes (the new limit). */
  reset(limit: number): void {
    this.limit = limit;
    if (this.bytes > limit) {
      this.slots = new Int32Array(MIN_SLOTS * SLOT_INTS);
      this.arena = new Uint8Array(MIN_ARENA_BYTES);
    } else this.slots.fill(0);
    this.used = 0;
    this.entries = 0;
    this.full = false;
  }

  /** The slot (index of its first int) holding key buf[start, end), or the empty slot where it would go. */
  slotOf(buf: Uint8Array, start: number, end: number, hash: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    const arena = this.arena;
    const klen = end - start;
    for (let i = (hash << 1) & mask; ; i = (i + SLOT_INTS) & mask) {
      const off = slots[i + S_OFF];
      if (off === 0) return i;
      if (slots[i + S_HASH] !== hash || keyLengthAt(arena, off - 1) !== klen) continue;
      const d = off - 1 + ENTRY_HEAD - start;
      let j = start;
      while (j < end && arena[d + j] === buf[j]) j++;
      if (j === end) return i;
    }
  }

  /**
   * Sets slot i (from slotOf) to the key buf[start, end) with the value
   * values[vStart, vStart + vlen) (vlen >= 0) or a state (ABSENT, UNCACHED):
   * over the old value when it has the same length, else in fresh arena bytes.
   */
  set(i: number, buf: Uint8Array, start: number, end: number, hash: number, values: Uint8Array, vStart: number, vlen: number): void {
    const slots = this.slots;
    const klen = end - start;
    const off = slots[i + S_OFF];
    if (off !== 0) {
      const head = off - 1;
      const oldVlen = valueLengthAt(this.arena, head);
      if (oldVlen === vlen || (vlen < 0 && oldVlen < 0)) {
        this.setValueLength(head, vlen);
        if (vlen > 0) copyRange(this.arena, head + ENTRY_HEAD + klen, values, vStart, vStart + vlen);
        return;
      }
    }
    const stored = vlen > 0 ? vlen : 0;
    const at = this.reserve(ENTRY_HEAD + klen + stored);
    const arena = this.arena;
    arena[at] = klen;
    arena[at + 1] = klen >>> 8;
    this.setValueLength(at, vlen);
    const keyAt = at + ENTRY_HEAD;
    // Keys are short: a loop beats subarray + set's call overhead.
    for (let j = 0; j < klen; j++) arena[keyAt + j] = buf[start + j];
    // copyRange copies short values by a loop: subarray + set cost a ZADD's 8-byte score update 4%.
    if (stored > 0) copyRange(arena, keyAt + klen, values, vStart, vStart + stored);
    slots[i + S_HASH] = hash;
    slots[i + S_OFF] = at + 1;
    if (off === 0 && ++this.entries * 2 > slots.length / SLOT_INTS) {
      if (this.arena.byteLength + slots.byteLength * 2 <= this.limit) this.growSlots();
      else this.full = true;
    }
  }

  /** Writes the value length (or ABSENT, UNCACHED) of the arena entry at `at`. */
  private setValueLength(at: number, vlen: number): void {
    this.arena[at + 2] = vlen + 2;
    this.arena[at + 3] = (vlen + 2) >>> 8;
  }

  /** The value length (or ABSENT, UNCACHED) of slot i's entry. */
  valueLength(i: number): number {
    return valueLengthAt(this.arena, this.slots[i + S_OFF] - 1);
  }

  /** Where slot i's entry's value starts in the arena (the key has keyLength bytes). */
  valueStart(i: number, keyLength: number): number {
    return this.slots[i + S_OFF] - 1 + ENTRY_HEAD + keyLength;
  }

  /** Bytes the generation may take (its arena grows up to what its slots leave of them). */
  limit = 0;

  private reserve(n: number): number {
    if (this.used + n > this.arena.length) {
      // The arena leaves the slots room to double (growSlots) while it fits in what that leaves: else they could not.
      const slotsDoubled = this.limit - 2 * this.slots.byteLength;
      const room = this.used + n <= slotsDoubled ? slotsDoubled : this.limit - this.slots.byteLength;
      const bigger = new Uint8Array(Math.max(this.used + n, Math.min(this.arena.length * 2, room)));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  /** Sets the bits of its hashes in held (RowCache.held, with its mask). */
  markHeld(held: Int32Array, mask: number): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += SLOT_INTS) {
      if (slots[i + S_OFF] === 0) continue;
      const bit = slots[i + S_HASH] & mask;
      held[bit >>> 5] |= 1 << (bit & 31);
    }
  }

  /** RowCache.prefetch in this generation: returns a sum of what it loaded. */
  prefetch(hashes: Int32Array, count: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    let sink = 0;
    for (let i = 0; i < count; i++) sink += slots[((hashes[i] << 1) & mask) + S_OFF];
    for (let i = 0; i < count; i++) {
      const hash = hashes[i];
      let j = (hash << 1) & mask;
      while (slots[j + S_OFF] !== 0 && slots[j + S_HASH] !== hash) j = (j + SLOT_INTS) & mask;
      const off = slots[j + S_OFF];
      if (off !== 0) sink += this.arena[off - 1];
    }
    return sink;
  }

  /** Doubles the slots (at half load: linear probes stay short). */
  private growSlots(): void {
    const old = this.slots;
    const slots = (this.slots = new Int32Array(old.length * 2));
    const mask = slots.length - 1;
    for (let i = 0; i < old.length; i += SLOT_INTS) {
      if (old[i + S_OFF] === 0) continue;
      let j = (old[i + S_HASH] << 1) & mask;
      while (slots[j + S_OFF] !== 0) j = (j + SLOT_INTS) & mask;
      slots[j + S_HASH] = old[i + S_HASH];
      slots[j + S_OFF] = old[i + S_OFF];
    }
  }
}

/** Where prefetch leaves a value computed from what it loaded, so the loads are not optimized away. */
export let rowCachePrefetchSink = 0;

export interface RowCacheStats {
  capacity: number;
  /** Bytes the two generations' arrays and the admission tables take. */
  usage: number;
  /** Entries of both generations (a key in both counts twice). */
  entries: number;
  hits: number;
  misses: number;
}

export class RowCache {
  private current = new Generation();
  private old = new Generation();
  /** Bytes at which the current generation becomes the old one: half of what the admission tables leave of the budget. */
  private generationLimit = 0;
  /**
   * The hashes of keys whose lookup missed lately, direct-mapped by hash (a
   * slot keeps the last one; 0 also matches a hash of 0: at worst a key is
   * cached early, with its right value).
   */
  private missed: Int32Array = new Int32Array(0);
  /** The same for the last few keys that missed (see Admission): 4 KiB. */
  private readonly justMissed = new Int32Array(JUST_MISSED_SLOTS);
  /** Bit (hash & heldMask) is set for every hash either generation holds (more: see the class comment). */
  private held: Int32Array = new Int32Array(0);
  private heldMask = 0;
  /** The held hashes of the keys prefetch() is given. */
  private readonly prefetchHeldHashes = new Int32Array(PREFETCH_MAX);
  /** Whether a generation may hold the key of prefetch()'s hashes[i] (1) or neither does (0), as of the last prefetch(). */
  readonly prefetchHeld = new Uint8Array(PREFETCH_MAX);
  hits = 0;
  misses = 0;

  constructor(private capacity: number) {
    this.setLimits();
  }

  private setLimits(): void {
    this.missed = missedFor(this.capacity);
    this.held = heldFor(this.capacity);
    this.heldMask = this.held.length * 32 - 1;
    this.generationLimit = Math.max(0, (this.capacity - this.missed.byteLength - this.justMissed.byteLength - this.held.byteLength) / 2);
    this.current.limit = this.old.limit = this.generationLimit;
    this.current.markHeld(this.held, this.heldMask);
    this.old.markHeld(this.held, this.heldMask);
  }

  /** Whether a generation may hold a key of this hash (false: neither does). */
  private mayHold(hash: number): boolean {
    const bit = hash & this.heldMask;
    return (this.held[bit >>> 5] & (1 << (bit & 31))) !== 0;
  }

  private markHeld(hash: number): void {
    const bit = hash & this.heldMask;
    this.held[bit >>> 5] |= 1 << (bit & 31);
  }

  /** Whether the budget allows caching at all. */
  get enabled(): boolean {
    return this.capacity > 0;
  }

  /**
   * The cached answer for key (hash = bloomHash(key) | 0, as every hash
   * this class takes: an int32, as the slots hold it): ROW_PRESENT with
   * lookupOut filled (its buf is the cache's arena: read it before the next
   * write), ROW_ABSENT, or ROW_MISS.
   */
  lookup(key: Uint8Array, hash: number): RowLookup {
    if (!this.enabled || !this.mayHold(hash)) return this.miss();
    const cur = this.current;
    let i = cur.slotOf(key, 0, key.length, hash);
    if (cur.slots[i + S_OFF] === 0) {
      const old = this.old;
      const j = old.slotOf(key, 0, key.length, hash);
      if (old.slots[j + S_OFF] === 0) return this.miss();
      const vlen = old.valueLength(j);
      if (vlen === UNCACHED) return this.miss();
      // Promote: the copy goes into the current generation (which may then become the old one: re-found below).
      cur.set(i, key, 0, key.length, hash, old.arena, old.valueStart(j, key.length), vlen);
      this.rotateIfFull();
      i = this.current.slotOf(key, 0, key.length, hash);
      if (this.current.slots[i + S_OFF] === 0) return this.answer(this.old, this.old.slotOf(key, 0, key.length, hash), key.length);
    }
    return this.answer(this.current, i, key.length);
  }

  private miss(): RowLookup {
    this.misses++;
    return ROW_MISS;
  }

  /** The answer of slot i of gen, which holds a key of keyLength bytes. */
  private answer(gen: Generation, i: number, keyLength: number): RowLookup {
    const vlen = gen.valueLength(i);
    if (vlen === UNCACHED) return this.miss();
    this.hits++;
    if (vlen === ABSENT) return ROW_ABSENT;
    lookupOut.kind = KIND_PUT;
    lookupOut.buf = gen.arena;
    lookupOut.voff = gen.valueStart(i, keyLength);
    lookupOut.vlen = vlen;
    return ROW_PRESENT;
  }

  /**
   * What a read of key at the latest sequence found after lookup() missed:
   * the value values[vStart, vStart + vlen), or absence (vlen -1). Cached
   * when the key missed lately too, else noted as missed (see Admission).
   */
  fill(key: Uint8Array, hash: number, values: Uint8Array, vStart: number, vlen: number): void {
    if (!this.enabled || key.length > MAX_KEY_BYTES || vlen > ROW_CACHE_MAX_VALUE_BYTES) return;
    const m = hash & (this.missed.length - 1);
    if (this.missed[m] !== hash) {
      this.missed[m] = hash;
      this.justMissed[hash & (JUST_MISSED_SLOTS - 1)] = hash;
      return;
    }
    const cur = this.current;
    cur.set(cur.slotOf(key, 0, key.length, hash), key, 0, key.length, hash, values, vStart, vlen < 0 ? ABSENT : vlen);
    this.markHeld(hash);
    this.rotateIfFull();
  }

  /**
   * A write of the key buf[start, end): its new value values[vStart, vStart +
   * vlen), or vlen -1 for a delete. Updates the key's entry if it has one
   * (in the old generation: a copy into the current one); caches a put of a
   * key not cached if a read of it missed lately (see Admission).
   */
  write(buf: Uint8Array, start: number, end: number, hash: number, values: Uint8Array, vStart: number, vlen: number): void {
    if (!this.enabled || end - start > MAX_KEY_BYTES) return;
    const admit = vlen >= 0 && this.justMissed[hash & (JUST_MISSED_SLOTS - 1)] === hash;
    if (!admit && !this.mayHold(hash)) return;
    const state = vlen < 0 ? ABSENT : vlen > ROW_CACHE_MAX_VALUE_BYTES ? UNCACHED : vlen;
    const cur = this.current;
    const i = cur.slotOf(buf, start, end, hash);
    if (cur.slots[i + S_OFF] === 0 && !admit) {
      const old = this.old;
      if (old.entries === 0 || old.slots[old.slotOf(buf, start, end, hash) + S_OFF] === 0) return;
    }
    cur.set(i, buf, start, end, hash, values, vStart, state);
    this.markHeld(hash);
    this.rotateIfFull();
  }

  /**
   * Loads what lookups and writes of the keys whose hashes are hashes[i]
   * (i < count) read first, in passes over all of them so their cache
   * misses overlap (see MemTable.prefetch): for a key either generation may
   * hold, its first slot in both, then the arena bytes of the slot holding
   * its hash; for another, its first slot in the current generation, which
   * its write probes when it is admitted (a member added by SADD: that probe
   * was a cache miss of ~700 ns in a profile of SADDs of new members), and
   * its slot of `missed`, which the fill after its read sets. Notes which
   * keys it may hold (prefetchHeld). A hint: nothing else changes.
   */
  prefetch(hashes: Int32Array, count: number): void {
    assert(count <= this.prefetchHeldHashes.length, 'row cache: prefetch of too many keys');
    if (!this.enabled) {
      this.prefetchHeld.fill(0, 0, count);
      return;
    }
    const slots = this.current.slots;
    const mask = slots.length - 1;
    const missed = this.missed;
    const missedMask = missed.length - 1;
    let sink = 0;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const hash = hashes[i];
      const held = this.mayHold(hash);
      this.prefetchHeld[i] = held ? 1 : 0;
      if (held) this.prefetchHeldHashes[n++] = hash;
      else sink += slots[((hash << 1) & mask) + S_OFF] + missed[hash & missedMask];
    }
    if (n > 0 && this.current.entries > 0) sink += this.current.prefetch(this.prefetchHeldHashes, n);
    if (n > 0 && this.old.entries > 0) sink += this.old.prefetch(this.prefetchHeldHashes, n);
    rowCachePrefetchSink = sink;
  }

  /** Forgets every entry (a range delete: rare, and which cached keys it covers is not worth finding). */
  clear(): void {
    this.current.reset(this.generationLimit);
    this.old.reset(this.generationLimit);
    this.held.fill(0);
  }

  /** Changes the byte budget; a smaller one empties the cache. */
  setCapacity(bytes: number): void {
    const shrinks = bytes < this.capacity;
    this.capacity = bytes;
    this.setLimits();
    if (shrinks) this.clear();
  }

  /** Drops the generations' memory (DB.close). */
  release(): void {
    this.current = new Generation();
    this.old = new Generation();
    this.current.limit = this.old.limit = this.generationLimit;
  }

  private rotateIfFull(): void {
    if (!this.current.isFull) return;
    const dropped = this.old;
    this.old = this.current;
    dropped.reset(this.generationLimit);
    this.current = dropped;
    assert(this.current.entries === 0, 'row cache: a fresh generation holds entries');
    // The dropped generation's bits go: one pass over the slots per generation filled.
    this.held.fill(0);
    this.old.markHeld(this.held, this.heldMask);
  }

  stats(): RowCacheStats {
    return {
      capacity: this.capacity,
      usage: this.current.bytes + this.old.bytes + this.missed.byteLength + this.justMissed.byteLength + this.held.byteLength,
      entries: this.current.entries + this.old.entries,
      hits: this.hits,
      misses: this.misses,
    };
  }
}
