/**
 * Internal iterators yield internal entries (userKey, seq, kind, value) in
 * internal-key order. MergingIterator combines children bidirectionally
 * (LevelDB's direction-switch scheme).
 */
import { compareBytes, compareParts } from './dbformat.ts';

export interface InternalIterator {
  valid(): boolean;
  seekToFirst(): void;
  seekToLast(): void;
  /** Position at the first entry >= (userKey, seq, KIND_SEEK). */
  seek(userKey: Uint8Array, seq: number): void;
  next(): void;
  prev(): void;
  /** The current user key; stays valid (and unchanged) after the iterator moves. */
  userKey(): Uint8Array;
  /**
   * The current user key without a copy: bytes [keyOffset(), +keyLength())
   * of keyBuffer(), valid only until the iterator moves (for comparisons).
   */
  keyBuffer(): Uint8Array;
  keyOffset(): number;
  keyLength(): number;
  seq(): number;
  kind(): number;
  value(): Uint8Array;
  /**
   * The current value without a view: bytes [valueStart(), valueEnd()) of
   * valueBuffer(), valid only until the iterator moves (a compaction copies
   * values; a view costs more than a small copy).
   */
  valueBuffer(): Uint8Array;
  valueStart(): number;
  valueEnd(): number;
  /** Releases resources (table refs). */
  close(): void;
}

/** Internal-key order of two iterators' entries, comparing their keys in place. */
function cmp(a: InternalIterator, b: InternalIterator): number {
  const ab = a.keyBuffer();
  const ao = a.keyOffset();
  const al = a.keyLength();
  const bb = b.keyBuffer();
  const bo = b.keyOffset();
  const bl = b.keyLength();
  const len = al < bl ? al : bl;
  for (let i = 0; i < len; i++) {
    const d = ab[ao + i] - bb[bo + i];
    if (d !== 0) return d;
  }
  if (al !== bl) return al - bl;
  const as = a.seq();
  const bs = b.seq();
  if (as !== bs) return as > bs ? -1 : 1;
  const ak = a.kind();
  const bk = b.kind();
  return ak === bk ? 0 : ak > bk ? -1 : 1;
}

export class MergingIterator implements InternalIterator {
  private current: InternalIterator | null = null;
  /**
   * Moving forward: the smallest child other than current, by the order
   * findSmallest breaks ties in (null: no other child is valid). The other
   * children do not move while current does, so a next() whose new entry
   * still sorts below it keeps current with one comparison instead of one
   * per child (a compaction's inputs supply runs of entries: a list's
   * elements, a key's versions in one table).
   */
  private second: InternalIterator | null = null;
  /** Whether second is found for the current position: findSmallest leaves it to the next next() (a seek is often the last move). */
  private secondKnown = false;
  private forward = true;

  constructor(private readonly children: InternalIterator[]) {}

  valid(): boolean {
    return this.current !== null;
  }
  seekToFirst(): void {
    for (const c of this.children) c.seekToFirst();
    this.forward = true;
    this.findSmallest();
  }
  seekToLast(): void {
    for (const c of this.children) c.seekToLast();
    this.forward = false;
    this.findLargest();
  }
  seek(userKey: Uint8Array, seq: number): void {
    for (const c of this.children) c.seek(userKey, seq);
    this.forward = true;
    this.findSmallest();
  }
  next(): void {
    const cur = this.current!;
    if (!this.forward) {
      // Other children are positioned before cur's key: move them after it.
      const k = cur.userKey();
      const s = cur.seq();
      const kd = cur.kind();
      for (const c of this.children) {
        if (c === cur) continue;
        c.seek(k, s);
        if (c.valid() && compareParts(c.userKey(), c.seq(), c.kind(), k, s, kd) === 0) c.next();
      }
      this.forward = true;
      this.secondKnown = false;
    }
    if (!this.secondKnown) {
      this.second = this.smallestBut(cur);
      this.secondKnown = true;
    }
    cur.next();
    const second = this.second;
    if (second === null) {
      if (!cur.valid()) this.current = null;
      return;
    }
    if (!cur.valid()) {
      this.current = second;
      this.second = this.smallestBut(second);
      return;
    }
    const order = cmp(cur, second);
    if (order < 0) return;
    if (order > 0) {
      // second is the smallest of the others, and below cur: the smallest of all.
      this.current = second;
      this.second = this.smallestBut(second);
      return;
    }
    // A tie: the first child of the two wins, as in findSmallest.
    this.findSmallest();
  }
  prev(): void {
    const cur = this.current!;
    if (this.forward) {
      // Other children are positioned at/after cur's key: move them before it.
      const k = cur.userKey();
      const s = cur.seq();
      for (const c of this.children) {
        if (c === cur) continue;
        // Sequence numbers are unique, so c's entry after seek is strictly after cur.
        c.seek(k, s);
        if (c.valid()) c.prev();
        else c.seekToLast();
      }
      this.forward = false;
    }
    cur.prev();
    this.findLargest();
  }
  userKey(): Uint8Array {
    return this.current!.userKey();
  }
  keyBuffer(): Uint8Array {
    return this.current!.keyBuffer();
  }
  keyOffset(): number {
    return this.current!.keyOffset();
  }
  keyLength(): number {
    return this.current!.keyLength();
  }
  seq(): number {
    return this.current!.seq();
  }
  kind(): number {
    return this.current!.kind();
  }
  value(): Uint8Array {
    return this.current!.value();
  }
  valueBuffer(): Uint8Array {
    return this.current!.valueBuffer();
  }
  valueStart(): number {
    return this.current!.valueStart();
  }
  valueEnd(): number {
    return this.current!.valueEnd();
  }
  close(): void {
    for (const c of this.children) c.close();
  }

  /** Sets current to the smallest child (the first of equal ones); second is found by the next next(). */
  private findSmallest(): void {
    this.current = this.smallestBut(null);
    this.secondKnown = false;
  }

  /** The smallest valid child other than `except` (the first of equal ones), null if none. */
  private smallestBut(except: InternalIterator | null): InternalIterator | null {
    let best: InternalIterator | null = null;
    for (const c of this.children) {
      if (c === except || !c.valid()) continue;
      if (best === null || cmp(c, best) < 0) best = c;
    }
    return best;
  }
  private findLargest(): void {
    let best: InternalIterator | null = null;
    for (let i = this.children.length - 1; i >= 0; i--) {
      const c = this.children[i];
      if (!c.valid()) continue;
      if (best === null || cmp(c, best) > 0) best = c;
    }
    this.current = best;
  }
}

/** Iterator over nothing. */
export class EmptyIterator implements InternalIterator {
  valid(): boolean {
    return false;
  }
  seekToFirst(): void {}
  seekToLast(): void {}
  seek(): void {}
  next(): void {}
  prev(): void {}
  userKey(): Uint8Array {
    throw new Error('invalid iterator');
  }
  keyBuffer(): Uint8Array {
    throw new Error('invalid iterator');
  }
  keyOffset(): number {
    throw new Error('invalid iterator');
  }
  keyLength(): number {
    throw new Error('invalid iterator');
  }
  seq(): number {
    throw new Error('invalid iterator');
  }
  kind(): number {
    throw new Error('invalid iterator');
  }
  value(): Uint8Array {
    throw new Error('invalid iterator');
  }
  valueBuffer(): Uint8Array {
    throw new Error('invalid iterator');
  }
  valueStart(): number {
    throw new Error('invalid iterator');
  }
  valueEnd(): number {
    throw new Error('invalid iterator');
  }
  close(): void {}
}

export { compareBytes };
