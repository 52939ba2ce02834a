// One logical database of the LSM engine: the key-level primitives and
// strings over the metadata column, the expiry index and in-memory counters.

import type { DB } from "../lsm/index.ts";
import { PREFETCH_MAX, WriteBatch } from "../lsm/index.ts";
import type { DbStore, KeyMeta, KeyType, StorageEngine } from "../engine.ts";
import type { HashOps } from "../hash-ops.ts";
import type { ListOps } from "../list-ops.ts";
import type { SetOps } from "../set-ops.ts";
import type { StreamOps } from "../stream-ops.ts";
import type { ZSetOps } from "../zset-ops.ts";
import { copyBytes } from "../../net/bytes.ts";
import type { ReplyBuffer } from "../../net/reply.ts";
import { putBytes } from "../lsm/coding.ts";
import { stringEncoding } from "../memory/value-types.ts";
import { AccessTimes } from "./access-times.ts";
import { ChunkCache, readChunked, writeRange } from "./chunked-strings.ts";
import { CursorTable } from "./cursor-table.ts";
import { LsmHashOps } from "./hash-ops.ts";
import { LsmListOps } from "./list-ops.ts";
import type { OrphanCounter } from "./reclaim.ts";
import { LsmSetOps } from "./set-ops.ts";
import { LsmStreamOps } from "./stream-ops.ts";
import { LsmZSetOps, MEMBER_TAG as ZSET_MEMBER_TAG } from "./zset-ops.ts";
import { type DbMetaCache, type MetaCache, type MetaCacheEntry, metaCacheHash, metaCacheOf, prefetchedEntries } from "./meta-cache.ts";
import {
  COL_EXPIRY,
  COL_META,
  ENCODING_VERSION,
  FLAG_BIG,
  FLAG_CHUNKED,
  FLAG_RAW,
  FLAG_TEXT,
  META_HEAD,
  decodeExpireAt,
  decodeIntegerValue,
  decodeSize,
  decodeType,
  decodeVersion,
  encodeIntegerMeta,
  rewriteIntegerMeta,
  encodeStringMeta,
  expiryKey,
  metaKey,
  prefixEnd,
  slotRange,
  isSubKeyPrefix,
  metaKeyHead,
  subKey,
  subKeyPrefix,
  userKeyOfExpiry,
  userKeyOfMeta,
  withExpireAt,
  withVersion,
} from "./encoding.ts";

/** A decoded metadata record, with the key it belongs to (replaceString needs it). */
export class LsmMeta implements KeyMeta {
  constructor(
    readonly key: Uint8Array,
    /** Replaced by primitives that rewrite the record, so a caller reusing the meta (ZADD's loop) sees the new size. */
    public raw: Uint8Array,
    readonly type: KeyType,
    readonly expireAt: number,
    /** The key's metadata-cache entry, when the record came from the cache. */
    readonly cacheEntry: MetaCacheEntry | null = null,
  ) {}

  get flags(): number {
    return this.raw[1];
  }

  /** Collections: the version their sub-keys carry, and their element count. */
  get version(): number {
    return decodeVersion(this.raw);
  }

  get size(): number {
    return decodeSize(this.raw);
  }

  /** Whether the key has sub-keys: collections, and chunked strings. */
  get hasSubKeys(): boolean {
    return this.type !== "string" || (this.flags & FLAG_CHUNKED) !== 0;
  }

  get stringLength(): number {
    return (this.flags & FLAG_CHUNKED) !== 0 ? this.size : this.raw.length - META_HEAD;
  }

  /** A chunked string's value, read once per lookup. */
  chunkedValue: Uint8Array | null = null;
}

/** The record a cache entry holds (null: the key is known missing), one LsmMeta per record: a hot key's lookups allocate nothing. */
function metaOfEntry(entry: MetaCacheEntry): LsmMeta | null {
  if (entry.raw === null) return null;
  const meta = entry.meta;
  if (meta === null) return (entry.meta = new LsmMeta(entry.key, entry.raw, entry.type, entry.expireAt, entry));
  // A chunked string's value is read again per lookup: its chunks change without its record.
  meta.chunkedValue = null;
  return meta;
}

