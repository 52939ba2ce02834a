// List primitives of the LSM engine (FORMAT.md): a metadata record with the
// size and the head and tail positions, and one sub-key per element at its
// position. Pushes and pops touch only the ends; index access is a point
// read; middle edits (LINSERT, LREM) rewrite the positions of the shorter
// side, as Kvrocks does. Each write is one WriteBatch, but for the metadata
// record of a list that stays, rewritten in place and written once per
// event-loop turn (LsmDb.putDeferred).

import { EMPTY, bytesEqual } from "../../net/bytes.ts";
import type { ReplyBuffer } from "../../net/reply.ts";
import type { KeyMeta } from "../engine.ts";
import type { ListOps, ListSide } from "../list-ops.ts";
import { type DB, PREFETCH_MAX, WriteBatch } from "../lsm/index.ts";
import { SubKeyBuffer, decodeListHead, decodeListTail, encodeListMeta, positionBytes, positionKey, putPosition, rewriteListMeta } from "./encoding.ts";
import type { LsmDb, LsmMeta } from "./lsm-db.ts";

/** From this many consecutive elements on, one range deletion replaces point deletions. */
const RANGE_DELETE_MIN = 64;

/** Reverse scans read windows of this many elements at first, doubling up to the maximum. */
const REVERSE_WINDOW_MIN = 16;
const REVERSE_WINDOW_MAX = 1024;

/** Visits one element with its index; returning false stops the scan. */
type ElementVisitor = (index: number, value: Uint8Array) => boolean;

/**
 * ListKey.pointKey's array (prefixes are shared and never changed:
 * LsmDb.prefixOf), so consecutive point keys of one list only write the
 * position.
 */
const pointKeys = new SubKeyBuffer();

/** ListKey.getSmall's array: values up to its length are read into it. */
const smallValueBytes = new Uint8Array(256);

/** EndLookAhead's keys, back to back, and where each is. */
let lookAheadBytes = new Uint8Array(0);
const lookAheadStarts = new Int32Array(PREFETCH_MAX);
const lookAheadEnds = new Int32Array(PREFETCH_MAX);

/**
 * The look ahead of pushes and pops that follow one another at one end of
 * one list (LPUSH mylist ... or RPOP mylist pipelined, by one client or
 * many): the memtable entries of the next PREFETCH_MAX positions at that
 * end are loaded in one pass (DB.prefetch), so their cache misses overlap
 * instead of coming one per command (a new element's index slot; a popped
 * element's slot, node and key bytes; 150-300 ns each on this VM). It
 * starts at the second of two consecutive positions: commands that hop
 * between lists pay a comparison, nothing more.
 */
class EndLookAhead {
  /** The list (its sub-key prefix) and position of the last push or pop noted, and where the next one would be. */
  private prefix: Uint8Array | null = null;
  private last = 0;
  private step = 0;
  /** Positions from the last noted up to this one (exclusive, in step's direction) are loaded. */
  private loadedTo = 0;

  /** A push or pop at position of the list with this prefix; step (1 or -1): where the next one at this end would be. */
  note(lsm: DB, prefix: Uint8Array, position: number, step: number): void {
    const streak = prefix === this.prefix && step === this.step && position === this.last + step;
    this.prefix = prefix;
    this.last = position;
    this.step = step;
    if (!streak) this.loadedTo = position;
    else if ((this.loadedTo - position) * step <= 0) {
      this.load(lsm, prefix, position, step);
      this.loadedTo = position + PREFETCH_MAX * step;
    }
  }

  private load(lsm: DB, prefix: Uint8Array, first: number, step: number): void {
    const keyLength = prefix.length + 8;
    if (lookAheadBytes.length < PREFETCH_MAX * keyLength) lookAheadBytes = new Uint8Array(PREFETCH_MAX * keyLength);
    const keys = lookAheadBytes;
    for (let i = 0, at = 0; i < PREFETCH_MAX; i++) {
      lookAheadStarts[i] = at;
      for (let j = 0; j < prefix.length; j++) keys[at++] = prefix[j];
      putPosition(keys, at, first + i * step);
      at += 8;
      lookAheadEnds[i] = at;
    }
    lsm.prefetch(keys, lookAheadStarts, lookAheadEnds, PREFETCH_MAX);
  }
}

