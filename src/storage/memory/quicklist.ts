// A chunked deque, like Redis's quicklist: a doubly linked list of chunks,
// each a small array used as a window [lo, hi) so pushes and pops at either
// end of a chunk are O(1) (a chunk grows by doubling up to CHUNK_MAX slots,
// so small lists stay small). Index access walks chunks from the nearer end,
// O(n / CHUNK_MAX); middle inserts and removals touch one chunk, splitting
// full chunks and merging sparse neighbours so chunks stay reasonably full.

/** Most elements in a chunk; an insert into a full chunk splits it. */
export const CHUNK_MAX = 128;
/** A chunk smaller than this after a removal is merged with a neighbour when they fit together. */
const CHUNK_MERGE_BELOW = CHUNK_MAX / 4;
const CHUNK_MIN_CAPACITY = 4;

class Chunk<T> {
  prev: Chunk<T> | null = null;
  next: Chunk<T> | null = null;
  /** Slots; elements live in [lo, hi), the rest is undefined. */
  items: (T | undefined)[];
  lo: number;
  hi: number;

  /** A chunk holding `values`, placed at the start of its slots (or the end, for growth towards the head). */
  constructor(values: readonly T[], atEnd = false, capacity = Math.max(CHUNK_MIN_CAPACITY, values.length)) {
    this.items = new Array<T | undefined>(capacity);
    this.lo = atEnd ? capacity - values.length : 0;
    this.hi = this.lo + values.length;
    for (let i = 0; i < values.length; i++) this.items[this.lo + i] = values[i];
  }

  get size(): number {
    return this.hi - this.lo;
  }

  values(): T[] {
    return this.items.slice(this.lo, this.hi) as T[];
  }

  /** Makes room for one more element at the head: grows (keeping the window at the end) or recenters. */
  roomAtHead(): boolean {
    if (this.lo > 0) return true;
    if (this.size >= CHUNK_MAX) return false;
    const values = this.values();
    const capacity = Math.min(CHUNK_MAX, this.items.length * 2);
    this.items = new Array<T | undefined>(capacity);
    this.lo = capacity - values.length;
    this.hi = capacity;
    for (let i = 0; i < values.length; i++) this.items[this.lo + i] = values[i];
    return true;
  }

  /** Makes room for one more element at the tail. */
  roomAtTail(): boolean {
    if (this.hi < this.items.length) return true;
    if (this.size >= CHUNK_MAX) return false;
    const values = this.values();
    const capacity = Math.min(CHUNK_MAX, this.items.length * 2);
    this.items = new Array<T | undefined>(capacity);
    this.lo = 0;
    this.hi = values.length;
    for (let i = 0; i < values.length; i++) this.items[i] = values[i];
    return true;
  }

  /** Replaces the contents (after removals, merges, splits). */
  reset(values: readonly T[]): void {
    const fresh = new Chunk<T>(values);
    this.items = fresh.items;
    this.lo = fresh.lo;
    this.hi = fresh.hi;
  }
}

export class Quicklist<T> {
  private head: Chunk<T> | null = null;
  private tail: Chunk<T> | null = null;
  private count = 0;
  /** Number of chunks (for tests and memory estimates). */
  chunks = 0;

  get length(): number {
    return this.count;
  }

  pushHead(v: T): void {
    const h = this.head;
    if (h !== null && h.roomAtHead()) h.items[--h.lo] = v;
    else this.linkBefore(h, new Chunk([v], true, this.newChunkCapacity()));
    this.count++;
  }

  pushTail(v: T): void {
    const t = this.tail;
    if (t !== null && t.roomAtTail()) t.items[t.hi++] = v;
    else this.linkAfter(t, new Chunk([v], false, this.newChunkCapacity()));
    this.count++;
  }

  /** A list's first chunk starts small; a new end chunk next to a full one is likely to fill up, so it starts full-size. */
  private newChunkCapacity(): number {
    return this.count === 0 ? CHUNK_MIN_CAPACITY : CHUNK_MAX;
  }

  popHead(): T | undefined {
    const h = this.head;
    if (h === null) return undefined;
    const v = h.items[h.lo] as T;
    h.items[h.lo++] = undefined;
    this.count--;
    if (h.lo === h.hi) this.unlink(h);
    return v;
  }

