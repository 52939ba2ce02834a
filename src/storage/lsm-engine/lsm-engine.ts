// The LSM engine: all databases in one LSM tree (src/storage/lsm) with the
// encoding described in FORMAT.md.

import { mkdirSync } from "node:fs";
import { type DB, type DBOptions, type SyncPolicy, WriteBatch, open } from "../lsm/index.ts";
import { CommandError } from "../../commands/errors.ts";
import { SERVER_MEMTABLE_BYTES } from "./cache-budget.ts";
import { saveCheckpoint } from "./checkpoints.ts";
import { DiskErrorRecovery, misconfError } from "./disk-errors.ts";
import { logRecovery, openFailure, type StartupLog } from "./startup.ts";
import { allSlotRanges, COL_SUBKEY, decodeSlotTable, encodeSlotTable, SLOT_TABLE_KEY } from "./encoding.ts";
import { lockDirectory } from "./dir-lock.ts";
import { KeyCounts } from "./key-counts.ts";
import { LsmDb, type LsmEngineContext } from "./lsm-db.ts";
import { INDEX_TAG as ZSET_INDEX_TAG } from "./zset-ops.ts";
import { OrphanCounter, reachableVersions } from "./reclaim.ts";
import { VersionClock } from "./version-clock.ts";
import type { EncodingLimits } from "../engine.ts";
import { encodingLimits } from "../memory/encoding-limits.ts";
import { runtimeModulePath } from "../../util/runtime-module.ts";

/**
 * The compaction filter that removes stale sub-keys, loaded by path in the
 * LSM's worker (so it is an entry point of the compiled binary too).
 */
const RECLAIM_FILTER = { module: runtimeModulePath("storage/lsm-engine/reclaim-filter.ts") };

/**
 * The LSM's row cache holds sub-keys (collection members, fields, elements):
 * metadata records have their own decoded cache (meta-cache.ts). The
 * compaction filter (reclaim-filter.ts) removes only sub-keys of versions no
 * metadata record reaches, which the engine never reads again, as the row
 * cache's contract asks (DBOptions.rowCacheKeys). Not those whose field
 * starts with 0x01, a zset's score-index entries (ZADD deletes one and puts
 * one, each a probe of the cache's bitmap of held hashes) and a stream's
 * entries: they are iterated, not read by key (a hash field or set member
 * starting with that byte is read from the memtables and tables instead).
 */
function isRowCachedKey(buf: Uint8Array, start: number, end: number): boolean {
  if (buf[start] !== COL_SUBKEY) return false;
  // The field follows `0x02 slot(u32) len(u32) userKey version(u64)`.
  const userKeyLength = ((buf[start + 5] << 24) | (buf[start + 6] << 16) | (buf[start + 7] << 8) | buf[start + 8]) >>> 0;
  const field = start + 17 + userKeyLength;
  return field >= end || buf[field] !== ZSET_INDEX_TAG;
}

export interface LsmEngineOptions {
  dir: string;
  dbCount: number;
  /** appendfsync: the WAL's sync policy; under "always" replies wait for durability. */
  syncPolicy: SyncPolicy;
  /** Start-up progress and findings (recovery, key counts). */
  log?: StartupLog;
  /** LSM sizes and modes (tests: tiny memtables and tables so flushes and compactions run constantly). */
  tuning?: Omit<DBOptions, "syncPolicy" | "compactionFilter" | "onCompactionFilterQuery">;
}

