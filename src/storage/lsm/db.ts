/**
 * The LSM database. Foreground operations (get/put/write/iterate) are
 * synchronous; WAL durability is asynchronous group commit; memtable flushes
 * run in small steps between event-loop turns; compactions run in a Worker.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assert, CorruptionError } from './assert.ts';
import { Block } from './block.ts';
import { LruCache } from './cache.ts';
import { ByteWriter, getFixed64, putFixed32, putFixed64, putVarint, varintLength } from './coding.ts';
import { CompactionRunner, type CompactionFilterHost, type CompactionParams, pickCompaction, setupCompaction, subcompactionBoundary, type PickedCompaction } from './compaction.ts';
import { runCompactionJob, type CompactionJob, type CompactionJobResult } from './compaction_job.ts';
import { prefaultedInWorker, runFlushInWorker, runInWorker, zeroedInWorker } from './compaction_pool.ts';
import { DBIterator, type IteratorOptions } from './db_iterator.ts';
import { compareBytes, fileName, KIND_PUT, lookupOut, KIND_RANGE_DELETE, manifestName } from './dbformat.ts';
import { MergingIterator, type InternalIterator } from './iterator.ts';
import { readLogFile, type LogReadResult } from './log_reader.ts';
import { LogWriter } from './log_writer.ts';
import { foundOut, MemTable, memtableIndexOffset, memtableMemoryBytes, placeOut, PREFETCH_MAX, type SharedMemtable } from './memtable.ts';
import { resolveOptions, type DBOptions, type ResolvedOptions, type SyncPolicy } from './options.ts';
import { FragmentedRangeDels, type RangeTombstone } from './range_del.ts';
import { ROW_MISS, ROW_PRESENT, RowCache, type RowCacheKeys, type RowCacheStats } from './row_cache.ts';
import { TableCache } from './table_cache.ts';
import { type FileMeta, VersionEdit } from './version_edit.ts';
import { setCurrentFile, syncDir, VersionSet } from './version_set.ts';
import { BATCH_HEADER, batchCount, forEachRangeInBatch, type MemtablePlace, OP_FIELDS, WriteBatch } from './write_batch.ts';
import { DeferredPuts } from './deferred_puts.ts';
import { bloomHash, bloomHashAt } from './bloom.ts';

export interface Snapshot {
  readonly seq: number;
  release(): void;
}

export interface ReadOptions {
  /** A live snapshot (or the seq of one: see snapshotSequences()). */
  snapshot?: { readonly seq: number };
}

export interface RecoveryReport {
  walFiles: string[];
  recordsReplayed: number;
  /** Torn tails found (and dropped) at the end of WAL files. */
  tornTails: { file: string; offset: number }[];
  /** Damaged regions skipped with walRecovery: 'salvage'. */
  salvaged: { file: string; offset: number; reason: string }[];
  /**
   * Where replay stopped at a gap in the sequence numbers (a record after
   * it starts at `found` instead of `expected`), and the WALs whose records
   * from there on were dropped; null when there was none (see openSync).
   */
  sequenceGap: { file: string; offset: number; expected: number; found: number; dropped: string[] } | null;
}

export interface LevelStats {
  level: number;
  files: number;
  bytes: number;
}

export interface DBStats {
  levels: LevelStats[];
  sequence: number;
  memtableBytes: number;
  memtableEntries: number;
  immutableMemtables: number;
  rangeTombstones: number;
  userBytesWritten: number;
  walBytesWritten: number;
  flushBytesWritten: number;
  compactionBytesRead: number;
  compactionBytesWritten: number;
  /** compactionBytesWritten by output level (index 0 unused: no compaction writes L0). */
  compactionBytesWrittenByLevel: number[];
  /** CPU time of the worker threads that ran flushes / compactions (0 for inline ones, and off Linux). */
  flushCpuMs: number;
  compactionCpuMs: number;
  /** Worker flushes that rebuilt the memtable from its WAL: its arrays were not all in its shared memory (MemTable.shared). */
  walFlushes: number;
  /** Memtables that took a flushed memtable's memory (DB.recycle) instead of fresh memory. */
  recycledMemtables: number;
  /** (flush + compaction bytes written) / user bytes written. */
  writeAmplification: number;
  tableBytesRead: number;
  blockReads: number;
  blockCache: { capacity: number; usage: number; hits: number; misses: number; hitRate: number };
  /** The row cache (DBOptions.rowCacheKeys): zeros without one. */
  rowCache: RowCacheStats;
  openTables: number;
  flushes: number;
  compactions: number;
  /** Compactions split by key range into two sub-compactions run in parallel. */
  splitCompactions: number;
  trivialMoves: number;
  stallMs: number;
  stallCount: number;
  writeStall: 'none' | 'slowdown' | 'stop';
  backgroundError: string | null;
  snapshots: number;
  liveIterators: number;
  /** Entries in all tables of the current version (their properties' counts). */
  tableEntries: number;
  /** Entries removed by the compaction filter's 'remove' verdicts (compactions and worker flushes). */
  filterRemovedEntries: number;
}

/** A plain memtable moves into prepared memory when it arrives only while this much of it is in use (a copy on the main thread). */
const ADOPT_MAX_COPY_BYTES = 4 * 1024 * 1024;

/** Memtables whose arrays take at least this much get them from memory a worker prepared (DB.newMemtable). */
const PREFAULT_MIN_BYTES = 1024 * 1024;
/** A WAL record gathered past this size is logged at the next write outside atomic groups, and its buffer not kept. */
const RECORD_KEEP_BYTES = 1024 * 1024;

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** A memtable flush in progress (worker, incremental, or finished synchronously on stall). */
interface FlushJob {
  mem: MemTable;
  number: number;
  smallestSnapshot: number;
  rangeDels: RangeTombstone[];
  /** Inline builder (created lazily; null while the worker builds the table). */
  runner: CompactionRunner | null;
  outputs: FileMeta[] | null;
  done: boolean;
}

/** DBs opened so far in this process (DB.instance). */
let dbsOpened = 0;

export class DB {
  /** Unique in the process: which open DB a worker flush's tables below are of (FlushJobSpec.below). */
  readonly instance = ++dbsOpened;
  private readonly o: ResolvedOptions;
  private readonly vs: VersionSet;
  private readonly tc: TableCache;
  private readonly blockCache: LruCache<Block>;
  /** Newest values of the keys rowCacheKeys admits (null: no rowCacheKeys option); empty at open, updated by every write. */
  private readonly rowCache: RowCache | null;
  private readonly rowCacheKeys: RowCacheKeys;
  private mem: MemTable;
  private imms: MemTable[] = [];
  private log!: LogWriter;
  private closed = false;
  private closing = false;
  private bgError: Error | null = null;
  /** Open atomic groups (beginAtomic), and whether one of them wrote. */
  private atomicDepth = 0;
  private atomicWrote = false;
  /**
   * The WAL record being gathered: the ops of every write since the last
   * record was logged (an event-loop turn's, usually) after a header filled
   * in by logRecord, with the sequence number of the first op and their
   * count. One record per turn instead of one per write: a record's framing
   * and checksum cost about as much as a small batch's bytes (addRecord was
   * ~16% of a SET's or LPUSH's main-thread profile). A record is logged
   * only outside atomic groups, so a group's writes always share one: all
   * or nothing after a crash.
   */
  private record = DB.emptyRecord();
  private recordFirstSeq = 0;
  private recordCount = 0;
  /**
   * batch()'s batch, reused. While lent (recordLent) its ops are encoded
   * straight into `record` after the ops gathered so far, so write()
   * copies nothing into the record (the copy and the header were ~6% of a
   * SET's main-thread profile in bench/hot-path.ts). Anything else that
   * adds to the record or logs it first moves the batch's ops out of it
   * (takeRecordBack), so the record only ever holds written ops.
   */
  private readonly lentBatch = new WriteBatch();
  private recordLent = false;
  /** The puts putDeferred holds back until settleDeferred, and the batch that writes each then. */
  private readonly deferred = new DeferredPuts();
  /**
   * Where the last read that found its key in the active memtable found it
   * (MemTable foundOut): a write of that key that follows (a popped list
   * element's delete, a member's new score) overwrites it there, without
   * hashing the key or probing the index again (commit). A hint that
   * overwritePlaced checks: another key, a moved entry cost a comparison.
   */
  private readonly found: MemtablePlace = { placeMemtable: 0, placeSlot: 0, placeNode: 0 };
  private readonly settleBatch = new WriteBatch();

  private static emptyRecord(): ByteWriter {
    const record = new ByteWriter(64 * 1024);
    record.len = BATCH_HEADER;
    return record;
  }

  // Group commit state.
  private commitScheduled = false;
  private writtenSeq = 0;
  private syncedSeq = 0;
  private syncInFlight = false;
  private waiters: Waiter[] = [];
  private everysecTimer: ReturnType<typeof setInterval> | null = null;
  private readonly logInflight = new Map<LogWriter, number>();
  private readonly retiredLogs = new Set<LogWriter>();
  /**
   * WALs a memtable switch retired with writes not yet synced, and the last
   * sequence each holds, oldest first: startSync syncs them, in order, before
   * the active WAL, so what a crash loses is always the newest writes.
   */
  private readonly retiredToSync: { log: LogWriter; seq: number }[] = [];

  // Snapshots / iterators.
  private readonly snapshots = new Map<number, number>();
  private liveIterators = 0;

  // Range tombstones (persisted + in memtables) and their lookup structure.
  private memRangeDels: RangeTombstone[] = [];
  private frag: FragmentedRangeDels | null = null;

  // Background work.
  private flushJob: FlushJob | null = null;
  private flushLoopRunning = false;
  private compacting = false;
  private manualCompactions = 0;
  private idleWaiters: (() => void)[] = [];
  private writableWaiters: (() => void)[] = [];
  private stopSince = 0;

