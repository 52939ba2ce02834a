/** A self-contained compaction job (serializable), runnable in a worker or inline. */
import {
  CompactionRunner,
  type CompactionFilter,
  type CompactionFilterHost,
  type CompactionFilterSpec,
  type CompactionParams,
  type CompactionStats,
  type FilterKeySelection,
  groupOf,
  listedInWindow,
  loadCompactionFilterFactory,
} from './compaction.ts';
import { MergingIterator, type InternalIterator } from './iterator.ts';
import { compareBytesN, ikeyUserKey, KIND_RANGE_DELETE, MAX_SEQUENCE, view } from './dbformat.ts';
import { bloomHashAt, bloomMayContain } from './bloom.ts';
import { forEachLogRecord, readLogBytesInto } from './log_reader.ts';
import { forEachRangeInBatch } from './write_batch.ts';
import { CorruptionError } from './assert.ts';
import { basename } from 'node:path';
import { TableCache } from './table_cache.ts';
import type { FileMeta } from './version_edit.ts';
import { LevelIterator } from './version_set.ts';
import { sortKeys } from './key_sort.ts';
import { copyRange } from './coding.ts';
import { memtableEntries, type SharedMemtable } from './memtable.ts';

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
  /** CPU time of the worker thread that ran the job (compaction_worker.ts); 0 when run inline. */
  cpuNs: number;
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
 * Entries whose bytes a windowed source loads at a time (loadAhead, and
 * while listing a window), each just before they are read: a window's
 * 4096 entries, scattered over a memtable, are ~400 KB of cache lines,
 * most of this VM's 512 KB L2 cache, and loaded window by window they
 * were evicted again before the listing or the merge read them (the
 * merge's first read of each key and the listing's were ~20% of a flush's
 * merge in a profile). 128: ~10% less CPU per flush than whole windows
 * (bench/lsm/flush_ab.ts), 64 no better.
 */
const LOAD_AHEAD = 128;

/**
 * Runs the merge to completion. A filter with `prepare` sees each window of
 * keys before deciding on them; the next window is prepared while the
 * current one is merged, so a query round trip (a thread switch, slow on a
 * loaded machine) overlaps with work instead of stalling it.
 */
