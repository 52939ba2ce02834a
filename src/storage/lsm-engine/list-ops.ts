// List primitives of the LSM engine (FORMAT.md): a metadata record with the
// size and the head and tail positions, and one sub-key per element at its
// position. Pushes and pops touch only the ends; index access is a point
// read; middle edits (LINSERT, LREM) rewrite the positions of the shorter
// side, as Kvrocks does. Each write is one WriteBatch.

import { bytesEqual } from "../../net/bytes.ts";
import type { KeyMeta } from "../engine.ts";
import type { ListOps, ListSide } from "../list-ops.ts";
import { WriteBatch } from "../lsm/index.ts";
import { decodeListHead, decodeListTail, encodeListMeta, positionBytes, positionKey, rewriteListMeta } from "./encoding.ts";
import type { LsmDb, LsmMeta } from "./lsm-db.ts";

/** From this many consecutive elements on, one range deletion replaces point deletions. */
const RANGE_DELETE_MIN = 64;

/** Reverse scans read windows of this many elements at first, doubling up to the maximum. */
const REVERSE_WINDOW_MIN = 16;
const REVERSE_WINDOW_MAX = 1024;

/** Visits one element with its index; returning false stops the scan. */
type ElementVisitor = (index: number, value: Uint8Array) => boolean;

/** One list key being read or written: its elements' sub-key prefix and its ends. */
class ListKey {
  private readonly version: number;
  private readonly prefix: Uint8Array;
  /** Position of the first element, and after the last one (size = tail - head). */
  head: number;
  tail: number;

  /** meta = the live key's metadata, or null to create the key. */
  constructor(
    private readonly db: LsmDb,
    private readonly key: Uint8Array,
    private readonly meta: LsmMeta | null,
  ) {
    this.version = meta === null ? db.engine.newVersion() : meta.version;
    this.prefix = db.subKeyPrefix(key, this.version);
    this.head = meta === null ? 0 : decodeListHead(meta.raw);
    this.tail = meta === null ? 0 : decodeListTail(meta.raw);
  }

  static of(db: LsmDb, meta: KeyMeta): ListKey {
    const m = meta as LsmMeta;
    return new ListKey(db, m.key, m);
  }

  get size(): number {
    return this.tail - this.head;
  }

  /**
   * at()'s last result: a pop reads an element, then deletes it. None while
   * the key is null; not a NaN position, a double that deoptimized at()'s compare.
   */
  private lastPosition = 0;
  private lastPositionKey: Uint8Array | null = null;

  /** The sub-key of the element at index; shared with the next call for the same position, so callers must not change it. */
  at(index: number): Uint8Array {
    const position = this.head + index;
    if (position === this.lastPosition && this.lastPositionKey !== null) return this.lastPositionKey;
    this.lastPosition = position;
    return (this.lastPositionKey = positionKey(this.prefix, position));
  }

  /** batch.put(at(index), value) without making the key. */
  putAt(batch: WriteBatch, index: number, value: Uint8Array): void {
    batch.putJoined(this.prefix, positionBytes(this.head + index), value);
  }

  get(index: number): Uint8Array {
    const value = this.db.engine.lsm.get(this.at(index));
    if (value === undefined) throw new Error(`lsm engine: list element ${index} of ${this.size} is missing`);
    return value;
  }

  /**
   * Visits the elements of indexes [start, stop), from start (or from
   * stop - 1 when reverse) until visit returns false. Values are views:
   * visitors copy what they keep.
   */
  scan(start: number, stop: number, reverse: boolean, visit: ElementVisitor): void {
    if (!reverse) {
      this.scanForward(start, stop, visit);
      return;
    }
    // Backwards in windows read forwards (growing, so a short scan reads
    // little): the LSM's prev() costs far more than next().
    let window = REVERSE_WINDOW_MIN;
    for (let end = stop; end > start; end -= window, window = Math.min(2 * window, REVERSE_WINDOW_MAX)) {
      const from = Math.max(start, end - window);
      const values: Uint8Array[] = [];
      this.scanForward(from, end, (_, value) => values.push(value) > 0);
      for (let i = values.length - 1; i >= 0; i--) if (!visit(from + i, values[i])) return;
    }
  }

  private scanForward(start: number, stop: number, visit: ElementVisitor): void {
    if (start >= stop) return;
    const it = this.db.engine.lsm.iterator({ gte: this.at(start), lt: this.at(stop) });
    try {
      let index = start;
      for (it.seekToFirst(); it.valid(); it.next(), index++) if (!visit(index, it.value())) return;
    } finally {
      it.close();
    }
  }

  /** Rewrites the elements of indexes [start, stop) `delta` positions away. */
  shift(batch: WriteBatch, start: number, stop: number, delta: number): void {
    this.scan(start, stop, false, (i, value) => {
      this.putAt(batch, i + delta, value);
      return true;
    });
  }

  /** Deletes the sub-keys of indexes [start, stop). */
  deleteIndexes(batch: WriteBatch, start: number, stop: number): void {
    if (stop - start >= RANGE_DELETE_MIN) batch.deleteRange(this.at(start), this.at(stop));
    else for (let i = start; i < stop; i++) batch.delete(this.at(i));
  }