  // Stats.
  private st = {
    userBytes: 0,
    walBytes: 0,
    flushBytes: 0,
    compactionRead: 0,
    compactionWritten: 0,
    compactionWrittenByLevel: [] as number[],
    flushCpuNs: 0,
    walFlushes: 0,
    recycledMemtables: 0,
    compactionCpuNs: 0,
    flushes: 0,
    compactions: 0,
    splitCompactions: 0,
    trivialMoves: 0,
    filterRemoved: 0,
    stallMs: 0,
    stallCount: 0,
  };

  /** What WAL recovery found when opening. */
  recovery: RecoveryReport = { walFiles: [], recordsReplayed: 0, tornTails: [], salvaged: [], sequenceGap: null };

  private constructor(
    readonly dir: string,
    options: DBOptions,
  ) {
    this.o = resolveOptions(options);
    this.vs = new VersionSet(dir, this.o.numLevels);
    this.vs.useFsync = this.o.fsync;
    this.vs.onManifestSynced = (err) => {
      if (err !== null) this.setBgError(err);
      else if (!this.closed) this.deleteObsoleteFiles();
    };
    this.blockCache = new LruCache<Block>(this.o.blockCacheBytes);
    this.tc = new TableCache(dir, this.o.maxOpenFiles, this.blockCache);
    this.rowCache = this.o.rowCacheKeys === undefined ? null : new RowCache(this.o.rowCacheBytes);
    this.rowCacheKeys = this.o.rowCacheKeys ?? noKeys;
    this.mem = new MemTable(0);
  }

  static async open(dir: string, options: DBOptions = {}): Promise<DB> {
    const db = new DB(dir, options);
    db.openSync();
    return db;
  }

  private openSync(): void {
    const o = this.o;
    if (!fs.existsSync(this.dir)) {
      if (!o.createIfMissing) throw new Error(`${this.dir} does not exist`);
      fs.mkdirSync(this.dir, { recursive: true });
    }
    const exists = this.vs.recover();
    if (exists && o.errorIfExists) throw new Error(`${this.dir} already exists`);
    if (!exists && !o.createIfMissing) throw new Error(`${this.dir} is not a database`);
    // Replay WALs newer than the manifest's log number.
    const logs = fs
      .readdirSync(this.dir)
      .filter((f) => /^\d+\.log$/.test(f))
      .map((f) => Number(f.slice(0, -4)))
      .filter((n) => n >= this.vs.logNumber)
      .sort((a, b) => a - b);
    const edit = new VersionEdit();
    let mem = new MemTable(0);
    const recoveredDels: RangeTombstone[] = [];
    // Sequence numbers run on without a gap from each WAL record to the next, across WALs too: every write
    // is logged, in order (logRecord). A gap means records before it never reached the disk while later ones
    // did: a power loss while a retired WAL's sync was still queued (rotateMemtable). Syncs run oldest WAL
    // first, so nothing after the gap was acknowledged as durable: replay stops there (unless salvaging)
    // instead of building a state that never existed. -1: no record replayed yet.
    let nextSeq = -1;
    // Past every WAL, those replay drops too: new files must not take their numbers.
    if (logs.length > 0) this.vs.nextFileNumber = Math.max(this.vs.nextFileNumber, logs[logs.length - 1] + 1);
    replay: for (const [i, n] of logs.entries()) {
      const file = fileName(this.dir, n, 'log');
      this.recovery.walFiles.push(path.basename(file));
      o.onRecoveryProgress?.(path.basename(file), fs.statSync(file).size);
      let res: LogReadResult;
      res = readLogFile(file, o.walRecovery);
      if (res.tornTailAt !== undefined) this.recovery.tornTails.push({ file: path.basename(file), offset: res.tornTailAt });
      for (const s of res.skipped) this.recovery.salvaged.push({ file: path.basename(file), ...s });
      for (const rec of res.records) {
        const data = rec.data;
        // A record too short for its header is malformed (forEachRangeInBatch says so below).
        const first = data.length >= BATCH_HEADER ? getFixed64(data, 0) : -1;
        if (nextSeq >= 0 && first >= 0 && first !== nextSeq && o.walRecovery !== 'salvage') {
          const detail = `sequence gap: the record starts at sequence ${first}, the one before ended at ${nextSeq - 1}`;
          if (o.walRecovery === 'strict') throw new CorruptionError(path.basename(file), rec.offset, detail);
          const dropped = logs.slice(i).map((m) => path.basename(fileName(this.dir, m, 'log')));
          this.recovery.sequenceGap = { file: path.basename(file), offset: rec.offset, expected: nextSeq, found: first, dropped };
          break replay;
        }
        const ok = forEachRangeInBatch(data, (kind, keyStart, keyEnd, valueStart, valueEnd, seq) => {
          if (kind === KIND_RANGE_DELETE) {
            const t = { start: data.subarray(keyStart, keyEnd), end: data.subarray(valueStart, valueEnd), seq };
            mem.addRangeTombstone(t);
            recoveredDels.push(t);
          } else mem.putRange(data, keyStart, keyEnd, data, valueStart, valueEnd, seq, kind, false);
        });
        if (!ok) {
          if (o.walRecovery === 'salvage') {
            this.recovery.salvaged.push({ file: path.basename(file), offset: rec.offset, reason: 'malformed batch' });
            continue;
          }
          throw new CorruptionError(path.basename(file), rec.offset, 'malformed write batch');
        }
        this.recovery.recordsReplayed++;
        nextSeq = first + batchCount(data);
        if (nextSeq - 1 > this.vs.lastSequence) this.vs.lastSequence = nextSeq - 1;
        if (mem.approximateSize >= o.memtableSize) {
          this.flushRecovered(mem, edit, recoveredDels);
          mem = new MemTable(0);
        }
      }
    }
    if (mem.count > 0 || mem.rangeTombstones.length > 0) this.flushRecovered(mem, edit, recoveredDels);
    const logNumber = this.vs.newFileNumber();
    edit.logNumber = logNumber;
    this.vs.applyInMemory(edit);
    this.vs.logNumber = logNumber;
    this.log = LogWriter.create(fileName(this.dir, logNumber, 'log'));
    this.mem = this.newMemtable(logNumber);
    // Always start a fresh manifest: compacts it and makes CURRENT point at a known-good file.
    this.vs.writeNewManifest();
    if (this.o.fsync) syncDir(this.dir);
    this.writtenSeq = this.syncedSeq = this.vs.lastSequence;
    this.deleteObsoleteFiles();
    this.startEverysecTimer();
    this.maybeScheduleCompaction();
  }

  /** Writes a recovered memtable to an L0 table synchronously (open path). */
  private flushRecovered(mem: MemTable, edit: VersionEdit, dels: RangeTombstone[]): void {
    const number = this.vs.newFileNumber();
    const all = this.vs.current.rangeDels.concat(dels);
    const runner = this.newFlushRunner(mem, number, all, this.vs.lastSequence);
    runner.step(Number.MAX_SAFE_INTEGER);
    for (const f of runner.outputs) {
      this.syncFile(fileName(this.dir, f.number, 'sst'));
      edit.added.push({ level: 0, file: f });
      this.st.flushBytes += f.size;
    }
    edit.addRangeDels.push(...mem.rangeTombstones.map((t) => ({ seq: t.seq, start: t.start.slice(), end: t.end.slice() })));
    // Install now so a later recovered memtable's flush sees these files/tombstones.
    this.vs.applyInMemory(edit);
    edit.added = [];
    edit.addRangeDels = [];
  }

  private newFlushParams(number: number, rangeDels: RangeTombstone[], smallestSnapshot: number): CompactionParams {
    return {
      dir: this.dir,
      outputNumbers: [number],
      targetFileSize: Number.MAX_SAFE_INTEGER,
      bottommost: false,
      smallestSnapshot,
      rangeDels: rangeDels.filter((t) => t.seq <= smallestSnapshot).map((t) => ({ seq: t.seq, start: t.start, end: t.end })),
      table: this.tableOptions(),
      sync: false,
    };
  }

  private newFlushRunner(mem: MemTable, number: number, rangeDels: RangeTombstone[], smallestSnapshot: number): CompactionRunner {
    return new CompactionRunner(mem.iterator(), this.newFlushParams(number, rangeDels, smallestSnapshot), null);
  }

  private tableOptions() {
    return {
      blockSize: this.o.blockSize,
      restartInterval: this.o.blockRestartInterval,
      bloomBitsPerKey: this.o.bloomBitsPerKey,
      compression: this.o.compression,
    };
  }

  // ---------------------------------------------------------------- reads

  get(key: Uint8Array, opts?: ReadOptions): Uint8Array | undefined {
    if (!this.find(key, opts)) return undefined;
    const o = lookupOut;
    // Copy: callers must not be able to mutate memtable or cached block bytes.
    return o.buf.slice(o.voff, o.voff + o.vlen);
  }

  /**
   * get() into out, a caller's reused buffer, instead of a new array per
   * read (a sorted set member's 8-byte score): the value's length, -1 when
   * the key is missing, or -2, out unchanged, when the value is longer than out.
   */
  getInto(key: Uint8Array, out: Uint8Array, opts?: ReadOptions): number {
    if (!this.find(key, opts)) return -1;
    const { buf, voff, vlen } = lookupOut;
    if (vlen > out.length) return -2;
    for (let i = 0; i < vlen; i++) out[i] = buf[voff + i];
    return vlen;
  }

  /**
   * key's value compared with value in place, without get()'s copy: -1 when
   * the key is missing, 1 when it holds value, 0 when it holds another (a
   * write that skips a value already stored: SADD of a member the set has,
   * HSET of a field's value).
   */
  compareValue(key: Uint8Array, value: Uint8Array, opts?: ReadOptions): -1 | 0 | 1 {
    if (!this.find(key, opts)) return -1;
    const { buf, voff, vlen } = lookupOut;
    if (vlen !== value.length) return 0;
    for (let i = 0; i < vlen; i++) if (buf[voff + i] !== value[i]) return 0;
    return 1;
  }

