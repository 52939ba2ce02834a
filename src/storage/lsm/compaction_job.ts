/** A self-contained compaction job (serializable), runnable in a worker or inline. */
import { CompactionRunner, type CompactionFilter, type CompactionFilterSpec, type CompactionParams, type CompactionStats, loadCompactionFilter } from './compaction.ts';
import { MergingIterator, type InternalIterator } from './iterator.ts';
import { compareBytes, KIND_RANGE_DELETE } from './dbformat.ts';
import { readLogFile } from './log_reader.ts';
import { forEachInBatch } from './write_batch.ts';
import { CorruptionError } from './assert.ts';
import { basename } from 'node:path';
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

/**
 * Flushes an immutable memtable off the main thread by rebuilding it from its
 * WAL file, which holds exactly the memtable's writes (the log is complete
 * once the memtable is switched out). Range tombstones are not table entries.
 */
export interface FlushJobSpec {
  params: CompactionParams;
  walFile: string;
}

export async function runFlushJob(spec: FlushJobSpec): Promise<CompactionJobResult> {
  const res = readLogFile(spec.walFile, 'strict');
  const keys: Uint8Array[] = [];
  const seqs: number[] = [];
  const kinds: number[] = [];
  const values: Uint8Array[] = [];
  for (const rec of res.records) {
    const ok = forEachInBatch(rec.data, (kind, key, value, seq) => {
      if (kind === KIND_RANGE_DELETE) return;
      keys.push(key);
      seqs.push(seq);
      kinds.push(kind);
      values.push(value);
    });
    if (!ok) throw new CorruptionError(basename(spec.walFile), rec.offset, 'malformed write batch');
  }
  const order = new Uint32Array(keys.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => compareBytes(keys[a], keys[b]) || seqs[b] - seqs[a]);
  const it = new SortedArrayIterator(order, keys, seqs, kinds, values);
  const runner = new CompactionRunner(it, spec.params, null);
  try {
    runner.step(Number.MAX_SAFE_INTEGER);
  } catch (e) {
    runner.abort();
    throw e;
  }
  return { outputs: runner.outputs, stats: runner.stats, bytesRead: 0 };
}

/** Forward-only iterator over sorted parallel arrays (all a flush needs). */
class SortedArrayIterator implements InternalIterator {
  private i = 0;
  constructor(
    private readonly order: Uint32Array,
    private readonly keys: Uint8Array[],
    private readonly seqs: number[],
    private readonly kinds: number[],
    private readonly values: Uint8Array[],
  ) {}
  valid(): boolean {
    return this.i < this.order.length;
  }
  seekToFirst(): void {
    this.i = 0;
  }
  seekToLast(): void {
    throw new Error('unsupported');
  }
  seek(): void {
    throw new Error('unsupported');
  }
  next(): void {
    this.i++;
  }
  prev(): void {
    throw new Error('unsupported');
  }
  userKey(): Uint8Array {
    return this.keys[this.order[this.i]];
  }
  seq(): number {
    return this.seqs[this.order[this.i]];
  }
  kind(): number {
    return this.kinds[this.order[this.i]];
  }
  value(): Uint8Array {
    return this.values[this.order[this.i]];
  }
  close(): void {}
}
