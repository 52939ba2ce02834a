/**
 * Sorted in-memory table: a skiplist of internal entries ordered by
 * (userKey asc, seq desc). Single-threaded (the JS event loop), so no CAS:
 * iterators stay valid across inserts because nodes are never removed.
 */
import { KIND_PUT, KIND_SEEK, lookupOut } from './dbformat.ts';
import type { InternalIterator } from './iterator.ts';
import { assert } from './assert.ts';
import { bytesToStr } from '../../net/bytes.ts';

const MAX_HEIGHT = 12;

/** Key and value bytes live in a shared arena chunk: no per-entry typed-array objects. */
class Node {
  readonly next: (Node | null)[];
  private k: Uint8Array | null = null;
  constructor(
    readonly buf: Uint8Array,
    readonly koff: number,
    readonly klen: number,
    // vlen/seq/kind change when the node is overwritten in place (overwriteNewest).
    readonly voff: number,
    public vlen: number,
    public seq: number,
    public kind: number,
    height: number,
  ) {
    this.next = new Array<Node | null>(height).fill(null);
  }
  /** User key view (created lazily, cached: iterators ask repeatedly). */
  get key(): Uint8Array {
    if (this.k === null) this.k = new Uint8Array(this.buf.buffer, this.koff, this.klen);
    return this.k;
  }
  get value(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.voff, this.vlen);
  }
}

const ARENA_CHUNK = 1 << 20;

/** Per-entry overhead estimate (node object, next array, views, hash index entry) for size accounting. */
const NODE_OVERHEAD = 160;

export interface RangeTombstone {
  start: Uint8Array;
  end: Uint8Array;
  seq: number;
}

export class MemTable {
  private readonly head = new Node(new Uint8Array(0), 0, 0, 0, 0, 0, 0, MAX_HEIGHT);
  private chunk = new Uint8Array(ARENA_CHUNK);
  private chunkUsed = 0;
  private height = 1;
  private rnd = 0x2545f491;
  /** Approximate memory usage in bytes. */
  approximateSize = 0;
  count = 0;
  minSeq = Number.MAX_SAFE_INTEGER;
  maxSeq = 0;
  /**
   * Newest node per user key (latin1): a point lookup is one hash probe
   * instead of a skiplist search, which costs a cache miss per visited node;
   * a key absent from the memtable (most reads) is answered by the same probe.
   */
  private readonly newest = new Map<string, Node>();
  /** Range tombstones written while this memtable was active (persisted at flush). */
  readonly rangeTombstones: RangeTombstone[] = [];
  /** Number of the WAL that holds this memtable's writes. */
  constructor(readonly logNumber: number) {}

  private randomHeight(): number {
    let h = 1;
    // xorshift32: cheap, deterministic enough; branching factor 4.
    let x = this.rnd;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rnd = x >>> 0;
    let r = this.rnd;
    while (h < MAX_HEIGHT && (r & 3) === 0) {
      h++;
      r >>>= 2;
    }
    return h;
  }

  /** True if node n sorts before (k, s, kind). */
  private static after(n: Node, k: Uint8Array, s: number, kind: number): boolean {
    const b = n.buf;
    const off = n.koff;
    const nl = n.klen;
    const m = nl < k.length ? nl : k.length;
    for (let i = 0; i < m; i++) {
      const d = b[off + i] - k[i];
      if (d !== 0) return d < 0;
    }
    if (nl !== k.length) return nl < k.length;
    if (n.seq !== s) return n.seq > s;
    return n.kind > kind;
  }

  /** Copies src into the arena; returns [buffer, offset]. */
  private place(src: Uint8Array, total: number): number {
    if (this.chunkUsed + total > this.chunk.length) {
      // Big entries get a private buffer so chunks aren't wasted.
      this.chunk = new Uint8Array(total > ARENA_CHUNK / 4 ? total : ARENA_CHUNK);
      this.chunkUsed = 0;
    }
    const off = this.chunkUsed;
    const c = this.chunk;
    const n = src.length;
    if (n < 32) for (let i = 0; i < n; i++) c[off + i] = src[i];
    else c.set(src, off);
    this.chunkUsed += n;
    return off;
  }

