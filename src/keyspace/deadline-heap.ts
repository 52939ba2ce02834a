// A binary min-heap of items by deadline (unix ms), for timeouts: O(log n)
// insertion and removal of the earliest. Entries are never removed from the
// middle; owners drop stale ones when they surface (lazy deletion).

export class DeadlineHeap<T> {
  private readonly deadlines: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest deadline, or 0 when empty. */
  peekDeadline(): number {
    return this.deadlines.length > 0 ? this.deadlines[0] : 0;
  }

  push(deadline: number, item: T): void {
    let i = this.items.length;
    this.deadlines.push(deadline);
    this.items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.deadlines[parent] <= deadline) break;
      this.move(parent, i);
      i = parent;
    }
    this.deadlines[i] = deadline;
    this.items[i] = item;
  }

  /** Removes and returns the item with the earliest deadline. */
  pop(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0];
    const lastDeadline = this.deadlines.pop()!;
    const lastItem = this.items.pop()!;
    if (n > 1) {
      let i = 0;
      const size = n - 1;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        if (child + 1 < size && this.deadlines[child + 1] < this.deadlines[child]) child++;
        if (this.deadlines[child] >= lastDeadline) break;
        this.move(child, i);
        i = child;
      }
      this.deadlines[i] = lastDeadline;
      this.items[i] = lastItem;
    }
    return top;
  }

  /** Keeps only the items for which keep() holds (compaction of stale entries), in O(n). */
  retain(keep: (item: T) => boolean): void {
    const pairs: [number, T][] = [];
    for (let i = 0; i < this.items.length; i++) if (keep(this.items[i])) pairs.push([this.deadlines[i], this.items[i]]);
    this.deadlines.length = 0;
    this.items.length = 0;
    for (const [d, item] of pairs) this.push(d, item);
  }

  private move(from: number, to: number): void {
    this.deadlines[to] = this.deadlines[from];
    this.items[to] = this.items[from];
  }
}
