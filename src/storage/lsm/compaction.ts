/**
 * Compaction: picking inputs (leveled, LevelDB style) and the merge loop that
 * writes output tables. The merge loop is a resumable state machine so the
 * same code runs in the worker (to completion) and for memtable flushes on
 * the main thread (in small steps between event-loop turns).
 */
import * as fs from 'node:fs';
import { assert } from './assert.ts';
import { compareBytes, fileName, ikeyUserKey, KIND_DELETE, KIND_PUT } from './dbformat.ts';
import type { InternalIterator } from './iterator.ts';
import { FragmentedRangeDels, type RangeTombstone } from './range_del.ts';
import { TableBuilder, type TableBuilderOptions } from './table_builder.ts';
import type { FileMeta } from './version_edit.ts';
import type { Version } from './version_set.ts';

/**
 * A filter's verdict on the newest version of a key:
 * - 'keep';
 * - 'drop': the version becomes a deletion, so older versions stay hidden
 *   (snapshots taken after the write stop seeing it too);
 * - 'remove': every version of the key in this compaction disappears without
 *   a tombstone. Only for keys no reader will ever look up again, at any
 *   sequence number (the filter vouches for it): older versions in other
 *   tables would become visible to a lookup of that exact key.
 */
export type FilterDecision = 'keep' | 'drop' | 'remove';

/** Lets a filter running in the compaction worker ask the DB's owner (main thread): see DBOptions.onCompactionFilterQuery. */
export interface CompactionFilterHost {
  query(request: unknown): Promise<unknown>;
}

/**
 * A filter that needs information it can only get asynchronously: before
 * `decide` sees any entry, `prepare` gets the keys of a window of upcoming
 * entries (ascending, a key may repeat) and may await `host.query`.
 */
export interface PreparedCompactionFilter {
  prepare(keys: Uint8Array[]): Promise<void>;
  decide(key: Uint8Array, value: Uint8Array): FilterDecision;
  /**
   * When set, the filter sees (prepare and decide) only the keys that start
   * with these bytes, and every other key is kept: a flush then makes no
   * view of the others.
   */
  readonly keyPrefix?: Uint8Array;
  /**
   * When set, keys that share their first groupLength(buf, off, len) bytes
   * (a positive length; 0: the key is in no group) get one verdict: of a
   * run of keys of one group, prepare is shown the first (per window) and
   * decide is asked about the first put, whose verdict the rest of the run
   * takes without asking (nor a view of the key: a collection's elements
   * share their head, one answer serves them all).
   */
  groupLength?(buf: Uint8Array, off: number, len: number): number;
}

/** What a filter with prepare is shown: keys with its keyPrefix, one key per run of a group. */
export interface FilterKeySelection {
  prefix: Uint8Array | null;
  groupLength: ((buf: Uint8Array, off: number, len: number) => number) | null;
}

/**
 * Whether a filter window lists the key buf[off, off+len) after the last
 * listed key last[lastOff, lastOff+lastLen) (lastLen -1: none yet), whose
 * groupOf is lastGroup: it has the filter's prefix and starts a new run
 * (not the same key, nor, with groups, the last key's group). The caller
 * finds a listed key's group once, not once per key after it (in a profile
 * of flushes, that call of the filter's groupLength was most of
 * listedInWindow's ~8%).
 */
export function listedInWindow(sel: FilterKeySelection, buf: Uint8Array, off: number, len: number, last: Uint8Array, lastOff: number, lastLen: number, lastGroup: number): boolean {
  if (sel.prefix !== null && !startsWithAt(buf, off, len, sel.prefix)) return false;
  if (lastLen < 0) return true;
  if (lastGroup === 0 && len !== lastLen) return true;
  const shared = lastGroup > 0 ? lastGroup : lastLen;
  if (len < shared) return true;
  for (let i = shared - 1; i >= 0; i--) if (buf[off + i] !== last[lastOff + i]) return true;
  return false;
}

/** The length of the group of the key buf[off, off+len) (0: none; see PreparedCompactionFilter.groupLength). */
export function groupOf(sel: FilterKeySelection, buf: Uint8Array, off: number, len: number): number {
  return sel.groupLength === null ? 0 : sel.groupLength(buf, off, len);
}