async function runToEnd(input: InternalIterator, params: CompactionParams, filter: CompactionFilter | null, below: TablesBelow | null = null): Promise<CompactionRunner> {
  const mayBeBelow = below === null ? null : (key: Uint8Array, keyLength: number) => below.mayHold(key, keyLength);
  if (filter === null || typeof filter === 'function') {
    const runner = new CompactionRunner(input, params, filter, mayBeBelow);
    return guarded(runner, () => runner.step(Number.MAX_SAFE_INTEGER));
  }
  const window = 'nextWindow' in input ? (input as WindowedSource) : new WindowedInput(input);
  const runner = new CompactionRunner(window, params, filter, mayBeBelow);
  const selection: FilterKeySelection = {
    prefix: filter.keyPrefix ?? null,
    groupLength: filter.groupLength === undefined ? null : (buf, off, len) => filter.groupLength!(buf, off, len),
  };
  const prepare = (keys: Uint8Array[]): Promise<void> => {
    const ready = filter.prepare(keys);
    ready.catch(() => {}); // awaited below, unless the merge failed first
    return ready;
  };
  return guardedAsync(runner, async () => {
    let keys: Uint8Array[] = [];
    let count = window.nextWindow(WINDOW_ENTRIES, WINDOW_BYTES, keys, selection);
    let ready = prepare(keys);
    while (count > 0) {
      await ready;
      const entries = count;
      keys = [];
      count = window.nextWindow(WINDOW_ENTRIES, WINDOW_BYTES, keys, selection);
      if (count > 0) ready = prepare(keys);
      // In steps of LOAD_AHEAD entries, each loaded just before it is merged.
      for (let done = 0; done < entries; done += LOAD_AHEAD) {
        const n = entries - done < LOAD_AHEAD ? entries - done : LOAD_AHEAD;
        window.loadAhead(n);
        runner.step(n);
      }
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
    return { outputs: runner.outputs, stats: runner.stats, bytesRead: tc.stats.bytesRead, cpuNs: 0 };
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
  /**
   * The memtable's entries in shared memory, read in place instead of the
   * WAL when given: overwrites in place left about a third of the WAL's ops
   * in the memtables of the server's benchmark, so there are fewer entries
   * to sort and merge, and no log to read and parse (~30% of a flush).
   */
  memtable?: SharedMemtable;
  filter?: CompactionFilterSpec;
  /**
   * The DB's tables by level when the flush started (kept from deletion
   * until it ends), and which open DB they are of (DB.instance): a deletion
   * of a key none of them may hold is dropped (TablesBelow). Absent:
   * deletions are kept.
   */
  below?: TablesOfDb;
}

/**
 * The tables of one open DB by level. A file number names one file only
 * while a DB is open: a dir whose files were replaced (by a copy of another
 * DB's, say) may list a table of a number the worker opened for the DB
 * before, with other keys, whose filter would then judge this DB's
 * deletions. So the worker's opened tables (OpenedTables) are kept per open
 * DB, not per dir.
 */
export interface TablesOfDb {
  db: number;
  levels: FileMeta[][];
}

export async function runFlushJob(spec: FlushJobSpec, host?: CompactionFilterHost): Promise<CompactionJobResult> {
  const scratch = spareScratch ?? new FlushScratch();
  spareScratch = null;
  try {
    let entries: FlushEntries;
    if (spec.memtable !== undefined) entries = FlushEntries.ofMemtable(scratch, spec.memtable);
    else {
      const read = readLogBytesInto(spec.walFile, scratch.logBuffer);
      scratch.logBuffer = read.buffer;
      scratch.log = read.buffer.subarray(0, read.size);
      entries = FlushEntries.ofLog(scratch, basename(spec.walFile));
    }
    const below = spec.below === undefined ? null : tablesBelow(spec.params.dir, spec.below);
    const runner = await runToEnd(entries, spec.params, await createFilter(spec.filter, host), below);
    return { outputs: runner.outputs, stats: runner.stats, bytesRead: 0, cpuNs: 0 };
  } finally {
    // Nothing of this job's views outlives it (tables and filters copy what they keep).
    if (scratch.bytes() <= SCRATCH_KEPT_BYTES) spareScratch = scratch;
  }
}

/**
 * The tables under a flush's output (the DB's tables when it started), for
 * CompactionRunner's mayBeBelow: a key may be in a table if it lies in its
 * range and the table's filter may hold it. Asked only about deletions (a
 * third of the benchmark's flush entries): per level 0 file a range check,
 * per deeper level the one file whose range may hold the key (they are
 * disjoint), then the filter. A table is opened (for its filter) when a key
 * first falls in its range, and kept for the next flushes (OpenedTables);
 * past MAX_OPENED new ones per flush, or if one cannot be opened (its reads
 * will report why), a key in its range may be there.
 */
class TablesBelow {
  /** Per table: its file, smallest and largest user keys, and filter (null: not looked up yet). */
  private readonly files: FileMeta[] = [];
  private readonly smallest: Uint8Array[] = [];
  private readonly largest: Uint8Array[] = [];
  private readonly filters: (Uint8Array | null)[] = [];
  /** Tables [levelStarts[l], levelStarts[l + 1]) are level l's; level 0's overlap, the others' are in key order. */
  private readonly levelStarts: number[] = [0];
  private newlyOpened = 0;
  private unopenable = false;

  constructor(
    private readonly opened: OpenedTables,
    levels: FileMeta[][],
  ) {
    for (const files of levels) {
      for (const f of files) {
        this.files.push(f);
        this.smallest.push(ikeyUserKey(f.smallest));
        this.largest.push(ikeyUserKey(f.largest));
        this.filters.push(null);
      }
      this.levelStarts.push(this.files.length);
    }
  }

  /** Whether a table may hold the key key[0, keyLength). */
  mayHold(key: Uint8Array, keyLength: number): boolean {
    const hash = bloomHashAt(key, 0, keyLength);
    const starts = this.levelStarts;
    for (let i = 0; i < starts[1]; i++) if (this.inRange(i, key, keyLength) && this.filterMayHold(i, hash)) return true;
    for (let level = 1; level + 1 < starts.length; level++) {
      // The first table whose largest key is not below the key: the only one of the level that may hold it.
      let lo = starts[level];
      let hi = starts[level + 1];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareBytesN(this.largest[mid], this.largest[mid].length, key, keyLength) < 0) lo = mid + 1;
        else hi = mid;
      }
      if (lo < starts[level + 1] && this.inRange(lo, key, keyLength) && this.filterMayHold(lo, hash)) return true;
    }
    return false;
  }

  private inRange(i: number, key: Uint8Array, keyLength: number): boolean {
    const lo = this.smallest[i];
    const hi = this.largest[i];
    return compareBytesN(key, keyLength, lo, lo.length) >= 0 && compareBytesN(key, keyLength, hi, hi.length) <= 0;
  }

  private filterMayHold(i: number, hash: number): boolean {
    let filter = this.filters[i];
    if (filter === null) {
      const number = this.files[i].number;
      const isNew = !this.opened.has(number);
      if (this.unopenable || (isNew && this.newlyOpened === MAX_OPENED)) return true;
      try {
        // A view of the table's mapping: it stays valid after the table is evicted.
        filter = this.filters[i] = this.opened.filterOf(number);
      } catch {
        this.unopenable = true;
        return true;
      }
      if (isNew) this.newlyOpened++;
    }
    return bloomMayContain(filter, hash);
  }
}

/** TablesBelow opens at most this many tables per flush (a table opens in ~0.5-10 ms). */
const MAX_OPENED = 16;

/**
 * The tables TablesBelow opened, kept by the worker for the next flushes of
 * the same DB: most tables below a flush were below the one before (L0's
 * files until they are compacted, the deeper levels'), and opening one maps
 * it, checks its filter's and index's checksums and parses its index. Those
 * the DB no longer lists are let go at the next flush (their files may be
 * deleted); one open DB's at a time (that of the last flush).
 */
class OpenedTables {
  private readonly cache: TableCache;
  private readonly numbers = new Set<number>();

  constructor(
    readonly dir: string,
    readonly db: number,
  ) {
    // Only filters are read: no block cache.
    this.cache = new TableCache(dir, OPENED_KEPT, null);
  }

  has(number: number): boolean {
    return this.numbers.has(number);
  }

  filterOf(number: number): Uint8Array {
    const filter = this.cache.get(number).filter;
    this.numbers.add(number);
    return filter;
  }

  /** Lets go of the tables the DB no longer lists. */
  keepOnly(levels: FileMeta[][]): void {
    const live = new Set<number>();
    for (const files of levels) for (const f of files) live.add(f.number);
    for (const n of this.numbers) {
      if (live.has(n)) continue;
      this.cache.evict(n);
      this.numbers.delete(n);
    }
  }

  close(): void {
    this.cache.close();
  }
}

/** OpenedTables keeps at most this many (least recently used go first). */
const OPENED_KEPT = 64;
let openedTables: OpenedTables | null = null;

/** The tables below a flush of the DB in dir, reusing those the last flush of that open DB opened. */
function tablesBelow(dir: string, below: TablesOfDb): TablesBelow {
  if (openedTables?.dir !== dir || openedTables.db !== below.db) {
    openedTables?.close();
    openedTables = new OpenedTables(dir, below.db);
  }
  openedTables.keepOnly(below.levels);
  return new TablesBelow(openedTables, below.levels);
}

/**
 * The big arrays of a flush - the WAL's bytes, each op's offsets, the sort
 * keys - kept by the worker for its next flush: fresh memory costs a page
 * fault per 4 KiB on first touch, 15-70 ms of CPU per 8 MiB on this VM
 * (measured), as much as the rest of a flush. One set is kept (a flush that
 * runs while another has it makes its own); at most SCRATCH_KEPT_BYTES.
 */
class FlushScratch {
  /** The WAL's bytes: the first bytes of logBuffer. */
  log: Uint8Array = new Uint8Array(0);
  logBuffer: Uint8Array = new Uint8Array(0);
  record = new Int32Array(0);
  keyStarts = new Int32Array(0);
  keyEnds = new Int32Array(0);
  valueStarts = new Int32Array(0);
  valueEnds = new Int32Array(0);
  seqs = new Float64Array(0);
  kinds = new Uint8Array(0);
  /** Sort keys: each op's abbreviation halves, and the ids to order. */
  hi = new Int32Array(0);
  lo = new Int32Array(0);
  ids = new Int32Array(0);
  /** The ops' fields in key order (FlushEntries.gather): ENTRY_FIELDS ints each, and their sequence numbers. */
  inOrder = new Int32Array(0);
  seqsInOrder = new Float64Array(0);

  /** Makes room for `ops` ops (keeping what the first `kept` hold). */
  fit(ops: number, kept: number): void {
    if (this.kinds.length >= ops) return;
    const resized = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(ops);
      b.set(a.subarray(0, kept));
      return b;
    };
    this.record = resized(this.record, (n) => new Int32Array(n));
    this.keyStarts = resized(this.keyStarts, (n) => new Int32Array(n));
    this.keyEnds = resized(this.keyEnds, (n) => new Int32Array(n));
    this.valueStarts = resized(this.valueStarts, (n) => new Int32Array(n));
    this.valueEnds = resized(this.valueEnds, (n) => new Int32Array(n));
    this.seqs = resized(this.seqs, (n) => new Float64Array(n));
    this.kinds = resized(this.kinds, (n) => new Uint8Array(n));
  }

  /** Sort-key arrays for n ops. */
  fitSortKeys(n: number): void {
    if (this.ids.length >= n) return;
    this.hi = new Int32Array(n);
    this.lo = new Int32Array(n);
    this.ids = new Int32Array(n);
  }

  /** In-order arrays for n ops. */
  fitInOrder(n: number): void {
    if (this.seqsInOrder.length >= n) return;
    this.inOrder = new Int32Array(n * ENTRY_FIELDS);
    this.seqsInOrder = new Float64Array(n);
  }

  bytes(): number {
    return this.logBuffer.length + this.kinds.length * 29 + this.ids.length * 12 + this.seqsInOrder.length * (8 + 4 * ENTRY_FIELDS);
  }
}

