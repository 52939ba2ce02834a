// The decoded-metadata cache of the LSM engine (issue 6: "a cache of hot
// decoded values within maxmemory"): the metadata records of recently used
// keys, decoded, and the keys known to be missing. A string's value is inline
// in its record, so a hot GET is a hash lookup, as on the memory engine; every
// command on a collection starts with a metadata read (the type check), which
// a hit makes free. Each database has its part (it moves with the db on
// SWAPDB and is emptied on FLUSHDB); the byte budget is shared.
//
// Entries are found by the key's bytes (a hash table of our own): a JS Map
// needs the key as a string, and building that latin1 string then hashing it
// in Map.get was 13% of a GET profile and 16% of a SET profile (100k keys).
//
// Consistency: every metadata write goes through LsmDb.putInBatch/deleteInBatch,
// which update the cache (unless the engine refuses writes); FLUSHDB clears it.

import { bytesEqual } from "../../net/bytes.ts";
import type { KeyType } from "../engine.ts";
import { murmur3Bytes } from "../../util/murmur3.ts";
import type { MemtablePlace } from "../lsm/index.ts";
import { type AccessTimes, type HeldAccess, NOT_HELD, RELEASED } from "./access-times.ts";
import { decodeExpireAt, decodeType } from "./encoding.ts";
import type { LsmMeta } from "./lsm-db.ts";

/** The hash the cache files a key under (callers that look a key up and then cache it compute it once). */
export function metaCacheHash(key: Uint8Array): number {
  return murmur3Bytes(key);
}

/** Bytes an entry is charged beyond its key and record: the entry object, its LsmMeta, two array headers, a bucket slot. */
const ENTRY_OVERHEAD = 200;

/** Default budget (maxmemory 0 = unlimited; cache-budget.ts sizes it from maxmemory otherwise). */
export const DEFAULT_META_CACHE_BYTES = 64 * 1024 * 1024;

const MIN_BUCKETS = 16;

/** The type field of a known-missing key's entry (not read: its raw is null). */
const MISSING_TYPE: KeyType = "string";

/**
 * One cached key: its metadata record decoded (raw null: the key is known
 * missing), in a bucket chain and in the eviction order. The record's fields
 * are the entry's own, not a record object it points to: hundreds of
 * thousands of cached keys are that many fewer objects for the GC to mark.
 */
export class MetaCacheEntry implements HeldAccess, MemtablePlace {
  // The fields a GET reads (the constructor's, then next, meta and the
  // access time it writes) come first: an object's fields are laid out in
  // the order they are set, parameter properties before the others, so
  // these share two cache lines and the eviction list's and memtable
  // place's do not come between them.
  /** Next entry of the same bucket. */
  next: MetaCacheEntry | null = null;
  /** The record as LsmDb.lookup hands it out, made at the first lookup (not one object per lookup); reset when raw changes. */
  meta: LsmMeta | null = null;
  /** The key's access time and LFU state while the entry holds them (HeldAccess: from its first access while cached until it leaves the cache). */
  atime = NOT_HELD;
  lfu = 0;
  /** A small inline string value copied out of raw once (LsmDb.getString), or null; reset when raw changes. */
  value: Uint8Array | null = null;
  /**
   * A collection's sub-key prefix (slot, key, version: LsmDb.prefixOf), made
   * at the first command that needs it instead of per command; reset when
   * raw changes (a new version comes with a new record; in-place rewrites
   * keep the version). The slot is the db's: FLUSHDB empties the part, and
   * SWAPDB moves the part with its db and slot.
   */
  subKeyPrefix: Uint8Array | null = null;
  /** Neighbours in insertion order (eviction takes the oldest first). */
  older: MetaCacheEntry | null = null;
  newer: MetaCacheEntry | null = null;
  /** Where the key's metadata record was left in the active memtable by its last write (MemtablePlace): a rewrite of it then finds it there without hashing. */
  placeMemtable = 0;
  placeSlot = 0;
  placeNode = 0;
  /** Bytes the entry is charged (MetaCache's budget). */
  cost: number;

  constructor(
    /** Owned copy of the key (never mutated). */
    readonly key: Uint8Array,
    readonly hash: number,
    /** The metadata record as stored (null: known missing); its type and expiry decoded. */
    public raw: Uint8Array | null,
    public type: KeyType,
    public expireAt: number,
    cost: number,
  ) {
    this.cost = cost;
  }
}

/**
 * Admission of records read from the tables (W-TinyLFU's "doorkeeper"): a
 * key read while not cached is cached on its second such read within a
 * window, so uniformly random reads over a keyspace far larger than the
 * cache do not churn it. With 20M keys and room for 210k, 0.9% of reads hit
 * and every read inserted an entry and evicted one: work and garbage for
 * nothing. The bits are cleared when a quarter are set.
 */
