// The byte budgets of the LSM block cache and of the decoded-metadata cache
// (meta-cache.ts) follow `maxmemory` (issue 6: the caches stay within the
// memory limit). Table data is read through mmap, so the
// page cache holds what the block cache does not; the rest of maxmemory is
// left to memtables, table indexes/filters and the keyspace's own state.

import type { Config } from "../../config/config.ts";
import type { LsmEngine } from "./lsm-engine.ts";
import { DEFAULT_META_CACHE_BYTES, metaCacheOf } from "./meta-cache.ts";

/** The share of maxmemory given to the block cache. */
export const BLOCK_CACHE_SHARE_OF_MAXMEMORY = 0.5;
/** The share of maxmemory given to the decoded-metadata cache. */
export const META_CACHE_SHARE_OF_MAXMEMORY = 0.25;
/** The budget when maxmemory is 0 (no limit): the LSM library's default. */
export const DEFAULT_BLOCK_CACHE_BYTES = 64 * 1024 * 1024;

export function blockCacheBudget(maxmemory: number): number {
  return maxmemory === 0 ? DEFAULT_BLOCK_CACHE_BYTES : Math.floor(maxmemory * BLOCK_CACHE_SHARE_OF_MAXMEMORY);
}

export function metaCacheBudget(maxmemory: number): number {
  return maxmemory === 0 ? DEFAULT_META_CACHE_BYTES : Math.floor(maxmemory * META_CACHE_SHARE_OF_MAXMEMORY);
}

/** Sizes the caches from maxmemory now and on every CONFIG SET maxmemory. */
export function followMaxmemory(config: Config, engine: LsmEngine): void {
  const apply = (): void => {
    const maxmemory = config.num("maxmemory");
    engine.lsm.setBlockCacheBytes(blockCacheBudget(maxmemory));
    metaCacheOf(engine).setCapacity(metaCacheBudget(maxmemory));
  };
  apply();
  config.onChange((name) => {
    if (name === "maxmemory") apply();
  });
}