/** prefetchForWrites' keys that have no place in the active memtable: their indexes among the prefetched, and where they are. */
const unplacedIndexes = new Int32Array(PREFETCH_MAX);
const unplacedStarts: number[] = new Array<number>(PREFETCH_MAX).fill(0);
const unplacedEnds: number[] = new Array<number>(PREFETCH_MAX).fill(0);
/** LsmDb.prefetch's metadata keys, back to back (grown for long keys), and where each is. */
let prefetchKeyBytes = new Uint8Array(1024);
const prefetchKeyStarts = new Int32Array(PREFETCH_MAX);
const prefetchKeyEnds = new Int32Array(PREFETCH_MAX);

/** JSC keeps typed arrays up to this size in its heap without an ArrayBuffer (fastSizeLimit). */
const SMALL_ARRAY_BYTES = 1000;

/** What the LsmDb needs from its engine. */
export interface LsmEngineContext extends StorageEngine {
  readonly lsm: DB;
  /** Applies one command's writes atomically. */
  write(batch: WriteBatch): void;
  /**
   * An empty batch for one write: the LSM's, reused (no allocation per
   * command), so it must be written (or dropped) before the next call;
   * written before any other write, its ops are not copied (DB.batch()).
   */
  batch(): WriteBatch;
  /** db's key or expires count changed (the engine stores them with the write). */
  countsChanged(db: LsmDb): void;
  /** A version number for a new collection key: unique, increasing (FORMAT.md). */
  newVersion(): number;
  /** FLUSHDB: a fresh, empty slot for db (the old one is range-deleted). */
  renewSlot(db: LsmDb): void;
  /** Counts sub-keys orphaned by deletes/overwrites (INFO's reclaim estimate). */
  readonly orphans: OrphanCounter;
}

export class LsmDb implements DbStore {
  /** Number of keys and of keys with an expiry (stored by key-counts.ts). */
  private keyCount = 0;
  private expiringCount = 0;
  /** SCAN cursors of keys, and of fields (HSCAN...). */
  private readonly cursors = new CursorTable();
  readonly fieldCursors = new CursorTable();
  readonly chunkCache = new ChunkCache();
  /** OBJECT IDLETIME/FREQ state, in memory only. */
  private readonly accessTimes = new AccessTimes();
  readonly lists: ListOps = new LsmListOps(this);
  readonly hashes: HashOps = new LsmHashOps(this);
  readonly sets: SetOps = new LsmSetOps(this);
  readonly zsets: ZSetOps = new LsmZSetOps(this);
  readonly streams: StreamOps = new LsmStreamOps(this);
  /** Decoded metadata of hot keys (meta-cache.ts). */
  private readonly metaCache: DbMetaCache;
  /** The engine's whole cache, for its hit count (overwriteString finds its entry without counting). */
  private readonly metaCacheTotals: MetaCache;

  constructor(
    readonly engine: LsmEngineContext,
    /** Slot of this db's keys (see FORMAT.md); changes on FLUSHDB. */
    public slot: number,
  ) {
    this.metaCacheTotals = metaCacheOf(engine);
    this.metaCache = this.metaCacheTotals.part(this.accessTimes);
  }

  /** metaKeyHead(metaHeadSlot), made again when the slot changes (FLUSHDB). */
  private metaHead: Uint8Array | null = null;
  private metaHeadSlot = -1;

  /** The bytes before the user key in this db's metadata keys: writes add a key's record without making its key. */
  private metaKeyHead(): Uint8Array {
    if (this.metaHead === null || this.metaHeadSlot !== this.slot) {
      this.metaHead = metaKeyHead(this.slot);
      this.metaHeadSlot = this.slot;
    }
    return this.metaHead;
  }

  /** The sub-key prefix subKeyPrefix() last made (commands ask for a collection's prefix in each primitive they call). */
  private lastSubKeyPrefix: Uint8Array | null = null;