class Doorkeeper {
  private bits = new Uint32Array(0);
  private mask = 0;
  private marked = 0;
  private limit = 0;

  /** Sizes the bits for a cache of about `entries` entries, within 2^16..2^26 bits (8 KiB..8 MiB), and forgets what was seen. */
  resize(entries: number): void {
    let size = 1 << 16;
    while (size < entries * 2 && size < 1 << 26) size *= 2;
    this.bits = new Uint32Array(size >>> 5);
    this.mask = size - 1;
    this.marked = 0;
    this.limit = size >>> 2;
  }

  /**
   * True when `hash` was seen since the last clearing; marks it otherwise.
   * Two bits per hash (a Bloom filter with k = 2): with a quarter of the bits
   * set, about 1/16 of first reads are admitted by collision, not 1/4. Both
   * bits are in one word: a read of a key not cached touches one more cache
   * line (and page) of these megabytes, not two.
   */
  admit(hash: number): boolean {
    const w = (hash & this.mask) >>> 5;
    const bits = (1 << (hash & 31)) | (1 << (hash >>> 27));
    if ((this.bits[w] & bits) === bits) return true;
    this.bits[w] |= bits;
    if ((this.marked += 2) > this.limit) {
      this.bits.fill(0);
      this.marked = 0;
    }
    return false;
  }
}

/** The engine-wide budget and statistics of the dbs' caches. */
export class MetaCache {
  usage = 0;
  hits = 0;
  misses = 0;
  private readonly parts: DbMetaCache[] = [];
  readonly doorkeeper = new Doorkeeper();

  constructor(public capacity: number) {
    this.doorkeeper.resize(capacity / ENTRY_OVERHEAD);
  }

  /** A new db's part of the cache; accessTimes is the db's, where entries leaving the part release their keys' access state. */
  part(accessTimes: AccessTimes): DbMetaCache {
    const part = new DbMetaCache(this, accessTimes);
    this.parts.push(part);
    return part;
  }

  setCapacity(bytes: number): void {
    this.capacity = bytes;
    this.doorkeeper.resize(bytes / ENTRY_OVERHEAD);
    this.evictIfFull();
  }

  /** Evicts the oldest entries of the largest parts down to 15/16 of the capacity. */
  evictIfFull(): void {
    if (this.usage <= this.capacity) return;
    // Division, not >>> 4: budgets of 4 GiB and more (maxmemory >= 16gb) overflow 32-bit shifts.
    const target = this.capacity - Math.floor(this.capacity / 16);
    while (this.usage > target) {
      let largest = this.parts[0];
      for (const part of this.parts) if (part.usage > largest.usage) largest = part;
      largest.evictOldest(this.usage - target);
    }
  }

  stats(): { capacity: number; usage: number; entries: number; hits: number; misses: number } {
    const entries = this.parts.reduce((n, part) => n + part.size, 0);
    return { capacity: this.capacity, usage: this.usage, entries, hits: this.hits, misses: this.misses };
  }
}

const prefetchHashes: number[] = new Array<number>(16).fill(0);
/** The entries the last prefetch found (null: not cached), until the next one: LsmDb loads their access-time slots too. */
export const prefetchedEntries: (MetaCacheEntry | null)[] = new Array<MetaCacheEntry | null>(16).fill(null);
/** Where prefetch leaves a value computed from what it loaded, so the loads are not optimized away. */
export let prefetchSink = 0;
/** The part prefetchedEntries belong to, how many of them, the next one a lookup takes, and the part's removals then. */
const lastPrefetch = { part: null as DbMetaCache | null, count: 0, next: 0, removals: 0 };

/** What entry() answers for a key not cached while the part holds every key of its db: known missing. */
const NOT_STORED = new MetaCacheEntry(new Uint8Array(0), 0, null, MISSING_TYPE, 0, 0);
// No key's entry: it never holds an access time (one would be shared by every key it answers for).
NOT_STORED.atime = RELEASED;

/** One db's cached records, by key bytes. */
export class DbMetaCache {
  private buckets: (MetaCacheEntry | null)[] = new Array<MetaCacheEntry | null>(MIN_BUCKETS).fill(null);
  private count = 0;
  private oldest: MetaCacheEntry | null = null;
  private newest: MetaCacheEntry | null = null;
  /** Entries removed (or cleared) so far: an entry found before, with the same count now, is still cached. */
  private removals = 0;
  usage = 0;
  /**
   * Whether every key of the db has an entry (LsmDb sets it when the db is
   * empty: at open, FLUSHDB): then a key not cached is missing, found so
   * without a read of the memtables and tables (a GET of a key never set, a
   * SET or INCR creating one). Writes cache every record they make, so it
   * stays true until an entry of a present key goes (eviction, a record too
   * large to cache, clear()).
   */
  holdsEveryKey = false;

