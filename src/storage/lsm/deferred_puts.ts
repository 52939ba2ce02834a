/**
 * The puts DB.putDeferred holds back: keys whose value bytes their owner
 * rewrites in place command after command (a list's metadata record: its
 * size and ends change with every push and pop), logged and applied once,
 * with the bytes the value holds then, when the DB settles them (before the
 * WAL record being gathered is logged, and before anything could read or
 * write those keys otherwise). A put is noted by its key's MemtablePlace:
 * the owner's one object per key.
 */
import { KIND_RANGE_DELETE } from './dbformat.ts';
import { type MemtablePlace, OP_FIELDS } from './write_batch.ts';

/** Keys held back at most at once: one more settles them first (DB.putDeferred). */
export const DEFERRED_MAX = 32;

const EMPTY = new Uint8Array(0);
/** What a slot no put holds points to (clear: no array or place kept alive). */
const NO_PLACE: MemtablePlace = { placeMemtable: 0, placeSlot: 0, placeNode: 0 };

export class DeferredPuts {
  /** Each put's key, heads[i] ++ rests[i], its value and its place; count of them. */
  readonly heads: Uint8Array[] = [];
  readonly rests: Uint8Array[] = [];
  readonly values: Uint8Array[] = [];
  readonly places: MemtablePlace[] = [];
  count = 0;

  /**
   * Notes a put of head ++ rest with value, replacing the one noted for the
   * same place (the newest first: a streak of one key finds it at once).
   * False, nothing noted, when DEFERRED_MAX others are held.
   */
  add(head: Uint8Array, rest: Uint8Array, value: Uint8Array, place: MemtablePlace): boolean {
    let i = this.count - 1;
    while (i >= 0 && this.places[i] !== place) i--;
    if (i < 0) {
      if (this.count === DEFERRED_MAX) return false;
      i = this.count++;
      this.places[i] = place;
    }
    this.heads[i] = head;
    this.rests[i] = rest;
    this.values[i] = value;
    return true;
  }

  /** Whether buf[start, end) is a key held back. */
  holds(buf: Uint8Array, start: number, end: number): boolean {
    for (let i = 0; i < this.count; i++) {
      const head = this.heads[i];
      const rest = this.rests[i];
      if (head.length + rest.length !== end - start) continue;
      let j = 0;
      while (j < head.length && buf[start + j] === head[j]) j++;
      if (j < head.length) continue;
      const restStart = start + head.length;
      j = 0;
      while (j < rest.length && buf[restStart + j] === rest[j]) j++;
      if (j === rest.length) return true;
    }
    return false;
  }

  /** Whether the count ops noted in ops (WriteBatch.ops), keys in rep, write a key held back or delete a range (which may hold one). */
  touchedBy(rep: Uint8Array, ops: Int32Array, count: number): boolean {
    for (let o = 0; o < count * OP_FIELDS; o += OP_FIELDS) {
      if (ops[o] === KIND_RANGE_DELETE || this.holds(rep, ops[o + 1], ops[o + 2])) return true;
    }
    return false;
  }

  /** Forgets every put (once they are written), and the arrays they held. */
  clear(): void {
    for (let i = 0; i < this.count; i++) {
      this.heads[i] = this.rests[i] = this.values[i] = EMPTY;
      this.places[i] = NO_PLACE;
    }
    this.count = 0;
  }
}