/**
 * Whether buf[off, off+len) starts with prefix (its first prefixLength
 * bytes). Compared from the prefix's end: keys sharing a long head differ
 * last there (a sub-key's version).
 */
export function startsWithAt(buf: Uint8Array, off: number, len: number, prefix: Uint8Array, prefixLength = prefix.length): boolean {
  if (len < prefixLength) return false;
  for (let i = prefixLength - 1; i >= 0; i--) if (buf[off + i] !== prefix[i]) return false;
  return true;
}

/** Decides per key during compaction (only the newest version of a key, and only if it is a put). */
export type CompactionFilter = ((key: Uint8Array, value: Uint8Array) => FilterDecision) | PreparedCompactionFilter;

/**
 * Compaction filters run inside the compaction worker, so they are named by
 * module: the module must export `createCompactionFilter(options, host)`,
 * called once per job.
 */
export interface CompactionFilterSpec {
  module: string;
  options?: unknown;
}

type FilterFactory = (options: unknown, host: CompactionFilterHost) => CompactionFilter;

export async function loadCompactionFilterFactory(spec: CompactionFilterSpec): Promise<FilterFactory> {
  const mod = (await import(spec.module)) as { createCompactionFilter?: FilterFactory };
  if (typeof mod.createCompactionFilter !== 'function') throw new Error(`${spec.module} does not export createCompactionFilter`);
  return mod.createCompactionFilter;
}

export async function loadCompactionFilter(spec: CompactionFilterSpec | undefined, host: CompactionFilterHost): Promise<CompactionFilter | null> {
  if (spec === undefined) return null;
  return (await loadCompactionFilterFactory(spec))(spec.options, host);
}

export interface CompactionParams {
  dir: string;
  /** Output file numbers are preallocated by the main thread. */
  outputNumbers: number[];
  targetFileSize: number;
  bottommost: boolean;
  smallestSnapshot: number;
  /** Range tombstones with seq <= smallestSnapshot: covered points are dropped. */
  rangeDels: RangeTombstone[];
  table: TableBuilderOptions;
  /** fdatasync each output before returning. */
  sync: boolean;
}

export interface CompactionStats {
  entriesIn: number;
  entriesOut: number;
  dropped: number;
  /** Newest versions the filter turned into deletions ('drop') or removed ('remove'). */
  filtered: number;
  /** Entries removed by a filter's 'remove' (every version counts). */
  removed: number;
  bytesWritten: number;
}

const EMPTY = new Uint8Array(0);

export class CompactionRunner {
  private builder: TableBuilder | null = null;
  private builderNumber = 0;
  private nextOutput = 0;
  readonly outputs: FileMeta[] = [];
  readonly stats: CompactionStats = { entriesIn: 0, entriesOut: 0, dropped: 0, filtered: 0, removed: 0, bytesWritten: 0 };
  /**
   * The current user key, curKeyBuf[0, curKeyLen) (-1: none yet), rewritten
   * when the key changes: input keys are compared in place and copied once
   * per user key into one buffer (a fresh array per entry was ~30% of a
   * compaction's CPU).
   */
  private curKeyBuf = new Uint8Array(64);
  private curKeyLen = -1;
  /** The bytes the current key shares with the one before it (toKey found them). */
  private curKeyShared = 0;
  /**
   * The last entry went to the current output, so the output's last key is
   * the previous input key and curKeyShared is what the two share: the
   * builder then does not compare them again (each compare of ~30-byte
   * keys, all but the last few bytes shared, was ~5% of a flush).
   */
  private emittedLast = false;
  private lastSeqForKey = Number.MAX_SAFE_INTEGER;
  /** The current key was 'remove'd by the filter: all its versions go. */
  private removingKey = false;
  /** A version of the current key went to the output: its next versions stay in the same file. */
  private emittedCurKey = false;
  private started = false;
  private done = false;
  private readonly rd: FragmentedRangeDels;

