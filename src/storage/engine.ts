// The storage-engine interface. Command code is written once against it; the
// memory engine (src/storage/memory) implements it with JS structures and the
// LSM engine (src/storage/lsm) will implement it with Kvrocks-style encoding:
// one metadata record per key (type, expiry, version, size) and versioned
// sub-keys per element. The primitives are therefore shaped around a key's
// metadata (KeyMeta) plus small per-type operations, never "give me the whole
// value object".
//
// Each collection type's primitives live in their own interface
// (list-ops.ts, hash-ops.ts, set-ops.ts, zset-ops.ts), reached through the
// DbStore's `lists`, `hashes`, `sets` and `zsets` members.
//
// Expiry policy (lazy expiry, notifications, stats) lives in src/keyspace;
// a DbStore only stores the expiry time.

import type { ReplyBuffer } from "../net/reply.ts";
import type { HashOps } from "./hash-ops.ts";
import type { ListOps } from "./list-ops.ts";
import type { SetOps } from "./set-ops.ts";
import type { StreamOps } from "./stream-ops.ts";
import type { ZSetOps } from "./zset-ops.ts";

export type KeyType = "string" | "list" | "hash" | "set" | "zset" | "stream";

/** What a lookup returns: the key's metadata record. Engines may add fields. */
export interface KeyMeta {
  readonly type: KeyType;
  /** Absolute expiry in unix milliseconds, 0 when the key does not expire. */
  readonly expireAt: number;
}

/**
 * One logical database (SELECT index) of an engine. Keys are binary-safe bytes;
 * key arguments may be transient views, so engines copy keys they keep.
 */
export interface DbStore {
  /**
   * Optional hint: starts loading the entries of keys about to be looked up
   * (given as ranges of buf, count ≤ 16), so their memory latency overlaps.
   * No visible effect (no expiry, no stats, no access time).
   */
  prefetch?(buf: Uint8Array, starts: number[], ends: number[], count: number): void;
  /**
   * Optional hint like prefetch, for members (or fields) of the collection at
   * the key buf[keyStart, keyEnd) that are about to be looked up (count ≤ 16).
   */
  prefetchMembers?(buf: Uint8Array, keyStart: number, keyEnd: number, starts: number[], ends: number[], count: number): void;

  /** The key's metadata, without looking at expiry. */
  lookup(key: Uint8Array): KeyMeta | null;
  /** Deletes the key and all of its elements. */
  delete(key: Uint8Array): boolean;
  /** Number of keys, exact, without a scan. */
  size(): number;
  /** Number of keys with an expiry. */
  expiresCount(): number;
  /** Sets (at > 0) or removes (at = 0) the key's expiry. The key must exist. */
  setExpire(key: Uint8Array, at: number): void;
  /** Removes every key. Engines may do the work lazily. */
  clear(): void;
  /** SCAN step: visits keys at the cursor and returns the next cursor (0 when done). */
  scan(cursor: number, count: number, visit: (key: Uint8Array, meta: KeyMeta) => void): number;
  /** A random key, or null when the db is empty. */
  randomKey(): Uint8Array | null;
  /**
   * Active expiry: visits up to `max` keys that have an expiry, continuing
   * where the previous call stopped (wrapping around).
   */
  sampleExpiring(max: number, visit: (key: Uint8Array, meta: KeyMeta) => void): void;
  /** Moves src's value and expiry to dst (which must not exist). */
  rename(src: Uint8Array, dst: Uint8Array): void;
  /** Copies key's value (with its expiry) to dstKey in dstDb (dstKey must not exist there). */
  copy(key: Uint8Array, dstDb: DbStore, dstKey: Uint8Array): void;
  /** Approximate memory used by the key, in bytes (MEMORY USAGE). */
  memoryUsage(key: Uint8Array, meta: KeyMeta): number;
  /** Internal encoding name reported by OBJECT ENCODING. */
  encoding(key: Uint8Array, meta: KeyMeta): string;
  /** Seconds since last access (OBJECT IDLETIME) and touch (updates the access time). */
  idleTime(meta: KeyMeta): number;
  touch(meta: KeyMeta): void;
  /** Backdates the last access so idleTime reads `seconds` (RESTORE IDLETIME). */
  setIdleTime(meta: KeyMeta, seconds: number): void;
  /**
   * The key's LFU state, opaque to the engine (see keyspace/lfu.ts): new keys
   * start at lfuState(LFU_INIT_VAL); the keyspace updates it on reads.
   */
  lfuState(meta: KeyMeta): number;
  setLfuState(meta: KeyMeta, state: number): void;

