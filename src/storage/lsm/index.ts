/** Public API of the LSM storage engine. */
export { DB, type Snapshot, type ReadOptions, type DBStats, type LevelStats, type RecoveryReport } from './db.ts';
export { DBIterator, type IteratorOptions } from './db_iterator.ts';
export { WriteBatch, type MemtablePlace } from './write_batch.ts';
export { PREFETCH_MAX } from './memtable.ts';
export type { DBOptions, SyncPolicy } from './options.ts';
export { DEFAULT_MAX_IMMUTABLE_MEMTABLES } from './options.ts';
export type { CompactionFilter, CompactionFilterHost, CompactionFilterSpec, FilterDecision, PreparedCompactionFilter } from './compaction.ts';
export { CorruptionError } from './assert.ts';

import { DB } from './db.ts';
import type { DBOptions } from './options.ts';

/** Opens (or creates) the database in `dir`. */
export function open(dir: string, options: DBOptions = {}): Promise<DB> {
  return DB.open(dir, options);
}
