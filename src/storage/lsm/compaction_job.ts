/** A self-contained compaction job (serializable), runnable in a worker or inline. */
import {
  CompactionRunner,
  type CompactionFilter,
  type CompactionFilterHost,
  type CompactionFilterSpec,
  type CompactionParams,
  type CompactionStats,
  loadCompactionFilterFactory,
} from './compaction.ts';
import { MergingIterator, type InternalIterator } from './iterator.ts';
import { compareBytes, KIND_RANGE_DELETE, MAX_SEQUENCE } from './dbformat.ts';
import { readLogFile } from './log_reader.ts';
import { forEachInBatch } from './write_batch.ts';
import { CorruptionError } from './assert.ts';
import { basename } from 'node:path';
import { TableCache } from './table_cache.ts';
import type { FileMeta } from './version_edit.ts';
import { LevelIterator } from './version_set.ts';
import { abbrev24, sortByAbbreviation } from './key_sort.ts';

export interface CompactionJob {
  params: CompactionParams;
  /** inputs[0] = files at the source level, inputs[1] = files at the output level. */
  inputs: FileMeta[][];
  sourceLevel: number;
  filter?: CompactionFilterSpec;
  /** A sub-compaction's user-key range [start, end) (null: unbounded); absent: all of the inputs. */
  range?: { start: Uint8Array | null; end: Uint8Array | null };
}

export interface CompactionJobResult {
  outputs: FileMeta[];
  stats: CompactionStats;
  bytesRead: number;
}

const factories = new Map<string, Awaited<ReturnType<typeof loadCompactionFilterFactory>>>();

/** A fresh filter per job (it may keep per-job state and talks to its job's DB through host); modules load once. */
async function createFilter(spec: CompactionFilterSpec | undefined, host: CompactionFilterHost | undefined): Promise<CompactionFilter | null> {
  if (spec === undefined) return null;
  let factory = factories.get(spec.module);
  if (factory === undefined) {
    factory = await loadCompactionFilterFactory(spec);
    factories.set(spec.module, factory);
  }
  return factory(spec.options, host ?? noHost);
}

const noHost: CompactionFilterHost = {
  query: () => Promise.reject(new Error('no compaction filter query handler')),
};

/** Entries per filter window (and an upper bound of their bytes): one `prepare` (one query round trip) per window. */
const WINDOW_ENTRIES = 4096;
const WINDOW_BYTES = 4 << 20;

/**
 * Runs the merge to completion. A filter with `prepare` sees each window of
 * keys before deciding on them; the next window is prepared while the
 * current one is merged, so a query round trip (a thread switch, slow on a
 * loaded machine) overlaps with work instead of stalling it.
 */
async function runToEnd(input: InternalIterator, params: CompactionParams, filter: CompactionFilter | null): Promise<CompactionRunner> {
  if (filter === null || typeof filter === 'function') {
    const runner = new CompactionRunner(input, params, filter);
    return guarded(runner, () => runner.step(Number.MAX_SAFE_INTEGER));
  }
  const window = new WindowedInput(input);
  const runner = new CompactionRunner(window, params, filter);
  const prepare = (keys: Uint8Array[]): Promise<void> => {
    const ready = filter.prepare(keys);
    ready.catch(() => {}); // awaited below, unless the merge failed first
    return ready;
  };
  return guardedAsync(runner, async () => {
    let keys = window.nextWindow(WINDOW_ENTRIES, WINDOW_BYTES);
    let ready = prepare(keys);
    while (keys.length > 0) {
      await ready;
      const count = keys.length;
      keys = window.nextWindow(WINDOW_ENTRIES, WINDOW_BYTES);
      if (keys.length > 0) ready = prepare(keys);
      runner.step(count);
    }
    runner.step(1); // finishes the last output
  });
}

function guarded(runner: CompactionRunner, run: () => void): CompactionRunner {
  try {
    run();
  } catch (e) {
    runner.abort();
    throw e;
  }
  return runner;
}

async function guardedAsync(runner: CompactionRunner, run: () => Promise<void>): Promise<CompactionRunner> {
  try {
    await run();
  } catch (e) {
    runner.abort();
    throw e;
  }
  return runner;
}

/** filterOverride: a function filter given directly (inline mode, tests) instead of job.filter. */
export async function runCompactionJob(job: CompactionJob, host?: CompactionFilterHost, filterOverride?: CompactionFilter): Promise<CompactionJobResult> {
  const filter = filterOverride ?? (await createFilter(job.filter, host));
  // Compaction reads each block once: no block cache, few fds.
  const tc = new TableCache(job.params.dir, 1000, null);
  const its: InternalIterator[] = [];
  try {
    if (job.sourceLevel === 0) for (const f of job.inputs[0]) its.push(tc.get(f.number).iterator());
    else if (job.inputs[0].length > 0) its.push(new LevelIterator(job.inputs[0], tc));
    if (job.inputs[1].length > 0) its.push(new LevelIterator(job.inputs[1], tc));
    const merged = new MergingIterator(its);
    const input = job.range === undefined ? merged : new KeyRangeIterator(merged, job.range.start, job.range.end);
    const runner = await runToEnd(input, job.params, filter);
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
  filter?: CompactionFilterSpec;
}

export async function runFlushJob(spec: FlushJobSpec, host?: CompactionFilterHost): Promise<CompactionJobResult> {
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
  const n = keys.length;
  // The prefix every key shares, then each key's next 6 bytes as the radix sort's abbreviation.
  let cp = n === 0 ? 0 : keys[0].length;
  for (let i = 1; i < n && cp > 0; i++) {
    const k = keys[i];
    const first = keys[0];
    if (k.length < cp) cp = k.length;
    let j = 0;
    while (j < cp && k[j] === first[j]) j++;
    cp = j;
  }
  const hi = new Int32Array(n);
  const lo = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    hi[i] = abbrev24(k, 0, k.length, cp);
    lo[i] = abbrev24(k, 0, k.length, cp + 3);
  }
  const items = new Int32Array(n);
  for (let i = 0; i < n; i++) items[i] = i;
  const order = sortByAbbreviation(items, hi, lo, (a, b) => compareBytes(keys[a], keys[b]) || seqs[b] - seqs[a]);
  const it = new SortedArrayIterator(order, keys, seqs, kinds, values);
  const runner = await runToEnd(it, spec.params, await createFilter(spec.filter, host));
  return { outputs: runner.outputs, stats: runner.stats, bytesRead: 0 };
}