  constructor(
    private readonly budget: MetaCache,
    /** The db's access times: an entry leaving the part (remove, clear) releases its key's state there. */
    private readonly accessTimes: AccessTimes,
  ) {}

  get size(): number {
    return this.count;
  }

  private find(key: Uint8Array, hash: number): MetaCacheEntry | null {
    for (let e = this.buckets[hash & (this.buckets.length - 1)]; e !== null; e = e.next) {
      if (e.hash === hash && bytesEqual(e.key, key)) return e;
    }
    return null;
  }

  /** The key's entry, or null when not cached, without counting a hit or a miss (a prefetch's look). */
  peek(key: Uint8Array): MetaCacheEntry | null {
    return this.find(key, metaCacheHash(key));
  }

  /** The key's entry (its raw null: known missing), or undefined when not cached and maybe stored. */
  entry(key: Uint8Array, hash = metaCacheHash(key)): MetaCacheEntry | undefined {
    let entry = this.find(key, hash);
    if (entry === null) {
      if (!this.holdsEveryKey) {
        this.budget.misses++;
        return undefined;
      }
      entry = NOT_STORED;
    } else {
      this.lastFound = entry;
      this.lastFoundRemovals = this.removals;
    }
    this.budget.hits++;
    return entry;
  }

  /** The entry entry() found last, and the part's removals then (while they are the same, it is still cached). */
  private lastFound: MetaCacheEntry | null = null;
  private lastFoundRemovals = 0;

  /**
   * The key's entry when it is the one entry() found last, still cached,
   * found without hashing the key (commands pipelined on one collection, on
   * whose key the server's look ahead stops: LPUSH mylist ..., SADD myset
   * ...); null otherwise, without counting a miss.
   */
  repeated(key: Uint8Array): MetaCacheEntry | null {
    const e = this.lastFound;
    if (e === null || this.lastFoundRemovals !== this.removals || !bytesEqual(e.key, key)) return null;
    this.budget.hits++;
    return e;
  }

  /**
   * Loads the entries (key bytes, record, LsmMeta) of up to 16 keys, given as
   * ranges of buf, in passes over all of them: their cache misses overlap
   * instead of following one another as the lookups' would (see
   * ScanMap.prefetch). A hint: an entry with the key's hash is taken
   * without comparing keys.
   */
  prefetch(buf: Uint8Array, starts: number[], ends: number[], count: number): void {
    const buckets = this.buckets;
    const mask = buckets.length - 1;
    const hashes = prefetchHashes;
    const entries = prefetchedEntries;
    for (let i = 0; i < count; i++) {
      const h = murmur3Bytes(buf, starts[i], ends[i]);
      hashes[i] = h;
      entries[i] = buckets[h & mask];
    }
    for (let i = 0; i < count; i++) {
      let e = entries[i];
      while (e !== null && e.hash !== hashes[i]) e = e.next;
      entries[i] = e;
    }
    let sink = 0;
    for (let i = 0; i < count; i++) {
      const e = entries[i];
      if (e === null) continue;
      sink += e.key[0];
      // A GET's reply is copied from the record (LsmDb.replyString): its bytes are the read's last cache miss.
      if (e.raw !== null) sink += e.raw[0];
      // The lookup hands out the entry's LsmMeta, whose fields the command reads.
      const m = e.meta;
      if (m !== null) sink += m.expireAt;
    }
    prefetchSink = sink;
    lastPrefetch.part = this;
    lastPrefetch.count = count;
    lastPrefetch.next = 0;
    lastPrefetch.removals = this.removals;
  }

  /**
   * The key's entry when it is the next key of the last prefetch, still
   * cached (a pipeline's GETs look their keys up in the order they were
   * prefetched): found without hashing the key again. Null otherwise, the
   * next key's turn taken either way.
   */
  prefetched(key: Uint8Array): MetaCacheEntry | null {
    const last = lastPrefetch;
    if (last.part !== this || last.next >= last.count) return null;
    const e = prefetchedEntries[last.next++];
    if (e === null || last.removals !== this.removals || !bytesEqual(e.key, key)) return null;
    this.budget.hits++;
    return e;
  }

  /**
   * Caches a record just read from the tables (raw null: missing) if the
   * doorkeeper admits the key; returns its entry, or null when not cached.
   * Writes cache their records unconditionally (set).
   */
  setRead(key: Uint8Array, raw: Uint8Array | null, hash = metaCacheHash(key)): MetaCacheEntry | null {
    return this.budget.doorkeeper.admit(hash) ? this.set(key, raw, null, hash) : null;
  }