  /** Adds the metadata (or the key's deletion, when emptied) to batch and writes it. */
  commit(batch: WriteBatch): void {
    // A list that stays changes only its size and ends: its cached record is rewritten in place.
    const raw = this.meta === null || this.size === 0 ? null : this.db.recordToRewrite(this.meta);
    if (raw !== null) {
      rewriteListMeta(raw, this.size, this.head, this.tail);
      this.db.putRewritten(batch, this.meta!);
    } else if (this.size > 0) {
      const expireAt = this.meta === null ? 0 : this.meta.expireAt;
      this.db.putInBatch(batch, this.key, encodeListMeta(0, expireAt, this.version, this.size, this.head, this.tail), this.meta);
    } else if (this.meta !== null) this.db.deleteInBatch(batch, this.meta);
    this.db.engine.write(batch);
  }
}

export class LsmListOps implements ListOps {
  constructor(private readonly db: LsmDb) {}

  length(meta: KeyMeta): number {
    return (meta as LsmMeta).size;
  }

  push(key: Uint8Array, meta: KeyMeta | null, side: ListSide, values: readonly Uint8Array[]): number {
    const list = new ListKey(this.db, key, meta as LsmMeta | null);
    const batch = this.db.engine.batch();
    for (const value of values) {
      if (side === "left") {
        list.head--;
        list.putAt(batch, 0, value);
      } else {
        list.putAt(batch, list.size, value);
        list.tail++;
      }
    }
    list.commit(batch);
    return list.size;
  }

  pop(_key: Uint8Array, meta: KeyMeta, side: ListSide, count: number): Uint8Array[] {
    const list = ListKey.of(this.db, meta);
    const n = Math.min(count, list.size);
    const [start, stop] = side === "left" ? [0, n] : [list.size - n, list.size];
    const popped: Uint8Array[] = [];
    if (n === 1) popped.push(list.get(start));
    else
      list.scan(start, stop, side === "right", (_, value) => {
        popped.push(value.slice());
        return true;
      });
    const batch = this.db.engine.batch();
    list.deleteIndexes(batch, start, stop);
    if (side === "left") list.head += n;
    else list.tail -= n;
    list.commit(batch);
    return popped;
  }

  range(meta: KeyMeta, start: number, stop: number, visit: (value: Uint8Array) => void): void {
    ListKey.of(this.db, meta).scan(start, stop + 1, false, (_, value) => {
      visit(value);
      return true;
    });
  }

  index(meta: KeyMeta, index: number): Uint8Array {
    return ListKey.of(this.db, meta).get(index);
  }

  set(meta: KeyMeta, index: number, value: Uint8Array): void {
    const batch = new WriteBatch();
    ListKey.of(this.db, meta).putAt(batch, index, value);
    this.db.engine.write(batch);
  }

  insert(meta: KeyMeta, pivot: Uint8Array, value: Uint8Array, after: boolean): number {
    const list = ListKey.of(this.db, meta);
    let found = -1;
    list.scan(0, list.size, false, (i, v) => {
      if (!bytesEqual(v, pivot)) return true;
      found = i;
      return false;
    });
    if (found < 0) return -1;
    const at = after ? found + 1 : found;
    const batch = new WriteBatch();
    // Make room at `at` by moving the shorter side one position outwards.
    if (at < list.size - at) {
      list.shift(batch, 0, at, -1);
      list.head--;
    } else {
      list.shift(batch, at, list.size, 1);
      list.tail++;
    }
    list.putAt(batch, at, value);
    list.commit(batch);
    return list.size;
  }

  remove(_key: Uint8Array, meta: KeyMeta, value: Uint8Array, count: number): number {
    const list = ListKey.of(this.db, meta);
    const limit = count === 0 ? Infinity : Math.abs(count);
    const matches: number[] = [];
    list.scan(0, list.size, count < 0, (i, v) => {
      if (bytesEqual(v, value)) matches.push(i);
      return matches.length < limit;
    });
    const k = matches.length;
    if (k === 0) return 0;
    if (count < 0) matches.reverse();
    const batch = new WriteBatch();
    let removed = 0;
    if (list.size - matches[0] <= matches[k - 1] + 1) {
      // Close the gaps towards the head: what follows the first match moves left.
      list.scan(matches[0], list.size, false, (i, v) => {
        if (removed < k && matches[removed] === i) removed++;
        else list.putAt(batch, i - removed, v);
        return true;
      });
      list.deleteIndexes(batch, list.size - k, list.size);
      list.tail -= k;
    } else {
      // Towards the tail: what precedes the last match moves right.
      list.scan(0, matches[k - 1] + 1, true, (i, v) => {
        if (removed < k && matches[k - 1 - removed] === i) removed++;
        else list.putAt(batch, i + removed, v);
        return true;
      });
      list.deleteIndexes(batch, 0, k);
      list.head += k;
    }
    list.commit(batch);
    return k;
  }

  trim(_key: Uint8Array, meta: KeyMeta, start: number, stop: number): void {
    const list = ListKey.of(this.db, meta);
    const batch = new WriteBatch();
    if (start > stop) {
      list.deleteIndexes(batch, 0, list.size);
      list.tail = list.head;
    } else {
      list.deleteIndexes(batch, stop + 1, list.size);
      list.deleteIndexes(batch, 0, start);
      list.tail = list.head + stop + 1;
      list.head += start;
    }
    list.commit(batch);
  }

  find(meta: KeyMeta, value: Uint8Array, fromTail: boolean, maxlen: number, visit: (index: number) => boolean): void {
    const list = ListKey.of(this.db, meta);
    const n = maxlen === 0 ? list.size : Math.min(maxlen, list.size);
    const [start, stop] = fromTail ? [list.size - n, list.size] : [0, n];
    list.scan(start, stop, fromTail, (i, v) => !bytesEqual(v, value) || visit(i));
  }
}