  /** Finds key's live value as of the read's snapshot: fills lookupOut and returns true, or false when there is none. */
  private find(key: Uint8Array, opts: ReadOptions | undefined): boolean {
    this.checkOpen();
    if (this.deferred.count > 0 && this.deferred.holds(key, 0, key.length)) this.settleDeferred();
    const hash = bloomHash(key);
    if (opts?.snapshot === undefined && this.rowCache !== null && this.rowCacheKeys(key, 0, key.length)) return this.findCached(key, hash);
    const snap = opts?.snapshot?.seq ?? this.vs.lastSequence;
    const found = this.memtablesLookup(key, snap, hash) || this.vs.current.lookup(key, snap, this.tc, hash);
    return found && this.foundLive(key, snap);
  }

  /**
   * find() at the latest sequence of a key the row cache may hold: its
   * answer, or on a miss the memtables' and tables' answer. What the tables
   * answer is offered to the cache (RowCache.fill: it admits keys that
   * missed before); what a memtable answers is not: a memtable's index finds
   * it about as fast as the cache would. Writes update entries (commit).
   */
  private findCached(key: Uint8Array, hash: number): boolean {
    const rc = this.rowCache!;
    const cached = rc.lookup(key, hash | 0);
    if (cached !== ROW_MISS) return cached === ROW_PRESENT;
    const snap = this.vs.lastSequence;
    if (this.memtablesLookup(key, snap, hash)) return this.foundLive(key, snap);
    const live = this.vs.current.lookup(key, snap, this.tc, hash) && this.foundLive(key, snap);
    if (live) rc.fill(key, hash | 0, lookupOut.buf, lookupOut.voff, lookupOut.vlen);
    else rc.fill(key, hash | 0, lookupOut.buf, 0, -1);
    return live;
  }

  /** The newest entry of key at snap in the memtables (lookupOut), newest memtable first. */
  private memtablesLookup(key: Uint8Array, snap: number, hash: number): boolean {
    if (this.mem.lookup(key, snap, hash)) {
      const found = this.found;
      found.placeMemtable = this.mem.id;
      found.placeSlot = foundOut.slot;
      found.placeNode = foundOut.node;
      return true;
    }
    for (let i = this.imms.length - 1; i >= 0; i--) if (this.imms[i].lookup(key, snap, hash)) return true;
    return false;
  }

  /** Whether the entry a lookup of key at snap found (lookupOut) is a live value: a put no range tombstone covers. */
  private foundLive(key: Uint8Array, snap: number): boolean {
    if (lookupOut.kind !== KIND_PUT) return false;
    const rd = this.rangeDels();
    return rd.empty || !rd.covers(key, lookupOut.seq, snap);
  }

  /**
   * A hint that the keys buf[starts[i], ends[i]) (i < count, at most
   * PREFETCH_MAX) are about to be written or read: loads their entries of
   * the memtables (MemTable.prefetch) and, for keys rowCacheKeys admits,
   * of the row cache (RowCache.prefetch: it also loads what a write of a key
   * it does not hold probes, wasted on metadata keys, which it never holds).
   * `cachedAreOnlyRead`: a key the row cache holds will be read (from the
   * cache) and not written, so its memtable entries are not loaded: a set's
   * members, whose value never changes (SADD of a member the set has writes
   * nothing). Misses left: SREM's delete of a cached member, SADD of one the
   * cache knows absent, and a key whose hash only shares the cache's `held`
   * bit with one it holds (RowCache.prefetchHeld says "may hold"). Changes
   * nothing.
   */
  prefetch(buf: Uint8Array, starts: ArrayLike<number>, ends: ArrayLike<number>, count: number, cachedAreOnlyRead = false): void {
    assert(count <= PREFETCH_MAX, 'prefetch of more than PREFETCH_MAX keys');
    const rc = this.rowCache;
    let rowKeys = 0;
    for (let i = 0; i < count; i++) {
      const hash = (prefetchHashes[i] = bloomHashAt(buf, starts[i], ends[i] - starts[i]) | 0);
      const rowKey = rc !== null && this.rowCacheKeys(buf, starts[i], ends[i]);
      prefetchRowKey[i] = rowKey ? 1 : 0;
      if (rowKey) prefetchRowHashes[rowKeys++] = hash;
    }
    if (!cachedAreOnlyRead || rowKeys === 0) {
      this.prefetchMemtables(prefetchHashes, count);
      if (rowKeys > 0) rc!.prefetch(prefetchRowHashes, rowKeys);
      return;
    }
    // The row cache first: it finds which keys it may hold (RowCache.prefetchHeld), in one pass whose cache misses overlap.
    rc!.prefetch(prefetchRowHashes, rowKeys);
    let memKeys = 0;
    for (let i = 0, row = 0; i < count; i++) {
      if (prefetchRowKey[i] === 0 || rc!.prefetchHeld[row++] === 0) prefetchMemHashes[memKeys++] = prefetchHashes[i];
    }
    this.prefetchMemtables(prefetchMemHashes, memKeys);
  }

  /** DB.prefetch's loads of the memtables' entries of the keys of hashes[i], i < count. */
  private prefetchMemtables(hashes: Int32Array, count: number): void {
    if (count === 0) return;
    this.mem.prefetch(hashes, count);
    // A read probes the memtables being flushed too, newest first (memtablesLookup).
    for (let i = this.imms.length - 1; i >= 0; i--) this.imms[i].prefetch(hashes, count);
  }

  has(key: Uint8Array, opts?: ReadOptions): boolean {
    return this.find(key, opts);
  }

  snapshot(): Snapshot {
    this.checkOpen();
    this.settleDeferred();
    const seq = this.vs.lastSequence;
    this.snapshots.set(seq, (this.snapshots.get(seq) ?? 0) + 1);
    let released = false;
    return {
      seq,
      release: () => {
        if (released) return;
        released = true;
        const n = this.snapshots.get(seq)! - 1;
        if (n === 0) this.snapshots.delete(seq);
        else this.snapshots.set(seq, n);
      },
    };
  }

  iterator(opts: IteratorOptions = {}): DBIterator {
    this.checkOpen();
    this.settleDeferred();
    const seq = opts.snapshot?.seq ?? this.vs.lastSequence;
    const v = this.vs.current;
    this.vs.ref(v);
    const children: InternalIterator[] = [this.mem.iterator()];
    for (let i = this.imms.length - 1; i >= 0; i--) children.push(this.imms[i].iterator());
    children.push(...v.iterators(this.tc));
    this.liveIterators++;
    return new DBIterator(new MergingIterator(children), seq, this.rangeDels(), opts, () => {
      this.liveIterators--;
      if (this.vs.unref(v) && !this.closed) this.deleteObsoleteFiles();
    });
  }

  private rangeDels(): FragmentedRangeDels {
    if (this.frag === null) this.frag = new FragmentedRangeDels(this.allRangeDels());
    return this.frag;
  }

  private allRangeDels(): RangeTombstone[] {
    return (this.vs.current.rangeDels as RangeTombstone[]).concat(this.memRangeDels);
  }

  // --------------------------------------------------------------- writes

  put(key: Uint8Array, value: Uint8Array): void {
    this.checkOpen();
    if (this.deferred.count > 0 && this.deferred.holds(key, 0, key.length)) this.settleDeferred();
    this.takeRecordBack();
    // The op is encoded straight into the WAL record being gathered; the memtable copies key and value from it.
    const kl = key.length;
    const vl = value.length;
    const r = this.record;
    r.ensure(1 + varintLength(kl) + kl + varintLength(vl) + vl);
    const buf = r.buf;
    const seq = this.vs.lastSequence + 1;
    buf[r.len] = KIND_PUT;
    const keyStart = putVarint(buf, r.len + 1, kl);
    buf.set(key, keyStart);
    const valueStart = putVarint(buf, keyStart + kl, vl);
    buf.set(value, valueStart);
    const len = valueStart + vl - r.len;
    r.len += len;
    this.gathered(seq, 1);
    const hash = this.mem.put(key, seq, KIND_PUT, value, this.snapshots.size === 0 && this.liveIterators === 0);
    if (this.rowCache !== null && this.rowCacheKeys(key, 0, kl)) this.rowCache.write(key, 0, kl, hash, value, 0, vl);
    this.vs.lastSequence = seq;
    this.st.userBytes += len;
    this.wrote();
  }

  delete(key: Uint8Array): void {
    this.write(new WriteBatch().delete(key));
  }

  deleteRange(start: Uint8Array, end: Uint8Array): void {
    this.write(new WriteBatch().deleteRange(start, end));
  }

  /**
   * An empty batch to write() before any other write to this DB, or to
   * drop: its ops are encoded straight into the WAL record being gathered
   * (see lentBatch). The same batch each time (no allocation per write):
   * write() and the next call empty it. Another write (or a WAL write)
   * before it is written leaves it as a batch of its own, which write()
   * takes as any other.
   */
  batch(): WriteBatch {
    this.takeRecordBack();
    this.lentBatch.attach(this.record);
    this.recordLent = true;
    return this.lentBatch;
  }

  /** Ends the loan of the record to batch()'s batch: its ops so far move into bytes of its own. */
  private takeRecordBack(): void {
    if (!this.recordLent) return;
    this.recordLent = false;
    this.lentBatch.detach();
  }