  /**
   * Caches key's record (raw null: missing). An update keeps the entry's place in the eviction order. A new entry
   * takes ownedKey (a copy of key its caller owns and will not change) or a
   * copy of key. Returns the entry, or null when the record is too large to
   * cache.
   */
  set(key: Uint8Array, raw: Uint8Array | null, ownedKey: Uint8Array | null = null, hash = metaCacheHash(key)): MetaCacheEntry | null {
    let entry = this.find(key, hash);
    const type = raw === null ? MISSING_TYPE : decodeType(raw);
    const expireAt = raw === null ? 0 : decodeExpireAt(raw);
    // A string record is charged twice its size: its value may be copied out (getString); another
    // (a collection's) its sub-key prefix too, made at first use (LsmDb.prefixOf): the key and 17 bytes.
    const bytes = ENTRY_OVERHEAD + key.length + (raw === null ? 0 : type === "string" ? 2 * raw.length : raw.length + key.length + 17);
    // A value too large for the budget is not cached (it would evict everything else).
    if (bytes > this.budget.capacity / 16) {
      if (entry !== null) this.remove(entry);
      this.holdsEveryKey = false;
      return null;
    }
    if (entry !== null) {
      entry.raw = raw;
      entry.type = type;
      entry.expireAt = expireAt;
      entry.value = null;
      entry.meta = null;
      entry.subKeyPrefix = null;
      this.charge(bytes - entry.cost);
      entry.cost = bytes;
    } else {
      entry = new MetaCacheEntry(ownedKey ?? key.slice(), hash, raw, type, expireAt, bytes);
      this.insert(entry);
      this.charge(bytes);
    }
    this.budget.evictIfFull();
    return entry;
  }

  /**
   * Empties the part of a db whose keys are gone (FLUSHDB): the entries are
   * dropped with the access states they hold, untouched (a pass releasing
   * them took 60-95 ms for 300k entries). holdsEveryKey goes false (LsmDb
   * sets it again when the db is empty too).
   */
  clear(): void {
    this.holdsEveryKey = false;
    this.removals++;
    this.buckets = new Array<MetaCacheEntry | null>(MIN_BUCKETS).fill(null);
    this.count = 0;
    this.oldest = this.newest = null;
    this.charge(-this.usage);
  }

  /** Empties the part while its db's keys stay (the engine refusing writes): the access states its entries hold go back to the db's table. */
  evictAll(): void {
    for (let e = this.oldest; e !== null; e = e.newer) this.accessTimes.release(e);
    this.clear();
  }

  /** Evicts entries from the oldest until `bytes` are freed or none is left. */
  evictOldest(bytes: number): void {
    const target = this.usage - bytes;
    while (this.oldest !== null && this.usage > target) this.remove(this.oldest);
  }

  private insert(entry: MetaCacheEntry): void {
    const b = entry.hash & (this.buckets.length - 1);
    entry.next = this.buckets[b];
    this.buckets[b] = entry;
    entry.older = this.newest;
    if (this.newest === null) this.oldest = entry;
    else this.newest.newer = entry;
    this.newest = entry;
    if (++this.count > this.buckets.length) this.rehash(this.buckets.length * 2);
  }

  private remove(entry: MetaCacheEntry): void {
    this.accessTimes.release(entry);
    this.removals++;
    if (entry.raw !== null) this.holdsEveryKey = false;
    const b = entry.hash & (this.buckets.length - 1);
    if (this.buckets[b] === entry) this.buckets[b] = entry.next;
    else {
      let e = this.buckets[b];
      while (e!.next !== entry) e = e!.next;
      e!.next = entry.next;
    }
    if (entry.older === null) this.oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === null) this.newest = entry.older;
    else entry.newer.older = entry.older;
    entry.next = entry.older = entry.newer = null;
    this.charge(-entry.cost);
    if (--this.count * 8 < this.buckets.length && this.buckets.length > MIN_BUCKETS) this.rehash(this.buckets.length / 2);
  }

  private rehash(size: number): void {
    const buckets = new Array<MetaCacheEntry | null>(size).fill(null);
    for (let e = this.oldest; e !== null; e = e.newer) {
      const b = e.hash & (size - 1);
      e.next = buckets[b];
      buckets[b] = e;
    }
    this.buckets = buckets;
  }

  private charge(bytes: number): void {
    this.usage += bytes;
    this.budget.usage += bytes;
  }
}

/** One cache per engine, shared by its databases (a WeakMap so LsmEngine needs no field for it). */
const caches = new WeakMap<object, MetaCache>();

export function metaCacheOf(engine: object): MetaCache {
  let cache = caches.get(engine);
  if (cache === undefined) caches.set(engine, (cache = new MetaCache(DEFAULT_META_CACHE_BYTES)));
  return cache;
}
