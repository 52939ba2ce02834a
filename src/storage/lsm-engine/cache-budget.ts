// The LSM block cache's byte budget follows `maxmemory` (issue 6: the cache
// stays within the memory limit). Table data is read through mmap, so the
// page cache holds what the block cache does not; the rest of maxmemory is
// left to memtables, table indexes/filters and the keyspace's own state.

import type { Config } from "../../config/config.ts";
import type { LsmEngine } from "./lsm-engine.ts";

/** The share of maxmemory given to the block cache. */
export const BLOCK_CACHE_SHARE_OF_MAXMEMORY = 0.5;
/** The budget when maxmemory is 0 (no limit): the LSM library's default. */
export const DEFAULT_BLOCK_CACHE_BYTES = 64 * 1024 * 1024;

export function blockCacheBudget(maxmemory: number): number {
  return maxmemory === 0 ? DEFAULT_BLOCK_CACHE_BYTES : Math.floor(maxmemory * BLOCK_CACHE_SHARE_OF_MAXMEMORY);
}

/** Sizes the block cache from maxmemory now and on every CONFIG SET maxmemory. */
export function followMaxmemory(config: Config, engine: LsmEngine): void {
  const apply = (): void => engine.lsm.setBlockCacheBytes(blockCacheBudget(config.num("maxmemory")));
  apply();
  config.onChange((name) => {
    if (name === "maxmemory") apply();
  });
}