  /**
   * Applies the batch atomically (its ops share a WAL record). Durable after
   * whenDurable() resolves. The batch may be changed or reused at once.
   */
  write(batch: WriteBatch): void {
    this.checkOpen();
    const count = batch.count;
    // A write of a key held back goes after its put (which takes the batch's ops out of the record first).
    if (this.deferred.count > 0 && this.deferred.touchedBy(batch.rep.buf, batch.ops, count)) this.settleDeferred();
    if (batch === this.lentBatch && this.recordLent) {
      // Its ops are in the record already, right after those gathered before; the batch is emptied before anything can throw.
      this.recordLent = false;
      const opBytes = batch.byteSize - BATCH_HEADER;
      const placedOp = batch.placedOp;
      const placed = batch.placed;
      batch.release();
      if (count > 0) {
        this.commit(this.record.buf, batch.ops, count, opBytes, placedOp, placed);
        this.wrote();
      }
      return;
    }
    if (count === 0) return;
    this.takeRecordBack();
    const rep = batch.rep.buf;
    putFixed64(rep, 0, this.vs.lastSequence + 1);
    putFixed32(rep, 8, count);
    this.record.bytes(rep, BATCH_HEADER, batch.rep.len);
    this.commit(rep, batch.ops, count, batch.byteSize - BATCH_HEADER, batch.placedOp, batch.placed);
    if (batch === this.lentBatch) batch.release();
    this.wrote();
  }

  /**
   * A put of the key head ++ rest whose value's bytes the caller will keep
   * rewriting in place, command after command (a list's metadata record):
   * it reaches the WAL record and the memtable once, with the bytes value
   * holds then (settleDeferred), not once per command. That is before the
   * record being gathered is logged, so it shares a record with the writes
   * made until then: recovery finds it with them, or none of them. A
   * command's other writes come after this call (it never logs the record:
   * a memtable switch between the two would part them). Reads
   * and writes of the key (a range deletion, any iterator or snapshot)
   * settle it first, so nobody can tell it was held back. place: the key's
   * MemtablePlace, one object per key (a later call with it replaces the
   * put); head, rest and value must stay as they are but for value's
   * rewrites. Not for keys the row cache takes.
   */
  putDeferred(head: Uint8Array, rest: Uint8Array, value: Uint8Array, place: MemtablePlace): void {
    this.checkOpen();
    if (!this.deferred.add(head, rest, value, place)) {
      this.settleDeferred();
      this.deferred.add(head, rest, value, place);
    }
    if (this.atomicDepth > 0) this.atomicWrote = true;
    else this.scheduleCommitGroup();
  }

  /** Writes the puts putDeferred held back, each with its value's bytes now, into the record being gathered and the memtable. */
  private settleDeferred(): void {
    const deferred = this.deferred;
    if (deferred.count === 0) return;
    this.takeRecordBack();
    const batch = this.settleBatch;
    for (let i = 0; i < deferred.count; i++) {
      batch.clear();
      batch.putJoinedPlaced(deferred.heads[i], deferred.rests[i], deferred.values[i], deferred.places[i]);
      this.record.bytes(batch.rep.buf, BATCH_HEADER, batch.rep.len);
      this.commit(batch.rep.buf, batch.ops, 1, batch.byteSize - BATCH_HEADER, batch.placedOp, batch.placed);
    }
    deferred.clear();
    batch.release();
    // Within an atomic group they are its writes: its record waits for its end.
    if (this.atomicDepth > 0) this.atomicWrote = true;
  }

  /**
   * Counts a batch's ops, which are in the WAL record being gathered now
   * (write()), into it, and applies them to the memtable straight from the
   * batch's bytes `rep`, where it noted them (`ops`, WriteBatch.ops: no
   * decoding, no view per op); opBytes: their encoding's length. With no snapshot and no live iterator nobody can read a key's
   * older version, so an overwrite replaces the newest entry in place (no
   * skiplist search). The memtable copies what it keeps; range tombstones
   * keep copies. Every op reaches the row cache here too (and in put()),
   * right after the memtable, so the two agree after each op.
   * Op placedOp's key (a put of a key the row cache does not take) is
   * overwritten at its place when that is still its entry, and its place
   * is updated (MemtablePlace); another op's key, at the place where the
   * last read found it (`found`) when it is that key.
   */
  private commit(rep: Uint8Array, ops: Int32Array, count: number, opBytes: number, placedOp: number, placed: MemtablePlace | null): void {
    const first = this.vs.lastSequence + 1;
    this.gathered(first, count);
    const mem = this.mem;
    const inPlace = this.snapshots.size === 0 && this.liveIterators === 0;
    const rc = this.rowCache;
    let tombstones = false;
    // A batch of several ops (a ZADD's score-index entries beside its member): their keys' memtable entries are
    // loaded in one pass first, so their cache misses overlap instead of coming one op after the other.
    const hashedAhead = count > 1 && count <= PREFETCH_MAX;
    if (hashedAhead) {
      for (let i = 0, o = 0; i < count; i++, o += OP_FIELDS) batchHashes[i] = bloomHashAt(rep, ops[o + 1], ops[o + 2] - ops[o + 1]) | 0;
      mem.prefetch(batchHashes, count);
    }
    for (let i = 0, o = 0; i < count; i++, o += OP_FIELDS) {
      const kind = ops[o];
      if (kind === KIND_RANGE_DELETE) {
        const t = { start: rep.slice(ops[o + 1], ops[o + 2]), end: rep.slice(ops[o + 3], ops[o + 4]), seq: first + i };
        mem.addRangeTombstone(t);
        this.memRangeDels.push(t);
        tombstones = true;
        continue;
      }
      const keyStart = ops[o + 1];
      const keyEnd = ops[o + 2];
      if (i === placedOp && !(rc !== null && this.rowCacheKeys(rep, keyStart, keyEnd))) {
        assert(kind === KIND_PUT, 'a place given for an op that is not a put');
        this.putPlaced(mem, rep, keyStart, keyEnd, ops[o + 3], ops[o + 4], first + i, inPlace, placed!);
        continue;
      }
      const found = this.found;
      let hash: number;
      if (inPlace && found.placeMemtable === mem.id && mem.overwritePlaced(found.placeSlot, found.placeNode, rep, keyStart, keyEnd, rep, ops[o + 3], ops[o + 4], first + i, kind)) {
        hash = mem.hashAtSlot(found.placeSlot);
      } else {
        hash = hashedAhead ? batchHashes[i] : bloomHashAt(rep, keyStart, keyEnd - keyStart) | 0;
        mem.putRange(rep, keyStart, keyEnd, rep, ops[o + 3], ops[o + 4], first + i, kind, inPlace, hash);
      }
      if (rc !== null && this.rowCacheKeys(rep, keyStart, keyEnd)) rc.write(rep, keyStart, keyEnd, hash, rep, ops[o + 3], kind === KIND_PUT ? ops[o + 4] - ops[o + 3] : -1);
    }
    if (tombstones) {
      this.frag = null;
      // Which cached keys the ranges cover is not worth finding: range deletes are rare (FLUSHDB, whole collections).
      rc?.clear();
    }
    this.vs.lastSequence = first + count - 1;
    this.st.userBytes += opBytes;
  }

  /**
   * A hint that the keys of up to PREFETCH_MAX places (MemtablePlace; null:
   * none) are about to be overwritten (WriteBatch.putJoinedPlaced): loads
   * their entries of the active memtable by place (MemTable.prefetchPlaced).
   * Notes in unplacedOut the indexes of the places not in it and returns
   * how many: their writes probe by key (prefetch() them).
   */
  prefetchPlaced(places: ArrayLike<MemtablePlace | null>, count: number, unplacedOut: Int32Array): number {
    return this.mem.prefetchPlaced(places, count, unplacedOut);
  }

  /** commit()'s put of the key rep[keyStart, keyEnd) at its place, if still there, else as any; the place is then where the put left it. */
  private putPlaced(mem: MemTable, rep: Uint8Array, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, seq: number, inPlace: boolean, place: MemtablePlace): void {
    if (inPlace && place.placeMemtable === mem.id && mem.overwritePlaced(place.placeSlot, place.placeNode, rep, keyStart, keyEnd, rep, valueStart, valueEnd, seq, KIND_PUT)) return;
    mem.putRange(rep, keyStart, keyEnd, rep, valueStart, valueEnd, seq, KIND_PUT, inPlace);
    place.placeMemtable = mem.id;
    place.placeSlot = placeOut.slot;
    place.placeNode = placeOut.node;
  }

  /** After a write: its group records that it wrote, or outside groups, afterCommit. */
  private wrote(): void {
    if (this.atomicDepth === 0) this.afterCommit();
    else this.atomicWrote = true;
  }

  /** Counts count ops starting at sequence first into the record being gathered. */
  private gathered(first: number, count: number): void {
    if (this.recordCount === 0) this.recordFirstSeq = first;
    this.recordCount += count;
  }

  /**
   * Logs the record gathered so far (see `record`), if any, unless an atomic
   * group that wrote is open (a script's yield to the event loop): the
   * record then waits for the group's end. toOs: then hands every staged
   * WAL byte to the OS, the record among them without staging it
   * (LogWriter.writeRecord: one copy of the record fewer).
   */
  private logRecord(toOs = false): void {
    this.settleDeferred();
    this.takeRecordBack();
    if (this.recordCount === 0 || (this.atomicDepth > 0 && this.atomicWrote)) {
      if (toOs) this.log.flushToOs();
      return;
    }
    const r = this.record;
    putFixed64(r.buf, 0, this.recordFirstSeq);
    putFixed32(r.buf, 8, this.recordCount);
    if (toOs) this.log.writeRecord(r.buf, 0, r.len);
    else this.log.addRecord(r.buf, 0, r.len);
    this.st.walBytes += r.len;
    this.recordCount = 0;
    r.len = BATCH_HEADER;
    // A large record (a big MULTI) does not keep its buffer.
    if (r.buf.length > RECORD_KEEP_BYTES) this.record = DB.emptyRecord();
  }

  /** Drops the record gathered so far: after a WAL failure (its ops are in the memtable, which resume() flushes). */
  private dropRecord(): void {
    // Those held back go into the memtable with the rest.
    this.settleDeferred();
    this.takeRecordBack();
    this.recordCount = 0;
    this.record.len = BATCH_HEADER;
  }