export class LsmEngine implements LsmEngineContext {
  readonly name = "lsm";
  private readonly dbs: LsmDb[];
  /** Writes since the last pendingDurability() call (only tracked under "always"). */
  private unsynced = false;
  private durable: Promise<void> | null = null;
  /** A WAL failure outside the LSM's background error (endAtomic). */
  private failure: Error | null = null;
  private readonly versions: VersionClock;
  /** Sub-key entries orphaned since start, for INFO (reclaim.ts). */
  readonly orphans = new OrphanCounter();
  /** Retries after a disk error until writes can be accepted again (MISCONF cleared). */
  readonly diskRecovery: DiskErrorRecovery;
  /** DBSIZE/expires counts, stored with the writes that change them. */
  private readonly counts: KeyCounts;
  /** Open atomic groups, and whether one of them wrote (its count records are added at the end). */
  private atomicDepth = 0;
  private wroteInGroup = false;
  /** Whether start-up had to scan the keys to count them (a store from before counts were kept). */
  readonly countedByScan: boolean;

  private constructor(
    readonly lsm: DB,
    private waitForSync: boolean,
    private readonly unlock: () => void,
    slots: number[],
    private nextSlot: number,
    log: StartupLog,
  ) {
    this.diskRecovery = new DiskErrorRecovery(log, () => {
      if (!lsm.resume()) return false;
      this.failure = null;
      // A batch refused (MISCONF) after its db's counters moved left them off: count again.
      this.counts.recount();
      return true;
    });
    this.versions = new VersionClock(lsm);
    this.dbs = slots.map((slot) => new LsmDb(this, slot));
    this.counts = new KeyCounts(lsm, this.dbs);
    this.countedByScan = this.counts.load();
  }

  static async open(options: LsmEngineOptions): Promise<LsmEngine> {
    mkdirSync(options.dir, { recursive: true });
    const unlock = lockDirectory(options.dir);
    const log: StartupLog = options.log ?? (() => {});
    const started = performance.now();
    try {
      let opened: DB | null = null;
      let engine: LsmEngine | null = null;
      const lsm = await open(options.dir, {
        memtableSize: SERVER_MEMTABLE_BYTES,
        rowCacheKeys: isRowCachedKey,
        ...options.tuning,
        syncPolicy: options.syncPolicy,
        onRecoveryProgress: (file, bytes) => log("notice", `Replaying write-ahead log ${file} (${bytes} bytes)`),
        compactionFilter: RECLAIM_FILTER,
        onCompactionFilterQuery: (metaKeys) => reachableVersions(opened!, metaKeys as Uint8Array[]),
        onBackgroundError: (e) => engine?.diskRecovery.failed(e),
      });
      opened = lsm;
      const stored = lsm.get(SLOT_TABLE_KEY);
      let { slots, nextSlot } = stored === undefined ? { slots: [], nextSlot: 0 } : decodeSlotTable(stored);
      if (slots.length < options.dbCount) {
        // First open (or more databases configured than before): new dbs get fresh slots.
        while (slots.length < options.dbCount) slots.push(nextSlot++);
        lsm.put(SLOT_TABLE_KEY, encodeSlotTable(slots, nextSlot));
      }
      slots = slots.slice(0, options.dbCount);
      logRecovery(lsm.recovery, performance.now() - started, log);
      engine = new LsmEngine(lsm, options.syncPolicy === "always", unlock, slots, nextSlot, log);
      const keys = engine.dbs.reduce((n, db) => n + db.size(), 0);
      if (engine.countedByScan && keys > 0) log("notice", "Counted the keys by a scan (a data directory from before key counts were stored); stored from now on");
      log("notice", `DB loaded from disk: ${keys} keys in ${((performance.now() - started) / 1000).toFixed(3)} seconds`);
      return engine;
    } catch (e) {
      unlock();
      throw openFailure(e, options.dir);
    }
  }

  get dbCount(): number {
    return this.dbs.length;
  }

  db(index: number): LsmDb {
    return this.dbs[index];
  }

  /** The LSM's batch for one write, encoded straight into its WAL record (DB.batch()). */
  batch(): WriteBatch {
    return this.lsm.batch();
  }

