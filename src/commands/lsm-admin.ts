// LSM-engine administration: DEBUG COMPACT (AiKv-specific: flush and compact
// everything now, so tests and operators can reclaim space on demand) and the
// lsm fields of INFO persistence: what DEL/overwrite/expiry left for
// compaction and the block and metadata caches' budgets and hit rates (only with --engine lsm).

import type { Client } from "../net/client.ts";
import { blockingOf } from "../keyspace/blocking.ts";
import { addInfoFields } from "../observability/info.ts";
import { LsmEngine } from "../storage/lsm-engine/lsm-engine.ts";
import { metaCacheOf } from "../storage/lsm-engine/meta-cache.ts";
import { fail } from "./errors.ts";

export const DEBUG_COMPACT_HELP = [
  "COMPACT",
  "    (AiKv, --engine lsm) Flush and compact the whole LSM tree now; replies when done.",
];

/** A cache's hits / lookups for INFO (0 before any lookup). */
function hitRate(cache: { hits: number; misses: number }): string {
  const lookups = cache.hits + cache.misses;
  return (lookups === 0 ? 0 : cache.hits / lookups).toFixed(4);
}

function lsmEngineOf(c: Client): LsmEngine {
  const engine = c.server.engine;
  if (!(engine instanceof LsmEngine)) fail("ERR DEBUG COMPACT needs --engine lsm");
  return engine;
}

/**
 * The client waits (its further input is held, like a blocked client) while
 * other clients are served; writes made meanwhile are safe: the filter only
 * removes versions that no reader can reach.
 */
export function debugCompact(c: Client): void {
  const engine = lsmEngineOf(c);
  if (!blockingOf(c.server).canBlock(c)) fail("ERR DEBUG COMPACT cannot run inside MULTI or scripts");
  c.blocked = true;
  const done = (error: Error | null): void => {
    c.blocked = false;
    if (c.closed) return;
    c.server.deliver(c, (out) => (error === null ? out.ok() : out.error(`ERR compaction failed: ${error.message}`)));
    c.server.resumeClient(c);
  };
  engine.compact().then(() => done(null), done);
}

addInfoFields("persistence", (server) => {
  const engine = server.engine;
  if (!(engine instanceof LsmEngine)) return [];
  const stats = engine.lsm.stats();
  const meta = metaCacheOf(engine).stats();
  const rows = stats.rowCache;
  const tableBytes = stats.levels.reduce((n, level) => n + level.bytes, 0);
  const bytesPerEntry = stats.tableEntries === 0 ? 0 : tableBytes / stats.tableEntries;
  // Orphaned minus removed since start: removals of orphans from before a
  // restart, or of several versions of one sub-key, make it an underestimate.
  const pending = Math.max(0, engine.orphans.entries - stats.filterRemovedEntries);
  return [
    ["lsm_reclaim_orphaned_subkeys", engine.orphans.entries],
    ["lsm_reclaim_removed_entries", stats.filterRemovedEntries],
    ["lsm_reclaim_pending_subkeys_estimate", pending],
    ["lsm_reclaim_pending_bytes_estimate", Math.round(pending * bytesPerEntry)],
    ["lsm_reclaim_range_tombstones", stats.rangeTombstones],
    ["lsm_table_entries", stats.tableEntries],
    // Write amplification: bytes each level holds, and what flushes and compactions (by output level) wrote and cost.
    ["lsm_level_files", stats.levels.map((level) => level.files).join(",")],
    ["lsm_level_bytes", stats.levels.map((level) => level.bytes).join(",")],
    ["lsm_wal_bytes_written", stats.walBytesWritten],
    ["lsm_flushes", stats.flushes],
    ["lsm_flush_bytes_written", stats.flushBytesWritten],
    ["lsm_flush_cpu_ms", Math.round(stats.flushCpuMs)],
    ["lsm_flushes_from_wal", stats.walFlushes],
    ["lsm_recycled_memtables", stats.recycledMemtables],
    ["lsm_compactions", stats.compactions],
    ["lsm_trivial_moves", stats.trivialMoves],
    ["lsm_compaction_bytes_read", stats.compactionBytesRead],
    ["lsm_compaction_bytes_written", stats.compactionBytesWritten],
    ["lsm_compaction_bytes_written_by_level", stats.compactionBytesWrittenByLevel.join(",")],
    ["lsm_compaction_cpu_ms", Math.round(stats.compactionCpuMs)],
    ["lsm_write_stall_ms", Math.round(stats.stallMs)],
    ["lsm_table_bytes", tableBytes],
    ["lsm_table_block_reads", stats.blockReads],
    ["lsm_block_cache_capacity", stats.blockCache.capacity],
    ["lsm_block_cache_usage", stats.blockCache.usage],
    ["lsm_block_cache_hits", stats.blockCache.hits],
    ["lsm_block_cache_misses", stats.blockCache.misses],
    ["lsm_block_cache_hit_rate", stats.blockCache.hitRate.toFixed(4)],
    ["lsm_meta_cache_capacity", meta.capacity],
    ["lsm_meta_cache_usage", meta.usage],
    ["lsm_meta_cache_keys", meta.entries],
    ["lsm_meta_cache_hits", meta.hits],
    ["lsm_meta_cache_misses", meta.misses],
    ["lsm_meta_cache_hit_rate", hitRate(meta)],
    ["lsm_row_cache_capacity", rows.capacity],
    ["lsm_row_cache_usage", rows.usage],
    ["lsm_row_cache_entries", rows.entries],
    ["lsm_row_cache_hits", rows.hits],
    ["lsm_row_cache_misses", rows.misses],
    ["lsm_row_cache_hit_rate", hitRate(rows)],
  ];
});
