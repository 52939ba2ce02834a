// Consumer-group read counters and lag (Redis 7.0's entries-read / lag):
// exact while no deletion lies ahead of the group, estimated from the
// stream's counters otherwise, unknown (null / -1) when it can't be known.

import type { StreamGroup, StreamId, StreamState } from "../storage/stream-ops.ts";

/** Redis's SCG_INVALID_ENTRIES_READ. */
export const UNKNOWN_READS = -1;

/** streamRangeHasTombstones(s, from, NULL): whether an XDEL'd id may lie at or after `from`. */
export function hasTombstonesAfter(s: StreamState, from: StreamId): boolean {
  if (s.length === 0 || s.maxDeletedId === 0n) return false;
  if (s.firstId > s.maxDeletedId) return false;
  return from <= s.maxDeletedId;
}

/** streamEstimateDistanceFromFirstEverEntry: the read counter of `id`, or UNKNOWN_READS. */
export function estimateReadCounter(s: StreamState, id: StreamId): number {
  if (s.entriesAdded === 0) return 0;
  if (s.length === 0 && id <= s.lastId) return s.entriesAdded;
  if (id === s.lastId) return s.entriesAdded;
  if (id > s.lastId) return UNKNOWN_READS;
  if (s.maxDeletedId === 0n || s.maxDeletedId < s.firstId) {
    if (id < s.firstId) return s.entriesAdded - s.length;
    if (id === s.firstId) return s.entriesAdded - s.length + 1;
  }
  return UNKNOWN_READS;
}

/** streamReplyWithCGLag: the group's lag, or null when unknown. */
export function groupLag(s: StreamState, g: StreamGroup): number | null {
  if (s.entriesAdded === 0) return 0;
  if (g.entriesRead !== UNKNOWN_READS && !hasTombstonesAfter(s, g.lastId)) return s.entriesAdded - g.entriesRead;
  const reads = estimateReadCounter(s, g.lastId);
  return reads === UNKNOWN_READS ? null : s.entriesAdded - reads;
}

/** The read counter after a group delivered `id` (streamReplyWithRange's bookkeeping). */
export function readCounterAfter(s: StreamState, entriesRead: number, id: StreamId): number {
  if (entriesRead !== UNKNOWN_READS && !hasTombstonesAfter(s, id)) return entriesRead + 1;
  if (s.entriesAdded !== 0) return estimateReadCounter(s, id);
  return entriesRead;
}