  /**
   * Starts an atomic group (MULTI/EXEC, a script): the batches written until
   * the matching endAtomic() reach the WAL as one record, so recovery replays
   * all of them or none. Reads see them at once, as usual. Groups nest; a
   * memtable switch waits for the end of the group.
   */
  beginAtomic(): void {
    this.atomicDepth++;
  }

  endAtomic(): void {
    if (--this.atomicDepth > 0 || !this.atomicWrote) return;
    this.atomicWrote = false;
    this.afterCommit();
  }

  /** The last sequence number whose record is in the WAL (the one being gathered is not yet). */
  private loggedSequence(): number {
    return this.recordCount > 0 ? this.recordFirstSeq - 1 : this.vs.lastSequence;
  }

  /** After a write outside atomic groups, or the end of a group that wrote. */
  private afterCommit(): void {
    this.scheduleCommitGroup();
    try {
      // Bound memory used by the record and staged WAL bytes within one long synchronous burst.
      if (this.record.len > RECORD_KEEP_BYTES) this.logRecord();
      if (this.log.pendingBytes > 1024 * 1024) this.log.flushToOs();
      if (this.mem.approximateSize >= this.o.memtableSize) this.rotateMemtable();
    } catch (e) {
      this.setBgError(e as Error);
      throw e;
    }
  }

  private readonly commitGroupFn = (): void => this.commitGroup(false);

  private scheduleCommitGroup(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(this.commitGroupFn);
  }

  /** Group commit: one write() per event-loop turn, then fdatasync per the sync policy. */
  private commitGroup(timer: boolean): void {
    this.commitScheduled = false;
    // After a failed write the WAL may end in a torn record: nothing may follow it (see resume()).
    if (this.closed || this.bgError !== null) return;
    try {
      this.logRecord(true);
    } catch (e) {
      this.setBgError(e as Error);
      return;
    }
    this.writtenSeq = this.loggedSequence();
    const policy = this.o.syncPolicy;
    if (policy === 'no') this.resolveWaiters(this.writtenSeq);
    else if (policy === 'always' || timer) this.startSync();
  }

  /** Starts an fdatasync, off the main thread, of the oldest retired WAL still to sync, else of the active WAL if it holds unsynced writes. */
  private startSync(): void {
    if (this.syncInFlight) return;
    const retired = this.retiredToSync.shift();
    if (retired === undefined && this.syncedSeq >= this.writtenSeq) return;
    const target = retired?.seq ?? this.writtenSeq;
    const w = retired?.log ?? this.log;
    this.syncInFlight = true;
    // A retired WAL was counted in flight when it was queued.
    if (retired === undefined) this.holdLog(w);
    const done = (err: Error | null): void => {
      this.syncInFlight = false;
      this.releaseLog(w);
      if (err) {
        this.setBgError(err);
        // Nothing more is synced: the queued WALs are let go (close() waits for every WAL in flight).
        for (const r of this.retiredToSync.splice(0)) this.releaseLog(r.log);
        return;
      }
      if (target > this.syncedSeq) this.syncedSeq = target;
      this.resolveWaiters(this.syncedSeq);
      if (this.retiredToSync.length > 0 || (this.o.syncPolicy === 'always' && this.syncedSeq < this.writtenSeq)) this.startSync();
    };
    if (this.o.fsync) fs.fdatasync(w.fd, done);
    else setImmediate(() => done(null));
  }

  /** Keeps a WAL open while a sync of it is queued or running. */
  private holdLog(w: LogWriter): void {
    this.logInflight.set(w, (this.logInflight.get(w) ?? 0) + 1);
  }

  /** Ends a holdLog(); a retired WAL held no more is closed. */
  private releaseLog(w: LogWriter): void {
    const n = this.logInflight.get(w)! - 1;
    if (n > 0) {
      this.logInflight.set(w, n);
      return;
    }
    this.logInflight.delete(w);
    if (this.retiredLogs.delete(w)) w.close();
  }