  /**
   * mayBeBelow: whether a version of the key key[0, keyLength) may lie below
   * the output, in the tables under it (absent: always, unless bottommost). A deletion visible
   * to every snapshot of a key no table below holds hides nothing: it is
   * dropped as at the bottom level (a flush's deletions of what its own
   * memtable put: the benchmark's popped list elements, ~a third of its
   * flushes' entries, went to L0 and were dropped only by its compaction).
   */
  constructor(
    private readonly input: InternalIterator,
    private readonly p: CompactionParams,
    filter: CompactionFilter | null,
    private readonly mayBeBelow: ((key: Uint8Array, keyLength: number) => boolean) | null = null,
  ) {
    this.rd = new FragmentedRangeDels(p.rangeDels);
    this.decide = filter === null ? null : typeof filter === 'function' ? filter : (k, v) => filter.decide(k, v);
    const prepared = filter !== null && typeof filter !== 'function' ? filter : null;
    this.decidedPrefix = prepared?.keyPrefix ?? null;
    this.groupLength = prepared?.groupLength === undefined ? null : (buf, off, len) => prepared.groupLength!(buf, off, len);
  }

  private readonly decide: ((key: Uint8Array, value: Uint8Array) => FilterDecision) | null;
  /** The filter's keyPrefix: keys without it are kept undecided. */
  private readonly decidedPrefix: Uint8Array | null;
  /** The filter's groupLength, and the last decided key's group (its first groupLen bytes, 0: none) and verdict. */
  private readonly groupLength: ((buf: Uint8Array, off: number, len: number) => number) | null;
  private groupBuf = new Uint8Array(64);
  private groupLen = 0;
  private groupVerdict: FilterDecision = 'keep';

  /** Processes up to maxEntries input entries; returns true when finished. */
  step(maxEntries: number): boolean {
    if (this.done) return true;
    const it = this.input;
    if (!this.started) {
      it.seekToFirst();
      this.started = true;
    }
    const snap = this.p.smallestSnapshot;
    for (let n = 0; n < maxEntries && it.valid(); n++, it.next()) {
      this.stats.entriesIn++;
      const seq = it.seq();
      let kind = it.kind();
      // The entry's value turned into a deletion's (empty) by the filter.
      let emptied = false;
      let first = false;
      if (this.toKey(it.keyBuffer(), it.keyOffset(), it.keyLength())) {
        this.lastSeqForKey = Number.MAX_SAFE_INTEGER;
        this.removingKey = false;
        this.emittedCurKey = false;
        first = true;
      }
      let drop = false;
      const prefix = this.decidedPrefix;
      if (first && kind === KIND_PUT && this.decide !== null && (prefix === null || startsWithAt(this.curKeyBuf, 0, this.curKeyLen, prefix))) {
        const verdict = this.verdict(it);
        if (verdict !== 'keep') this.stats.filtered++;
        if (verdict === 'remove') this.removingKey = true;
        else if (verdict === 'drop') {
          // Turn into a tombstone so older versions below stay hidden.
          kind = KIND_DELETE;
          emptied = true;
        }
      }
      if (this.removingKey) {
        this.stats.removed++;
        drop = true;
      } else if (this.lastSeqForKey <= snap) {
        // A newer version of this key is visible to every snapshot.
        drop = true;
      } else if (!this.rd.empty && this.rd.covers(this.curKeyBuf.subarray(0, this.curKeyLen), seq, snap)) {
        drop = true;
      } else if (kind === KIND_DELETE && seq <= snap && (this.p.bottommost || (this.mayBeBelow !== null && !this.mayBeBelow(this.curKeyBuf, this.curKeyLen)))) {
        drop = true;
      }
      this.lastSeqForKey = seq;
      if (drop) {
        this.stats.dropped++;
        this.emittedLast = false;
        continue;
      }
      this.emit(seq, kind, emptied);
    }
    if (!it.valid()) {
      this.finishOutput();
      this.done = true;
    }
    return this.done;
  }

