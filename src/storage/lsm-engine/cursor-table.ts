// Ordered SCAN cursors: a cursor is a small number naming the last key (or
// field) returned, remembered in a bounded table (Kvrocks keeps a cursor
// dictionary the same way). Forgotten cursors restart the iteration.

/** Cursors remembered per table; the oldest are forgotten first. */
const MAX_CURSORS = 4096;

export class CursorTable {
  private readonly positions = new Map<number, Uint8Array>();
  private nextId = 1;

  /** The position a cursor names (undefined for 0 and forgotten cursors); each cursor is used once. */
  take(cursor: number): Uint8Array | undefined {
    const position = this.positions.get(cursor);
    this.positions.delete(cursor);
    return position;
  }

  remember(position: Uint8Array): number {
    if (this.positions.size >= MAX_CURSORS) {
      const oldest = this.positions.keys().next().value;
      if (oldest !== undefined) this.positions.delete(oldest);
    }
    const id = this.nextId++;
    this.positions.set(id, position);
    return id;
  }

  clear(): void {
    this.positions.clear();
  }
}
