/**
 * User-facing iterator: collapses internal entries to the newest version
 * visible at the read sequence, hides deletions and range-deleted keys, and
 * honours [gte, lt) bounds in both directions.
 */
import { bytesEqual, compareBytes, KIND_DELETE, KIND_PUT, MAX_SEQUENCE } from './dbformat.ts';
import type { InternalIterator } from './iterator.ts';
import type { FragmentedRangeDels } from './range_del.ts';
import { assert } from './assert.ts';

export interface IteratorOptions {
  /** Inclusive lower bound. */
  gte?: Uint8Array;
  /** Exclusive upper bound. */
  lt?: Uint8Array;
  /** Iterate from the end (affects only the JS iterator protocol start/step). */
  reverse?: boolean;
  snapshot?: { readonly seq: number };
}

export class DBIterator implements Iterable<[Uint8Array, Uint8Array]> {
  private curKey: Uint8Array | null = null;
  private curValue: Uint8Array | null = null;
  private forward = true;
  private closed = false;
  private readonly lower: Uint8Array | null;
  private readonly upper: Uint8Array | null;

  /** @internal */
  constructor(
    private readonly it: InternalIterator,
    private readonly seq: number,
    private readonly rd: FragmentedRangeDels,
    private readonly opts: IteratorOptions,
    private readonly onClose: () => void,
  ) {
    this.lower = opts.gte ?? null;
    this.upper = opts.lt ?? null;
  }

  valid(): boolean {
    return this.curKey !== null;
  }
  key(): Uint8Array {
    assert(this.curKey !== null, 'iterator not valid');
    return this.curKey;
  }
  value(): Uint8Array {
    assert(this.curValue !== null, 'iterator not valid');
    return this.curValue;
  }

  seekToFirst(): void {
    this.check();
    if (this.lower !== null) this.it.seek(this.lower, MAX_SEQUENCE);
    else this.it.seekToFirst();
    this.scanForward(null);
  }

  seekToLast(): void {
    this.check();
    if (this.upper !== null) {
      this.it.seek(this.upper, MAX_SEQUENCE);
      if (this.it.valid()) this.it.prev();
      else this.it.seekToLast();
    } else {
      this.it.seekToLast();
    }
    this.scanBackward();
  }

  /** Positions at the first key >= target (within bounds). */
  seek(target: Uint8Array): void {
    this.check();
    if (this.lower !== null && compareBytes(target, this.lower) < 0) target = this.lower;
    this.it.seek(target, MAX_SEQUENCE);
    this.scanForward(null);
  }

  /** Positions at the last key <= target (within bounds). */
  seekForPrev(target: Uint8Array): void {
    this.check();
    if (this.upper !== null && compareBytes(target, this.upper) >= 0) {
      this.seekToLast();
      return;
    }
    // (target, 0) sorts after every stored version of target (seqs start at 1).
    this.it.seek(target, 0);
    if (this.it.valid()) this.it.prev();
    else this.it.seekToLast();
    this.scanBackward();
  }

  next(): void {
    this.check();
    const k = this.key();
    if (!this.forward) {
      this.it.seek(k, MAX_SEQUENCE);
    }
    this.scanForward(k);
  }

  prev(): void {
    this.check();
    const k = this.key();
    if (this.forward) {
      // Move before every version of the current key.
      this.it.seek(k, MAX_SEQUENCE);
      if (this.it.valid()) this.it.prev();
      else this.it.seekToLast();
    }
    this.scanBackward();
  }

  /** Forward: first visible live key, skipping all versions of `skip`. */
  private scanForward(skip: Uint8Array | null): void {
    this.forward = true;
    const it = this.it;
    const snap = this.seq;
    let skipKey = skip;
    while (it.valid()) {
      const uk = it.userKey();
      if (this.upper !== null && compareBytes(uk, this.upper) >= 0) break;
      if (it.seq() > snap || (skipKey !== null && bytesEqual(uk, skipKey))) {
        it.next();
        continue;
      }
      // Newest version of uk visible at snap.
      skipKey = uk;
      if (it.kind() === KIND_PUT && (this.rd.empty || !this.rd.covers(uk, it.seq(), snap))) {
        this.curKey = uk;
        this.curValue = it.value();
        return;
      }
      it.next();
    }
    this.curKey = null;
    this.curValue = null;
  }

  /** Backward: walks older-to-newer within each key, keeping the newest visible version. */
  private scanBackward(): void {
    this.forward = false;
    const it = this.it;
    const snap = this.seq;
    let live = false;
    let savedKey: Uint8Array | null = null;
    let savedValue: Uint8Array | null = null;
    while (it.valid()) {
      const uk = it.userKey();
      if (this.lower !== null && compareBytes(uk, this.lower) < 0) break;
      const s = it.seq();
      if (s <= snap) {
        if (live && compareBytes(uk, savedKey!) < 0) break;
        const kind = it.kind();
        if (kind === KIND_DELETE || (!this.rd.empty && this.rd.covers(uk, s, snap))) {
          live = false;
          savedKey = uk;
          savedValue = null;
        } else {
          live = true;
          savedKey = uk;
          savedValue = it.value();
        }
      }
      it.prev();
    }
    if (live) {
      this.curKey = savedKey;
      this.curValue = savedValue;
    } else {
      this.curKey = null;
      this.curValue = null;
    }
  }

  private check(): void {
    if (this.closed) throw new Error('iterator is closed');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.it.close();
    this.onClose();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Walks the whole range in the configured direction, then closes. */
  *[Symbol.iterator](): Iterator<[Uint8Array, Uint8Array]> {
    try {
      if (this.opts.reverse) {
        for (this.seekToLast(); this.valid(); this.prev()) yield [this.key(), this.value()];
      } else {
        for (this.seekToFirst(); this.valid(); this.next()) yield [this.key(), this.value()];
      }
    } finally {
      this.close();
    }
  }
}
