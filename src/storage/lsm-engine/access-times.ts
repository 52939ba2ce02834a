// OBJECT IDLETIME / OBJECT FREQ on the LSM engine: access times and LFU
// states live in memory only (not persisted, as in Kvrocks), for a bounded
// number of recently accessed keys, so the keyspace can be larger than memory.
// A key not tracked (never accessed since start, or evicted from the table)
// reports the idle time since the newest access the table forgot (at least
// since start) and the initial LFU state.
//
// The table is set-associative and lives in typed arrays: no object, string
// or Map entry per key. (A JS Map by latin1 key name made a string, an object
// and a Map entry for every GET of a key read from the tables, and evicted
// one: 7% of that GET's CPU time, and garbage whose collections made the
// larger-than-memory p99.) A key hashes to a set of WAYS slots and is known
// there by a 64-bit fingerprint, two independent 32-bit hashes of its bytes:
// two keys of a db share a fingerprint with probability ~2^-64 per pair, and
// would then share an idle time. A key arriving in a full set replaces the
// set's least recently accessed entry (as CPU caches do), so the oldest
// accesses go first, set by set.
//
// A key whose metadata-cache entry is cached keeps its access time and LFU
// state on the entry instead (HeldAccess), from its first access while
// cached until the entry leaves the cache, when they go back to the table
// (release). A hot key's access then writes a field of the entry its lookup
// just read, not a slot of this table on another cache line: that slot's
// load and write were a GET's one cache miss besides the entry's (paired
// in-process A/B: GET, SET and INCR 5-10% less main-thread CPU). A held key
// has no slot in the table: take() frees it, and a created key had none (a
// deleted key's is forgotten). FLUSHDB drops the entries with what they hold.

import { LFU_INIT_VAL, lfuState } from "../../keyspace/lfu.ts";
import { murmur3Bytes } from "../../util/murmur3.ts";
import { nowSeconds } from "../../util/seconds-clock.ts";

/** Slots per set: a lookup compares at most this many fingerprints. */
const WAYS = 4;
/** Seed of the second hash (the first is murmur3Bytes's, which the metadata cache also uses). */
const SECOND_HASH_SEED = 0x9e3779b9;
/** A slot's fields in AccessTimes.table. */
const FP1 = 0;
const FP2 = 1;
const ATIME = 2;
const LFU = 3;
const FIELDS = 4;

/** HeldAccess.atime of a cached entry that holds nothing yet: the table has its key's state. */
export const NOT_HELD = 0;
/** HeldAccess.atime of an entry that left the cache: its state went back to the table (a lookup's LsmMeta may still point to it). */
export const RELEASED = -1;

/**
 * The metadata-cache entry of a key, which holds the key's access state while
 * cached (MetaCacheEntry).
 */
export interface HeldAccess {
  readonly key: Uint8Array;
  /** murmur3Bytes(key): the fingerprint's first half. */
  readonly hash: number;
  /** The access time in unix seconds (> 0) while held, else NOT_HELD or RELEASED. */
  atime: number;
  /** The LFU state, while held. */
  lfu: number;
}

/** The initial LFU state at the cached clock (lfuState's default reads Date.now()). */
function initialLfuState(): number {
  return lfuState(LFU_INIT_VAL, nowSeconds() * 1000);
}

export class AccessTimes {
  /** Sets - 1 (a power of two). */
  private readonly setMask: number;
  private readonly slots: number;
  /**
   * FIELDS int32s per slot (FP1, FP2: the fingerprint's two halves; ATIME:
   * the access time in unix seconds, 0 when the slot is empty; LFU: the LFU
   * state), so a set's four slots are one 64-byte cache line: an access of
   * an untouched key costs one cache miss, not one per array.
   */
  private table = new Int32Array(0);
  /** Idle-time origin of untracked keys: start, or the newest access time evicted. */
  private untrackedSince = nowSeconds();

  /** Tracks about `capacity` keys (rounded up to a power of two); the arrays are made on first use (most dbs stay empty). */
  constructor(capacity = 100_000) {
    let sets = 1;
    while (sets * WAYS < capacity) sets *= 2;
    this.setMask = sets - 1;
    this.slots = sets * WAYS;
  }

  /** The fingerprint of the key locate() looked up last (record() claims a slot for it). */
  private lookedUp1 = 0;
  private lookedUp2 = 0;

  /**
   * The key's slot, or -1 when it is not tracked; h1 is murmur3Bytes(key),
   * when the caller has it. Each operation hashes its key once, here.
   */
  private locate(key: Uint8Array, h1 = murmur3Bytes(key)): number {
    const fp1 = (this.lookedUp1 = h1 | 0);
    const fp2 = (this.lookedUp2 = murmur3Bytes(key, 0, key.length, SECOND_HASH_SEED) | 0);
    const t = this.table;
    if (t.length === 0) return -1;
    const first = (fp1 & this.setMask) * WAYS;
    for (let s = first; s < first + WAYS; s++) {
      const at = s * FIELDS;
      if (t[at + FP1] === fp1 && t[at + FP2] === fp2 && t[at + ATIME] !== 0) return s;
    }
    return -1;
  }