  /**
   * subKeyPrefix(slot, meta's key, meta's version), shared: callers must not
   * change it. Kept with the key's cache entry while meta is the cached
   * record (MetaCacheEntry.subKeyPrefix): a command on a hot collection
   * neither makes nor compares one.
   */
  prefixOf(meta: LsmMeta): Uint8Array {
    const entry = meta.cacheEntry;
    if (entry === null || entry.raw !== meta.raw) return this.subKeyPrefix(meta.key, meta.version);
    const prefix = entry.subKeyPrefix;
    if (prefix !== null) return prefix;
    return (entry.subKeyPrefix = this.subKeyPrefix(meta.key, meta.version));
  }

  /** subKeyPrefix(slot, key, version), shared: callers must not change it. */
  subKeyPrefix(key: Uint8Array, version: number): Uint8Array {
    const last = this.lastSubKeyPrefix;
    if (last !== null && isSubKeyPrefix(last, this.slot, key, version)) return last;
    return (this.lastSubKeyPrefix = subKeyPrefix(this.slot, key, version));
  }

  /**
   * Caches a record about to be written (putInBatch/deleteInBatch). Once the
   * engine refuses writes (MISCONF) the batch will not be applied, so nothing
   * is cached then; a batch that passes this check reaches the memtable (the
   * LSM applies it before anything that can still fail: the WAL write).
   */
  private cacheWrite(key: Uint8Array, raw: Uint8Array | null, old: LsmMeta | null = null): MetaCacheEntry | null {
    if (this.engine.writeError?.() == null) {
      // The old record's cache entry has the key's hash: the write hashes nothing again.
      return this.metaCache.set(key, raw, old === null ? null : old.key, old?.cacheEntry?.hash ?? metaCacheHash(key));
    }
    this.metaCache.evictAll();
    return null;
  }

  /** Counts keys and expiring keys of the slot by a scan (a store from before key-counts.ts, or after a disk error). */
  recount(): void {
    this.keyCount = this.countRange(COL_META);
    this.expiringCount = this.countRange(COL_EXPIRY);
    this.metaCache.holdsEveryKey = this.keyCount === 0 && this.metaCache.size === 0;
  }

  /** The counts key-counts.ts kept in the store (on open). */
  restoreCounts(keys: number, expiring: number): void {
    this.keyCount = keys;
    this.expiringCount = expiring;
    // An empty db's (empty) cache holds every key: checked by a scan, as a wrong count would hide keys.
    this.metaCache.holdsEveryKey = keys === 0 && this.metaCache.size === 0 && this.countRange(COL_META) === 0;
  }

  private countRange(column: number): number {
    const [gte, lt] = slotRange(column, this.slot);
    const it = this.engine.lsm.iterator({ gte, lt });
    let n = 0;
    for (it.seekToFirst(); it.valid(); it.next()) n++;
    it.close();
    return n;
  }

  /**
   * Loads the cached metadata of the keys of the commands just received
   * (server.ts prefetchKeys); the memtable entries of their metadata
   * records, which a write of the key replaces (SET, INCR, a collection's
   * size...), are loaded at the first write (prefetchForWrites): reads
   * (GET) need none of them.
   */
  prefetch(buf: Uint8Array, starts: number[], ends: number[], count: number): void {
    // Every command on a key touches its access time too: a cached key's is on its entry (access-times.ts).
    this.metaCache.prefetch(buf, starts, ends, count);
    this.prefetchedBuf = buf;
    this.prefetchedStarts = starts;
    this.prefetchedEnds = ends;
    this.prefetchedCount = Math.min(count, PREFETCH_MAX);
  }

  /** The keys of the last prefetch, until a write loads their memtable entries (the server's arrays, not copies: by then they may hold other bytes, which only makes the hint load the wrong entries). */
  private prefetchedBuf: Uint8Array = new Uint8Array(0);
  private prefetchedStarts: number[] = [];
  private prefetchedEnds: number[] = [];
  private prefetchedCount = 0;

