/**
 * Versions (immutable sets of table files per level plus persisted range
 * tombstones) and the MANIFEST that records edits between them. CURRENT
 * names the live MANIFEST and is switched atomically (write tmp, fsync, rename).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assert, CorruptionError } from './assert.ts';
import { compareBytes, compareInternal, ikeyUserKey, KIND_SEEK, manifestName } from './dbformat.ts';
import type { InternalIterator } from './iterator.ts';
import { LogWriter } from './log_writer.ts';
import { readLogFile } from './log_reader.ts';
import type { TableCache } from './table_cache.ts';
import { type FileMeta, type PersistedRangeDel, VersionEdit } from './version_edit.ts';
import { bloomHash } from './bloom.ts';

export class Version {
  /** files[0] newest first (by largestSeq); files[1..] sorted by smallest key, disjoint. */
  readonly files: FileMeta[][];
  readonly rangeDels: PersistedRangeDel[];
  refs = 0;

  constructor(files: FileMeta[][], rangeDels: PersistedRangeDel[]) {
    this.files = files;
    this.rangeDels = rangeDels;
  }

  numLevels(): number {
    return this.files.length;
  }

  levelBytes(level: number): number {
    let n = 0;
    for (const f of this.files[level]) n += f.size;
    return n;
  }

  /** Newest entry for key with seq <= snapshot across all levels; fills lookupOut. */
  lookup(key: Uint8Array, snapshot: number, tc: TableCache, hash = -1): boolean {
    const l0 = this.files[0];
    for (let i = 0; i < l0.length; i++) {
      const f = l0[i];
      if (f.smallestSeq > snapshot) continue;
      if (compareUserToIkey(key, f.smallest) < 0 || compareUserToIkey(key, f.largest) > 0) continue;
      if (hash === -1) hash = bloomHash(key);
      if (tc.get(f.number).lookup(key, snapshot, hash)) return true;
    }
    for (let level = 1; level < this.files.length; level++) {
      const fs_ = this.files[level];
      if (fs_.length === 0) continue;
      const i = findFile(fs_, key);
      if (i >= fs_.length) continue;
      const f = fs_[i];
      if (compareUserToIkey(key, f.smallest) < 0) continue;
      if (hash === -1) hash = bloomHash(key);
      if (tc.get(f.number).lookup(key, snapshot, hash)) return true;
    }
    return false;
  }

  /** Files in `level` whose user-key range intersects [lo, hi] (null = unbounded). */
  overlapping(level: number, lo: Uint8Array | null, hi: Uint8Array | null): FileMeta[] {
    const out: FileMeta[] = [];
    for (const f of this.files[level]) {
      if (lo !== null && compareBytes(ikeyUserKey(f.largest), lo) < 0) continue;
      if (hi !== null && compareBytes(ikeyUserKey(f.smallest), hi) > 0) continue;
      out.push(f);
    }
    return out;
  }

  /** Iterators for every table (L0 individually, other levels concatenated). */
  iterators(tc: TableCache): InternalIterator[] {
    const its: InternalIterator[] = [];
    for (const f of this.files[0]) its.push(tc.get(f.number).iterator());
    for (let level = 1; level < this.files.length; level++) {
      if (this.files[level].length > 0) its.push(new LevelIterator(this.files[level], tc));
    }
    return its;
  }

  allFiles(): FileMeta[] {
    return this.files.flat();
  }
}

export function compareUserToIkey(uk: Uint8Array, ikey: Uint8Array): number {
  const n = ikey.length - 8;
  const m = uk.length < n ? uk.length : n;
  for (let i = 0; i < m; i++) {
    const d = uk[i] - ikey[i];
    if (d !== 0) return d;
  }
  return uk.length - n;
}

