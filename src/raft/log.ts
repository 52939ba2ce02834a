import { assert } from "./assert.ts";
import { Unstable } from "./log_unstable.ts";
import { ErrCompacted, ErrUnavailable, type Storage } from "./storage/storage.ts";
import { limitSize, type Entry, type Snapshot } from "./types.ts";

// The raft log: a stable prefix served by Storage plus the unstable tail.
// Invariant: applied <= applying <= committed <= lastIndex.
export class RaftLog {
  storage: Storage;
  unstable: Unstable;
  committed: number;
  applied: number;
  // Last entry handed to the host for application (by a Ready or by
  // RawNode.takeCommitted) but possibly not yet acknowledged by advance().
  applying: number;
  maxNextEntsSize: number;

  constructor(storage: Storage, maxNextEntsSize = Number.MAX_SAFE_INTEGER) {
    this.storage = storage;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    // Everything up to the snapshot is committed and applied by definition.
    // The log may reach below the snapshot (entries kept for slow peers),
    // and the snapshot may be newer than the durable commit index: a host
    // that applies entries committed during a sync (RawNode.takeCommitted)
    // can snapshot them before the hard state carrying their commit is
    // written.
    this.committed = Math.max(first - 1, storage.snapshot().meta.index);
    this.applied = first - 1;
    this.applying = first - 1;
    this.maxNextEntsSize = maxNextEntsSize;
  }

  // Follower-side append (AppendEntries consistency check, §5.3). Returns the
  // new last index, or undefined if (index, logTerm) does not match.
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      // Log Matching + Leader Completeness: a committed entry can never be in
      // conflict. Stale appends below commit are filtered by the caller.
      assert(ci > this.committed, () => `entry ${ci} conflicts with committed entry (committed ${this.committed})`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    assert(after >= this.committed, () => `after(${after}) is out of range [committed(${this.committed})]`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  // First index whose term differs from ours (0 if none). Entries past our
  // last index count as conflicts too (they are new).
  findConflict(ents: Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  // Largest index <= index whose term is <= term. Used to skip a whole term
  // per rejection instead of one entry per round trip.
  findConflictByTerm(index: number, term: number): number {
    for (; index > 0; index--) {
      const t = this.term(index);
      if (t === undefined || t <= term) return index;
    }
    return 0;
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries;
  }

  // Committed entries not yet handed out for application.
  // Committed entries not yet handed out for application, up to `upTo`.
  nextEnts(upTo = this.committed): Entry[] {
    const off = Math.max(this.applying + 1, this.firstIndex());
    const hi = Math.min(upTo, this.committed);
    if (hi + 1 > off) return this.slice(off, hi + 1, this.maxNextEntsSize);
    return [];
  }

  hasNextEnts(): boolean {
    return this.committed + 1 > Math.max(this.applying + 1, this.firstIndex());
  }

  applyingTo(i: number): void {
    if (i > this.applying) this.applying = i;
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined && this.unstable.snapshot.meta.index !== 0;
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  // Last index known durable: everything below the unstable tail (nothing
  // while an incoming snapshot is not yet persisted).
  stableIndex(): number {
    return this.unstable.snapshot ? 0 : this.unstable.offset - 1;
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  commitTo(toCommit: number): void {
    if (this.committed < toCommit) {
      assert(this.lastIndex() >= toCommit, () => `tocommit(${toCommit}) is out of range [lastIndex(${this.lastIndex()})]`);
      this.committed = toCommit;
    }
  }

  // Monotonic: entries taken with takeCommitted while a Ready was being
  // persisted may already be past that Ready's committed entries.
  appliedTo(i: number): void {
    if (i <= this.applied) return;
    assert(this.committed >= i, () => `applied(${i}) out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    this.applied = i;
    this.applyingTo(i);
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    assert(t !== undefined, "last term unavailable");
    return t;
  }

  // Term of entry i, or undefined if it was compacted away or doesn't exist.
  term(i: number): number | undefined {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return undefined;
    const ut = this.unstable.maybeTerm(i);
    if (ut !== undefined) return ut;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof ErrCompacted || e instanceof ErrUnavailable) return undefined;
      throw e;
    }
  }

  zeroTermOnMissing(i: number): number {
    return this.term(i) ?? 0;
  }

  // Entries from i up to the end, capped at maxSize; throws ErrCompacted.
  entries(i: number, maxSize: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSize);
  }

  // §5.4.1 election restriction: is a candidate's log at least as up-to-date?
  isUpToDate(lasti: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lasti >= this.lastIndex());
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  // Leader commit rule (§5.4.2): only an entry of the current term is
  // committed by counting replicas.
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.zeroTermOnMissing(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }

  // [lo, hi) across storage and unstable; throws ErrCompacted if lo is gone.
  slice(lo: number, hi: number, maxSize: number): Entry[] {
    if (lo === hi) return [];
    const fi = this.firstIndex();
    if (lo < fi) throw new ErrCompacted();
    assert(hi <= this.lastIndex() + 1, () => `slice[${lo},${hi}) out of bound [${fi},${this.lastIndex()}]`);
    let ents: Entry[] = [];
    if (lo < this.unstable.offset) {
      const stored = this.storage.entries(lo, Math.min(hi, this.unstable.offset), maxSize);
      // Storage hit the size cap: don't stitch unstable entries on.
      if (stored.length < Math.min(hi, this.unstable.offset) - lo) return stored;
      ents = stored;
    }
    if (hi > this.unstable.offset) {
      const u = this.unstable.slice(Math.max(lo, this.unstable.offset), hi);
      ents = ents.length > 0 ? ents.concat(u) : u;
    }
    return limitSize(ents, maxSize);
  }
}
