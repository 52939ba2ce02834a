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

/**
 * What a caller keeps about a key between its accesses (the metadata cache's
 * entry does) so that the next access finds its slot without hashing the key:
 * murmur3Bytes(key), and the second hash and the slot once an access set them.
 */
export interface AccessHint {
  readonly hash: number;
  accessFp2: number;
  /** The key's slot when last accessed (-1: none yet); valid while the slot still holds its fingerprint. */
  accessSlot: number;
}

/** The initial LFU state at the cached clock (lfuState's default reads Date.now()). */
function initialLfuState(): number {
  return lfuState(LFU_INIT_VAL, nowSeconds() * 1000);
}

/** Where prefetch leaves a value computed from what it loaded, so the loads are not optimized away. */
export let accessPrefetchSink = 0;

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

  /** Records an access at `atime` with LFU state lfu in slot (from locate), or in a slot claimed for the key locate() looked up; returns the slot. */
  private record(slot: number, atime: number, lfu: number): number {
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
    // 0 marks an empty slot: an idle time set beyond the epoch is clamped to 1 s after it (seconds fit in an int32 until 2038).
    t[slot * FIELDS + ATIME] = Math.max(1, atime);
    t[slot * FIELDS + LFU] = lfu;
    return slot;
  }

  idleTime(key: Uint8Array): number {
    const slot = this.locate(key);
    return Math.max(0, nowSeconds() - (slot === -1 ? this.untrackedSince : this.table[slot * FIELDS + ATIME]));
  }

  /**
   * Loads the slots of the hinted keys (hints[i] for i < count; null: none),
   * whose accesses come next, so their cache misses overlap.
   */
  prefetch(hints: readonly (AccessHint | null)[], count: number): void {
    const t = this.table;
    if (t.length === 0) return;
    let sink = 0;
    for (let i = 0; i < count; i++) {
      const slot = hints[i]?.accessSlot ?? -1;
      if (slot !== -1) sink += t[slot * FIELDS + ATIME];
    }
    accessPrefetchSink = sink;
  }

  /** Records an access of key; with a hint (the key's metadata-cache entry) a hot key is found without hashing. */
  touch(key: Uint8Array, hint: AccessHint | null = null): void {
    if (hint !== null) {
      const t = this.table;
      const at = hint.accessSlot * FIELDS;
      if (at >= 0 && t[at + FP1] === (hint.hash | 0) && t[at + FP2] === hint.accessFp2 && t[at + ATIME] !== 0) {
        t[at + ATIME] = nowSeconds();
        return;
      }
    }
    let slot = this.locate(key, hint?.hash);
    if (slot !== -1) this.table[slot * FIELDS + ATIME] = nowSeconds();
    else slot = this.record(slot, nowSeconds(), initialLfuState());
    if (hint !== null) {
      hint.accessFp2 = this.lookedUp2;
      hint.accessSlot = slot;
    }
  }

  setIdleTime(key: Uint8Array, seconds: number): void {
    const slot = this.locate(key);
    this.record(slot, nowSeconds() - seconds, slot === -1 ? initialLfuState() : this.table[slot * FIELDS + LFU]);
  }

  lfuState(key: Uint8Array): number {
    const slot = this.locate(key);
    return slot === -1 ? initialLfuState() : this.table[slot * FIELDS + LFU];
  }

  setLfuState(key: Uint8Array, state: number): void {
    const slot = this.locate(key);
    this.record(slot, slot === -1 ? this.untrackedSince : this.table[slot * FIELDS + ATIME], state);
  }

  /** A key was created: accessed now, with the initial LFU state. */
  created(key: Uint8Array, hint: AccessHint | null = null): void {
    const slot = this.record(this.locate(key, hint?.hash), nowSeconds(), initialLfuState());
    if (hint !== null) {
      hint.accessFp2 = this.lookedUp2;
      hint.accessSlot = slot;
    }
  }

  forget(key: Uint8Array): void {
    const slot = this.locate(key);
    if (slot !== -1) this.table[slot * FIELDS + ATIME] = 0;
  }

  clear(): void {
    this.table.fill(0);
  }
}