const SCRATCH_KEPT_BYTES = 64 * 1024 * 1024;
/** Ints per op in FlushScratch.inOrder: its buffer's index in records, key start and end, value start and end, kind. */
const ENTRY_FIELDS = 6;
let spareScratch: FlushScratch | null = null;

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
  valueBuffer(): Uint8Array {
    return this.value();
  }
  valueStart(): number {
    return 0;
  }
  valueEnd(): number {
    return this.value().length;
  }
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
  override valueBuffer(): Uint8Array {
    return this.source.valueBuffer();
  }
  override valueStart(): number {
    return this.source.valueStart();
  }
  override valueEnd(): number {
    return this.source.valueEnd();
  }
}

/** A merge input that lists the keys of its next entries ahead of the merge (for a filter's `prepare`). */
interface WindowedSource extends InternalIterator {
  /**
   * Adds to keys the keys of the up to maxEntries (about maxBytes of keys
   * and values) entries after the last window, in order, that the filter
   * is shown (listedInWindow: a key's versions, and a group's keys, listed
   * once per run); returns the number of entries.
   */
  nextWindow(maxEntries: number, maxBytes: number, keys: Uint8Array[], selection: FilterKeySelection): number;
  /** The merge is about to read the next `entries` entries: load what it will read, if that is not in cache. */
  loadAhead(entries: number): void;
}