  private resolveWaiters(upTo: number): void {
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= upTo) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }

  /**
   * Resolves once every write issued so far is durable per the sync policy:
   * fdatasync'ed ('always', 'everysec' - up to a second later) or handed to the OS ('no').
   */
  whenDurable(): Promise<void> {
    const seq = this.vs.lastSequence;
    const durable = this.o.syncPolicy === 'no' ? this.writtenSeq : this.syncedSeq;
    if (seq <= durable) return Promise.resolve();
    if (this.bgError !== null) return Promise.reject(this.bgError);
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Forces the WAL to disk now regardless of policy. */
  async syncWal(): Promise<void> {
    this.checkOpen();
    this.logRecord(true);
    this.writtenSeq = this.loggedSequence();
    if (this.syncedSeq >= this.writtenSeq) return;
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ seq: this.writtenSeq, resolve, reject }));
    this.startSync();
    return p;
  }

  /**
   * Memory for the next memtable whose pages a worker has mapped already
   * (null until it is ready): mapping them as entries fill them costs ~1 us
   * per entry on this VM (~26 us per 4 KiB page), half a write's LSM cost.
   */
  private spareMemory: SharedArrayBuffer | null = null;
  private preparingMemory = false;
  /**
   * A flushed memtable's memory, its pages mapped, for the next memtable
   * (recycle): in steady state no memtable needs fresh memory, whose
   * mapping cost the prefault worker ~0.25 s of CPU per 32 MiB memtable.
   */
  private recycledMemory: SharedArrayBuffer | null = null;
  private recycling = false;

  /** The active memtable after a switch to the WAL logNumber; starts preparing the next one's memory. */
  private newMemtable(logNumber: number): MemTable {
    const bytes = memtableMemoryBytes(this.o.memtableSize);
    // Prepared memory of another size (the memtable size changed) is dropped.
    const recycled = this.recycledMemory?.byteLength === bytes ? this.recycledMemory : null;
    const spare = this.spareMemory?.byteLength === bytes ? this.spareMemory : null;
    this.recycledMemory = null;
    // The spare stays for the next memtable when recycled memory serves this one.
    this.spareMemory = recycled !== null ? spare : null;
    if (recycled !== null) this.st.recycledMemtables++;
    let memory = recycled ?? spare;
    // Shared memory, which the flush worker reads the entries from. Without prepared memory (the first
    // memtable) a small memtable (tests) takes fresh shared memory; a large one takes plain arrays, flushed
    // from its WAL, rather than zero and map all of its pages here at once (~0.2 s for a 32 MiB memtable's
    // 54 MiB on this VM; waiting for the worker to do it made start-up ~0.45 s slower).
    if (memory === null && bytes < PREFAULT_MIN_BYTES) memory = new SharedArrayBuffer(bytes);
    const mem = new MemTable(logNumber, this.o.memtableSize, memory);
    // Small memtables (tests) have few pages to map; a spare kept (a recycled memory was taken) needs no successor.
    if (this.spareMemory === null && bytes >= PREFAULT_MIN_BYTES) this.prepareMemory(bytes);
    return mem;
  }

  /**
   * Has the prefault worker prepare memory for a memtable: the active one
   * takes it if it is a plain one still nearly empty (the first, made
   * before any was ready; MemTable.adopt), else it is the next one's.
   */
  private prepareMemory(bytes: number): void {
    if (this.preparingMemory) return;
    this.preparingMemory = true;
    prefaultedInWorker(bytes).then(
      (memory) => {
        this.preparingMemory = false;
        if (this.closed) return;
        if (this.mem.adopt(memory, ADOPT_MAX_COPY_BYTES)) this.prepareMemory(bytes);
        else this.spareMemory = memory;
      },
      () => (this.preparingMemory = false), // a memtable of fresh memory then
    );
  }

  /**
   * Keeps a flushed memtable's memory for a later memtable. Only when no
   * iterator is open (one may read the memtable until it closes); nothing
   * else can see it once the flush is installed: reads copy out of it
   * (MemTable.keyOf/valueOf, get) and the flush worker is done with it.
   */
  private recycle(memory: SharedArrayBuffer, sizeLimit: number): void {
    if (this.liveIterators > 0 || this.recycling || this.recycledMemory !== null || this.closed) return;
    if (memory.byteLength !== memtableMemoryBytes(this.o.memtableSize)) return;
    this.recycling = true;
    zeroedInWorker(memory, memtableIndexOffset(sizeLimit)).then(
      (zeroed) => {
        this.recycling = false;
        if (!this.closed) this.recycledMemory = zeroed;
      },
      () => (this.recycling = false),
    );
  }

  private rotateMemtable(): void {
    // The record gathered so far holds this memtable's latest writes: it belongs to its WAL.
    this.logRecord(true);
    const old = this.log;
    this.writtenSeq = this.loggedSequence();
    if (this.o.syncPolicy === 'no') this.resolveWaiters(this.writtenSeq);
    else if (this.syncedSeq < this.writtenSeq) {
      // Synced by startSync, not here: an fdatasync on the main thread stalled every client 11-229 ms per
      // switch. Meanwhile the next WAL takes writes; a power loss can then leave this one cut short and the
      // next whole, a gap that recovery stops at (openSync). Syncs run in WAL order, so nothing after the
      // gap was acknowledged under 'always'.
      this.retiredToSync.push({ log: old, seq: this.writtenSeq });
      this.holdLog(old);
    }
    if (this.logInflight.has(old)) this.retiredLogs.add(old);
    else old.close();
    const n = this.vs.newFileNumber();
    this.log = LogWriter.create(fileName(this.dir, n, 'log'));
    if (this.retiredToSync.length > 0) this.startSync();
    this.imms.push(this.mem);
    this.mem = this.newMemtable(n);
    if (this.imms.length > this.o.maxImmutableMemtables) {
      // Writers outran flushing: finish the oldest flush now (a stall).
      const t0 = performance.now();
      while (this.imms.length > this.o.maxImmutableMemtables) this.flushOldestSync();
      this.st.stallMs += performance.now() - t0;
      this.st.stallCount++;
    }
    this.scheduleFlush();
  }

  // --------------------------------------------------------------- flush

  private startFlushJob(): FlushJob {
    assert(this.flushJob === null && this.imms.length > 0);
    const mem = this.imms[0];
    const number = this.vs.newFileNumber();
    this.vs.pendingOutputs.add(number);
    const job: FlushJob = { mem, number, smallestSnapshot: this.smallestSnapshot(), rangeDels: this.allRangeDels(), runner: null, outputs: null, done: false };
    this.flushJob = job;
    return job;
  }

  private jobRunner(job: FlushJob): CompactionRunner {
    if (job.runner === null) job.runner = this.newFlushRunner(job.mem, job.number, job.rangeDels, job.smallestSnapshot);
    return job.runner;
  }

  /** Completes the oldest immutable memtable's flush synchronously (a write stall). */
  private flushOldestSync(): void {
    let job = this.flushJob ?? this.startFlushJob();
    if (job.runner === null && this.useWorkerFlush()) {
      // The worker is building this table: supersede it (its output is discarded on return).
      job.done = true;
      this.flushJob = null;
      job = this.startFlushJob();
    }
    this.finishFlushSync(job);
  }

  private finishFlushSync(job: FlushJob): void {
    const runner = this.jobRunner(job);
    runner.step(Number.MAX_SAFE_INTEGER);
    for (const f of runner.outputs) this.syncFile(fileName(this.dir, f.number, 'sst'));
    job.outputs = runner.outputs;
    this.installFlush(job);
  }

  private useWorkerFlush(): boolean {
    return this.o.compactionMode === 'worker';
  }

  private scheduleFlush(): void {
    if (this.flushLoopRunning || this.imms.length === 0 || this.closed) return;
    this.flushLoopRunning = true;
    void this.flushLoop().finally(() => {
      this.flushLoopRunning = false;
      if (this.imms.length > 0 && !this.closed && this.bgError === null) this.scheduleFlush();
      else this.notifyIdle();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.imms.length > 0 && !this.closed && this.bgError === null) {
      const job = this.flushJob ?? this.startFlushJob();
      // The memtable's shared memory, once a worker flush of it is installed (not one superseded by a stall's flush).
      let recyclable: SharedMemtable | null = null;
      try {
        if (this.useWorkerFlush() && job.runner === null) {
          // Built off-thread from the memtable's shared memory, or else its (complete) WAL file.
          // The filter applies here too (worker flushes only): stale data then never reaches L0.
          const params = { ...this.newFlushParams(job.number, job.rangeDels, job.smallestSnapshot), sync: this.o.fsync };
          let res: CompactionJobResult | null = null;
          let err: unknown = null;
          const memtable = job.mem.shared() ?? undefined;
          if (memtable === undefined) this.st.walFlushes++;
          // Every table, under the output: the worker drops deletions of keys none of them may hold (FlushJobSpec.below). Kept until it is done.
          const below = this.vs.current;
          this.vs.ref(below);
          try {
            res = await runFlushInWorker(
              { params, walFile: fileName(this.dir, job.mem.logNumber, 'log'), memtable, filter: this.o.compactionFilter, below: { db: this.instance, levels: below.files } },
              this.o.onCompactionFilterQuery,
            );
          } catch (e) {
            err = e;
          } finally {
            if (this.vs.unref(below) && !this.closed) this.deleteObsoleteFiles();
          }
          if (job.done || this.closed) {
            // Superseded by a synchronous flush (which may also have removed the WAL):
            // whatever the worker produced is a duplicate.
            this.unlinkQuiet(fileName(this.dir, job.number, 'sst'));
            this.vs.pendingOutputs.delete(job.number);
            continue;
          }
          if (err !== null) throw err;
          recyclable = memtable ?? null;
          job.outputs = res!.outputs;
          this.st.filterRemoved += res!.stats.removed;
          this.st.flushCpuNs += res!.cpuNs;
        } else {
          const runner = this.jobRunner(job);
          // Small steps keep foreground latency low.
          while (!job.done && !runner.step(2000)) {
            await new Promise<void>((r) => setImmediate(r));
            if (this.closed) return;
          }
          if (job.done) continue; // finished synchronously by a stall meanwhile
          for (const f of runner.outputs) await this.syncFileAsync(fileName(this.dir, f.number, 'sst'));
          if (job.done || this.closed) continue;
          job.outputs = runner.outputs;
        }
        this.installFlush(job);
        if (recyclable !== null) this.recycle(recyclable.memory, recyclable.sizeLimit);
      } catch (e) {
        this.setBgError(e as Error);
        return;
      }
    }
  }

  private unlinkQuiet(p: string): void {
    try {
      fs.unlinkSync(p);
    } catch {}
  }

  private installFlush(job: FlushJob): void {
    assert(this.imms[0] === job.mem, 'flush order');
    assert(job.outputs !== null);
    job.done = true;
    const edit = new VersionEdit();
    for (const f of job.outputs) edit.added.push({ level: 0, file: f });
    edit.addRangeDels = job.mem.rangeTombstones.map((t) => ({ seq: t.seq, start: t.start, end: t.end }));
    const nextLog = this.imms.length > 1 ? this.imms[1].logNumber : this.mem.logNumber;
    edit.logNumber = nextLog;
    this.vs.logAndApply(edit);
    this.imms.shift();
    const moved = new Set(job.mem.rangeTombstones);
    if (moved.size > 0) {
      this.memRangeDels = this.memRangeDels.filter((t) => !moved.has(t));
      this.frag = null;
    }
    this.vs.pendingOutputs.delete(job.number);
    this.flushJob = null;
    this.st.flushes++;
    for (const f of job.outputs) this.st.flushBytes += f.size;
    this.deleteObsoleteFiles();
    this.maybeScheduleCompaction();
    this.notifyWritable();
  }

  /** Flushes the active memtable (if non-empty) and waits for all flushes. */
  async flush(): Promise<void> {
    this.checkOpen();
    // The atomic group's record belongs to the current memtable's WAL file.
    assert(this.atomicDepth === 0 || !this.atomicWrote, 'flush() inside an atomic group that wrote');
    if (this.mem.count > 0 || this.mem.rangeTombstones.length > 0) this.rotateMemtable();
    while ((this.imms.length > 0 || this.flushLoopRunning) && this.bgError === null && !this.closed) {
      this.scheduleFlush();
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
    if (this.bgError !== null) throw this.bgError;
    await this.obsoleteFilesDeleted();
  }

  // ----------------------------------------------------------- compaction

  /** Inline compactions call the query handler directly (same thread). */
  private readonly inlineFilterHost: CompactionFilterHost = {
    query: async (request) => {
      const answer = this.o.onCompactionFilterQuery;
      if (answer === undefined) throw new Error('no compaction filter query handler');
      return answer(request);
    },
  };

  /** Sequence numbers of the live snapshots (each once): a filter must not remove what a read at one of them can see. */
  snapshotSequences(): number[] {
    return [...this.snapshots.keys()];
  }

  private smallestSnapshot(): number {
    let m = this.vs.lastSequence;
    for (const s of this.snapshots.keys()) if (s < m) m = s;
    return m;
  }

  private maybeScheduleCompaction(): void {
    if (this.compacting || this.closed || this.closing || this.bgError !== null || this.manualCompactions > 0 || this.o.compactionMode === 'off') return;
    const c = pickCompaction(this.vs.current, this.o, this.vs.compactPointers);
    if (c === null) return;
    this.compacting = true;
    void this.runCompaction(c)
      .catch((e: Error) => this.setBgError(e))
      .finally(() => {
        this.compacting = false;
        this.notifyIdle();
        this.maybeScheduleCompaction();
      });
  }

  private async runCompaction(c: PickedCompaction): Promise<void> {
    const edit = new VersionEdit();
    if (c.pointer !== null) edit.compactPointers.push({ level: c.level, key: c.pointer });
    if (c.trivialMove) {
      const f = c.inputs[0][0];
      edit.deleted.push({ level: c.level, number: f.number });
      edit.added.push({ level: c.outputLevel, file: f });
      this.vs.logAndApply(edit);
      this.st.trivialMoves++;
      this.notifyWritable();
      return;
    }
    let inputBytes = 0;
    for (const fl of c.inputs) for (const f of fl) inputBytes += f.size;
    const inWorker = this.o.compactionMode === 'worker';
    const boundary = inWorker && this.o.subcompactions > 1 ? subcompactionBoundary(c, this.o.targetFileSize) : null;
    const ranges = boundary === null ? [undefined] : [{ start: null, end: boundary }, { start: boundary, end: null }];
    const smallestSnapshot = this.smallestSnapshot();
    const rangeDels = this.allRangeDels()
      .filter((t) => t.seq <= smallestSnapshot)
      .map((t) => ({ seq: t.seq, start: t.start, end: t.end }));
    const allOutputNumbers: number[] = [];
    const jobs = ranges.map((range): CompactionJob => {
      // Enough numbers for all of the input in each job (they are only counters).
      const nOut = Math.ceil((inputBytes * 1.5) / this.o.targetFileSize) + 4;
      const outputNumbers: number[] = [];
      for (let i = 0; i < nOut; i++) {
        const n = this.vs.newFileNumber();
        outputNumbers.push(n);
        this.vs.pendingOutputs.add(n);
      }
      allOutputNumbers.push(...outputNumbers);
      return {
        params: {
          dir: this.dir,
          outputNumbers,
          targetFileSize: this.o.targetFileSize,
          bottommost: c.bottommost,
          smallestSnapshot,
          rangeDels,
          table: this.tableOptions(),
          sync: this.o.fsync,
        },
        inputs: c.inputs,
        sourceLevel: c.level,
        filter: this.o.compactionFilter,
        range,
      };
    });
    let results: CompactionJobResult[];
    try {
      // Every job settles before its outputs stop being pending: a failed half must not let the other's files be deleted as obsolete while it writes them.
      const settled = await Promise.allSettled(
        jobs.map((job, i) => (inWorker ? runInWorker(job, this.o.onCompactionFilterQuery, i === 0 ? 0 : 1) : runCompactionJob(job, this.inlineFilterHost, this.o.compactionFilterFn))),
      );
      results = settled.map((r) => {
        if (r.status === 'rejected') throw r.reason;
        return r.value;
      });
    } finally {
      for (const n of allOutputNumbers) this.vs.pendingOutputs.delete(n);
    }
    const outputs = results.flatMap((r) => r.outputs);
    if (this.closed) return;
    for (const fl of c.inputs) for (const f of fl) edit.deleted.push({ level: fl === c.inputs[0] ? c.level : c.outputLevel, number: f.number });
    for (const f of outputs) edit.added.push({ level: c.outputLevel, file: f });
    this.gcRangeDels(edit, c, outputs);
    this.vs.logAndApply(edit);
    this.st.compactions++;
    if (results.length > 1) this.st.splitCompactions++;
    for (const r of results) {
      this.st.filterRemoved += r.stats.removed;
      this.st.compactionRead += r.bytesRead;
      this.st.compactionWritten += r.stats.bytesWritten;
      this.st.compactionWrittenByLevel[c.outputLevel] = (this.st.compactionWrittenByLevel[c.outputLevel] ?? 0) + r.stats.bytesWritten;
      this.st.compactionCpuNs += r.cpuNs;
    }
    this.frag = null;
    this.deleteObsoleteFiles();
    this.notifyWritable();
  }

  /** Drops persisted range tombstones whose covered points are physically gone everywhere. */
  private gcRangeDels(edit: VersionEdit, c: PickedCompaction, outputs: FileMeta[]): void {
    const v = this.vs.current;
    if (v.rangeDels.length === 0) return;
    const deleted = new Set<number>();
    for (const fl of c.inputs) for (const f of fl) deleted.add(f.number);
    const files = v.allFiles().filter((f) => !deleted.has(f.number)).concat(outputs);
    const smallest = this.smallestSnapshot();
    for (const t of v.rangeDels) {
      if (t.seq > smallest) continue;
      const stillNeeded = files.some((f) => {
        if (f.cleanSeq >= t.seq || f.smallestSeq > t.seq) return false;
        const lo = f.smallest.subarray(0, f.smallest.length - 8);
        const hi = f.largest.subarray(0, f.largest.length - 8);
        return compareBytes(hi, t.start) >= 0 && compareBytes(lo, t.end) < 0;
      });
      if (!stillNeeded) edit.removeRangeDels.push(t.seq);
    }
  }

  /**
   * Compacts every file overlapping [start, end] (user keys, inclusive; null = unbounded),
   * level by level, ending one level below the deepest level holding data in the range.
   */
  async compactRange(start: Uint8Array | null = null, end: Uint8Array | null = null): Promise<void> {
    await this.flush();
    this.manualCompactions++;
    try {
      while (this.compacting) await new Promise<void>((r) => this.idleWaiters.push(r));
      // Rewrite every level holding data in the range, including the deepest one
      // (pushed one level down), so filters and tombstones apply to all of it.
      let maxLevel = 0;
      const v0 = this.vs.current;
      for (let l = 1; l < this.o.numLevels; l++) if (v0.overlapping(l, start, end).length > 0) maxLevel = l;
      const last = Math.min(maxLevel, this.o.numLevels - 2);
      for (let level = 0; level <= last; level++) {
        const files = this.vs.current.overlapping(level, start, end);
        if (files.length === 0) continue;
        this.compacting = true;
        try {
          await this.runCompaction(setupCompaction(this.vs.current, level, files, false));
        } catch (e) {
          this.setBgError(e as Error);
          throw e;
        } finally {
          this.compacting = false;
        }
        if (this.closed) return;
      }
    } finally {
      this.manualCompactions--;
      this.notifyIdle();
    }
    if (this.bgError !== null) throw this.bgError;
    this.maybeScheduleCompaction();
    await this.obsoleteFilesDeleted();
  }

  /** Waits until no flush or compaction is running or pending, and the files they made obsolete are deleted. */
  async waitForIdle(): Promise<void> {
    for (;;) {
      if (this.bgError !== null) throw this.bgError;
      if (!this.compacting && !this.flushLoopRunning && this.imms.length === 0) {
        this.maybeScheduleCompaction();
        if (!this.compacting) return this.obsoleteFilesDeleted();
      }
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
  }

  /** Waits until the MANIFEST is synced and the files obsolete then are deleted (deleteObsoleteFiles), or the DB stops. */
  private async obsoleteFilesDeleted(): Promise<void> {
    while ((!this.vs.manifestSynced() || this.unlinking.size > 0) && !this.closed && this.bgError === null) await new Promise((r) => setTimeout(r, 1));
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  get writeStall(): 'none' | 'slowdown' | 'stop' {
    const l0 = this.vs.current.files[0].length;
    // A full queue of unflushed memtables: the next switch would flush on this thread (see rotateMemtable).
    if (l0 >= this.o.l0StopTrigger || this.imms.length >= this.o.maxImmutableMemtables) return 'stop';
    if (l0 >= this.o.l0SlowdownTrigger) return 'slowdown';
    return 'none';
  }

  /**
   * Resolves when writes are no longer at the L0 stop trigger. Writes are never
   * refused (the API is synchronous); callers apply backpressure by awaiting this.
   */
  whenWritable(): Promise<void> {
    if (this.writeStall !== 'stop' || this.closed || this.bgError !== null) return Promise.resolve();
    if (this.stopSince === 0) this.stopSince = performance.now();
    return new Promise((r) => this.writableWaiters.push(r));
  }

  /** Releases whenWritable() callers once writes may go on (or never will be flushed: closed, failed). */
  private notifyWritable(): void {
    if (this.writeStall === 'stop' && !this.closed && this.bgError === null) return;
    if (this.stopSince !== 0) {
      this.st.stallMs += performance.now() - this.stopSince;
      this.st.stallCount++;
      this.stopSince = 0;
    }
    const w = this.writableWaiters;
    this.writableWaiters = [];
    for (const r of w) r();
  }

  // ----------------------------------------------------------- files

  private deleteObsoleteFiles(): void {
    // Until the MANIFEST's last edits are synced, a crash recovers the state before them, which needs these files.
    if (!this.vs.manifestSynced()) return;
    const live = this.vs.liveFileNumbers();
    const minLog = this.imms.length > 0 ? this.imms[0].logNumber : this.mem.logNumber;
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      let m: RegExpExecArray | null;
      if ((m = /^(\d+)\.sst$/.exec(name))) {
        const n = Number(m[1]);
        if (!live.has(n)) {
          this.tc.evict(n);
          this.unlinkInBackground(name);
        }
      } else if ((m = /^(\d+)\.log$/.exec(name))) {
        if (Number(m[1]) < Math.min(minLog, this.vs.logNumber)) this.unlinkInBackground(name);
      } else if (((m = /^MANIFEST-(\d+)$/.exec(name)) && Number(m[1]) !== this.vs.manifestNumber) || name.endsWith('.tmp')) {
        // Small, and their names come back (CURRENT.tmp): deleted now, not after a later file of the same name is made.
        this.unlinkQuiet(path.join(this.dir, name));
      }
    }
  }

  /** Obsolete tables and WALs being deleted by unlinkInBackground. */
  private readonly unlinking = new Set<string>();

  /**
   * Deletes an obsolete table or WAL off the main thread: unlinking a 32 MiB
   * WAL blocked clients 27-50 ms. Safe to run late: file numbers are never
   * reused, and nothing opens an obsolete file again.
   */
  private unlinkInBackground(name: string): void {
    if (this.unlinking.has(name)) return;
    this.unlinking.add(name);
    fs.unlink(path.join(this.dir, name), () => this.unlinking.delete(name));
  }

  /**
   * Consistent copy of the database in `target` (must not exist): tables are
   * hard-linked, live WALs copied, and a fresh MANIFEST/CURRENT written.
   */
  async checkpoint(target: string): Promise<void> {
    this.checkOpen();
    if (fs.existsSync(target)) throw new Error(`${target} already exists`);
    fs.mkdirSync(target, { recursive: true });
    // Everything below is synchronous, so no write can interleave.
    this.logRecord(true);
    this.datasyncNow(this.log.fd);
    for (const f of this.vs.current.allFiles()) {
      const src = fileName(this.dir, f.number, 'sst');
      const dst = fileName(target, f.number, 'sst');
      try {
        fs.linkSync(src, dst);
      } catch {
        fs.copyFileSync(src, dst); // cross-device
      }
    }
    const logs = [...this.imms.map((m) => m.logNumber), this.mem.logNumber];
    for (const n of logs) {
      const src = fileName(this.dir, n, 'log');
      if (fs.existsSync(src)) {
        fs.copyFileSync(src, fileName(target, n, 'log'));
        this.syncFile(fileName(target, n, 'log'));
      }
    }
    const e = this.vs.snapshotEdit();
    e.logNumber = logs[0];
    const mnum = this.vs.nextFileNumber + 1;
    e.nextFileNumber = mnum + 1;
    const w = LogWriter.create(manifestName(target, mnum));
    w.addRecord(e.encode());
    w.syncSync(this.o.fsync);
    w.close();
    setCurrentFile(target, path.basename(manifestName(target, mnum)), this.o.fsync);
  }

  // ----------------------------------------------------------- misc

  private syncFile(p: string): void {
    if (this.o.fsync) syncFileNow(p);
  }
  private syncFileAsync(p: string): Promise<void> {
    return this.o.fsync ? syncFileAsyncNow(p) : Promise.resolve();
  }
  private datasyncNow(fd: number): void {
    if (this.o.fsync) fs.fdatasyncSync(fd);
  }

  /**
   * Changes memtableSize while open (an owner following a memory limit:
   * memtables can take memtableSize x (1 + maxImmutableMemtables)). The
   * active memtable is switched out at the next write once it is over the
   * new size.
   */
  setMemtableSize(bytes: number): void {
    if (!(bytes >= 1024)) throw new RangeError('memtableSize too small');
    this.o.memtableSize = bytes;
  }

  /** Whether tables are written compressed (only their blocks use the block cache). */
  get compressesTables(): boolean {
    return this.o.compression !== 'none';
  }

  /** Changes the block cache's byte budget (blockCacheBytes) while open. */
  setBlockCacheBytes(bytes: number): void {
    this.blockCache.resize(bytes);
  }

  /** Changes the row cache's byte budget (rowCacheBytes) while open; nothing without rowCacheKeys. */
  setRowCacheBytes(bytes: number): void {
    this.rowCache?.setCapacity(bytes);
  }

  stats(): DBStats {
    const v = this.vs.current;
    const levels = v.files.map((fl, level) => ({ level, files: fl.length, bytes: v.levelBytes(level) }));
    const bc = this.blockCache;
    const user = this.st.userBytes;
    return {
      levels,
      sequence: this.vs.lastSequence,
      memtableBytes: this.mem.approximateSize,
      memtableEntries: this.mem.count,
      immutableMemtables: this.imms.length,
      rangeTombstones: this.allRangeDels().length,
      userBytesWritten: user,
      walBytesWritten: this.st.walBytes,
      flushBytesWritten: this.st.flushBytes,
      compactionBytesRead: this.st.compactionRead,
      compactionBytesWritten: this.st.compactionWritten,
      compactionBytesWrittenByLevel: Array.from({ length: this.o.numLevels }, (_, level) => this.st.compactionWrittenByLevel[level] ?? 0),
      flushCpuMs: this.st.flushCpuNs / 1e6,
      compactionCpuMs: this.st.compactionCpuNs / 1e6,
      walFlushes: this.st.walFlushes,
      recycledMemtables: this.st.recycledMemtables,
      writeAmplification: user === 0 ? 0 : (this.st.walBytes + this.st.flushBytes + this.st.compactionWritten) / user,
      tableBytesRead: this.tc.stats.bytesRead,
      blockReads: this.tc.stats.blockReads,
      blockCache: { capacity: bc.capacity, usage: bc.usage, hits: bc.hits, misses: bc.misses, hitRate: bc.hits + bc.misses === 0 ? 0 : bc.hits / (bc.hits + bc.misses) },
      rowCache: this.rowCache?.stats() ?? { capacity: 0, usage: 0, entries: 0, hits: 0, misses: 0 },
      openTables: this.tc.openTables,
      flushes: this.st.flushes,
      compactions: this.st.compactions,
      splitCompactions: this.st.splitCompactions,
      trivialMoves: this.st.trivialMoves,
      stallMs: this.st.stallMs + (this.stopSince !== 0 ? performance.now() - this.stopSince : 0),
      stallCount: this.st.stallCount,
      writeStall: this.writeStall,
      backgroundError: this.bgError?.message ?? null,
      snapshots: [...this.snapshots.values()].reduce((a, b) => a + b, 0),
      liveIterators: this.liveIterators,
      tableEntries: v.allFiles().reduce((n, f) => n + f.numEntries, 0),
      filterRemovedEntries: this.st.filterRemoved,
    };
  }

  /**
   * Changes the WAL sync policy at runtime (appendfsync): waiters are then
   * served per the new policy; writes not yet synced are synced now when
   * switching to 'always'.
   */
  setSyncPolicy(policy: SyncPolicy): void {
    this.checkOpen();
    this.o.syncPolicy = policy;
    if (this.everysecTimer !== null) clearInterval(this.everysecTimer);
    this.everysecTimer = null;
    this.startEverysecTimer();
    if (policy === 'no') this.resolveWaiters(this.writtenSeq);
    else this.startSync();
  }

  private startEverysecTimer(): void {
    if (this.o.syncPolicy !== 'everysec') return;
    this.everysecTimer = setInterval(() => this.commitGroup(true), 1000);
    this.everysecTimer.unref?.();
  }

  /** The WAL a failed resume() attempt left: never written, so the next attempt reuses it. */
  private resumeLog: LogWriter | null = null;

  /**
   * Clears the background error once its cause is gone (RocksDB's
   * DB::Resume()): a fresh WAL takes over and what memory holds is written to
   * tables, so the failed WAL (which may end in a torn record) is never
   * written again and becomes obsolete; a fresh MANIFEST replaces one whose
   * write may have failed. Synchronous, so no write interleaves. Throws, and
   * the error stays, while the disk still fails; false while background work
   * or a sync is still running (try again later).
   */
  resume(): boolean {
    this.checkOpen();
    if (this.bgError === null) return true;
    if (this.compacting || this.flushLoopRunning || this.syncInFlight || this.vs.manifestSyncing || this.atomicDepth > 0) return false;
    try {
      const stale = this.flushJob;
      if (stale !== null) {
        stale.runner?.abort();
        this.unlinkQuiet(fileName(this.dir, stale.number, 'sst'));
        this.vs.pendingOutputs.delete(stale.number);
        this.flushJob = null;
      }
      if (this.log !== this.resumeLog) {
        const n = this.vs.newFileNumber();
        const log = LogWriter.create(fileName(this.dir, n, 'log'));
        this.dropRecord();
        this.log.abandon();
        this.log = this.resumeLog = log;
        if (this.mem.count > 0 || this.mem.rangeTombstones.length > 0) this.imms.push(this.mem);
        this.mem = new MemTable(n);
      }
      this.vs.logNumber = (this.imms[0] ?? this.mem).logNumber;
      this.vs.rewriteManifest();
      while (this.imms.length > 0) this.finishFlushSync(this.startFlushJob());
      this.vs.syncManifestNow();
      if (this.o.fsync) syncDir(this.dir);
    } catch (e) {
      this.bgError = e as Error;
      this.deleteObsoleteFiles();
      throw e;
    }
    this.bgError = null;
    this.resumeLog = null;
    this.writtenSeq = this.syncedSeq = this.vs.lastSequence;
    this.deleteObsoleteFiles();
    this.maybeScheduleCompaction();
    return true;
  }

  /** The error that stopped the WAL or background work (a failed write, sync, flush or compaction), or null. */
  get backgroundError(): Error | null {
    return this.bgError;
  }

  get lastSequence(): number {
    return this.vs.lastSequence;
  }

  private setBgError(e: Error): void {
    if (this.bgError === null) {
      this.bgError = e;
      this.o.onBackgroundError?.(e);
    }
    for (const w of this.waiters) w.reject(e);
    this.waiters = [];
    this.notifyIdle();
    this.notifyWritable();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('database is closed');
  }

  /** Waits for running background work, makes the WAL durable, releases resources. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Let in-flight background work finish so outputs are installed or discarded
    // cleanly (a worker must not write a file after we are gone).
    this.closing = true;
    while (this.compacting || this.flushLoopRunning) await new Promise<void>((r) => this.idleWaiters.push(r));
    this.closed = true;
    this.notifyWritable();
    if (this.everysecTimer !== null) clearInterval(this.everysecTimer);
    let err: Error | null = null;
    try {
      if (this.bgError !== null) {
        // A failed WAL may end torn: its staged records are dropped (they were never durable).
        this.dropRecord();
        this.log.abandon();
      } else {
        this.logRecord(true);
        if (this.o.syncPolicy !== 'no') {
          // Retired WALs whose syncs are queued or running first: a newer WAL is never durable before an older one.
          for (const w of this.logInflight.keys()) if (w !== this.log) this.datasyncNow(w.fd);
          this.datasyncNow(this.log.fd);
        }
        this.syncedSeq = this.writtenSeq = this.vs.lastSequence;
      }
    } catch (e) {
      err = e as Error;
    }
    this.resolveWaiters(this.vs.lastSequence);
    while (this.logInflight.size > 0 || this.vs.manifestSyncing || this.unlinking.size > 0) await new Promise((r) => setTimeout(r, 1));
    this.log.close();
    for (const w of this.retiredLogs) w.close();
    this.retiredLogs.clear();
    if (this.flushJob !== null) {
      this.flushJob.runner?.abort();
      this.vs.pendingOutputs.delete(this.flushJob.number);
    }
    this.vs.close();
    this.tc.close();
    this.blockCache.clear();
    this.rowCache?.release();
    this.notifyIdle();
    if (err !== null) throw err;
  }
}

/** DB.prefetch's hashes of the keys it is given (one computation for the memtables and the row cache). */
const prefetchHashes = new Int32Array(PREFETCH_MAX);
/** Whether rowCacheKeys admits each of them (1). */
const prefetchRowKey = new Uint8Array(PREFETCH_MAX);
/** The hashes of the keys whose memtable entries it loads, when not all (cachedAreOnlyRead). */
const prefetchMemHashes = new Int32Array(PREFETCH_MAX);
/** Those of the keys the row cache may hold. */
const prefetchRowHashes = new Int32Array(PREFETCH_MAX);
/** commit()'s hashes of a batch's keys, by op, when it hashes them ahead (a batch of a few ops). */
const batchHashes = new Int32Array(PREFETCH_MAX);

/** rowCacheKeys without a row cache (never called). */
function noKeys(): boolean {
  return false;
}

function syncFileNow(p: string): void {
  const fd = fs.openSync(p, 'r+');
  try {
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

async function syncFileAsyncNow(p: string): Promise<void> {
  const h = await fs.promises.open(p, 'r+');
  try {
    await h.datasync();
  } finally {
    await h.close();
  }
}