  /** Records an access at `atime` with LFU state lfu in slot (from locate), or in a slot claimed for the key locate() looked up. */
  private record(slot: number, atime: number, lfu: number): void {
    if (this.table.length === 0) this.table = new Int32Array(this.slots * FIELDS);
    const t = this.table;
    if (slot === -1) {
      // An empty slot of the set, or its least recently accessed one.
      const first = (this.lookedUp1 & this.setMask) * WAYS;
      slot = first;
      for (let s = first; s < first + WAYS && t[slot * FIELDS + ATIME] !== 0; s++) if (t[s * FIELDS + ATIME] < t[slot * FIELDS + ATIME]) slot = s;
      const evicted = t[slot * FIELDS + ATIME];
      if (evicted !== 0) this.untrackedSince = Math.max(this.untrackedSince, evicted);
      t[slot * FIELDS + FP1] = this.lookedUp1;
      t[slot * FIELDS + FP2] = this.lookedUp2;
    }
    t[slot * FIELDS + ATIME] = clampAtime(atime);
    t[slot * FIELDS + LFU] = lfu;
  }

  /**
   * entry (null: none) when it is cached, holding its key's state (taken
   * from the table if it held nothing yet); null otherwise: the key's state
   * is the table's (a released entry's too).
   */
  private holder(entry: HeldAccess | null): HeldAccess | null {
    if (entry === null || entry.atime === RELEASED) return null;
    if (entry.atime === NOT_HELD) this.take(entry);
    return entry;
  }

  /** Moves the key's state from the table to its cached entry, freeing its slot; an untracked key's is the untracked one. */
  private take(entry: HeldAccess): void {
    const slot = this.locate(entry.key, entry.hash);
    if (slot === -1) {
      entry.atime = clampAtime(this.untrackedSince);
      entry.lfu = initialLfuState();
      return;
    }
    const at = slot * FIELDS;
    entry.atime = this.table[at + ATIME];
    entry.lfu = this.table[at + LFU];
    this.table[at + ATIME] = 0;
  }

  /** The entry leaves the cache: the state it holds goes back to the table. */
  release(entry: HeldAccess): void {
    if (entry.atime > 0) this.record(this.locate(entry.key, entry.hash), entry.atime, entry.lfu);
    entry.atime = RELEASED;
  }

  /** Seconds since the key's last access; entry is its metadata-cache entry, or null. */
  idleTime(key: Uint8Array, entry: HeldAccess | null = null): number {
    let atime: number;
    if (entry !== null && entry.atime > 0) atime = entry.atime;
    else {
      const slot = this.locate(key, entry?.hash);
      atime = slot === -1 ? this.untrackedSince : this.table[slot * FIELDS + ATIME];
    }
    return Math.max(0, nowSeconds() - atime);
  }

  /** Records an access of key; a hot key's is a write of its cached entry's field. */
  touch(key: Uint8Array, entry: HeldAccess | null = null): void {
    if (entry !== null && entry.atime > 0) entry.atime = nowSeconds();
    else this.touchNotHeld(key, entry);
  }

  /** touch() of a key whose entry holds nothing yet (it takes the state), or that has no cached entry. */
  private touchNotHeld(key: Uint8Array, entry: HeldAccess | null): void {
    const holder = this.holder(entry);
    if (holder !== null) {
      holder.atime = nowSeconds();
      return;
    }
    const slot = this.locate(key, entry?.hash);
    if (slot !== -1) this.table[slot * FIELDS + ATIME] = nowSeconds();
    else this.record(slot, nowSeconds(), initialLfuState());
  }

  setIdleTime(key: Uint8Array, seconds: number, entry: HeldAccess | null = null): void {
    const holder = this.holder(entry);
    if (holder !== null) {
      holder.atime = clampAtime(nowSeconds() - seconds);
      return;
    }
    const slot = this.locate(key, entry?.hash);
    this.record(slot, nowSeconds() - seconds, slot === -1 ? initialLfuState() : this.table[slot * FIELDS + LFU]);
  }

  lfuState(key: Uint8Array, entry: HeldAccess | null = null): number {
    if (entry !== null && entry.atime > 0) return entry.lfu;
    const slot = this.locate(key, entry?.hash);
    return slot === -1 ? initialLfuState() : this.table[slot * FIELDS + LFU];
  }

  setLfuState(key: Uint8Array, state: number, entry: HeldAccess | null = null): void {
    const holder = this.holder(entry);
    if (holder !== null) {
      holder.lfu = state;
      return;
    }
    const slot = this.locate(key, entry?.hash);
    this.record(slot, slot === -1 ? this.untrackedSince : this.table[slot * FIELDS + ATIME], state);
  }

  /** A key was created: accessed now, with the initial LFU state; held by its cached entry, if any (no slot to free: see the top). */
  created(key: Uint8Array, entry: HeldAccess | null = null): void {
    if (entry !== null && entry.atime !== RELEASED) {
      entry.atime = nowSeconds();
      entry.lfu = initialLfuState();
      return;
    }
    this.record(this.locate(key, entry?.hash), nowSeconds(), initialLfuState());
  }

  /** A key was deleted; its cached entry (the known-missing one, or null) then holds nothing. */
  forget(key: Uint8Array, entry: HeldAccess | null = null): void {
    if (entry !== null && entry.atime > 0) {
      entry.atime = NOT_HELD;
      return;
    }
    const slot = this.locate(key, entry?.hash);
    if (slot !== -1) this.table[slot * FIELDS + ATIME] = 0;
  }

  /** Forgets every key the table tracks (FLUSHDB; the db's metadata cache is emptied too, its entries dropped with what they hold). */
  clear(): void {
    this.table.fill(0);
  }
}

/** 0 marks an empty slot and NOT_HELD: an idle time set beyond the epoch is clamped to 1 s after it (seconds fit in an int32 until 2038). */
function clampAtime(atime: number): number {
  return Math.max(1, atime);
}