  // --- strings ---
  /**
   * The value of a string key (meta.type === "string"). The caller must not
   * modify it, and must copy what it keeps beyond the next write to the key.
   */
  getString(meta: KeyMeta): Uint8Array;
  /** Creates or overwrites key as a string with the given expiry (0 = none).
   * value may be a transient view (e.g. of the network buffer): the engine copies what it keeps,
   * unless `handedOver`: value is a fresh copy nobody else holds or changes, which the engine may keep as is.
   * `asText`: never reported as int-encoded by OBJECT ENCODING (INCRBYFLOAT's results). */
  setString(key: Uint8Array, value: Uint8Array, expireAt: number, asText?: boolean, handedOver?: boolean): void;
  /**
   * Writes bytes into the string at key from offset, zero-filling any gap past
   * its end, in place (SETRANGE, APPEND, SETBIT, BITFIELD on large values);
   * creates the key without expiry when missing. Returns the new length.
   * The value then reports OBJECT ENCODING "raw", as Redis's edited strings do.
   * Look the key up again afterwards: earlier metadata may be stale.
   */
  setStringRange(key: Uint8Array, offset: number, bytes: Uint8Array): number;
  /**
   * Replaces the value of the string key just looked up as meta, keeping its
   * expiry (INCR and friends: saves a second key lookup). The store keeps
   * `value` itself, so it must be a fresh array the caller no longer uses.
   * `asText` as for setString.
   */
  replaceString(meta: KeyMeta, value: Uint8Array, asText?: boolean): void;
  /**
   * The integer a string key just looked up as meta holds as a number (what
   * setInteger stored), or null when it holds bytes (parse getString then).
   * Optional, with setInteger: INCR's counters as Redis's int encoding, no
   * digits parsed or written per INCR.
   */
  integerValue?(meta: KeyMeta): number | null;
  /**
   * Stores safe integer n as the string of key (INCR/DECR/INCRBY/DECRBY's
   * result): over the value of meta, the key just looked up, keeping its
   * expiry, or as a new key without expiry when meta is null (the key is
   * missing). getString then gives its decimal text; OBJECT ENCODING "int".
   */
  setInteger?(key: Uint8Array, meta: KeyMeta | null, n: number): void;
  /**
   * SET's write over a live string key whose stored bytes are the store's own
   * to change (not edited in place or stored as text: OBJECT ENCODING follows
   * from the content) and as long as value: copies value over them, sets the
   * expiry (0 = none) and restarts the access time as setString would, and
   * returns true; false, changing nothing, otherwise. Optional: saves a new
   * array per overwrite, and the caller keeps value.
   */
  overwriteString?(key: Uint8Array, value: Uint8Array, expireAt: number): boolean;
  /**
   * Writes the value of a string key just looked up as meta as a bulk reply
   * (GET), from where the engine holds it. Optional: saves making an array
   * of the value (getString) only to copy it into the reply.
   */
  replyString?(meta: KeyMeta, out: ReplyBuffer): void;

  // --- collections ---
  readonly lists: ListOps;
  readonly hashes: HashOps;
  readonly sets: SetOps;
  readonly zsets: ZSetOps;
  readonly streams: StreamOps;
}

/** Sizes up to which collections keep a compact encoding: Redis's *-max-listpack-* and set-max-intset-entries. */
export interface EncodingLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  setMaxIntsetEntries: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  /** Where a stream starts a new node (stream-node-max-bytes / -entries; 0 = no limit). */
  streamNodeMaxBytes: number;
  streamNodeMaxEntries: number;
}

export interface StorageEngine {
  readonly name: string;
  readonly dbCount: number;
  db(index: number): DbStore;
  /** SWAPDB: exchanges the contents of two databases. */
  swapDb(a: number, b: number): void;
  /**
   * Persistent engines: what replies to commands that wrote must wait for
   * before being sent (appendfsync always), or null. Absent: nothing to wait for.
   */
  pendingDurability?(): Promise<void> | null;
  /**
   * Persistent engines: the writes made between beginAtomic() and the
   * matching endAtomic() (one command, MULTI/EXEC, a script; they nest) are
   * recovered after a crash all together or not at all.
   */
  beginAtomic?(): void;
  endAtomic?(): void;
  /** The encoding limits, at start-up and after CONFIG SET: later writes convert collections at these sizes. */
  setEncodingLimits?(limits: EncodingLimits): void;
  /** Persistent engines: appendfsync changed at runtime (CONFIG SET). */
  setSyncPolicy?(policy: "always" | "everysec" | "no"): void;
  /** Persistent engines: a consistent copy of the data under the data dir (SAVE/BGSAVE), and when it was taken. */
  checkpoint?(): Promise<{ path: string; at: number }>;
  /** Persistent engines: the error reply write commands get after a disk failure (-MISCONF...), or null. */
  writeError?(): string | null;
  close(): Promise<void>;
}