  /**
   * At the first write since a prefetch: loads the memtable entries of the
   * prefetched keys' metadata records (DB.prefetch), this write's among
   * them, so their cache misses overlap. A hint: the keys are read from the
   * server's buffers as they are now.
   */
  private prefetchForWrites(): void {
    const n = this.prefetchedCount;
    this.prefetchedCount = 0;
    // Records written since the active memtable started have their places there (MetaCacheEntry): loaded by place, without hashing their keys.
    const unplaced = this.engine.lsm.prefetchPlaced(prefetchedEntries, n, unplacedIndexes);
    for (let i = 0; i < unplaced; i++) {
      unplacedStarts[i] = this.prefetchedStarts[unplacedIndexes[i]];
      unplacedEnds[i] = this.prefetchedEnds[unplacedIndexes[i]];
    }
    if (unplaced > 0) this.prefetchJoined(this.metaKeyHead(), -1, this.prefetchedBuf, unplacedStarts, unplacedEnds, unplaced, false);
  }

  /**
   * Loads the memtable entries of the members (fields) buf[starts[i],
   * ends[i]) of the hash, set or zset named buf[keyStart, keyEnd), when its
   * metadata is cached (server.ts prefetchKeys: SADD, HSET, ZADD, HGET...
   * pipelined on one key look members up, each a few cache misses).
   */
  prefetchMembers(buf: Uint8Array, keyStart: number, keyEnd: number, starts: number[], ends: number[], count: number): void {
    const key = buf.subarray(keyStart, keyEnd);
    const entry = this.metaCache.peek(key);
    if (entry === null || entry.raw === null || (entry.type !== "hash" && entry.type !== "set" && entry.type !== "zset")) return;
    const prefix = (entry.subKeyPrefix ??= this.subKeyPrefix(key, decodeVersion(entry.raw)));
    // A set member's value (empty) never changes: one the row cache holds is only read.
    this.prefetchJoined(prefix, entry.type === "zset" ? ZSET_MEMBER_TAG : -1, buf, starts, ends, Math.min(count, PREFETCH_MAX), entry.type === "set");
  }

  /** DB.prefetch (with cachedAreOnlyRead) of the keys head ++ [tag, when not -1] ++ buf[starts[i], ends[i]) for i < n. */
  private prefetchJoined(head: Uint8Array, tag: number, buf: Uint8Array, starts: number[], ends: number[], n: number, cachedAreOnlyRead: boolean): void {
    const tagLength = tag === -1 ? 0 : 1;
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += head.length + tagLength + ends[i] - starts[i];
    if (bytes > prefetchKeyBytes.length) prefetchKeyBytes = new Uint8Array(2 * bytes);
    const keys = prefetchKeyBytes;
    let at = 0;
    for (let i = 0; i < n; i++) {
      prefetchKeyStarts[i] = at;
      for (let j = 0; j < head.length; j++) keys[at++] = head[j];
      if (tag !== -1) keys[at++] = tag;
      for (let j = starts[i], end = Math.min(ends[i], buf.length); j < end; j++) keys[at++] = buf[j];
      prefetchKeyEnds[i] = at;
    }
    this.engine.lsm.prefetch(keys, prefetchKeyStarts, prefetchKeyEnds, n, cachedAreOnlyRead);
  }

  lookup(key: Uint8Array): LsmMeta | null {
    const prefetched = this.metaCache.prefetched(key);
    if (prefetched !== null) return metaOfEntry(prefetched);
    const repeated = this.metaCache.repeated(key);
    if (repeated !== null) return metaOfEntry(repeated);
    const hash = metaCacheHash(key);
    const entry = this.metaCache.entry(key, hash);
    if (entry !== undefined) return metaOfEntry(entry);
    const raw = this.engine.lsm.get(metaKey(this.slot, key)) ?? null;
    const cached = this.metaCache.setRead(key, raw, hash);
    if (raw === null) return null;
    if (cached !== null) return new LsmMeta(cached.key, raw, cached.type, cached.expireAt, cached);
    return new LsmMeta(copyBytes(key), raw, decodeType(raw), decodeExpireAt(raw));
  }