  /** The filter's verdict on the current key (a put, its newest version): its group's, or decide's. */
  private verdict(it: InternalIterator): FilterDecision {
    const key = this.curKeyBuf;
    const len = this.curKeyLen;
    if (this.groupLen > 0 && startsWithAt(key, 0, len, this.groupBuf, this.groupLen)) return this.groupVerdict;
    // The input's own key: the filter may keep it (curKey is rewritten).
    const verdict = this.decide!(it.userKey(), it.value());
    const group = this.groupLength === null ? 0 : this.groupLength(key, 0, len);
    assert(group <= len, 'a group longer than its key');
    if (group > this.groupBuf.length) this.groupBuf = new Uint8Array(2 * group);
    this.groupBuf.set(key.subarray(0, group));
    this.groupLen = group;
    this.groupVerdict = verdict;
    return verdict;
  }

  /**
   * Makes b[off, off+len) the current key; false if it already is. Copies
   * only the bytes after those it shares with the last key (keys in order
   * share their heads: a sub-key's, a key prefix's).
   */
  private toKey(b: Uint8Array, off: number, len: number): boolean {
    const curLen = this.curKeyLen;
    let k = this.curKeyBuf;
    const n = len < curLen ? len : curLen;
    let shared = 0;
    while (shared < n && k[shared] === b[off + shared]) shared++;
    this.curKeyShared = shared;
    if (shared === len && len === curLen) return false;
    if (k.length < len) {
      const grown = new Uint8Array(len * 2);
      grown.set(k.subarray(0, shared));
      this.curKeyBuf = k = grown;
    }
    for (let i = shared; i < len; i++) k[i] = b[off + i];
    this.curKeyLen = len;
    return true;
  }

  /** Adds the current key's version (seq, kind, the input's value unless emptied) to the output. */
  private emit(seq: number, kind: number, emptied: boolean): void {
    if (this.builder !== null && this.builder.fileSize >= this.p.targetFileSize && this.nextOutput < this.p.outputNumbers.length) {
      // Never split one user key's versions across files: levels >= 1 stay disjoint by user key.
      if (!this.emittedCurKey) this.finishOutput();
    }
    if (this.builder === null) {
      assert(this.nextOutput < this.p.outputNumbers.length, 'out of output file numbers');
      this.builderNumber = this.p.outputNumbers[this.nextOutput++];
      this.builder = TableBuilder.create(fileName(this.p.dir, this.builderNumber, 'sst'), this.p.table);
      this.emittedLast = false;
    }
    const it = this.input;
    const shared = this.emittedLast ? this.curKeyShared : -1;
    if (emptied) this.builder.add(this.curKeyBuf, seq, kind, EMPTY, this.curKeyLen, 0, 0, shared);
    else this.builder.add(this.curKeyBuf, seq, kind, it.valueBuffer(), this.curKeyLen, it.valueStart(), it.valueEnd(), shared);
    this.emittedLast = true;
    this.emittedCurKey = true;
    this.stats.entriesOut++;
  }

  private finishOutput(): void {
    const b = this.builder;
    if (b === null) return;
    this.builder = null;
    const { fileSize, props } = b.finish();
    if (this.p.sync) b.sync();
    b.close();
    this.stats.bytesWritten += fileSize;
    this.outputs.push({
      number: this.builderNumber,
      size: fileSize,
      smallest: props.smallest,
      largest: props.largest,
      smallestSeq: props.smallestSeq,
      largestSeq: props.largestSeq,
      cleanSeq: this.p.smallestSnapshot,
      numEntries: props.numEntries,
    });
  }

  /** Removes any outputs (on error). */
  abort(): void {
    if (this.builder !== null) {
      this.builder.abandon();
      this.builder = null;
    }
    for (const o of this.outputs) {
      try {
        fs.unlinkSync(fileName(this.p.dir, o.number, 'sst'));
      } catch {}
    }
  }
}

export interface CompactionOptions {
  numLevels: number;
  l0CompactionTrigger: number;
  l1TargetBytes: number;
  levelMultiplier: number;
}

export interface PickedCompaction {
  level: number;
  outputLevel: number;
  inputs: FileMeta[][]; // [level files, outputLevel files]
  trivialMove: boolean;
  bottommost: boolean;
  /** Upper bound of the picked range at `level`, saved as the next round-robin start. */
  pointer: Uint8Array | null;
}