const EMPTY = new Uint8Array(0);
/** Where FlushEntries.touchKeys leaves a sum of the bytes it loaded, so that the loads are not optimized away. */
export let touchedSink = 0;

/**
 * A flush's input: a memtable's entries (read from its shared memory, or
 * rebuilt from the ops of its WAL's batches) in (user key, newest first)
 * order, each kept as its bytes' offsets in its buffer (a view and a copy
 * per key and value were ~40% of a flush). Entries stay valid, so a
 * filter's windows are views of them, not copies (WindowedInput). Range
 * deletions are not table entries.
 */
class FlushEntries extends ForwardOnlyIterator implements WindowedSource {
  /** Per entry (scratch's arrays): its buffer's index in records, its key's and value's offsets there, sequence and kind. */
  private record!: Int32Array;
  private keyStarts!: Int32Array;
  private keyEnds!: Int32Array;
  private valueStarts!: Int32Array;
  private valueEnds!: Int32Array;
  private seqs!: Float64Array;
  private kinds!: Uint8Array;
  /** The entries' fields in key order (gather): ENTRY_FIELDS ints each, and sequence numbers. */
  private inOrder: Int32Array = new Int32Array(0);
  private seqsInOrder: Float64Array = new Float64Array(0);
  private count = 0;
  private i = 0;
  private windowEnd = 0;
  private n = 0;