const lookAhead = new EndLookAhead();

/** One list key being read or written: its elements' sub-key prefix and its ends. */
class ListKey {
  private key: Uint8Array = EMPTY;
  /** The live key's metadata, or null while the key is being created. */
  private meta: LsmMeta | null = null;
  private version = 0;
  private prefix: Uint8Array = EMPTY;
  /** Position of the first element, and after the last one (size = tail - head). */
  head = 0;
  tail = 0;

  constructor(private readonly db: LsmDb) {}

  /** Makes this the list `key`: meta = its live metadata, or null to create the key. Returns this. */
  load(key: Uint8Array, meta: LsmMeta | null): this {
    const db = this.db;
    this.key = key;
    this.meta = meta;
    if (meta === null) {
      this.version = db.engine.newVersion();
      this.prefix = db.subKeyPrefix(key, this.version);
      this.head = this.tail = 0;
    } else {
      this.version = meta.version;
      this.prefix = db.prefixOf(meta);
      this.head = decodeListHead(meta.raw);
      this.tail = decodeListTail(meta.raw);
    }
    return this;
  }

  get size(): number {
    return this.tail - this.head;
  }

  /** The sub-key of the element at index, a new array (a range's bound). */
  at(index: number): Uint8Array {
    return positionKey(this.prefix, this.head + index);
  }

  /**
   * The sub-key of the element at index in a shared array, valid until the
   * next call: for a read or a batch op, which copies it (a pop reads an
   * element, then deletes it: no key array made per pop).
   */
  pointKey(index: number): Uint8Array {
    const prefix = this.prefix;
    const key = pointKeys.withPrefix(prefix, 8);
    putPosition(key, prefix.length, this.head + index);
    return key;
  }

  /** batch.put(at(index), value) without making the key. */
  putAt(batch: WriteBatch, index: number, value: Uint8Array): void {
    batch.putJoined(this.prefix, positionBytes(this.head + index), value);
  }

  get(index: number): Uint8Array {
    const value = this.db.engine.lsm.get(this.pointKey(index));
    if (value === undefined) throw new Error(`lsm engine: list element ${index} of ${this.size} is missing`);
    return value;
  }

  /**
   * get(index) copied into smallValueBytes when it fits there: its length,
   * or -1 (then get() it), with no array made for it (about 5% of RPOP's
   * samples), valid until the next call.
   */
  getSmall(index: number): number {
    const n = this.db.engine.lsm.getInto(this.pointKey(index), smallValueBytes);
    return n >= 0 ? n : -1;
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

  /**
   * For the look ahead: the list's end at side was just pushed to (its
   * ends moved already), or is about to be popped from (they have not).
   */
  noteEnd(side: ListSide, pushed: boolean): void {
    if (side === "left") lookAhead.note(this.db.engine.lsm, this.prefix, this.head, pushed ? -1 : 1);
    else lookAhead.note(this.db.engine.lsm, this.prefix, this.tail - 1, pushed ? 1 : -1);
  }

  /** Removes the n elements at side's end (read already) and writes the batch. */
  removeEnd(side: ListSide, n: number): void {
    const batch = this.db.engine.batch();
    if (side === "left") {
      this.deleteIndexes(batch, 0, n);
      this.head += n;
    } else {
      this.deleteIndexes(batch, this.size - n, this.size);
      this.tail -= n;
    }
    this.commit(batch);
  }

  /** Deletes the sub-keys of indexes [start, stop). */
  deleteIndexes(batch: WriteBatch, start: number, stop: number): void {
    if (stop - start >= RANGE_DELETE_MIN) batch.deleteRange(this.at(start), this.at(stop));
    else for (let i = start; i < stop; i++) batch.delete(this.pointKey(i));
  }

  /** Adds the metadata (or the key's deletion, when emptied) to batch and writes it. */
  commit(batch: WriteBatch): void {
    // A list that stays changes only its size and ends: its cached record is rewritten in place, and written once per turn.
    const raw = this.meta === null || this.size === 0 ? null : this.db.recordToRewrite(this.meta);
    if (raw !== null) {
      rewriteListMeta(raw, this.size, this.head, this.tail);
      this.db.putDeferred(this.meta!);
    } else if (this.size > 0) {
      const expireAt = this.meta === null ? 0 : this.meta.expireAt;
      this.db.putInBatch(batch, this.key, encodeListMeta(0, expireAt, this.version, this.size, this.head, this.tail), this.meta);
    } else if (this.meta !== null) this.db.deleteInBatch(batch, this.meta);
    this.db.engine.write(batch);
  }
}

export class LsmListOps implements ListOps {
  /**
   * The ListKey of every operation but those that call back (range, find):
   * no object per command. Operations do not nest otherwise: a visitor is
   * the caller's code, which may be anything.
   */
  private readonly list: ListKey;

