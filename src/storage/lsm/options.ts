/** Options with defaults. Sizes in bytes. */
import type { CompactionFilter, CompactionFilterSpec } from './compaction.ts';
import type { LogRecoveryMode } from './log_reader.ts';
import type { RowCacheKeys } from './row_cache.ts';

export type SyncPolicy = 'always' | 'everysec' | 'no';

export interface DBOptions {
  createIfMissing?: boolean;
  errorIfExists?: boolean;
  /** WAL durability: fdatasync per group commit, once a second, or never (OS decides). */
  syncPolicy?: SyncPolicy;
  /** Memtable size that triggers a switch to immutable + flush (memtables take up to memtableSize x (1 + maxImmutableMemtables)). */
  memtableSize?: number;
  /** More unflushed memtables than this forces a synchronous flush (a stall). */
  maxImmutableMemtables?: number;
  blockSize?: number;
  blockRestartInterval?: number;
  bloomBitsPerKey?: number;
  compression?: 'none' | 'zstd';
  targetFileSize?: number;
  l1TargetBytes?: number;
  levelMultiplier?: number;
  numLevels?: number;
  l0CompactionTrigger?: number;
  l0SlowdownTrigger?: number;
  l0StopTrigger?: number;
  blockCacheBytes?: number;
  /**
   * The keys the row cache (row_cache.ts) may hold: their newest value, or
   * that they have none, answers reads at the latest sequence (no snapshot)
   * without a memtable or table lookup. No row cache without it. The cache is
   * kept coherent with every put, delete and range delete, but not with the
   * compaction filter: for these keys the filter may remove only entries no
   * read at the latest sequence would find again (older versions, or keys
   * the owner never reads again: the lsm engine's sub-keys of dead
   * versions), else a read keeps answering the value the filter removed.
   */
  rowCacheKeys?: RowCacheKeys;
  /** The row cache's byte budget (0: off; DB.setRowCacheBytes changes it while open). */
  rowCacheBytes?: number;
  maxOpenFiles?: number;
  /** 'worker': compactions run in a Bun Worker; 'inline': on the main thread; 'off': only compactRange. */
  compactionMode?: 'worker' | 'inline' | 'off';
  /**
   * 'worker' mode: a compaction of at least two target file sizes is split
   * by key range into up to this many jobs run in parallel workers (1 = no
   * split; only 1 and 2 are supported). Off by default: on 2 cores the
   * second worker competes with the writer and the flush worker, and 10M-key
   * fills did not get faster with it.
   */
  subcompactions?: 1 | 2;
  /** Module-based filter so it can run inside the worker. */
  compactionFilter?: CompactionFilterSpec;
  /** For 'inline' mode and tests: a function filter (ignored by the worker). */
  compactionFilterFn?: CompactionFilter;
  /**
   * Answers the compaction filter's `host.query(request)` on the thread that
   * owns the DB (between writes, so it sees a consistent state); the request
   * and the returned response must be structured-cloneable. A throw rejects
   * the filter's query.
   */
  onCompactionFilterQuery?: (request: unknown) => unknown;
  /** WAL recovery: torn tails are always tolerated unless 'strict'; 'salvage' skips damaged records in the middle. */
  walRecovery?: LogRecoveryMode;
  /**
   * false skips every fsync/fdatasync (WAL, tables, MANIFEST). Only for
   * throwaway data (tests, benchmarks of non-durable setups): a power loss can
   * then corrupt the store. Process crashes are still safe.
   */
  fsync?: boolean;
  /** Called when a background flush/compaction fails. */
  onBackgroundError?: (e: Error) => void;
  /** Called before each WAL file is replayed on open (progress of a long recovery). */
  onRecoveryProgress?: (walFile: string, bytes: number) => void;
}

type OptionalHooks = 'compactionFilter' | 'compactionFilterFn' | 'onCompactionFilterQuery' | 'onBackgroundError' | 'onRecoveryProgress' | 'rowCacheKeys';
export type ResolvedOptions = Required<Omit<DBOptions, OptionalHooks>> & Pick<DBOptions, OptionalHooks>;

/**
 * Sizes default to RocksDB's (write_buffer_size 64 MiB, target_file_size_base
 * 64 MiB, max_bytes_for_level_base 256 MiB, L0 slowdown/stop 20/36): with
 * the earlier 8 MiB memtables, 4 MiB files and 32 MiB L1, db_bench's 1M-key
 * fill + overwrite wrote its data 3.5 times and the one compaction worker
 * fell behind L0 (13 s of write stalls).
 */
/** Immutable memtables that may wait for their flush before writes stop (with the active one: the memtables' memory bound). */
export const DEFAULT_MAX_IMMUTABLE_MEMTABLES = 4;

export function resolveOptions(o: DBOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    createIfMissing: o.createIfMissing ?? true,
    errorIfExists: o.errorIfExists ?? false,
    syncPolicy: o.syncPolicy ?? 'everysec',
    memtableSize: o.memtableSize ?? 64 * 1024 * 1024,
    maxImmutableMemtables: o.maxImmutableMemtables ?? DEFAULT_MAX_IMMUTABLE_MEMTABLES,
    blockSize: o.blockSize ?? 4096,
    blockRestartInterval: o.blockRestartInterval ?? 16,
    bloomBitsPerKey: o.bloomBitsPerKey ?? 10,
    compression: o.compression ?? 'none',
    targetFileSize: o.targetFileSize ?? 64 * 1024 * 1024,
    l1TargetBytes: o.l1TargetBytes ?? 256 * 1024 * 1024,
    levelMultiplier: o.levelMultiplier ?? 10,
    numLevels: o.numLevels ?? 7,
    l0CompactionTrigger: o.l0CompactionTrigger ?? 4,
    l0SlowdownTrigger: o.l0SlowdownTrigger ?? 20,
    l0StopTrigger: o.l0StopTrigger ?? 36,
    blockCacheBytes: o.blockCacheBytes ?? 64 * 1024 * 1024,
    rowCacheKeys: o.rowCacheKeys,
    rowCacheBytes: o.rowCacheBytes ?? 32 * 1024 * 1024,
    maxOpenFiles: o.maxOpenFiles ?? 1000,
    compactionMode: o.compactionMode ?? 'worker',
    subcompactions: o.subcompactions ?? 1,
    walRecovery: o.walRecovery ?? 'tolerate-tail',
    fsync: o.fsync ?? true,
    compactionFilter: o.compactionFilter,
    compactionFilterFn: o.compactionFilterFn,
    onCompactionFilterQuery: o.onCompactionFilterQuery,
    onBackgroundError: o.onBackgroundError,
    onRecoveryProgress: o.onRecoveryProgress,
  };
  if (r.numLevels < 2) throw new RangeError('numLevels must be >= 2');
  if (r.memtableSize < 1024) throw new RangeError('memtableSize too small');
  return r;
}