  private constructor(
    private readonly scratch: FlushScratch,
    /** The buffers the entries' offsets are in. */
    private readonly records: Uint8Array[],
    expected: number,
  ) {
    super();
    this.fit(expected, 0);
  }

  /** The ops of the log in scratch.log. */
  static ofLog(scratch: FlushScratch, file: string): FlushEntries {
    const log = scratch.log;
    // A first guess at the number of ops: small commands log 45-60 bytes per op.
    const entries = new FlushEntries(scratch, [], 1024 + (log.length >> 5));
    const records = entries.records;
    const add = (kind: number, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, seq: number): void => {
      if (kind !== KIND_RANGE_DELETE) entries.add(records.length - 1, keyStart, keyEnd, valueStart, valueEnd, seq, kind);
    };
    forEachLogRecord(log, file, 'strict', (data, start, end, offset) => {
      // A record in one fragment is read in place, in the log's buffer.
      if (data !== records[records.length - 1]) records.push(data);
      if (!forEachRangeInBatch(data, add, end, start)) throw new CorruptionError(file, offset, 'malformed write batch');
    });
    entries.gather(entries.sorted());
    return entries;
  }

  /** The entries of an immutable memtable in shared memory. */
  static ofMemtable(scratch: FlushScratch, memtable: SharedMemtable): FlushEntries {
    const entries = new FlushEntries(scratch, [], memtable.nodes);
    const arena = memtableEntries(memtable, (keyStart, keyEnd, valueStart, valueEnd, seq, kind) => entries.add(0, keyStart, keyEnd, valueStart, valueEnd, seq, kind));
    entries.records.push(arena);
    entries.gather(entries.sorted());
    return entries;
  }

  private add(record: number, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, seq: number, kind: number): void {
    const n = this.n++;
    if (n === this.kinds.length) this.fit(2 * n, n);
    this.record[n] = record;
    this.keyStarts[n] = keyStart;
    this.keyEnds[n] = keyEnd;
    this.valueStarts[n] = valueStart;
    this.valueEnds[n] = valueEnd;
    this.seqs[n] = seq;
    this.kinds[n] = kind;
  }

  private fit(ops: number, kept: number): void {
    const s = this.scratch;
    s.fit(ops, kept);
    this.record = s.record;
    this.keyStarts = s.keyStarts;
    this.keyEnds = s.keyEnds;
    this.valueStarts = s.valueStarts;
    this.valueEnds = s.valueEnds;
    this.seqs = s.seqs;
    this.kinds = s.kinds;
  }

