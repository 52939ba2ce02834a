// The byte budgets of the LSM block cache, of the decoded-metadata cache
// (meta-cache.ts), of the LSM's row cache of sub-keys (src/storage/lsm/row_cache.ts)
// and of the memtables follow `maxmemory` (issue 6: the
// caches stay within the memory limit). Table data is read through mmap, so the
// page cache holds what the block cache does not; the rest of maxmemory is
// left to memtables, table indexes/filters and the keyspace's own state.

import type { Config } from "../../config/config.ts";
import { DEFAULT_MAX_IMMUTABLE_MEMTABLES } from "../lsm/index.ts";
import type { LsmEngine } from "./lsm-engine.ts";
import { DEFAULT_META_CACHE_BYTES, metaCacheOf } from "./meta-cache.ts";

/**
 * The share of maxmemory the block cache and the decoded-metadata cache
 * split. The block cache holds decompressed blocks only (uncompressed ones are
 * read in place from the table's mapping): with compressed tables it takes
 * half of maxmemory; the server writes uncompressed tables, so there the
 * metadata cache takes the whole share (three times the hot keys).
 */
export const CACHES_SHARE_OF_MAXMEMORY = 0.75;
export const BLOCK_CACHE_SHARE_WHEN_COMPRESSED = 0.5;
/** The block cache's budget when maxmemory is 0 (no limit) and tables are compressed: the LSM library's default. */
export const DEFAULT_BLOCK_CACHE_BYTES = 64 * 1024 * 1024;
/**
 * One memtable's size in the server. Larger memtables flush less often, and
 * every L0 file of this keyspace (metadata, sub-keys and the key-count
 * record) overlaps all of L1, so each L0 -> L1 compaction rewrites L1 (256
 * MiB at most): with 8 MiB, the workers' flushes and compactions took more
 * CPU than the commands (bench-vs-redis --aof geomean 0.26-0.28 vs 0.34-0.42
 * at 32 MiB, AiKv's own INCR/RPOP/SADD ops/s +50-130%). Below the library's
 * 64 MiB (RocksDB's): the first ordered read (SCAN, a collection range) after
 * a burst of writes sorts the memtable's unsorted entries, and a disk-error
 * recovery flushes every memtable on the main thread. After 290k SETs (~32
 * MiB) the first SCAN took 127-134 ms in the server (SLOWLOG), 39 ms at 8
 * MiB; after 600k, 523-535 ms at 64 MiB.
 */
export const SERVER_MEMTABLE_BYTES = 32 * 1024 * 1024;
/**
 * The share of maxmemory all memtables (the active one, those waiting for
 * their flush, and the next one's memory, prepared by the LSM) may take.
 */
export const MEMTABLES_SHARE_OF_MAXMEMORY = 0.125;
const MEMTABLES_AT_MOST = 2 + DEFAULT_MAX_IMMUTABLE_MEMTABLES;
const MIN_MEMTABLE_BYTES = 1024 * 1024;

export function blockCacheBudget(maxmemory: number, compressedTables: boolean): number {
  if (!compressedTables) return 0;
  return maxmemory === 0 ? DEFAULT_BLOCK_CACHE_BYTES : Math.floor(maxmemory * BLOCK_CACHE_SHARE_WHEN_COMPRESSED);
}

/**
 * The row cache's part of what the block cache leaves of the caches' share
 * (the metadata cache takes the rest): every command reads a metadata
 * record, only collection commands read sub-keys.
 */
export const ROW_CACHE_SHARE_OF_DECODED = 0.25;
/**
 * The row cache's budget when maxmemory is 0. An entry of the benchmark's
 * collections (a 42-43-byte sub-key `0x02 slot len "myset" version
 * "element:000000012345"`, a 0-8-byte value) takes ~50 arena bytes and 8-16
 * of slots; a key survives when it is touched once per generation (half the
 * budget), and SADD, HSET and ZADD's 3 x 100k members (~20 MB) fit in one
 * generation, so they are not copied from the old one round after round.
 */
export const DEFAULT_ROW_CACHE_BYTES = 64 * 1024 * 1024;

/** What the metadata and row caches split. */
function decodedCachesBudget(maxmemory: number, compressedTables: boolean): number {
  return Math.floor(maxmemory * CACHES_SHARE_OF_MAXMEMORY) - blockCacheBudget(maxmemory, compressedTables);
}

export function metaCacheBudget(maxmemory: number, compressedTables: boolean): number {
  if (maxmemory === 0) return DEFAULT_META_CACHE_BYTES;
  return decodedCachesBudget(maxmemory, compressedTables) - rowCacheBudget(maxmemory, compressedTables);
}

export function rowCacheBudget(maxmemory: number, compressedTables: boolean): number {
  if (maxmemory === 0) return DEFAULT_ROW_CACHE_BYTES;
  return Math.floor(decodedCachesBudget(maxmemory, compressedTables) * ROW_CACHE_SHARE_OF_DECODED);
}

export function memtableBudget(maxmemory: number): number {
  if (maxmemory === 0) return SERVER_MEMTABLE_BYTES;
  const share = Math.floor((maxmemory * MEMTABLES_SHARE_OF_MAXMEMORY) / MEMTABLES_AT_MOST);
  return Math.min(SERVER_MEMTABLE_BYTES, Math.max(MIN_MEMTABLE_BYTES, share));
}

/** Sizes the caches from maxmemory now and on every CONFIG SET maxmemory. */
export function followMaxmemory(config: Config, engine: LsmEngine): void {
  const apply = (): void => {
    const maxmemory = config.num("maxmemory");
    const compressed = engine.lsm.compressesTables;
    engine.lsm.setBlockCacheBytes(blockCacheBudget(maxmemory, compressed));
    engine.lsm.setMemtableSize(memtableBudget(maxmemory));
    engine.lsm.setRowCacheBytes(rowCacheBudget(maxmemory, compressed));
    metaCacheOf(engine).setCapacity(metaCacheBudget(maxmemory, compressed));
  };
  apply();
  config.onChange((name) => {
    if (name === "maxmemory") apply();
  });
}