  add(key: Uint8Array, seq: number, kind: number, value: Uint8Array): void {
    const prev = this.prevScratch;
    this.lastBefore(key, seq, kind, prev);
    const h = this.randomHeight();
    if (h > this.height) {
      for (let i = this.height; i < h; i++) prev[i] = this.head;
      this.height = h;
    }
    const koff = this.place(key, key.length + value.length);
    const buf = this.chunk;
    const voff = this.place(value, value.length);
    const node = new Node(buf, koff, key.length, voff, value.length, seq, kind, h);
    for (let i = 0; i < h; i++) {
      node.next[i] = prev[i].next[i];
      prev[i].next[i] = node;
    }
    const name = bytesToStr(key);
    const newest = this.newest.get(name);
    if (newest === undefined || newest.seq < seq) this.newest.set(name, node);
    this.approximateSize += key.length + value.length + NODE_OVERHEAD;
    this.count++;
    if (seq < this.minSeq) this.minSeq = seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  private readonly prevScratch = new Array<Node>(MAX_HEIGHT);

  /**
   * Replaces the key's newest entry in place with (seq, kind, value), which
   * keeps the skiplist order (it stays the key's newest entry) and skips the
   * skiplist search of add(). Only for a caller that knows no reader can
   * still see the replaced version (no snapshot, no live iterator): the WAL
   * keeps both. Returns false (nothing changed) when the key is not here or
   * the value does not fit in the old one's bytes.
   */
  overwriteNewest(key: Uint8Array, seq: number, kind: number, value: Uint8Array): boolean {
    const node = this.newest.get(bytesToStr(key));
    if (node === undefined || value.length > node.vlen) return false;
    const b = node.buf;
    const o = node.voff;
    for (let i = 0; i < value.length; i++) b[o + i] = value[i];
    node.vlen = value.length;
    node.seq = seq;
    node.kind = kind;
    if (seq > this.maxSeq) this.maxSeq = seq;
    return true;
  }

  addRangeTombstone(t: RangeTombstone): void {
    this.rangeTombstones.push(t);
    this.approximateSize += t.start.length + t.end.length + NODE_OVERHEAD;
    if (t.seq < this.minSeq) this.minSeq = t.seq;
    if (t.seq > this.maxSeq) this.maxSeq = t.seq;
  }

  /** @internal First node >= (key, seq, kind), or null. */
  findGreaterOrEqual(key: Uint8Array, seq: number, kind: number): Node | null {
    return this.lastBefore(key, seq, kind).next[0];
  }

  /** @internal Last node < (key, seq, kind), or null. */
  findLessThan(key: Uint8Array, seq: number, kind: number): Node | null {
    const x = this.lastBefore(key, seq, kind);
    return x === this.head ? null : x;
  }

  /**
   * The last node ordered before (key, seq, kind), or the head when there is
   * none; with prev, also the last such node at every level (for an insert).
   */
  private lastBefore(key: Uint8Array, seq: number, kind: number, prev: Node[] | null = null): Node {
    let x = this.head;
    // A node found not to sort before the target at one level is often the
    // next one at the level below too: skipping its comparison saves about a
    // key comparison per level (RocksDB's InlineSkipList does the same).
    let bigger: Node | null = null;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = x.next[level];
        if (nx !== null && nx !== bigger && MemTable.after(nx, key, seq, kind)) x = nx;
        else {
          bigger = nx;
          break;
        }
      }
      if (prev !== null) prev[level] = x;
    }
    return x;
  }

  /** @internal */
  findLast(): Node | null {
    let x = this.head;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = x.next[level];
        if (nx !== null) x = nx;
        else break;
      }
    }
    return x === this.head ? null : x;
  }

  /** Hot-path lookup: fills lookupOut and returns true when found. */
  lookup(key: Uint8Array, snapshot: number): boolean {
    const n = this.get(key, snapshot) as Node | null;
    if (n === null) return false;
    lookupOut.seq = n.seq;
    lookupOut.kind = n.kind;
    lookupOut.buf = n.buf;
    lookupOut.voff = n.voff;
    lookupOut.vlen = n.vlen;
    return true;
  }

  /** Newest entry for key with seq <= snapshot, or null. */
  get(key: Uint8Array, snapshot: number): { seq: number; kind: number; value: Uint8Array } | null {
    const newest = this.newest.get(bytesToStr(key));
    if (newest === undefined) return null;
    if (newest.seq <= snapshot) return newest;
    // An older version under a snapshot: search the skiplist.
    const n = this.findGreaterOrEqual(key, snapshot, KIND_SEEK);
    if (n === null || n.klen !== key.length) return null;
    const b = n.buf;
    const off = n.koff;
    for (let i = 0; i < key.length; i++) if (b[off + i] !== key[i]) return null;
    return n;
  }

  /** @internal */
  first(): Node | null {
    return this.head.next[0];
  }

  iterator(): InternalIterator {
    return new MemTableIterator(this);
  }
}

class MemTableIterator implements InternalIterator {
  private node: Node | null = null;
  constructor(private readonly mem: MemTable) {}
  valid(): boolean {
    return this.node !== null;
  }
  seekToFirst(): void {
    this.node = this.mem.first();
  }
  seekToLast(): void {
    this.node = this.mem.findLast();
  }
  seek(userKey: Uint8Array, seq: number): void {
    this.node = this.mem.findGreaterOrEqual(userKey, seq, KIND_SEEK);
  }
  next(): void {
    assert(this.node !== null);
    this.node = this.node.next[0];
  }
  prev(): void {
    assert(this.node !== null);
    // No back pointers: search for the last node before the current one.
    this.node = this.mem.findLessThan(this.node.key, this.node.seq, this.node.kind);
  }
  userKey(): Uint8Array {
    return this.node!.key;
  }
  seq(): number {
    return this.node!.seq;
  }
  kind(): number {
    return this.node!.kind;
  }
  value(): Uint8Array {
    return this.node!.value;
  }
  close(): void {}
}

export { KIND_PUT };