  /** Ids 0..n-1 in (key ascending, sequence descending) order. */
  private sorted(): Int32Array {
    const n = this.n;
    this.scratch.fitSortKeys(n);
    const ids = this.scratch.ids.subarray(0, n);
    for (let i = 0; i < n; i++) ids[i] = i;
    const { records, record, keyStarts, keyEnds, seqs } = this;
    const { hi, lo } = this.scratch;
    const versionOrder = (a: number, b: number): number => seqs[b] - seqs[a];
    if (n > 1) sortKeys({ buffers: records, bufferOf: record, starts: keyStarts, ends: keyEnds, hi, lo, versionOrder }, ids);
    return ids;
  }

  /**
   * Copies the fields of the entries ids names, in that order, next to
   * each other: the merge then reads them in sequence, where reading the
   * arrays at each next id was a cache miss per field (7 per entry; ~30% of
   * a 450k-entry flush's merge).
   */
  private gather(ids: Int32Array): void {
    const n = ids.length;
    this.scratch.fitInOrder(n);
    const f = (this.inOrder = this.scratch.inOrder);
    const sq = (this.seqsInOrder = this.scratch.seqsInOrder);
    const { record, keyStarts, keyEnds, valueStarts, valueEnds, seqs, kinds } = this;
    for (let i = 0, o = 0; i < n; i++, o += ENTRY_FIELDS) {
      const id = ids[i];
      f[o] = record[id];
      f[o + 1] = keyStarts[id];
      f[o + 2] = keyEnds[id];
      f[o + 3] = valueStarts[id];
      f[o + 4] = valueEnds[id];
      f[o + 5] = kinds[id];
      sq[i] = seqs[id];
    }
    this.count = n;
  }

  nextWindow(maxEntries: number, maxBytes: number, keys: Uint8Array[], selection: FilterKeySelection): number {
    const { inOrder: f, records } = this;
    const from = this.windowEnd;
    const end = Math.min(this.count, from + maxEntries);
    let touched = from;
    let bytes = 0;
    let last = -1;
    let lastGroup = 0;
    for (; this.windowEnd < end && bytes < maxBytes; this.windowEnd++) {
      if (this.windowEnd === touched) {
        // The next LOAD_AHEAD entries, just before they are listed.
        touched = Math.min(end, touched + LOAD_AHEAD);
        this.touchKeys(this.windowEnd, touched);
      }
      const o = this.windowEnd * ENTRY_FIELDS;
      const key = records[f[o]];
      const keyStart = f[o + 1];
      const keyEnd = f[o + 2];
      // A key's older versions (a collection's metadata, rewritten by each command) are not listed again, nor a group's other keys.
      const lastStart = last < 0 ? 0 : f[last + 1];
      const lastLength = last < 0 ? -1 : f[last + 2] - lastStart;
      if (listedInWindow(selection, key, keyStart, keyEnd - keyStart, last < 0 ? key : records[f[last]], lastStart, lastLength, lastGroup)) {
        keys.push(view(key, keyStart, keyEnd));
        last = o;
        lastGroup = groupOf(selection, key, keyStart, keyEnd - keyStart);
      }
      bytes += f[o + 4] - keyStart;
    }
    return this.windowEnd - from;
  }

  /**
   * Loads the first and last bytes of the entries [from, to) in a
   * pass of its own: in key order they are scattered over the memtable's
   * memory, a cache miss each, and here no load waits for another (the
   * window's checks compare each key with the last), so the misses overlap.
   */
  private touchKeys(from: number, to: number): void {
    const { inOrder: f, records } = this;
    let sum = 0;
    for (let o = from * ENTRY_FIELDS, end = to * ENTRY_FIELDS; o < end; o += ENTRY_FIELDS) {
      const bytes = records[f[o]];
      const first = f[o + 1];
      // The entry's last byte: its value's (it may start another cache line), or its key's.
      const last = f[o + 4] - 1;
      if (last >= first) sum += bytes[first] + bytes[last];
    }
    touchedSink = sum;
  }