/**
 * Where to split a compaction into two sub-compactions ([-inf, key) and
 * [key, +inf) in user keys, each merged by its own worker): the first key of
 * the output-level input file at which those files' bytes reach half. An
 * output-level file is never cut (levels >= 1 are disjoint by user key);
 * source-level files are read by both halves from the boundary's seek. null
 * when the compaction is too small to be worth a second worker or has
 * fewer than two output-level files to split between.
 */
export function subcompactionBoundary(c: PickedCompaction, targetFileSize: number): Uint8Array | null {
  const next = c.inputs[1];
  if (next.length < 2) return null;
  let total = 0;
  for (const fl of c.inputs) for (const f of fl) total += f.size;
  if (total < 2 * targetFileSize) return null;
  let nextBytes = 0;
  for (const f of next) nextBytes += f.size;
  let before = 0;
  for (let i = 1; i < next.length; i++) {
    before += next[i - 1].size;
    if (2 * before >= nextBytes) return ikeyUserKey(next[i].smallest);
  }
  return ikeyUserKey(next[next.length - 1].smallest);
}

export function maxBytesForLevel(o: CompactionOptions, level: number): number {
  return o.l1TargetBytes * Math.pow(o.levelMultiplier, level - 1);
}

/** Highest compaction score >= 1 wins (L0 by file count, others by bytes). */
export function compactionScore(v: Version, o: CompactionOptions): { level: number; score: number } {
  let best = { level: -1, score: 0 };
  for (let level = 0; level < o.numLevels - 1; level++) {
    const score = level === 0 ? v.files[0].length / o.l0CompactionTrigger : v.levelBytes(level) / maxBytesForLevel(o, level);
    if (score > best.score) best = { level, score };
  }
  return best;
}

function userRangeOf(files: FileMeta[]): { lo: Uint8Array; hi: Uint8Array } {
  let lo = ikeyUserKey(files[0].smallest);
  let hi = ikeyUserKey(files[0].largest);
  for (const f of files) {
    const s = ikeyUserKey(f.smallest);
    const l = ikeyUserKey(f.largest);
    if (compareBytes(s, lo) < 0) lo = s;
    if (compareBytes(l, hi) > 0) hi = l;
  }
  return { lo, hi };
}

export function isBottommost(v: Version, outputLevel: number, lo: Uint8Array, hi: Uint8Array): boolean {
  for (let l = outputLevel + 1; l < v.files.length; l++) if (v.overlapping(l, lo, hi).length > 0) return false;
  return true;
}

/** Builds the compaction of `levelFiles` (at level) into level+1. */
export function setupCompaction(v: Version, level: number, levelFiles: FileMeta[], allowTrivial: boolean): PickedCompaction {
  assert(levelFiles.length > 0);
  const outputLevel = level + 1;
  let files = levelFiles;
  let { lo, hi } = userRangeOf(files);
  if (level === 0) {
    // L0 files overlap each other: take every L0 file touching the range (repeat until stable).
    for (;;) {
      const more = v.overlapping(0, lo, hi);
      if (more.length === files.length) break;
      files = more;
      ({ lo, hi } = userRangeOf(files));
    }
  }
  const next = v.overlapping(outputLevel, lo, hi);
  const all = files.concat(next);
  const r = userRangeOf(all);
  return {
    level,
    outputLevel,
    inputs: [files, next],
    trivialMove: allowTrivial && files.length === 1 && next.length === 0,
    bottommost: isBottommost(v, outputLevel, r.lo, r.hi),
    pointer: ikeyUserKey(files[files.length - 1].largest),
  };
}

export function pickCompaction(v: Version, o: CompactionOptions, pointers: (Uint8Array | null)[]): PickedCompaction | null {
  const { level, score } = compactionScore(v, o);
  if (score < 1 || level < 0) return null;
  if (level === 0) return setupCompaction(v, 0, v.files[0], true);
  const files = v.files[level];
  // Round robin through the key space so every key eventually gets compacted.
  const ptr = pointers[level];
  let pick = files[0];
  if (ptr !== null) {
    const f = files.find((f) => compareBytes(ikeyUserKey(f.smallest), ptr) > 0);
    if (f !== undefined) pick = f;
  }
  return setupCompaction(v, level, [pick], true);
}
