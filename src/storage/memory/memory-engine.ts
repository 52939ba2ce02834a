// The memory engine: every database is a ScanMap of entries held in JS memory.

import { LFU_INIT_VAL, lfuState } from "../../keyspace/lfu.ts";
import { bytesToStr, copyBytes, overwriteBytes, strToBytes } from "../../net/bytes.ts";
import { int64Bytes } from "../../net/format.ts";
import { nowSeconds } from "../../util/seconds-clock.ts";
import type { DbStore, EncodingLimits, KeyMeta, KeyType, StorageEngine } from "../engine.ts";
import { encodingLimits } from "./encoding-limits.ts";
import { MemHash, MemoryHashOps } from "./hash-ops.ts";
import { MemoryListOps } from "./list-ops.ts";
import { nodeKeyIs, ScanMap, WordKeyNode } from "./scan-map.ts";
import { cloners, encodings, sizers, stringForms } from "./value-types.ts";
import { MemSet, MemorySetOps } from "./set-ops.ts";
import { MemoryStreamOps } from "./stream-ops.ts";
import { MemZSet, MemoryZSetOps } from "./zset-ops.ts";

/**
 * A key's entry: its metadata and its value object. The value's JS type is
 * fixed by `type` (string: Uint8Array, or a safe integer for a counter INCR
 * wrote, like Redis's int encoding; collections: their own structures).
 */
export class MemEntry extends WordKeyNode implements KeyMeta {
  /** Last access, unix seconds (OBJECT IDLETIME). */
  atime: number;
  /** LFU access frequency state (OBJECT FREQ), see keyspace/lfu.ts. */
  lfu: number;
  constructor(
    key: string,
    public type: KeyType,
    public value: unknown,
    public expireAt: number,
  ) {
    super(key);
    this.atime = nowSeconds();
    this.lfu = lfuState(LFU_INIT_VAL, this.atime * 1000); // from the cached clock: no extra clock read
  }
}

/**
 * value lengthened to newLen, zero-filled. A string value is a view on a
 * buffer that may have spare room; growing an existing string reserves more
 * like Redis's sdsMakeRoomFor (double below 1 MB, then +1 MB), so repeated
 * APPEND/SETBIT/SETRANGE cost amortized O(1) per byte written.
 */
function growString(value: Uint8Array, newLen: number): Uint8Array {
  const room = growableBuffers.has(value.buffer) ? value.buffer.byteLength - value.byteOffset : value.length;
  if (newLen <= room) {
    const grown = new Uint8Array(value.buffer, value.byteOffset, newLen);
    grown.fill(0, value.length);
    return grown;
  }
  const MB = 1024 * 1024;
  const capacity = value.length === 0 ? newLen : newLen < MB ? newLen * 2 : newLen + MB;
  const buffer = new ArrayBuffer(capacity);
  growableBuffers.add(buffer);
  const grown = new Uint8Array(buffer, 0, newLen);
  grown.set(value);
  return grown;
}

/** Buffers growString allocated: only their spare room is ours to use (other values may be views on shared buffers). */
const growableBuffers = new WeakSet<ArrayBufferLike>();

/** Reads an entry's value (a string's first byte; a number needs no load), for prefetch. */
function touchEntry(e: MemEntry): number {
  const v = e.value;
  return v instanceof Uint8Array && v.length > 0 ? v[0] : 0;
}

/** A string entry's bytes; a counter held as a number (setInteger) turns back into its digits, kept for the next reads. */
function stringBytes(e: MemEntry): Uint8Array {
  const v = e.value;
  if (typeof v !== "number") return v as Uint8Array;
  const bytes = int64Bytes(v);
  e.value = bytes;
  return bytes;
}

/** For prefetches that need a node and its key only. */
function touchNothing(): number {
  return 0;
}

export class MemoryDb implements DbStore {
  readonly entries = new ScanMap<MemEntry>();
  /** Keys with an expiry, in insertion order; iterated incrementally by active expiry. */
  private readonly expiring = new Set<string>();
  private expiryCursor: IterableIterator<string> | null = null;
  readonly lists = new MemoryListOps(this);
  readonly hashes = new MemoryHashOps(this);
  readonly sets = new MemorySetOps(this);
  readonly zsets = new MemoryZSetOps(this);
  readonly streams = new MemoryStreamOps(this);

  /**
   * The entry the last lookup found: a pipeline of one collection's commands
   * (SADD myset ..., HSET myhash ...) looks one key up again and again, and
   * comparing its bytes is cheaper than hashing them and walking a bucket
   * (nodeKeyIs fails at the first word compared for most other keys). Dropped
   * with its key (deleteStr, clear).
   */
  private lastFound: MemEntry | null = null;