  delete(key: Uint8Array): boolean {
    const meta = this.lookup(key);
    if (meta === null) return false;
    const batch = this.engine.batch();
    this.deleteInBatch(batch, meta);
    this.engine.write(batch);
    return true;
  }

  /** Removes a key's metadata and expiry entry (a collection's sub-keys become stale by version). */
  deleteInBatch(batch: WriteBatch, meta: LsmMeta): void {
    batch.deleteJoined(this.metaKeyHead(), meta.key);
    const entry = this.cacheWrite(meta.key, null, meta);
    this.engine.orphans.noteReplaced(meta, null);
    this.accessTimes.forget(meta.key, entry);
    if (meta.expireAt !== 0) {
      batch.delete(expiryKey(this.slot, meta.expireAt, meta.key));
      this.expiringCount--;
    }
    this.keyCount--;
    this.engine.countsChanged(this);
  }

  /**
   * Writes a key's metadata value, replacing `old` (the key's current record
   * or null), keeping the expiry index and the counters in step.
   */
  putInBatch(batch: WriteBatch, key: Uint8Array, raw: Uint8Array, old: LsmMeta | null): void {
    if (this.prefetchedCount > 1) this.prefetchForWrites();
    const expireAt = decodeExpireAt(raw);
    const oldExpireAt = old === null ? 0 : old.expireAt;
    const entry = this.cacheWrite(key, raw, old);
    if (entry !== null) batch.putJoinedPlaced(this.metaKeyHead(), key, raw, entry);
    else batch.putJoined(this.metaKeyHead(), key, raw);
    if (old !== null) this.engine.orphans.noteReplaced(old, raw);
    if (oldExpireAt !== expireAt) {
      if (oldExpireAt !== 0) batch.delete(expiryKey(this.slot, oldExpireAt, key));
      if (expireAt !== 0) batch.put(expiryKey(this.slot, expireAt, key), new Uint8Array(0));
      this.expiringCount += (expireAt !== 0 ? 1 : 0) - (oldExpireAt !== 0 ? 1 : 0);
      this.engine.countsChanged(this);
    }
    if (old === null) {
      this.keyCount++;
      this.engine.countsChanged(this);
      this.accessTimes.created(key, entry);
    }
  }

  /**
   * meta's record bytes when they are the cached record's, for a write that
   * changes only fields of a fixed size in place (a list's size and ends, a collection's size, a counter's digits)
   * and then calls putRewritten: no new record, no cache update, nothing
   * else of putInBatch's to keep in step. Null while the engine refuses
   * writes (a refused write leaves the cache as it was). No other record
   * shares these bytes (cloneInBatch copies them).
   */
  recordToRewrite(meta: LsmMeta): Uint8Array | null {
    const entry = meta.cacheEntry;
    if (entry === null || entry.raw !== meta.raw || this.engine.writeError?.() != null) return null;
    return meta.raw;
  }

  /** putInBatch of meta's record rewritten in place (recordToRewrite): its type, version, expiry and length are as they were. */
  putRewritten(batch: WriteBatch, meta: LsmMeta): void {
    if (this.prefetchedCount > 1) this.prefetchForWrites();
    batch.putJoinedPlaced(this.metaKeyHead(), meta.key, meta.raw, meta.cacheEntry!);
  }

  /**
   * putRewritten's write held back (DB.putDeferred), for a record a streak
   * of commands rewrites (a list's size and ends at each push and pop): it
   * reaches the WAL record and the memtable once per event-loop turn, with
   * the bytes it holds then, not once per command. The cache entry is the
   * key's place; a write of the key by any other means settles it first.
   */
  putDeferred(meta: LsmMeta): void {
    this.engine.lsm.putDeferred(this.metaKeyHead(), meta.key, meta.raw, meta.cacheEntry!);
  }

