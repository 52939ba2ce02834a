/**
 * Range tombstones. They are few and are kept in memory (persisted in the
 * MANIFEST once their memtable is flushed, see FORMAT.md). For lookups they
 * are fragmented into disjoint segments, each with the descending list of
 * tombstone seqs covering it: "is (key, seq) deleted at snapshot S" becomes
 * a binary search plus a scan of a short list.
 */
import { compareBytes } from './dbformat.ts';

export interface RangeTombstone {
  start: Uint8Array;
  end: Uint8Array;
  seq: number;
}

export class FragmentedRangeDels {
  /** Segment i covers [bounds[i], bounds[i+1]). */
  private readonly bounds: Uint8Array[] = [];
  private readonly seqs: number[][] = [];
  readonly empty: boolean;

  constructor(tombstones: readonly RangeTombstone[]) {
    const ts = tombstones.filter((t) => compareBytes(t.start, t.end) < 0);
    this.empty = ts.length === 0;
    if (this.empty) return;
    const pts = ts.flatMap((t) => [t.start, t.end]).sort(compareBytes);
    const uniq: Uint8Array[] = [];
    for (const p of pts) if (uniq.length === 0 || compareBytes(uniq[uniq.length - 1], p) !== 0) uniq.push(p);
    const byStart = [...ts].sort((a, b) => compareBytes(a.start, b.start));
    let active: RangeTombstone[] = [];
    let j = 0;
    for (let i = 0; i + 1 < uniq.length; i++) {
      const lo = uniq[i];
      while (j < byStart.length && compareBytes(byStart[j].start, lo) <= 0) active.push(byStart[j++]);
      active = active.filter((t) => compareBytes(t.end, lo) > 0);
      this.bounds.push(lo);
      this.seqs.push(active.map((t) => t.seq).sort((a, b) => b - a));
    }
    this.bounds.push(uniq[uniq.length - 1]);
  }

  /** Max tombstone seq covering key with seq <= snapshot, or -1. */
  maxCoveringSeq(key: Uint8Array, snapshot: number): number {
    if (this.empty) return -1;
    const b = this.bounds;
    if (compareBytes(key, b[0]) < 0 || compareBytes(key, b[b.length - 1]) >= 0) return -1;
    let lo = 0;
    let hi = b.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (compareBytes(b[mid], key) <= 0) lo = mid;
      else hi = mid - 1;
    }
    for (const s of this.seqs[lo]) if (s <= snapshot) return s;
    return -1;
  }

  /** True if a tombstone visible at `snapshot` deletes the entry (key, seq). */
  covers(key: Uint8Array, seq: number, snapshot: number): boolean {
    return this.maxCoveringSeq(key, snapshot) > seq;
  }
}

export const NO_RANGE_DELS = new FragmentedRangeDels([]);
