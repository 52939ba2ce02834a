/**
 * LRU caches. Map iteration order is insertion order, so re-inserting on hit
 * moves an entry to the MRU end and the first key is the LRU victim.
 */
export class LruCache<V> {
  private readonly map = new Map<number, { v: V; charge: number }>();
  usage = 0;
  hits = 0;
  misses = 0;

  constructor(
    public capacity: number,
    private readonly onEvict?: (key: number, v: V) => void,
  ) {}

  get(key: number): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, e);
    return e.v;
  }

  /** Lookup without touching LRU order or stats. */
  peek(key: number): V | undefined {
    return this.map.get(key)?.v;
  }

  set(key: number, v: V, charge: number): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.usage -= old.charge;
      this.map.delete(key);
    }
    this.map.set(key, { v, charge });
    this.usage += charge;
    this.evict();
  }

  delete(key: number): void {
    const old = this.map.get(key);
    if (old === undefined) return;
    this.map.delete(key);
    this.usage -= old.charge;
    this.onEvict?.(key, old.v);
  }

  private evict(): void {
    while (this.usage > this.capacity && this.map.size > 1) {
      const k = this.map.keys().next().value as number;
      this.delete(k);
    }
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    for (const k of [...this.map.keys()]) this.delete(k);
  }
}