  private put(key: Uint8Array, raw: Uint8Array, old: LsmMeta | null): void {
    const batch = this.engine.batch();
    this.putInBatch(batch, key, raw, old);
    this.engine.write(batch);
  }

  size(): number {
    return this.keyCount;
  }

  expiresCount(): number {
    return this.expiringCount;
  }

  setExpire(key: Uint8Array, at: number): void {
    const meta = this.lookup(key);
    if (meta === null) throw new Error("setExpire on a missing key");
    this.put(key, withExpireAt(meta.raw, at), meta);
  }

  clear(): void {
    this.engine.renewSlot(this);
    this.metaCache.clear();
    this.metaCache.holdsEveryKey = true; // the new slot is empty
    this.keyCount = 0;
    this.expiringCount = 0;
    this.engine.countsChanged(this);
    this.cursors.clear();
    this.fieldCursors.clear();
    this.accessTimes.clear();
  }

  scan(cursor: number, count: number, visit: (key: Uint8Array, meta: KeyMeta) => void): number {
    const [gte, lt] = slotRange(COL_META, this.slot);
    const after = this.cursors.take(cursor);
    const it = this.engine.lsm.iterator({ gte, lt });
    try {
      if (after === undefined) it.seekToFirst();
      else {
        const from = metaKey(this.slot, after);
        it.seek(from);
        if (it.valid() && Buffer.compare(it.key(), from) === 0) it.next();
      }
      let last: Uint8Array | null = null;
      for (let n = 0; n < count && it.valid(); n++, it.next()) {
        const raw = it.value().slice();
        last = userKeyOfMeta(it.key());
        visit(last, new LsmMeta(last, raw, decodeType(raw), decodeExpireAt(raw)));
      }
      if (last === null || !it.valid()) return 0;
      return this.cursors.remember(last);
    } finally {
      it.close();
    }
  }

  randomKey(): Uint8Array | null {
    if (this.keyCount === 0) return null;
    // Seek to a random position of the key space (wrapping to the first key):
    // O(log n) without a count of keys before a position; biased by gaps.
    const [gte, lt] = slotRange(COL_META, this.slot);
    const it = this.engine.lsm.iterator({ gte, lt });
    try {
      it.seek(metaKey(this.slot, crypto.getRandomValues(new Uint8Array(8))));
      if (!it.valid()) it.seekToFirst();
      return it.valid() ? userKeyOfMeta(it.key()) : null;
    } finally {
      it.close();
    }
  }

  sampleExpiring(max: number, visit: (key: Uint8Array, meta: KeyMeta) => void): void {
    // The index is ordered by expiry time: the first entries are the keys due
    // first, so each call starts from the beginning (expired keys visited
    // earlier have been deleted by then).
    const [gte, lt] = slotRange(COL_EXPIRY, this.slot);
    const it = this.engine.lsm.iterator({ gte, lt });
    const keys: Uint8Array[] = [];
    for (it.seekToFirst(); it.valid() && keys.length < max; it.next()) keys.push(userKeyOfExpiry(it.key()));
    it.close();
    for (const key of keys) {
      const meta = this.lookup(key);
      if (meta !== null) visit(key, meta);
    }
  }

  rename(src: Uint8Array, dst: Uint8Array): void {
    const meta = this.lookup(src);
    if (meta === null) throw new Error("rename of a missing key");
    const batch = new WriteBatch();
    this.deleteInBatch(batch, meta);
    this.cloneInBatch(batch, meta, this, dst);
    this.engine.write(batch);
  }

  copy(key: Uint8Array, dstDb: DbStore, dstKey: Uint8Array): void {
    const meta = this.lookup(key);
    if (meta === null) throw new Error("copy of a missing key");
    const batch = new WriteBatch();
    this.cloneInBatch(batch, meta, dstDb as LsmDb, dstKey);
    this.engine.write(batch);
  }

