// The decoded-metadata cache of the LSM engine (issue 6: "a cache of hot
// decoded values within maxmemory"): the metadata records of recently used
// keys, decoded, and the keys known to be missing. A string's value is inline
// in its record, so a hot GET is a Map lookup, as on the memory engine; every
// command on a collection starts with a metadata read (the type check), which
// a hit makes free. Each database has its part (it moves with the db on
// SWAPDB and is emptied on FLUSHDB); the byte budget is shared.
//
// Consistency: every metadata write goes through LsmDb.putInBatch/deleteInBatch,
// which update the cache (unless the engine refuses writes); FLUSHDB clears it.

import type { KeyType } from "../engine.ts";

/** A key's metadata record as it is stored, decoded; null in the cache = the key is missing. */
export interface CachedMeta {
  /** The user key (owned, never mutated). */
  readonly key: Uint8Array;
  readonly raw: Uint8Array;
  readonly type: KeyType;
  readonly expireAt: number;
}

/** Bytes an entry is charged beyond its key and record: Map slot, entry object, two array headers. */
const ENTRY_OVERHEAD = 160;

/** Default budget (maxmemory 0 = unlimited; cache-budget.ts sizes it from maxmemory otherwise). */
export const DEFAULT_META_CACHE_BYTES = 64 * 1024 * 1024;

/** The engine-wide budget and statistics of the dbs' caches. */
export class MetaCache {
  usage = 0;
  hits = 0;
  misses = 0;
  private readonly parts: DbMetaCache[] = [];

  constructor(public capacity: number) {}

  /** A new db's part of the cache. */
  part(): DbMetaCache {
    const part = new DbMetaCache(this);
    this.parts.push(part);
    return part;
  }

  setCapacity(bytes: number): void {
    this.capacity = bytes;
    this.evictIfFull();
  }

  /** Evicts the oldest entries of the largest parts down to 15/16 of the capacity. */
  evictIfFull(): void {
    if (this.usage <= this.capacity) return;
    const target = this.capacity - (this.capacity >>> 4);
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

/** One db's cached records, by latin1 key. */
export class DbMetaCache {
  /** Map order = first insertion (eviction order). */
  private readonly entries = new Map<string, CachedMeta | null>();
  usage = 0;

  constructor(private readonly budget: MetaCache) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached record (null: known missing), or undefined when not cached. */
  get(name: string): CachedMeta | null | undefined {
    const entry = this.entries.get(name);
    if (entry === undefined) this.budget.misses++;
    else this.budget.hits++;
    return entry;
  }

  /**
   * An update keeps the entry's place in the eviction order: deleting and
   * re-inserting one key over and over costs O(tombstones) per insert in
   * JSC's Map (measured: 20 us at 100k entries; LPUSH on one key).
   */
  set(name: string, entry: CachedMeta | null): void {
    const old = this.entries.get(name);
    const bytes = cost(name, entry);
    // A value too large for the budget is not cached (it would evict everything else).
    if (bytes > this.budget.capacity >>> 4) {
      if (old !== undefined) this.remove(name, old);
      return;
    }
    this.entries.set(name, entry);
    this.charge(bytes - (old === undefined ? 0 : cost(name, old)));
    this.budget.evictIfFull();
  }

  clear(): void {
    this.entries.clear();
    this.charge(-this.usage);
  }

  /** Evicts entries from the oldest until `bytes` are freed or none is left (one Map iterator: see AccessTimes.evictionBatch). */
  evictOldest(bytes: number): void {
    const target = this.usage - bytes;
    for (const [name, entry] of this.entries) {
      if (this.usage <= target) break;
      this.remove(name, entry);
    }
  }

  private remove(name: string, entry: CachedMeta | null): void {
    this.entries.delete(name);
    this.charge(-cost(name, entry));
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

function cost(name: string, entry: CachedMeta | null): number {
  return ENTRY_OVERHEAD + name.length + (entry === null ? 0 : entry.key.length + entry.raw.length);
}