  lookup(key: Uint8Array): MemEntry | null {
    const last = this.lastFound;
    if (last !== null && nodeKeyIs(last, key, 0, key.length)) return last;
    const e = this.entries.getBytes(key);
    if (e === undefined) return null;
    this.lastFound = e;
    return e;
  }

  /** See ScanMap.prefetch; a string value's bytes are loaded too. */
  prefetch(buf: Uint8Array, starts: number[], ends: number[], count: number): void {
    this.entries.prefetch(buf, starts, ends, count, touchEntry);
  }

  /**
   * See DbStore.prefetchMembers: the member nodes of a set, the field nodes
   * of a hash, a zset's member nodes (and their keys' strings: see
   * ZDictNode). Not a zset's tree paths: walking a ZADD batch's search paths
   * ahead, as was done in the skiplist, cost more than it saved in the tree
   * (bench/cpu-per-op.ts zadd, 07:02 UTC).
   */
  prefetchMembers(buf: Uint8Array, keyStart: number, keyEnd: number, starts: number[], ends: number[], count: number): void {
    const v = this.entries.getRange(buf, keyStart, keyEnd)?.value;
    if (v instanceof MemSet) v.members.prefetch(buf, starts, ends, count, touchNothing);
    else if (v instanceof MemHash) v.prefetchFields(buf, starts, ends, count);
    else if (v instanceof MemZSet) v.dict.prefetch(buf, starts, ends, count, touchNothing);
  }

  /** Lookup by the latin1 string form of a key. */
  lookupStr(key: string): MemEntry | null {
    return this.entries.get(key) ?? null;
  }

  delete(key: Uint8Array): boolean {
    const e = this.entries.getBytes(key);
    return e !== undefined && this.deleteStr(e.key);
  }

  deleteStr(key: string): boolean {
    const e = this.entries.delete(key);
    if (e === undefined) return false;
    if (e === this.lastFound) this.lastFound = null;
    if (e.expireAt !== 0) this.expiring.delete(key);
    return true;
  }

  size(): number {
    return this.entries.size;
  }

  expiresCount(): number {
    return this.expiring.size;
  }

  setExpire(key: Uint8Array, at: number): void {
    const e = this.lookup(key);
    if (e === null) throw new Error("setExpire on a missing key");
    this.setEntryExpire(e, at);
  }

  private setEntryExpire(e: MemEntry, at: number): void {
    if (at !== 0) this.expiring.add(e.key);
    else if (e.expireAt !== 0) this.expiring.delete(e.key);
    e.expireAt = at;
  }

  clear(): void {
    this.entries.clear();
    this.lastFound = null;
    this.expiring.clear();
    this.expiryCursor = null;
  }

  scan(cursor: number, count: number, visit: (key: Uint8Array, meta: KeyMeta) => void): number {
    return this.entries.scan(cursor, count, (e) => visit(strToBytes(e.key), e));
  }

  randomKey(): Uint8Array | null {
    const e = this.entries.randomNode();
    return e === undefined ? null : strToBytes(e.key);
  }

  sampleExpiring(max: number, visit: (key: Uint8Array, meta: KeyMeta) => void): void {
    if (this.expiring.size === 0) return;
    // A Set iterator stays valid across insertions and deletions, so the
    // sweep resumes where it stopped and eventually sees every key.
    let visited = 0;
    let restarted = false;
    while (visited < max) {
      this.expiryCursor ??= this.expiring.values();
      const next = this.expiryCursor.next();
      if (next.done) {
        this.expiryCursor = null;
        if (restarted) return;
        restarted = true;
        continue;
      }
      const e = this.entries.get(next.value);
      if (e !== undefined) visit(strToBytes(e.key), e);
      visited++;
    }
  }

  rename(src: Uint8Array, dst: Uint8Array): void {
    const e = this.entries.get(bytesToStr(src));
    if (e === undefined) throw new Error("rename of a missing key");
    this.deleteStr(e.key);
    this.insert(bytesToStr(dst), e.type, e.value, e.expireAt);
  }

  copy(key: Uint8Array, dstDb: DbStore, dstKey: Uint8Array): void {
    const e = this.lookup(key);
    if (e === null) throw new Error("copy of a missing key");
    const clone = cloners.get(e.type);
    if (clone === undefined) throw new Error(`no cloner for ${e.type}`);
    (dstDb as MemoryDb).insert(bytesToStr(dstKey), e.type, clone(e.value), e.expireAt);
  }

  memoryUsage(key: Uint8Array, meta: KeyMeta): number {
    const e = meta as MemEntry;
    const size = sizers.get(e.type)?.(e.value) ?? 0;
    return 56 + key.length + size; // entry object + key string + value
  }

