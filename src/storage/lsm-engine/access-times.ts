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

/** Slots per set: a lookup compares at most this many fingerprints. */
const WAYS = 4;
/** Seed of the second hash (the first is murmur3Bytes's, which the metadata cache also uses). */
const SECOND_HASH_SEED = 0x9e3779b9;

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

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export class AccessTimes {
  /** Sets - 1 (a power of two). */
  private readonly setMask: number;
  private readonly slots: number;
  /** Per slot: the fingerprint's two halves; the access time in unix seconds (0: the slot is empty); the LFU state. */
  private fp1 = new Int32Array(0);
  private fp2 = new Int32Array(0);
  private atime = new Uint32Array(0);
  private lfu = new Uint32Array(0);
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
    if (this.atime.length === 0) return -1;
    const first = (fp1 & this.setMask) * WAYS;
    for (let s = first; s < first + WAYS; s++) {
      if (this.fp1[s] === fp1 && this.fp2[s] === fp2 && this.atime[s] !== 0) return s;
    }
    return -1;
  }

  /** Records an access at `atime` with LFU state lfu in slot (from locate), or in a slot claimed for the key locate() looked up; returns the slot. */
  private record(slot: number, atime: number, lfu: number): number {
    if (slot === -1) {
      if (this.atime.length === 0) {
        this.fp1 = new Int32Array(this.slots);
        this.fp2 = new Int32Array(this.slots);
        this.atime = new Uint32Array(this.slots);
        this.lfu = new Uint32Array(this.slots);
      }
      // An empty slot of the set, or its least recently accessed one.
      const first = (this.lookedUp1 & this.setMask) * WAYS;
      slot = first;
      for (let s = first; s < first + WAYS && this.atime[slot] !== 0; s++) if (this.atime[s] < this.atime[slot]) slot = s;
      if (this.atime[slot] !== 0) this.untrackedSince = Math.max(this.untrackedSince, this.atime[slot]);
      this.fp1[slot] = this.lookedUp1;
      this.fp2[slot] = this.lookedUp2;
    }
    // 0 marks an empty slot: an idle time set beyond the epoch is clamped to 1 s after it.
    this.atime[slot] = Math.max(1, atime);
    this.lfu[slot] = lfu;
    return slot;
  }

  idleTime(key: Uint8Array): number {
    const slot = this.locate(key);
    return Math.max(0, nowSeconds() - (slot === -1 ? this.untrackedSince : this.atime[slot]));
  }

  /** Records an access of key; with a hint (the key's metadata-cache entry) a hot key is found without hashing. */
  touch(key: Uint8Array, hint: AccessHint | null = null): void {
    if (hint !== null) {
      const hinted = hint.accessSlot;
      if (hinted !== -1 && this.fp1[hinted] === (hint.hash | 0) && this.fp2[hinted] === hint.accessFp2 && this.atime[hinted] !== 0) {
        this.atime[hinted] = nowSeconds();
        return;
      }
    }
    let slot = this.locate(key, hint?.hash);
    if (slot !== -1) this.atime[slot] = nowSeconds();
    else slot = this.record(slot, nowSeconds(), lfuState(LFU_INIT_VAL));
    if (hint !== null) {
      hint.accessFp2 = this.lookedUp2;
      hint.accessSlot = slot;
    }
  }

  setIdleTime(key: Uint8Array, seconds: number): void {
    const slot = this.locate(key);
    this.record(slot, nowSeconds() - seconds, slot === -1 ? lfuState(LFU_INIT_VAL) : this.lfu[slot]);
  }

  lfuState(key: Uint8Array): number {
    const slot = this.locate(key);
    return slot === -1 ? lfuState(LFU_INIT_VAL) : this.lfu[slot];
  }

  setLfuState(key: Uint8Array, state: number): void {
    const slot = this.locate(key);
    this.record(slot, slot === -1 ? this.untrackedSince : this.atime[slot], state);
  }

  /** A key was created: accessed now, with the initial LFU state. */
  created(key: Uint8Array, hint: AccessHint | null = null): void {
    const slot = this.record(this.locate(key, hint?.hash), nowSeconds(), lfuState(LFU_INIT_VAL));
    if (hint !== null) {
      hint.accessFp2 = this.lookedUp2;
      hint.accessSlot = slot;
    }
  }

  forget(key: Uint8Array): void {
    const slot = this.locate(key);
    if (slot !== -1) this.atime[slot] = 0;
  }

  clear(): void {
    this.atime.fill(0);
  }
}