/** Index of first file whose largest user key >= key. */
export function findFile(files: FileMeta[], key: Uint8Array): number {
  let lo = 0;
  let hi = files.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareUserToIkey(key, files[mid].largest) > 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Concatenates the disjoint, sorted files of one level; opens tables lazily. */
export class LevelIterator implements InternalIterator {
  private idx = -1;
  private it: InternalIterator | null = null;

  constructor(
    private readonly files: FileMeta[],
    private readonly tc: TableCache,
  ) {}

  private open(i: number): void {
    this.it?.close();
    this.it = null;
    this.idx = i;
    if (i >= 0 && i < this.files.length) this.it = this.tc.get(this.files[i].number).iterator();
  }
  private fwd(): void {
    while (this.it !== null && !this.it.valid()) {
      this.open(this.idx + 1);
      this.it?.seekToFirst();
    }
  }
  private bwd(): void {
    while (this.it !== null && !this.it.valid()) {
      this.open(this.idx - 1);
      this.it?.seekToLast();
    }
  }
  valid(): boolean {
    return this.it !== null && this.it.valid();
  }
  seekToFirst(): void {
    this.open(0);
    this.it?.seekToFirst();
    this.fwd();
  }
  seekToLast(): void {
    this.open(this.files.length - 1);
    this.it?.seekToLast();
    this.bwd();
  }
  seek(userKey: Uint8Array, seq: number): void {
    const i = findFile(this.files, userKey);
    if (i !== this.idx || this.it === null) this.open(i);
    this.it?.seek(userKey, seq);
    this.fwd();
  }
  next(): void {
    this.it!.next();
    this.fwd();
  }
  prev(): void {
    this.it!.prev();
    this.bwd();
  }
  userKey(): Uint8Array {
    return this.it!.userKey();
  }
  keyBuffer(): Uint8Array {
    return this.it!.keyBuffer();
  }
  keyOffset(): number {
    return this.it!.keyOffset();
  }
  keyLength(): number {
    return this.it!.keyLength();
  }
  seq(): number {
    return this.it!.seq();
  }
  kind(): number {
    return this.it!.kind();
  }
  value(): Uint8Array {
    return this.it!.value();
  }
  valueBuffer(): Uint8Array {
    return this.it!.valueBuffer();
  }
  valueStart(): number {
    return this.it!.valueStart();
  }
  valueEnd(): number {
    return this.it!.valueEnd();
  }
  close(): void {
    this.it?.close();
    this.it = null;
  }
}

export function sortLevel(level: number, files: FileMeta[]): void {
  if (level === 0) files.sort((a, b) => b.largestSeq - a.largestSeq);
  else files.sort((a, b) => compareInternal(a.smallest, b.smallest));
}

export class VersionSet {
  current: Version;
  nextFileNumber = 2;
  lastSequence = 0;
  logNumber = 0;
  manifestNumber = 0;
  compactPointers: (Uint8Array | null)[];
  private manifest: LogWriter | null = null;
  /** Versions pinned by iterators (plus current). */
  private readonly live = new Set<Version>();
  /** Files being written by flush/compaction: not obsolete though in no version. */
  readonly pendingOutputs = new Set<number>();
  /** false only in tests/benchmarks (see DBOptions.fsync). */
  useFsync = true;
  /**
   * Edits applied by logAndApply, and how many of the first of them a synced
   * MANIFEST holds: its sync runs off the main thread, and until it ends a
   * crash recovers the state before the rest, so files they made obsolete
   * must stay (see manifestSynced).
   */
  private appliedEdits = 0;
  private durableEdits = 0;
  /** An fdatasync of the MANIFEST is running (at most one). */
  manifestSyncing = false;
  /** Told when every applied edit has become durable, or that a MANIFEST sync failed (the owner then stops). */
  onManifestSynced: (err: Error | null) => void = () => {};

  constructor(
    readonly dir: string,
    readonly numLevels: number,
  ) {
    this.current = new Version(
      Array.from({ length: numLevels }, () => []),
      [],
    );
    this.compactPointers = new Array(numLevels).fill(null);
  }

  newFileNumber(): number {
    return this.nextFileNumber++;
  }

  /** Replays CURRENT's manifest. Returns false when the DB does not exist. */
  recover(): boolean {
    const currentPath = path.join(this.dir, 'CURRENT');
    if (!fs.existsSync(currentPath)) return false;
    const name = fs.readFileSync(currentPath, 'utf8').trim();
    if (!/^MANIFEST-\d+$/.test(name)) throw new CorruptionError('CURRENT', 0, `bad contents ${JSON.stringify(name)}`);
    const mpath = path.join(this.dir, name);
    if (!fs.existsSync(mpath)) throw new CorruptionError(name, 0, 'manifest named by CURRENT is missing');
    // A torn tail is an edit that was never acknowledged (installed only after sync).
    const res = readLogFile(mpath, 'tolerate-tail');
    const files: Map<number, { level: number; f: FileMeta }> = new Map();
    const rds = new Map<number, PersistedRangeDel>();
    let sawLog = false;
    for (const rec of res.records) {
      let e: VersionEdit;
      try {
        e = VersionEdit.decode(rec.data);
      } catch (err) {
        throw new CorruptionError(name, rec.offset, `bad version edit: ${(err as Error).message}`);
      }
      if (e.logNumber !== undefined) {
        this.logNumber = e.logNumber;
        sawLog = true;
      }
      if (e.nextFileNumber !== undefined) this.nextFileNumber = e.nextFileNumber;
      if (e.lastSequence !== undefined) this.lastSequence = e.lastSequence;
      for (const p of e.compactPointers) if (p.level < this.numLevels) this.compactPointers[p.level] = p.key;
      for (const d of e.deleted) files.delete(d.number);
      for (const a of e.added) {
        if (a.level >= this.numLevels) throw new CorruptionError(name, rec.offset, `file at level ${a.level} >= numLevels`);
        files.set(a.file.number, { level: a.level, f: a.file });
      }
      for (const r of e.addRangeDels) rds.set(r.seq, r);
      for (const s of e.removeRangeDels) rds.delete(s);
    }
    if (!sawLog) throw new CorruptionError(name, 0, 'manifest has no log number');
    const levels: FileMeta[][] = Array.from({ length: this.numLevels }, () => []);
    for (const { level, f } of files.values()) {
      levels[level].push(f);
      if (f.number >= this.nextFileNumber) this.nextFileNumber = f.number + 1;
    }
    levels.forEach((fl, i) => sortLevel(i, fl));
    this.setCurrent(new Version(levels, [...rds.values()].sort((a, b) => a.seq - b.seq)));
    this.manifestNumber = Number(name.slice('MANIFEST-'.length));
    if (this.manifestNumber >= this.nextFileNumber) this.nextFileNumber = this.manifestNumber + 1;
    return true;
  }

  private setCurrent(v: Version): void {
    this.current.refs--;
    if (this.current.refs <= 0) this.live.delete(this.current);
    v.refs++;
    this.live.add(v);
    this.current = v;
  }

  ref(v: Version): void {
    v.refs++;
    this.live.add(v);
  }
  /** Returns true when the version died (obsolete files may now be deletable). */
  unref(v: Version): boolean {
    v.refs--;
    if (v.refs <= 0) {
      this.live.delete(v);
      return true;
    }
    return false;
  }

  liveFileNumbers(): Set<number> {
    const s = new Set<number>(this.pendingOutputs);
    for (const v of this.live) for (const fl of v.files) for (const f of fl) s.add(f.number);
    for (const fl of this.current.files) for (const f of fl) s.add(f.number);
    return s;
  }

  /** Applies edit to current, producing a new version (not persisted). */
  private build(edit: VersionEdit): Version {
    const cur = this.current;
    const deleted = new Set(edit.deleted.map((d) => d.number));
    const levels = cur.files.map((fl) => fl.filter((f) => !deleted.has(f.number)));
    for (const a of edit.added) levels[a.level].push(a.file);
    levels.forEach((fl, i) => {
      sortLevel(i, fl);
      if (i > 0) {
        for (let j = 1; j < fl.length; j++) {
          assert(compareBytes(ikeyUserKey(fl[j - 1].largest), ikeyUserKey(fl[j].smallest)) < 0, `overlapping files in level ${i}: ${fl[j - 1].number} and ${fl[j].number}`);
        }
      }
    });
    const removed = new Set(edit.removeRangeDels);
    const rds = cur.rangeDels.filter((r) => !removed.has(r.seq)).concat(edit.addRangeDels);
    return new Version(levels, rds);
  }

  /** Installs edit without logging it (recovery, before a fresh MANIFEST snapshot is written). */
  applyInMemory(edit: VersionEdit): void {
    if (edit.logNumber !== undefined) this.logNumber = edit.logNumber;
    this.setCurrent(this.build(edit));
  }

  /**
   * Writes edit to the MANIFEST and installs the new version; the record's
   * fdatasync runs off the main thread (a synchronous one stalled every
   * client 3-18 ms per flush or compaction): the files an edit makes
   * obsolete may go only once manifestSynced() (onManifestSynced).
   */
  logAndApply(edit: VersionEdit): void {
    assert(this.manifest !== null, 'manifest not open');
    if (edit.logNumber !== undefined) this.logNumber = edit.logNumber;
    edit.logNumber = this.logNumber;
    edit.nextFileNumber = this.nextFileNumber;
    edit.lastSequence = this.lastSequence;
    const v = this.build(edit);
    for (const p of edit.compactPointers) this.compactPointers[p.level] = p.key;
    this.manifest.addRecord(edit.encode());
    this.manifest.flushToOs();
    this.setCurrent(v);
    // Start a fresh manifest when it grows large: replay time stays bounded. Not while the old one is being synced (its file stays open until then).
    if (this.manifest.writtenBytes > 4 * 1024 * 1024 && !this.manifestSyncing) {
      this.writeNewManifest();
      return;
    }
    if (!this.useFsync) return;
    this.appliedEdits++;
    this.syncManifest();
  }

  /** Whether every applied edit is in a synced MANIFEST. */
  manifestSynced(): boolean {
    return this.durableEdits === this.appliedEdits;
  }

  /** Starts an fdatasync of the MANIFEST covering the edits applied so far, unless one runs (its end starts the next). */
  private syncManifest(): void {
    if (this.manifestSyncing || this.manifestSynced()) return;
    const upTo = this.appliedEdits;
    this.manifestSyncing = true;
    fs.fdatasync(this.manifest!.fd, (err) => {
      this.manifestSyncing = false;
      if (err) {
        this.onManifestSynced(err);
        return;
      }
      this.editsDurable(upTo);
      this.syncManifest();
    });
  }

  /**
   * Syncs the MANIFEST on this thread (DB.resume(): the edit that makes a
   * failed, possibly torn WAL obsolete must be durable before writes go to
   * the next one, or recovery would replay that WAL's torn tail and then
   * later writes).
   */
  syncManifestNow(): void {
    if (this.manifestSynced()) return;
    this.manifest!.syncSync(this.useFsync);
    this.editsDurable(this.appliedEdits);
  }

  /** The first upTo applied edits are durable: tells the owner once all are. */
  private editsDurable(upTo: number): void {
    const wasSynced = this.manifestSynced();
    if (upTo > this.durableEdits) this.durableEdits = upTo;
    if (!wasSynced && this.manifestSynced()) this.onManifestSynced(null);
  }

  /**
   * After a failed manifest write (DB.resume()): drops whatever edit is still
   * staged (the file may end torn) and writes a fresh MANIFEST from memory.
   */
  rewriteManifest(): void {
    this.manifest?.abandon();
    this.writeNewManifest();
  }

  /** Writes a full snapshot of the current state to a new MANIFEST (synced, with CURRENT: every applied edit is durable then) and points CURRENT at it. */
  writeNewManifest(): void {
    assert(!this.manifestSyncing, 'a MANIFEST replaced while it is being synced');
    const num = this.newFileNumber();
    const mpath = manifestName(this.dir, num);
    const w = LogWriter.create(mpath);
    w.addRecord(this.snapshotEdit().encode());
    w.syncSync(this.useFsync);
    setCurrentFile(this.dir, path.basename(mpath), this.useFsync);
    const old = this.manifest;
    this.manifest = w;
    const oldNumber = this.manifestNumber;
    this.manifestNumber = num;
    if (old !== null) old.close();
    if (oldNumber !== 0 && oldNumber !== num) {
      try {
        fs.unlinkSync(manifestName(this.dir, oldNumber));
      } catch {}
    }
    this.editsDurable(this.appliedEdits);
  }

  snapshotEdit(): VersionEdit {
    const e = new VersionEdit();
    e.logNumber = this.logNumber;
    e.nextFileNumber = this.nextFileNumber;
    e.lastSequence = this.lastSequence;
    this.current.files.forEach((fl, level) => {
      for (const f of fl) e.added.push({ level, file: f });
    });
    e.addRangeDels = [...this.current.rangeDels];
    this.compactPointers.forEach((k, level) => {
      if (k !== null) e.compactPointers.push({ level, key: k });
    });
    return e;
  }

  close(): void {
    this.manifest?.close();
    this.manifest = null;
  }
}

export function setCurrentFile(dir: string, manifestBase: string, doSync = true): void {
  const tmp = path.join(dir, 'CURRENT.tmp');
  const fd = fs.openSync(tmp, 'w');
  fs.writeSync(fd, manifestBase + '\n');
  if (doSync) fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, path.join(dir, 'CURRENT'));
  if (doSync) syncDir(dir);
}

export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; nothing more we can do.
  }
}

export { KIND_SEEK };