  popTail(): T | undefined {
    const t = this.tail;
    if (t === null) return undefined;
    const v = t.items[--t.hi] as T;
    t.items[t.hi] = undefined;
    this.count--;
    if (t.lo === t.hi) this.unlink(t);
    return v;
  }

  /** The element at index (0 <= index < length). */
  at(index: number): T {
    const chunk = this.locate(index);
    return chunk.items[chunk.lo + this.located] as T;
  }

  set(index: number, v: T): void {
    const chunk = this.locate(index);
    chunk.items[chunk.lo + this.located] = v;
  }

  /** Inserts v so that it ends up at index (0 <= index <= length). */
  insertAt(index: number, v: T): void {
    if (index === 0) return this.pushHead(v);
    if (index === this.count) return this.pushTail(v);
    const chunk = this.locate(index);
    const values = chunk.values();
    values.splice(this.located, 0, v);
    this.count++;
    if (values.length <= CHUNK_MAX) {
      chunk.reset(values);
      return;
    }
    const half = values.length >> 1;
    chunk.reset(values.slice(0, half));
    this.linkAfter(chunk, new Chunk(values.slice(half)));
  }

  /** Visits elements start..stop (inclusive, within bounds) from head to tail. */
  forRange(start: number, stop: number, visit: (v: T) => void): void {
    if (start > stop) return;
    const chunk = this.locate(start);
    let offset = this.located;
    let left = stop - start + 1;
    for (let c: Chunk<T> | null = chunk; c !== null && left > 0; c = c.next) {
      const items = c.items;
      const from = c.lo + offset;
      const end = Math.min(c.hi, from + left);
      for (let i = from; i < end; i++) visit(items[i] as T);
      left -= end - from;
      offset = 0;
    }
  }

  /**
   * Visits elements with their index from the head (or the tail), until
   * visit returns false.
   */
  scan(fromTail: boolean, visit: (v: T, index: number) => boolean): void {
    if (!fromTail) {
      let index = 0;
      for (let c = this.head; c !== null; c = c.next) {
        const items = c.items;
        for (let i = c.lo; i < c.hi; i++) if (!visit(items[i] as T, index++)) return;
      }
      return;
    }
    let index = this.count - 1;
    for (let c = this.tail; c !== null; c = c.prev) {
      const items = c.items;
      for (let i = c.hi - 1; i >= c.lo; i--) if (!visit(items[i] as T, index--)) return;
    }
  }

  /**
   * Removes up to `limit` elements matching `match` (0 = no limit), scanning
   * from the head or the tail. Returns how many were removed.
   */
  removeWhere(match: (v: T) => boolean, limit: number, fromTail: boolean): number {
    let removed = 0;
    let c = fromTail ? this.tail : this.head;
    while (c !== null && (limit === 0 || removed < limit)) {
      const following: Chunk<T> | null = fromTail ? c.prev : c.next;
      const values = c.values();
      const kept: T[] = [];
      if (fromTail) {
        for (let i = values.length - 1; i >= 0; i--) {
          if ((limit === 0 || removed < limit) && match(values[i])) removed++;
          else kept.push(values[i]);
        }
        kept.reverse();
      } else {
        for (const v of values) {
          if ((limit === 0 || removed < limit) && match(v)) removed++;
          else kept.push(v);
        }
      }
      if (kept.length !== values.length) {
        this.count -= values.length - kept.length;
        c.reset(kept);
        this.compact(c);
      }
      c = following;
    }
    return removed;
  }

  /** Keeps elements start..stop (inclusive, within bounds); start > stop empties the list. */
  trim(start: number, stop: number): void {
    if (start > stop) {
      this.clear();
      return;
    }
    this.dropHead(start);
    this.dropTail(this.count - (stop - start + 1));
  }

  clear(): void {
    this.head = this.tail = null;
    this.count = 0;
    this.chunks = 0;
  }

  /** A copy sharing the (immutable) elements. */
  clone(): Quicklist<T> {
    const copy = new Quicklist<T>();
    for (let c = this.head; c !== null; c = c.next) copy.linkAfter(copy.tail, new Chunk(c.values()));
    copy.count = this.count;
    return copy;
  }

  toArray(): T[] {
    const out: T[] = [];
    this.scan(false, (v) => {
      out.push(v);
      return true;
    });
    return out;
  }

