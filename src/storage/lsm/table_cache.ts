/** Open-table cache: bounds open fds; tables stay open while iterators use them. */
import { LruCache } from './cache.ts';
import type { Block } from './block.ts';
import { Table, type TableStats } from './table.ts';
import { fileName } from './dbformat.ts';

export class TableCache {
  private readonly tables: LruCache<Table>;
  readonly stats: TableStats = { bytesRead: 0, blockReads: 0 };

  constructor(
    private readonly dir: string,
    maxOpenFiles: number,
    readonly blockCache: LruCache<Block> | null,
  ) {
    // Charge 1 per table: capacity is a count of open files.
    this.tables = new LruCache<Table>(maxOpenFiles, (_k, t) => t.unref());
  }

  get(number: number): Table {
    let t = this.tables.get(number);
    if (t === undefined) {
      t = Table.open(fileName(this.dir, number, 'sst'), number, this.blockCache, this.stats);
      this.tables.set(number, t, 1);
    }
    return t;
  }

  evict(number: number): void {
    this.tables.delete(number);
  }

  get openTables(): number {
    return this.tables.size;
  }

  close(): void {
    this.tables.clear();
  }
}