  encoding(_key: Uint8Array, meta: KeyMeta): string {
    const e = meta as MemEntry;
    return encodings.get(e.type)?.(e.value) ?? "unknown";
  }

  idleTime(meta: KeyMeta): number {
    return Math.max(0, nowSeconds() - (meta as MemEntry).atime);
  }

  touch(meta: KeyMeta): void {
    (meta as MemEntry).atime = nowSeconds();
  }

  setIdleTime(meta: KeyMeta, seconds: number): void {
    (meta as MemEntry).atime = nowSeconds() - seconds;
  }

  lfuState(meta: KeyMeta): number {
    return (meta as MemEntry).lfu;
  }

  setLfuState(meta: KeyMeta, state: number): void {
    (meta as MemEntry).lfu = state;
  }

  getString(meta: KeyMeta): Uint8Array {
    return stringBytes(meta as MemEntry);
  }

  integerValue(meta: KeyMeta): number | null {
    const v = (meta as MemEntry).value;
    return typeof v === "number" ? v : null;
  }

  setInteger(key: Uint8Array, meta: KeyMeta | null, n: number): void {
    if (!Number.isSafeInteger(n)) throw new Error(`setInteger of ${n}`);
    if (meta === null) this.insert(bytesToStr(key), "string", n, 0);
    else (meta as MemEntry).value = n;
  }

  setString(key: Uint8Array, value: Uint8Array, expireAt: number, asText = false, handedOver = false): void {
    const copy = handedOver ? value : copyBytes(value);
    if (asText) stringForms.set(copy, "text");
    const e = this.entries.getBytes(key);
    if (e !== undefined) this.overwrite(e, "string", copy, expireAt);
    else this.insert(bytesToStr(key), "string", copy, expireAt);
  }

  replaceString(meta: KeyMeta, value: Uint8Array, asText = false): void {
    if (asText) stringForms.set(value, "text");
    (meta as MemEntry).value = value;
  }

  /**
   * Every stored string is the engine's own array (setString copies or is
   * handed a fresh one); those edited in place or stored as text carry a
   * form, which a rewrite would make wrong.
   */
  overwriteString(key: Uint8Array, value: Uint8Array, expireAt: number): boolean {
    const e = this.entries.getBytes(key);
    if (e === undefined || e.type !== "string") return false;
    const stored = e.value;
    if (!(stored instanceof Uint8Array) || stored.length !== value.length || stringForms.has(stored)) return false;
    overwriteBytes(stored, value);
    e.atime = nowSeconds();
    if (e.expireAt !== expireAt) this.setEntryExpire(e, expireAt);
    return true;
  }

  setStringRange(key: Uint8Array, offset: number, bytes: Uint8Array): number {
    const k = bytesToStr(key);
    const e = this.entries.get(k) ?? this.insert(k, "string", new Uint8Array(0), 0);
    let value = stringBytes(e);
    const end = offset + bytes.length;
    if (end > value.length) {
      value = growString(value, end);
      e.value = value;
    }
    value.set(bytes, offset);
    stringForms.set(value, "raw");
    return value.length;
  }

  /** Creates or overwrites a key with a value object (collections use this). */
  setValue(key: string, type: KeyType, value: unknown, expireAt: number): MemEntry {
    const e = this.entries.get(key);
    if (e !== undefined) {
      this.overwrite(e, type, value, expireAt);
      return e;
    }
    return this.insert(key, type, value, expireAt);
  }

  private overwrite(e: MemEntry, type: KeyType, value: unknown, expireAt: number): void {
    e.type = type;
    e.value = value;
    e.atime = nowSeconds();
    if (e.expireAt !== expireAt) this.setEntryExpire(e, expireAt);
  }

  private insert(key: string, type: KeyType, value: unknown, expireAt: number): MemEntry {
    const e = new MemEntry(key, type, value, expireAt);
    this.entries.insert(e);
    if (expireAt !== 0) this.expiring.add(key);
    return e;
  }
}

export class MemoryEngine implements StorageEngine {
  readonly name = "memory";
  private readonly dbs: MemoryDb[];

  constructor(readonly dbCount: number) {
    this.dbs = Array.from({ length: dbCount }, () => new MemoryDb());
  }

  db(index: number): MemoryDb {
    return this.dbs[index];
  }

  swapDb(a: number, b: number): void {
    [this.dbs[a], this.dbs[b]] = [this.dbs[b], this.dbs[a]];
  }

  setEncodingLimits(limits: EncodingLimits): void {
    Object.assign(encodingLimits, limits);
  }

  async close(): Promise<void> {}
}