  /** Checks the structure's invariants (tests). */
  check(): void {
    let n = 0;
    let chunks = 0;
    let prev: Chunk<T> | null = null;
    for (let c = this.head; c !== null; c = c.next) {
      if (c.prev !== prev) throw new Error("broken prev link");
      if (c.size === 0 || c.size > CHUNK_MAX || c.items.length > CHUNK_MAX) throw new Error(`bad chunk size ${c.size}`);
      if (c.lo < 0 || c.hi > c.items.length) throw new Error("bad chunk window");
      for (let i = 0; i < c.items.length; i++) {
        if ((i < c.lo || i >= c.hi) && c.items[i] !== undefined) throw new Error("stale slot outside the window");
      }
      n += c.size;
      chunks++;
      prev = c;
    }
    if (prev !== this.tail) throw new Error("broken tail");
    if (n !== this.count || chunks !== this.chunks) throw new Error("bad counts");
  }

  private dropHead(n: number): void {
    while (n > 0 && this.head !== null) {
      const h = this.head;
      if (h.size <= n) {
        n -= h.size;
        this.count -= h.size;
        this.unlink(h);
      } else {
        for (let i = 0; i < n; i++) h.items[h.lo++] = undefined;
        this.count -= n;
        n = 0;
      }
    }
  }

  private dropTail(n: number): void {
    while (n > 0 && this.tail !== null) {
      const t = this.tail;
      if (t.size <= n) {
        n -= t.size;
        this.count -= t.size;
        this.unlink(t);
      } else {
        for (let i = 0; i < n; i++) t.items[--t.hi] = undefined;
        this.count -= n;
        n = 0;
      }
    }
  }

  /** After a removal: drops an empty chunk, or merges a sparse one into a neighbour. */
  private compact(c: Chunk<T>): void {
    if (c.size === 0) {
      this.unlink(c);
      return;
    }
    if (c.size >= CHUNK_MERGE_BELOW) return;
    const p = c.prev;
    if (p !== null && p.size + c.size <= CHUNK_MAX) {
      p.reset(p.values().concat(c.values()));
      this.unlink(c);
      return;
    }
    const n = c.next;
    if (n !== null && n.size + c.size <= CHUNK_MAX) {
      n.reset(c.values().concat(n.values()));
      this.unlink(c);
    }
  }

  /** The offset in its chunk of the element locate() found last (a field: no [chunk, offset] pair allocated per LRANGE/LINDEX). */
  private located = 0;

  /** The chunk holding element index, walking from the nearer end; its offset there is left in `located`. */
  private locate(index: number): Chunk<T> {
    if (index < 0 || index >= this.count) throw new RangeError(`index ${index} out of range`);
    if (index < this.count / 2) {
      let c = this.head!;
      while (index >= c.size) {
        index -= c.size;
        c = c.next!;
      }
      this.located = index;
      return c;
    }
    let fromEnd = this.count - 1 - index;
    let c = this.tail!;
    while (fromEnd >= c.size) {
      fromEnd -= c.size;
      c = c.prev!;
    }
    this.located = c.size - 1 - fromEnd;
    return c;
  }

  private linkBefore(at: Chunk<T> | null, c: Chunk<T>): void {
    if (at === null) {
      this.linkAfter(this.tail, c);
      return;
    }
    c.next = at;
    c.prev = at.prev;
    if (at.prev !== null) at.prev.next = c;
    else this.head = c;
    at.prev = c;
    this.chunks++;
  }

  private linkAfter(at: Chunk<T> | null, c: Chunk<T>): void {
    if (at === null) {
      // Empty list: c becomes the only chunk.
      c.prev = null;
      c.next = this.head;
      if (this.head !== null) this.head.prev = c;
      else this.tail = c;
      this.head = c;
      this.chunks++;
      return;
    }
    c.prev = at;
    c.next = at.next;
    if (at.next !== null) at.next.prev = c;
    else this.tail = c;
    at.next = c;
    this.chunks++;
  }

  private unlink(c: Chunk<T>): void {
    if (c.prev !== null) c.prev.next = c.next;
    else this.head = c.next;
    if (c.next !== null) c.next.prev = c.prev;
    else this.tail = c.prev;
    c.prev = c.next = null;
    this.chunks--;
  }
}