  /**
   * Loads the keys again (touchKeys): the next window's listing, run before
   * the merge reads this one, loaded as many other entries' lines in
   * between and evicted these from the L2 cache; the merge's reads, one
   * waiting for the next, then missed again (4-5% of a flush in the flush
   * worker, measured).
   */
  loadAhead(entries: number): void {
    this.touchKeys(this.i, Math.min(this.count, this.i + entries));
  }

  valid(): boolean {
    return this.i < this.count;
  }
  seekToFirst(): void {
    this.i = 0;
  }
  next(): void {
    this.i++;
  }
  userKey(): Uint8Array {
    const o = this.i * ENTRY_FIELDS;
    return view(this.records[this.inOrder[o]], this.inOrder[o + 1], this.inOrder[o + 2]);
  }
  override keyBuffer(): Uint8Array {
    return this.records[this.inOrder[this.i * ENTRY_FIELDS]];
  }
  override keyOffset(): number {
    return this.inOrder[this.i * ENTRY_FIELDS + 1];
  }
  override keyLength(): number {
    const o = this.i * ENTRY_FIELDS;
    return this.inOrder[o + 2] - this.inOrder[o + 1];
  }
  seq(): number {
    return this.seqsInOrder[this.i];
  }
  kind(): number {
    return this.inOrder[this.i * ENTRY_FIELDS + 5];
  }
  value(): Uint8Array {
    const o = this.i * ENTRY_FIELDS;
    const start = this.inOrder[o + 3];
    const end = this.inOrder[o + 4];
    return start === end ? EMPTY : view(this.records[this.inOrder[o]], start, end);
  }
  override valueBuffer(): Uint8Array {
    return this.records[this.inOrder[this.i * ENTRY_FIELDS]];
  }
  override valueStart(): number {
    return this.inOrder[this.i * ENTRY_FIELDS + 3];
  }
  override valueEnd(): number {
    return this.inOrder[this.i * ENTRY_FIELDS + 4];
  }
}

/**
 * The input of a filtered merge, read ahead in windows: `nextWindow` buffers
 * the next entries (copies: source views do not outlive next()) and returns
 * their keys for the filter's `prepare`; the runner then consumes them.
 * Entries are copied back to back into one reused buffer, keys and values
 * read in place from it (a copy per key and value, in JS arrays, was 60% of
 * a filtered compaction's CPU).
 * Positioned at the first entry from construction (seekToFirst is a no-op).
 */
class WindowedInput extends ForwardOnlyIterator implements WindowedSource {
  /** The buffered entries' bytes: each one's key, then its value. */
  private bytes = new Uint8Array(64 * 1024);
  private used = 0;
  /** Per buffered entry: where its key starts, its value starts (= its key's end) and ends, its sequence and kind. */
  private keyStarts = new Int32Array(1024);
  private valueStarts = new Int32Array(1024);
  private valueEnds = new Int32Array(1024);
  private seqs = new Float64Array(1024);
  private kinds = new Uint8Array(1024);
  private count = 0;
  /** The runner's entry; those before it are consumed. */
  private pos = 0;

  constructor(private readonly source: InternalIterator) {
    super();
    source.seekToFirst();
  }

  /**
   * Drops the consumed entries and buffers up to `maxEntries` / `maxBytes`
   * more behind the unconsumed ones; returns the keys of the new ones.
   */
  nextWindow(maxEntries: number, maxBytes: number, keys: Uint8Array[], selection: FilterKeySelection): number {
    this.dropConsumed();
    const from = this.count;
    let bytes = 0;
    while (this.count - from < maxEntries && bytes < maxBytes && this.pull()) bytes += this.valueEnds[this.count - 1] - this.keyStarts[this.count - 1];
    const { keyStarts, valueStarts } = this;
    const buf = this.bytes;
    let last = -1;
    let lastGroup = 0;
    for (let i = from; i < this.count; i++) {
      const keyStart = keyStarts[i];
      const keyLength = valueStarts[i] - keyStart;
      if (listedInWindow(selection, buf, keyStart, keyLength, buf, last < 0 ? 0 : keyStarts[last], last < 0 ? -1 : valueStarts[last] - keyStarts[last], lastGroup)) {
        // A copy: the buffer's bytes move at the next window.
        keys.push(buf.slice(keyStart, keyStart + keyLength));
        last = i;
        lastGroup = groupOf(selection, buf, keyStart, keyLength);
      }
    }
    return this.count - from;
  }

