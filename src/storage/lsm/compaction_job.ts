/** A self-contained compaction job (serializable), runnable in a worker or inline. */
import { CompactionRunner, type CompactionFilter, type CompactionFilterSpec, type CompactionParams, type CompactionStats, loadCompactionFilter } from './compaction.ts';
import { MergingIterator, type InternalIterator } from './iterator.ts';
import { TableCache } from './table_cache.ts';
import type { FileMeta } from './version_edit.ts';
import { LevelIterator } from './version_set.ts';

export interface CompactionJob {
  params: CompactionParams;
  /** inputs[0] = files at the source level, inputs[1] = files at the output level. */
  inputs: FileMeta[][];
  sourceLevel: number;
  filter?: CompactionFilterSpec;
}

export interface CompactionJobResult {
  outputs: FileMeta[];
  stats: CompactionStats;
  bytesRead: number;
}

const filterCache = new Map<string, CompactionFilter | null>();

async function getFilter(spec: CompactionFilterSpec | undefined): Promise<CompactionFilter | null> {
  if (spec === undefined) return null;
  const key = spec.module + '\0' + JSON.stringify(spec.options ?? null);
  if (!filterCache.has(key)) filterCache.set(key, await loadCompactionFilter(spec));
  return filterCache.get(key) ?? null;
}

export async function runCompactionJob(job: CompactionJob, filterOverride?: CompactionFilter | null): Promise<CompactionJobResult> {
  const filter = filterOverride !== undefined ? filterOverride : await getFilter(job.filter);
  // Compaction reads each block once: no block cache, few fds.
  const tc = new TableCache(job.params.dir, 1000, null);
  const its: InternalIterator[] = [];
  try {
    if (job.sourceLevel === 0) for (const f of job.inputs[0]) its.push(tc.get(f.number).iterator());
    else if (job.inputs[0].length > 0) its.push(new LevelIterator(job.inputs[0], tc));
    if (job.inputs[1].length > 0) its.push(new LevelIterator(job.inputs[1], tc));
    const merged = new MergingIterator(its);
    const runner = new CompactionRunner(merged, job.params, filter);
    try {
      runner.step(Number.MAX_SAFE_INTEGER);
    } catch (e) {
      runner.abort();
      throw e;
    }
    return { outputs: runner.outputs, stats: runner.stats, bytesRead: tc.stats.bytesRead };
  } finally {
    for (const it of its) it.close();
    tc.close();
  }
}
