// A chunked deque, like Redis's quicklist: a doubly linked list of chunks,
// each a small JS array of elements. Pushes and pops at both ends are O(1)
// (amortized; a chunk's shift/unshift moves at most CHUNK_MAX pointers),
// index access walks chunks from the nearer end, O(n / CHUNK_MAX), and
// middle inserts and removals touch one chunk, splitting full chunks and
// merging sparse neighbours so chunks stay reasonably full.

/** Most elements in a chunk; an insert into a full chunk splits it. */
export const CHUNK_MAX = 128;
/** A chunk smaller than this after a removal is merged with a neighbour when they fit together. */
const CHUNK_MERGE_BELOW = CHUNK_MAX / 4;

class Chunk<T> {
  prev: Chunk<T> | null = null;
  next: Chunk<T> | null = null;
  constructor(public items: T[]) {}
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
    if (h !== null && h.items.length < CHUNK_MAX) h.items.unshift(v);
    else this.linkBefore(h, new Chunk([v]));
    this.count++;
  }

  pushTail(v: T): void {
    const t = this.tail;
    if (t !== null && t.items.length < CHUNK_MAX) t.items.push(v);
    else this.linkAfter(t, new Chunk([v]));
    this.count++;
  }

  popHead(): T | undefined {
    const h = this.head;
    if (h === null) return undefined;
    const v = h.items.shift() as T;
    this.count--;
    if (h.items.length === 0) this.unlink(h);
    return v;
  }

  popTail(): T | undefined {
    const t = this.tail;
    if (t === null) return undefined;
    const v = t.items.pop() as T;
    this.count--;
    if (t.items.length === 0) this.unlink(t);
    return v;
  }

  /** The element at index (0 <= index < length). */
  at(index: number): T {
    const [chunk, offset] = this.locate(index);
    return chunk.items[offset];
  }

  set(index: number, v: T): void {
    const [chunk, offset] = this.locate(index);
    chunk.items[offset] = v;
  }

  /** Inserts v so that it ends up at index (0 <= index <= length). */
  insertAt(index: number, v: T): void {
    if (index === 0) return this.pushHead(v);
    if (index === this.count) return this.pushTail(v);
    const [chunk, offset] = this.locate(index);
    chunk.items.splice(offset, 0, v);
    this.count++;
    if (chunk.items.length > CHUNK_MAX) {
      const half = chunk.items.length >> 1;
      this.linkAfter(chunk, new Chunk(chunk.items.splice(half)));
    }
  }

  /** Visits elements start..stop (inclusive, within bounds) from head to tail. */
  forRange(start: number, stop: number, visit: (v: T) => void): void {
    if (start > stop) return;
    let [chunk, offset] = this.locate(start);
    let left = stop - start + 1;
    for (let c: Chunk<T> | null = chunk; c !== null && left > 0; c = c.next) {
      const items = c.items;
      const end = Math.min(items.length, offset + left);
      for (let i = offset; i < end; i++) visit(items[i]);
      left -= end - offset;
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
        for (const v of c.items) if (!visit(v, index++)) return;
      }
      return;
    }
    let index = this.count - 1;
    for (let c = this.tail; c !== null; c = c.prev) {
      const items = c.items;
      for (let i = items.length - 1; i >= 0; i--) if (!visit(items[i], index--)) return;
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
      const items = c.items;
      const kept: T[] = [];
      if (fromTail) {
        for (let i = items.length - 1; i >= 0; i--) {
          if ((limit === 0 || removed < limit) && match(items[i])) removed++;
          else kept.push(items[i]);
        }
        kept.reverse();
      } else {
        for (const v of items) {
          if ((limit === 0 || removed < limit) && match(v)) removed++;
          else kept.push(v);
        }
      }
      if (kept.length !== items.length) {
        this.count -= items.length - kept.length;
        c.items = kept;
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
    for (let c = this.head; c !== null; c = c.next) copy.linkAfter(copy.tail, new Chunk(c.items.slice()));
    copy.count = this.count;
    return copy;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let c = this.head; c !== null; c = c.next) for (const v of c.items) out.push(v);
    return out;
  }

  /** Checks the structure's invariants (tests). */
  check(): void {
    let n = 0;
    let chunks = 0;
    let prev: Chunk<T> | null = null;
    for (let c = this.head; c !== null; c = c.next) {
      if (c.prev !== prev) throw new Error("broken prev link");
      if (c.items.length === 0 || c.items.length > CHUNK_MAX) throw new Error(`bad chunk size ${c.items.length}`);
      n += c.items.length;
      chunks++;
      prev = c;
    }
    if (prev !== this.tail) throw new Error("broken tail");
    if (n !== this.count || chunks !== this.chunks) throw new Error("bad counts");
  }

  private dropHead(n: number): void {
    while (n > 0 && this.head !== null) {
      const h = this.head;
      if (h.items.length <= n) {
        n -= h.items.length;
        this.count -= h.items.length;
        this.unlink(h);
      } else {
        h.items.splice(0, n);
        this.count -= n;
        n = 0;
      }
    }
  }

  private dropTail(n: number): void {
    while (n > 0 && this.tail !== null) {
      const t = this.tail;
      if (t.items.length <= n) {
        n -= t.items.length;
        this.count -= t.items.length;
        this.unlink(t);
      } else {
        t.items.length -= n;
        this.count -= n;
        n = 0;
      }
    }
  }

  /** After a removal: drops an empty chunk, or merges a sparse one into a neighbour. */
  private compact(c: Chunk<T>): void {
    if (c.items.length === 0) {
      this.unlink(c);
      return;
    }
    if (c.items.length >= CHUNK_MERGE_BELOW) return;
    const p = c.prev;
    if (p !== null && p.items.length + c.items.length <= CHUNK_MAX) {
      p.items.push(...c.items);
      this.unlink(c);
      return;
    }
    const n = c.next;
    if (n !== null && n.items.length + c.items.length <= CHUNK_MAX) {
      n.items = c.items.concat(n.items);
      this.unlink(c);
    }
  }

  /** The chunk holding index and the offset in it, walking from the nearer end. */
  private locate(index: number): [Chunk<T>, number] {
    if (index < 0 || index >= this.count) throw new RangeError(`index ${index} out of range`);
    if (index < this.count / 2) {
      let c = this.head!;
      while (index >= c.items.length) {
        index -= c.items.length;
        c = c.next!;
      }
      return [c, index];
    }
    let fromEnd = this.count - 1 - index;
    let c = this.tail!;
    while (fromEnd >= c.items.length) {
      fromEnd -= c.items.length;
      c = c.prev!;
    }
    return [c, c.items.length - 1 - fromEnd];
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
      // Empty list (or insertion before the head of an empty list).
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