  /** Its entries were just copied into its buffer: nothing to load. */
  loadAhead(): void {}

  /** Moves the unconsumed entries to the buffer's start. */
  private dropConsumed(): void {
    const p = this.pos;
    if (p === 0) return;
    const base = p < this.count ? this.keyStarts[p] : this.used;
    this.bytes.copyWithin(0, base, this.used);
    this.used -= base;
    const n = this.count - p;
    for (let i = 0; i < n; i++) {
      this.keyStarts[i] = this.keyStarts[p + i] - base;
      this.valueStarts[i] = this.valueStarts[p + i] - base;
      this.valueEnds[i] = this.valueEnds[p + i] - base;
      this.seqs[i] = this.seqs[p + i];
      this.kinds[i] = this.kinds[p + i];
    }
    this.count = n;
    this.pos = 0;
  }

  private pull(): boolean {
    const src = this.source;
    if (!src.valid()) return false;
    const keyOffset = src.keyOffset();
    const keyEnd = keyOffset + src.keyLength();
    const valueStart = src.valueStart();
    const valueEnd = src.valueEnd();
    this.makeRoom(keyEnd - keyOffset + valueEnd - valueStart);
    const i = this.count++;
    this.keyStarts[i] = this.used;
    copyRange(this.bytes, this.used, src.keyBuffer(), keyOffset, keyEnd);
    this.used += keyEnd - keyOffset;
    this.valueStarts[i] = this.used;
    copyRange(this.bytes, this.used, src.valueBuffer(), valueStart, valueEnd);
    this.used += valueEnd - valueStart;
    this.valueEnds[i] = this.used;
    this.seqs[i] = src.seq();
    this.kinds[i] = src.kind();
    src.next();
    return true;
  }

  /** Room for one more entry of `bytes` key and value bytes. */
  private makeRoom(bytes: number): void {
    if (this.used + bytes > this.bytes.length) {
      const grown = new Uint8Array(Math.max(2 * this.bytes.length, this.used + bytes));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    if (this.count === this.kinds.length) {
      const n = 2 * this.count;
      const grownInt32 = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(n);
        b.set(a);
        return b;
      };
      this.keyStarts = grownInt32(this.keyStarts);
      this.valueStarts = grownInt32(this.valueStarts);
      this.valueEnds = grownInt32(this.valueEnds);
      const seqs = new Float64Array(n);
      seqs.set(this.seqs);
      this.seqs = seqs;
      const kinds = new Uint8Array(n);
      kinds.set(this.kinds);
      this.kinds = kinds;
    }
  }

  valid(): boolean {
    // Past the buffered windows only at the end of the input (the pull then finds nothing).
    return this.pos < this.count || this.pull();
  }
  seekToFirst(): void {}
  next(): void {
    this.pos++;
  }
  userKey(): Uint8Array {
    return view(this.bytes, this.keyStarts[this.pos], this.valueStarts[this.pos]);
  }
  override keyBuffer(): Uint8Array {
    return this.bytes;
  }
  override keyOffset(): number {
    return this.keyStarts[this.pos];
  }
  override keyLength(): number {
    return this.valueStarts[this.pos] - this.keyStarts[this.pos];
  }
  seq(): number {
    return this.seqs[this.pos];
  }
  kind(): number {
    return this.kinds[this.pos];
  }
  value(): Uint8Array {
    const start = this.valueStarts[this.pos];
    const end = this.valueEnds[this.pos];
    return start === end ? EMPTY : view(this.bytes, start, end);
  }
  override valueBuffer(): Uint8Array {
    return this.bytes;
  }
  override valueStart(): number {
    return this.valueStarts[this.pos];
  }
  override valueEnd(): number {
    return this.valueEnds[this.pos];
  }
}