/** What a merge input needs: forward iteration from the first entry. */
abstract class ForwardOnlyIterator implements InternalIterator {
  abstract valid(): boolean;
  abstract seekToFirst(): void;
  abstract next(): void;
  abstract userKey(): Uint8Array;
  keyBuffer(): Uint8Array {
    return this.userKey();
  }
  keyOffset(): number {
    return 0;
  }
  keyLength(): number {
    return this.userKey().length;
  }
  abstract seq(): number;
  abstract kind(): number;
  abstract value(): Uint8Array;
  seekToLast(): void {
    throw new Error('unsupported');
  }
  seek(): void {
    throw new Error('unsupported');
  }
  prev(): void {
    throw new Error('unsupported');
  }
  close(): void {}
}

/** A sub-compaction's input: the entries of source with user keys in [start, end). */
class KeyRangeIterator extends ForwardOnlyIterator {
  constructor(
    private readonly source: InternalIterator,
    private readonly start: Uint8Array | null,
    private readonly end: Uint8Array | null,
  ) {
    super();
  }
  valid(): boolean {
    const s = this.source;
    if (!s.valid()) return false;
    const end = this.end;
    if (end === null) return true;
    const b = s.keyBuffer();
    const off = s.keyOffset();
    const len = s.keyLength();
    const n = len < end.length ? len : end.length;
    for (let i = 0; i < n; i++) {
      const d = b[off + i] - end[i];
      if (d !== 0) return d < 0;
    }
    return len < end.length;
  }
  seekToFirst(): void {
    if (this.start === null) this.source.seekToFirst();
    else this.source.seek(this.start, MAX_SEQUENCE);
  }
  next(): void {
    this.source.next();
  }
  userKey(): Uint8Array {
    return this.source.userKey();
  }
  override keyBuffer(): Uint8Array {
    return this.source.keyBuffer();
  }
  override keyOffset(): number {
    return this.source.keyOffset();
  }
  override keyLength(): number {
    return this.source.keyLength();
  }
  seq(): number {
    return this.source.seq();
  }
  kind(): number {
    return this.source.kind();
  }
  value(): Uint8Array {
    return this.source.value();
  }
}

/** Forward-only iterator over sorted parallel arrays (all a flush needs). */
class SortedArrayIterator extends ForwardOnlyIterator {
  private i = 0;
  constructor(
    private readonly order: Int32Array,
    private readonly keys: Uint8Array[],
    private readonly seqs: number[],
    private readonly kinds: number[],
    private readonly values: Uint8Array[],
  ) {
    super();
  }
  valid(): boolean {
    return this.i < this.order.length;
  }
  seekToFirst(): void {
    this.i = 0;
  }
  next(): void {
    this.i++;
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
}

/**
 * The input of a filtered merge, read ahead in windows: `nextWindow` buffers
 * the next entries (copies: source views do not outlive next()) and returns
 * their keys for the filter's `prepare`; the runner then consumes them.
 * Positioned at the first entry from construction (seekToFirst is a no-op).
 */
class WindowedInput extends ForwardOnlyIterator {
  private keys: Uint8Array[] = [];
  private seqs: number[] = [];
  private kinds: number[] = [];
  private values: Uint8Array[] = [];
  private pos = 0;

  constructor(private readonly source: InternalIterator) {
    super();
    source.seekToFirst();
  }

  /**
   * Drops the consumed entries and buffers up to `maxEntries` / `maxBytes`
   * more behind the unconsumed ones; returns the keys of the new ones.
   */
  nextWindow(maxEntries: number, maxBytes: number): Uint8Array[] {
    this.keys = this.keys.slice(this.pos);
    this.seqs = this.seqs.slice(this.pos);
    this.kinds = this.kinds.slice(this.pos);
    this.values = this.values.slice(this.pos);
    this.pos = 0;
    const from = this.keys.length;
    let bytes = 0;
    while (this.keys.length - from < maxEntries && bytes < maxBytes && this.pull()) bytes += this.keys[this.keys.length - 1].length + this.values[this.values.length - 1].length;
    return this.keys.slice(from);
  }

  private pull(): boolean {
    const src = this.source;
    if (!src.valid()) return false;
    const key = src.keyBuffer();
    const off = src.keyOffset();
    this.keys.push(key.slice(off, off + src.keyLength()));
    this.seqs.push(src.seq());
    this.kinds.push(src.kind());
    this.values.push(src.value().slice());
    src.next();
    return true;
  }

  valid(): boolean {
    // Past the buffered windows only at the end of the input (the pull then finds nothing).
    return this.pos < this.keys.length || this.pull();
  }
  seekToFirst(): void {}
  next(): void {
    this.pos++;
  }
  userKey(): Uint8Array {
    return this.keys[this.pos];
  }
  seq(): number {
    return this.seqs[this.pos];
  }
  kind(): number {
    return this.kinds[this.pos];
  }
  value(): Uint8Array {
    return this.values[this.pos];
  }
}
