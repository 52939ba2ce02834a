// Reclaiming the sub-keys of deleted/overwritten/expired keys (FORMAT.md,
// "Reclaiming stale sub-keys"), main-thread side: the answer to the
// compaction filter's queries (reclaim-filter.ts), and the estimate of what is
// waiting to be reclaimed that INFO shows.

import type { DB } from "../lsm/index.ts";
import { CHUNK_SIZE } from "./chunked-strings.ts";
import { decodeType, decodeVersion, FLAG_CHUNKED } from "./encoding.ts";
import type { LsmMeta } from "./lsm-db.ts";
import type { ReachableVersions } from "./reclaim-filter.ts";

/** With more open snapshots than this, the filter's questions are not answered (everything is kept). */
const MAX_READ_POINTS = 16;

/** The version a metadata value gives its sub-keys, or null (a plain string has none). */
function subKeyVersion(raw: Uint8Array): number | null {
  const hasSubKeys = decodeType(raw) !== "string" || (raw[1] & FLAG_CHUNKED) !== 0;
  return hasSubKeys ? decodeVersion(raw) : null;
}

/**
 * For each metadata key, the sub-key versions a reader can still reach: the
 * current record's and those seen at every open snapshot (a read at a live
 * snapshot is exactly what compaction preserves). Runs on the main thread
 * between commands, so each command's writes are complete.
 */
export function reachableVersions(lsm: DB, metaKeys: Uint8Array[]): ReachableVersions {
  const readPoints = [undefined, ...lsm.snapshotSequences().map((seq) => ({ snapshot: { seq } }))];
  if (readPoints.length > MAX_READ_POINTS) return metaKeys.map(() => null);
  return metaKeys.map((metaKey) => {
    const versions: number[] = [];
    for (const at of readPoints) {
      const raw = lsm.get(metaKey, at);
      const version = raw === undefined ? null : subKeyVersion(raw);
      if (version !== null) versions.push(version);
    }
    return versions;
  });
}

/** Sub-key entries of a key: a zset holds two per member (member and score index), a chunked string one per chunk. */
function subKeyEntries(meta: LsmMeta): number {
  if (meta.type === "string") return Math.ceil(meta.size / CHUNK_SIZE);
  return meta.type === "zset" ? 2 * meta.size : meta.size;
}

/** Sub-key entries made unreachable since start (an estimate from the replaced metadata's sizes). */
export class OrphanCounter {
  entries = 0;

  /** `old` is deleted (replacement null) or replaced by the metadata value `replacement`. */
  noteReplaced(old: LsmMeta, replacement: Uint8Array | null): void {
    if (!old.hasSubKeys) return;
    if (replacement !== null && subKeyVersion(replacement) === old.version) return;
    this.entries += subKeyEntries(old);
  }
}