  constructor(private readonly db: LsmDb) {
    this.list = new ListKey(db);
  }

  /** meta's list in the shared ListKey, or in one of its own (own: for an operation that calls back). */
  private listOf(meta: KeyMeta, own = false): ListKey {
    const m = meta as LsmMeta;
    return (own ? new ListKey(this.db) : this.list).load(m.key, m);
  }

  length(meta: KeyMeta): number {
    return (meta as LsmMeta).size;
  }

  push(key: Uint8Array, meta: KeyMeta | null, side: ListSide, values: readonly Uint8Array[]): number {
    const list = this.list.load(key, meta as LsmMeta | null);
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
    list.noteEnd(side, true);
    list.commit(batch);
    return list.size;
  }

  pop(_key: Uint8Array, meta: KeyMeta, side: ListSide, count: number): Uint8Array[] {
    const list = this.listOf(meta);
    const n = Math.min(count, list.size);
    const start = side === "left" ? 0 : list.size - n;
    const popped: Uint8Array[] = [];
    if (n === 1) {
      list.noteEnd(side, false);
      popped.push(list.get(start));
    } else {
      list.scan(start, start + n, side === "right", (_, value) => {
        popped.push(value.slice());
        return true;
      });
    }
    list.removeEnd(side, n);
    return popped;
  }

  popReply(_key: Uint8Array, meta: KeyMeta, side: ListSide, out: ReplyBuffer): void {
    const list = this.listOf(meta);
    list.noteEnd(side, false);
    const index = side === "left" ? 0 : list.size - 1;
    const n = list.getSmall(index);
    const value = n < 0 ? list.get(index) : null; // get() throws if the element is missing
    // The reply comes after the write: a write that throws (a refused write: MISCONF) leaves no reply for the server's error to follow.
    list.removeEnd(side, 1);
    if (value === null) out.bulkRange(smallValueBytes, 0, n);
    else out.bulk(value);
  }

  range(meta: KeyMeta, start: number, stop: number, visit: (value: Uint8Array) => void): void {
    this.listOf(meta, true).scan(start, stop + 1, false, (_, value) => {
      visit(value);
      return true;
    });
  }

  index(meta: KeyMeta, index: number): Uint8Array {
    return this.listOf(meta).get(index);
  }

  set(meta: KeyMeta, index: number, value: Uint8Array): void {
    const batch = new WriteBatch();
    this.listOf(meta).putAt(batch, index, value);
    this.db.engine.write(batch);
  }

  insert(meta: KeyMeta, pivot: Uint8Array, value: Uint8Array, after: boolean): number {
    const list = this.listOf(meta);
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
    const list = this.listOf(meta);
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
    const list = this.listOf(meta);
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
    const list = this.listOf(meta, true);
    const n = maxlen === 0 ? list.size : Math.min(maxlen, list.size);
    const [start, stop] = fromTail ? [list.size - n, list.size] : [0, n];
    list.scan(start, stop, fromTail, (i, v) => !bytesEqual(v, value) || visit(i));
  }
}