  /**
   * Writes a copy of the key `meta` describes as dstKey of dst (which must
   * not exist). Collections copy their sub-keys under a new version: O(size),
   * as in Kvrocks (sub-keys embed the user key).
   */
  private cloneInBatch(batch: WriteBatch, meta: LsmMeta, dst: LsmDb, dstKey: Uint8Array): void {
    if (!meta.hasSubKeys) {
      // A copy: the destination's cache entry must not share the record's bytes, which a SET of the same length overwrites in place (overwriteString).
      dst.putInBatch(batch, dstKey, meta.raw.slice(), null);
      return;
    }
    const version = this.engine.newVersion();
    const from = subKeyPrefix(this.slot, meta.key, meta.version);
    const to = subKeyPrefix(dst.slot, dstKey, version);
    const it = this.engine.lsm.iterator({ gte: from, lt: prefixEnd(from) });
    for (it.seekToFirst(); it.valid(); it.next()) batch.put(subKey(to, it.key().subarray(from.length)), it.value());
    it.close();
    dst.putInBatch(batch, dstKey, withVersion(meta.raw, version), null);
  }

  memoryUsage(key: Uint8Array, meta: KeyMeta): number {
    const m = meta as LsmMeta;
    // LSM entry overhead + key + value; collections: an estimate per element (no scan).
    const elements = m.type === "string" ? (m.hasSubKeys ? m.size : 0) : m.size * (24 + key.length);
    return 16 + key.length + m.raw.length + elements;
  }

  encoding(_key: Uint8Array, meta: KeyMeta): string {
    const m = meta as LsmMeta;
    if (m.type === "hash") return (m.flags & FLAG_BIG) !== 0 ? "hashtable" : "listpack";
    if (m.type === "set") return (m.flags & FLAG_BIG) !== 0 ? "hashtable" : "intset";
    if (m.type === "zset") return (m.flags & FLAG_BIG) !== 0 ? "skiplist" : "listpack";
    if (m.type === "list") return "quicklist"; // as the memory engine: Redis 7.0 has no listpack lists
    if (m.type === "stream") return "stream";
    if (m.type !== "string") return "unknown";
    const value = this.getString(m);
    if ((m.flags & FLAG_RAW) !== 0) return "raw";
    if ((m.flags & FLAG_TEXT) !== 0) return value.length <= 44 ? "embstr" : "raw";
    return stringEncoding(value);
  }

  // Access times and LFU counters are kept in memory only (as in Kvrocks, not
  // persisted): on the key's cache entry while it is cached, else in accessTimes.
  idleTime(meta: KeyMeta): number {
    const m = meta as LsmMeta;
    return this.accessTimes.idleTime(m.key, m.cacheEntry);
  }

  touch(meta: KeyMeta): void {
    const m = meta as LsmMeta;
    this.accessTimes.touch(m.key, m.cacheEntry);
  }

  setIdleTime(meta: KeyMeta, seconds: number): void {
    const m = meta as LsmMeta;
    this.accessTimes.setIdleTime(m.key, seconds, m.cacheEntry);
  }

  lfuState(meta: KeyMeta): number {
    const m = meta as LsmMeta;
    return this.accessTimes.lfuState(m.key, m.cacheEntry);
  }

  setLfuState(meta: KeyMeta, state: number): void {
    const m = meta as LsmMeta;
    this.accessTimes.setLfuState(m.key, state, m.cacheEntry);
  }

  getString(meta: KeyMeta): Uint8Array {
    const m = meta as LsmMeta;
    if ((m.flags & FLAG_CHUNKED) === 0) {
      // A small value is copied: a view (subarray) of the record, a fresh
      // array from the LSM or encodeStringMeta, makes JSC materialize its
      // ArrayBuffer (16% of a GET profile); large arrays have one already.
      if (m.raw.length > SMALL_ARRAY_BYTES) return m.raw.subarray(META_HEAD);
      // The copy is kept with the cached record (callers never modify it): a hot GET copies once.
      const entry = m.cacheEntry;
      if (entry === null || entry.raw !== m.raw) return m.raw.slice(META_HEAD);
      return (entry.value ??= m.raw.slice(META_HEAD));
    }
    m.chunkedValue ??= readChunked(this, m);
    return m.chunkedValue;
  }