  write(batch: WriteBatch): void {
    const failure = this.writeError();
    if (failure !== null) throw new CommandError(failure);
    // The counts go in the same WAL record: in this batch (a command's usual
    // one write needs no second record), or at the end of the group when a
    // later step changed them without a write (FLUSHDB).
    this.counts.appendChanges(batch);
    if (this.atomicDepth > 0) this.wroteInGroup = true;
    this.lsm.write(batch);
    if (this.waitForSync) this.unsynced = true;
  }

  /**
   * What replies must wait for before being sent: the durability of the
   * writes made so far (appendfsync always), or null when nothing is pending.
   * Later callers get the newest promise, so replies keep their order.
   */
  pendingDurability(): Promise<void> | null {
    if (this.unsynced) {
      this.unsynced = false;
      // Rejected when the WAL fails: those replies are never sent (server.ts).
      const p: Promise<void> = this.lsm.whenDurable().finally(() => {
        if (this.durable === p) this.durable = null;
      });
      this.durable = p;
    }
    return this.durable;
  }

  countsChanged(db: LsmDb): void {
    this.counts.changed(db);
  }

  newVersion(): number {
    return this.versions.next();
  }

  /** Flushes and compacts everything, so the filter and tombstones apply to all data (DEBUG COMPACT). */
  compact(): Promise<void> {
    return this.lsm.compactRange(null, null);
  }

  renewSlot(db: LsmDb): void {
    const batch = new WriteBatch();
    for (const [start, end] of allSlotRanges(db.slot)) batch.deleteRange(start, end);
    db.slot = this.nextSlot++;
    this.counts.changed(db);
    this.putSlotTable(batch);
    this.write(batch);
  }

  swapDb(a: number, b: number): void {
    [this.dbs[a], this.dbs[b]] = [this.dbs[b], this.dbs[a]];
    const batch = new WriteBatch();
    this.putSlotTable(batch);
    this.write(batch);
  }

  private putSlotTable(batch: WriteBatch): void {
    batch.put(SLOT_TABLE_KEY, encodeSlotTable(this.dbs.map((db) => db.slot), this.nextSlot));
  }

  /** One command, MULTI/EXEC or a script: its writes reach the WAL as one record (all or nothing after a crash). */
  beginAtomic(): void {
    this.atomicDepth++;
    this.lsm.beginAtomic();
  }

  endAtomic(): void {
    try {
      if (--this.atomicDepth === 0 && this.wroteInGroup) {
        this.wroteInGroup = false;
        const counts = this.counts.appendChanges(null);
        if (counts !== null && this.writeError() === null) this.lsm.write(counts);
      }
      this.lsm.endAtomic();
    } catch (e) {
      // The WAL could not be written: writes are refused until a retry succeeds (MISCONF).
      if (this.failure === null) {
        this.failure = e as Error;
        this.diskRecovery.failed(this.failure);
      }
    }
  }

  setSyncPolicy(policy: SyncPolicy): void {
    this.lsm.setSyncPolicy(policy);
    this.waitForSync = policy === "always";
  }

  /** SAVE/BGSAVE: see checkpoints.ts. */
  checkpoint(): Promise<{ path: string; at: number }> {
    return saveCheckpoint(this.lsm);
  }

  /**
   * MISCONF once the WAL or background work failed (ENOSPC, EROFS, EIO...):
   * the engine is read-only until a retry (diskRecovery) succeeds.
   */
  writeError(): string | null {
    const e = this.failure ?? this.lsm.backgroundError;
    return e === null ? null : misconfError(e);
  }

  /** Streams size their nodes by these limits (shared with the memory engine's node sizing). */
  setEncodingLimits(limits: EncodingLimits): void {
    Object.assign(encodingLimits, limits);
  }

  async close(): Promise<void> {
    // One last retry: what memory holds reaches tables if the disk is back.
    // (Only after a failure: a retry recounts every key by a scan.)
    this.diskRecovery.stop();
    if (this.writeError() !== null) this.diskRecovery.retry();
    await this.lsm.close();
    this.unlock();
  }
}