  /** GET's reply: a small value straight from its record (no copy of the value to reply from), else getString's. */
  replyString(meta: KeyMeta, out: ReplyBuffer): void {
    const m = meta as LsmMeta;
    if ((m.flags & FLAG_CHUNKED) === 0) out.bulkRange(m.raw, META_HEAD, m.raw.length);
    else out.bulk(this.getString(m));
  }

  integerValue(meta: KeyMeta): number | null {
    const m = meta as LsmMeta;
    return (m.flags & FLAG_CHUNKED) !== 0 ? null : decodeIntegerValue(m.raw);
  }

  /** INCR's result: its digits written straight into the record; meta null is a key lookupWrite found missing. */
  setInteger(key: Uint8Array, meta: KeyMeta | null, n: number): void {
    const m = meta as LsmMeta | null;
    // A counter whose digits keep their length is written over its cached record, as overwriteString does.
    const raw = m === null || (m.flags & FLAG_CHUNKED) !== 0 ? null : this.recordToRewrite(m);
    if (raw !== null && rewriteIntegerMeta(raw, n)) {
      m!.cacheEntry!.value = null; // getString's kept copy of the old digits (GETRANGE, APPEND...)
      const batch = this.engine.batch();
      this.putRewritten(batch, m!);
      this.engine.write(batch);
      return;
    }
    this.put(m === null ? key : m.key, encodeIntegerMeta(n, m === null ? 0 : m.expireAt), m);
  }

  setString(key: Uint8Array, value: Uint8Array, expireAt: number, asText = false): void {
    const old = this.lookup(key);
    this.put(key, encodeStringMeta(value, expireAt, asText ? FLAG_TEXT : 0), old);
    if (old !== null) this.touch(old); // a new value object: idle time restarts
  }

  /**
   * SET over a string whose cached record has value's length and the same
   * expiry: value is copied over the record's bytes in the metadata cache,
   * which are then written as they are: no lookup object, no new record
   * array, no cache update but dropping the value copy getString made
   * (GETRANGE, APPEND...). Only for records up to SMALL_ARRAY_BYTES, whose
   * values getString hands out as copies, so nothing handed out views these
   * bytes (GET copies them into its reply at once: replyString). False,
   * changing nothing, otherwise, and while the engine refuses writes
   * (setString reports it).
   */
  overwriteString(key: Uint8Array, value: Uint8Array, expireAt: number): boolean {
    const entry = this.metaCache.peek(key);
    const raw = entry === null ? null : entry.raw;
    if (
      raw === null ||
      entry!.type !== "string" ||
      raw.length !== META_HEAD + value.length ||
      raw.length > SMALL_ARRAY_BYTES ||
      entry!.expireAt !== expireAt ||
      (raw[1] & FLAG_CHUNKED) !== 0 ||
      this.engine.writeError?.() != null
    ) {
      return false;
    }
    this.metaCacheTotals.hits++;
    if (this.prefetchedCount > 1) this.prefetchForWrites();
    raw[1] = ENCODING_VERSION; // no flags, as setString's record of value
    putBytes(raw, META_HEAD, value);
    entry!.value = null;
    const batch = this.engine.batch();
    batch.putJoinedPlaced(this.metaKeyHead(), entry!.key, raw, entry!);
    this.engine.write(batch);
    this.accessTimes.touch(entry!.key, entry);
    return true;
  }

  replaceString(meta: KeyMeta, value: Uint8Array, asText = false): void {
    const m = meta as LsmMeta;
    this.put(m.key, encodeStringMeta(value, m.expireAt, asText ? FLAG_TEXT : 0), m);
  }

  setStringRange(key: Uint8Array, offset: number, bytes: Uint8Array): number {
    return writeRange(this, key, this.lookup(key), offset, bytes);
  }
}
