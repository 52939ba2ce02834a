// A string-keyed map that also supports Redis's SCAN guarantees.
//
// Every node is chained into a power-of-two bucket array hashed with
// MurmurHash3 of the key's bytes, which lookups walk (by string or by bytes,
// so prefetch can load what a lookup will read), and into a doubly linked
// list in insertion order that iteration follows (Redis's listpack order for
// small hashes and sets). The nodes carry both links, so no JS Map is kept
// beside them: an insert or delete hashes the key once and allocates nothing
// but its node. A lookup that follows a prefetch of its key takes the node
// the prefetch found (see hinted) and hashes nothing. scan() walks buckets with Redis's reverse-binary cursor: every
// element present for the whole scan is returned at least once, even if the
// table grows or shrinks between calls. randomNode() samples a bucket, as Redis does.

import { bytesToStr, strToBytes } from "../../net/bytes.ts";
import { murmur3Bytes, murmur3Latin1 } from "../../util/murmur3.ts";

/** Keys of up to this many bytes are also held in their node as numbers (WordKeyNode.k0...k3). */
const WORD_KEY_MAX = 24;

export abstract class ScanNode {
  /** The next node in this node's bucket. */
  next: ScanNode | null = null;
  hash = 0;
  /** Neighbours in insertion order (kept on a deleted node, so an iteration standing on it goes on). */
  before: ScanNode | null = null;
  after: ScanNode | null = null;
  /** The key's length in bytes if it is held in words (a WordKeyNode's), else -1: compared by its string. */
  abstract readonly size: number;
  /** The key as a latin1 string. */
  abstract readonly key: string;

  /** The key's bytes, a new array. */
  keyBytes(): Uint8Array {
    return strToBytes(this.key);
  }

  /** The key's length in bytes (without making a WordKeyNode's string). */
  get keyLength(): number {
    return this.size < 0 ? this.key.length : this.size;
  }
}

/**
 * A node whose key is its string only: for a map looked up by strings (a
 * zset's dict), where key words would be unused. Its size is on the
 * prototype: a ZDictNode of six fields fits a 64-byte cell, where one more
 * field made ZADD's prefetch slower (its nodes then straddle cache lines).
 */
export class StringKeyNode extends ScanNode {
  constructor(readonly key: string) {
    super();
  }

  get size(): number {
    return -1;
  }
}

/**
 * A node that holds a key of up to WORD_KEY_MAX bytes, 6 bytes per number
 * (see keyWord), and its length in `size`: a lookup by bytes compares these,
 * in the node it loads anyway, instead of the key string, whose cell and
 * characters are two more dependent cache misses (in a 100k-member set,
 * about a third of a prefetch's time). A longer key is compared by its string.
 */
export class WordKeyNode extends ScanNode {
  size = -1;
  k0 = 0;
  k1 = 0;
  k2 = 0;
  k3 = 0;
  /** The key's latin1 string; null in a node made from bytes that fit in words, until asked for (see key). */
  private keyString: string | null;

  /**
   * key: the key's latin1 string, or its bytes (not kept: a key that fits
   * in words then has no string until one is asked for, which SADD/HSET's
   * inserts do not: latin1Slice was 5.6% of a SADD of new members).
   */
  constructor(key: string | Uint8Array) {
    super();
    const n = key.length;
    this.keyString = typeof key === "string" ? key : n > WORD_KEY_MAX ? bytesToStr(key) : null;
    if (n > WORD_KEY_MAX) return;
    this.size = n;
    if (typeof key === "string") {
      this.k0 = stringWord(key, 0);
      if (n > 6) this.k1 = stringWord(key, 6);
      if (n > 12) this.k2 = stringWord(key, 12);
      if (n > 18) this.k3 = stringWord(key, 18);
    } else {
      this.k0 = keyWord(key, 0, n);
      if (n > 6) this.k1 = keyWord(key, 6, n);
      if (n > 12) this.k2 = keyWord(key, 12, n);
      if (n > 18) this.k3 = keyWord(key, 18, n);
    }
  }

  /** The key as a latin1 string (made from its words the first time, then kept). */
  get key(): string {
    return (this.keyString ??= bytesToStr(this.keyBytes()));
  }

  /** The key's bytes, a new array (from its words, without making its string). */
  override keyBytes(): Uint8Array {
    const n = this.size;
    if (n < 0) return strToBytes(this.keyString!);
    const out = new Uint8Array(n);
    putWord(out, 0, this.k0);
    if (n > 6) putWord(out, 6, this.k1);
    if (n > 12) putWord(out, 12, this.k2);
    if (n > 18) putWord(out, 18, this.k3);
    return out;
  }
}

/** Writes word w's bytes (keyWord's) to out from at, as many as fit. */
function putWord(out: Uint8Array, at: number, w: number): void {
  const end = Math.min(at + 6, out.length);
  for (let i = at; i < end; i++) {
    out[i] = w % 256;
    w = Math.floor(w / 256);
  }
}

/** Whether nodes a and b have the same key (by their words when both have them). */
function sameKey(a: ScanNode, b: ScanNode): boolean {
  if (a.size < 0 || b.size < 0) return a.key === b.key;
  const x = a as WordKeyNode;
  const y = b as WordKeyNode;
  return x.size === y.size && x.k0 === y.k0 && x.k1 === y.k1 && x.k2 === y.k2 && x.k3 === y.k3;
}

/**
 * The bytes b[at, min(at + 6, to)) as one number, little-endian (below 2^48,
 * so exact): 0 past the key's end, as in the node's words of a shorter key.
 */
function keyWord(b: Uint8Array, at: number, to: number): number {
  if (at + 6 <= to) return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + (b[at + 3] | (b[at + 4] << 8) | (b[at + 5] << 16)) * 0x1000000;
  let w = 0;
  for (let i = to - 1; i >= at; i--) w = w * 256 + b[i];
  return w;
}

/** keyWord of the latin1 string s's characters (one per byte) from at. */
function stringWord(s: string, at: number): number {
  const to = s.length;
  if (at + 6 <= to) {
    const low = s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16);
    return low + (s.charCodeAt(at + 3) | (s.charCodeAt(at + 4) << 8) | (s.charCodeAt(at + 5) << 16)) * 0x1000000;
  }
  let w = 0;
  for (let i = to - 1; i >= at; i--) w = w * 256 + s.charCodeAt(i);
  return w;
}

/** Whether node n's key is the bytes b[from, to): by its words, or by its string if it is longer than WORD_KEY_MAX. */
export function nodeKeyIs(node: ScanNode, b: Uint8Array, from: number, to: number): boolean {
  const size = node.size;
  if (size < 0) return keyIs(node.key, b, from, to);
  const n = node as WordKeyNode; // only a WordKeyNode has a size
  if (size !== to - from || n.k0 !== keyWord(b, from, to)) return false;
  if (size <= 6) return true;
  if (n.k1 !== keyWord(b, from + 6, to)) return false;
  if (size <= 12) return true;
  if (n.k2 !== keyWord(b, from + 12, to)) return false;
  return size <= 18 || n.k3 === keyWord(b, from + 18, to);
}

const MIN_BUCKETS = 4;
/** Keys a prefetch takes at most (the look ahead's window). */
const PREFETCH_MAX = 16;

/** The hash code of the key buf[from, to) in every ScanMap (getHashed, insertHashed). */
export function keyHash(buf: Uint8Array, from: number, to: number): number {
  return murmur3Bytes(buf, from, to);
}

/**
 * Whether latin1 string s is the bytes of b in [from, to). From the last
 * byte: keys of one pattern (key:123, key:456) mostly differ there.
 */
export function keyIs(s: string, b: Uint8Array, from: number, to: number): boolean {
  if (s.length !== to - from) return false;
  for (let i = to - 1; i >= from; i--) if (s.charCodeAt(i - from) !== b[i]) return false;
  return true;
}

function reverseBits32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

const prefetchHashes: number[] = new Array(PREFETCH_MAX).fill(0);
/** Where prefetch leaves a value computed from what it loaded, so the loads are not optimized away. */
export let prefetchSink = 0;

export class ScanMap<N extends ScanNode> {
  private count = 0;
  private buckets: (N | null)[] = new Array(MIN_BUCKETS).fill(null);
  /** Oldest and newest node (iteration order). */
  private first: N | null = null;
  private last: N | null = null;
  /**
   * The nodes the last prefetch found, in the order of its keys (null: that
   * key was missing), and the index of the one the next lookup should want:
   * the commands look their keys up in the order the look ahead found them.
   * Allocated by the first prefetch; emptied by every removal, so each hint
   * is a node of this map.
   */
  private hints: (N | null)[] | null = null;
  private hintCount = 0;
  private nextHint = 0;

  get size(): number {
    return this.count;
  }

  /**
   * By the bucket chains, not the Map: a lookup then loads what prefetch
   * loads (a Map probe of a fresh string hashes it and reads other memory).
   */
  get(key: string): N | undefined {
    const h = murmur3Latin1(key);
    const buckets = this.buckets;
    for (let n = buckets[h & (buckets.length - 1)]; n !== null; n = n.next as N | null) {
      if (n.hash === h && n.key === key) return n;
    }
    return undefined;
  }

  /**
   * get() by the key's bytes: hashes them and walks the bucket chain, with no
   * string built (microbenchmark, 100k keys: ~2x faster than latin1 string + Map.get).
   */
  getBytes(key: Uint8Array): N | undefined {
    return this.getRange(key, 0, key.length);
  }

  /** getBytes of the key buf[from, to). */
  getRange(buf: Uint8Array, from: number, to: number): N | undefined {
    return this.hinted(buf, from, to) ?? this.getHashed(buf, from, to, murmur3Bytes(buf, from, to));
  }

  /**
   * The node of the key buf[from, to) if the last prefetch found it for the
   * lookup expected next (or for the one before: a command may look its key
   * up twice): then its key's bytes are compared, but not hashed, and no
   * bucket is walked (hashing a 20-byte member was ~5% of SADD's CPU). If
   * the prefetch found that key missing, the lookup is taken to be of that
   * key (so the next one wants the next hint) and left to getHashed.
   * Undefined means "not known", not "missing".
   */
  hinted(buf: Uint8Array, from: number, to: number): N | undefined {
    const i = this.nextHint;
    if (i >= this.hintCount) return undefined;
    const hints = this.hints!;
    const n = hints[i];
    if (n !== null && nodeKeyIs(n, buf, from, to)) {
      this.nextHint = i + 1;
      return n;
    }
    const before = i > 0 ? hints[i - 1] : null;
    if (before !== null && nodeKeyIs(before, buf, from, to)) return before;
    if (n === null) this.nextHint = i + 1;
    return undefined;
  }

  /** The node of the key buf[from, to), whose keyHash is `hash`. */
  getHashed(buf: Uint8Array, from: number, to: number, hash: number): N | undefined {
    const buckets = this.buckets;
    for (let n = buckets[hash & (buckets.length - 1)]; n !== null; n = n.next as N | null) {
      if (n.hash === hash && nodeKeyIs(n, buf, from, to)) return n;
    }
    return undefined;
  }

  /**
   * Loads the nodes (and via `touch`, what they point to) of up to 16 keys,
   * given as ranges of buf, in passes over all of them: their cache misses
   * overlap instead of following one another as the lookups' would. The
   * nodes found are the next lookups' hints (see hinted); a node with the
   * key's hash is taken without comparing keys (hinted compares them).
   * `touch` is given each node found and the index of its key.
   */
  prefetch(buf: Uint8Array, starts: number[], ends: number[], count: number, touch: (node: N, i: number) => number): void {
    if (count > PREFETCH_MAX) throw new Error(`ScanMap.prefetch of ${count} keys`);
    const buckets = this.buckets;
    const mask = buckets.length - 1;
    const hashes = prefetchHashes;
    const nodes = (this.hints ??= new Array<N | null>(PREFETCH_MAX).fill(null));
    for (let i = 0; i < count; i++) hashes[i] = murmur3Bytes(buf, starts[i], ends[i]);
    // The buckets in a pass of their own, not one after each hash: then all
    // their cache misses are in flight at once (between hashes, the few
    // that fit in the CPU's window of about 200 instructions were).
    for (let i = 0; i < count; i++) nodes[i] = buckets[hashes[i] & mask];
    for (let i = 0; i < count; i++) {
      let n = nodes[i];
      while (n !== null && n.hash !== hashes[i]) n = n.next as N | null;
      nodes[i] = n;
    }
    let sink = 0;
    for (let i = 0; i < count; i++) {
      const n = nodes[i];
      // The string of a key without words too: nodeKeyIs or get compares it (its cell, then its characters).
      if (n !== null) sink += touch(n, i) + (n.size < 0 ? n.key.charCodeAt(0) : 0);
    }
    prefetchSink = sink;
    // Hints past count are left from an earlier prefetch: not ours to keep alive.
    for (let i = count; i < this.hintCount; i++) nodes[i] = null;
    this.hintCount = count;
    this.nextHint = 0;
  }

  /** Forgets the hints (a node is leaving the map). */
  private dropHints(): void {
    this.hints!.fill(null, 0, this.hintCount);
    this.hintCount = 0;
    this.nextHint = 0;
  }

  /**
   * Loads what deleteNode will read for nodes[0, count): the nodes, their
   * buckets' first nodes, their neighbours in insertion order and their keys'
   * characters, in passes over all of them, so that the cache misses overlap
   * instead of following one another as the deletes' would.
   */
  loadForDelete(nodes: readonly N[], count: number): void {
    const buckets = this.buckets;
    const mask = buckets.length - 1;
    let sink = 0;
    for (let i = 0; i < count; i++) sink += nodes[i].hash;
    for (let i = 0; i < count; i++) {
      const n = nodes[i];
      const head = buckets[n.hash & mask];
      sink += (head === null ? 0 : head.hash) + (n.before === null ? 0 : n.before.hash) + (n.after === null ? 0 : n.after.hash) + n.key.charCodeAt(0);
    }
    prefetchSink = sink;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Inserts a node whose key is not present (callers check with get first). */
  insert(node: N): void {
    this.insertHashed(node, murmur3Latin1(node.key));
  }

  /** insert() of a node whose key's keyHash is `h` (a getHashed that found nothing computed it). */
  insertHashed(node: N, h: number): void {
    const buckets = this.buckets;
    const b = h & (buckets.length - 1);
    for (let n = buckets[b]; n !== null; n = n.next as N | null) {
      if (n.hash === h && sameKey(n, node)) throw new Error("ScanMap.insert: duplicate key");
    }
    node.hash = h;
    node.next = buckets[b];
    buckets[b] = node;
    node.before = this.last;
    node.after = null;
    if (this.last === null) this.first = node;
    else this.last.after = node;
    this.last = node;
    if (++this.count > buckets.length) this.resize(buckets.length * 2);
  }

  /** Replaces the node stored under node.key (same key, new node object, same place in iteration order). */
  replace(node: N): void {
    const old = this.get(node.key);
    if (old === undefined) {
      this.insert(node);
      return;
    }
    if (this.hintCount !== 0) this.dropHints();
    this.unlinkBucket(old);
    node.hash = old.hash;
    const b = node.hash & (this.buckets.length - 1);
    node.next = this.buckets[b];
    this.buckets[b] = node;
    node.before = old.before;
    node.after = old.after;
    if (old.before === null) this.first = node;
    else old.before.after = node;
    if (old.after === null) this.last = node;
    else old.after.before = node;
  }

  delete(key: string): N | undefined {
    const node = this.get(key);
    if (node !== undefined) this.deleteNode(node);
    return node;
  }

  /** Removes a node of this map (one that get/randomNode returned). */
  deleteNode(node: N): void {
    if (this.hintCount !== 0) this.dropHints();
    this.unlinkBucket(node);
    const before = node.before as N | null;
    const after = node.after as N | null;
    if (before === null) this.first = after;
    else before.after = after;
    if (after === null) this.last = before;
    else after.before = before;
    this.count--;
    if (this.buckets.length > MIN_BUCKETS && this.count * 8 < this.buckets.length) {
      this.resize(this.buckets.length / 2);
    }
  }

  clear(): void {
    if (this.hintCount !== 0) this.dropHints();
    this.count = 0;
    this.buckets = new Array(MIN_BUCKETS).fill(null);
    this.first = null;
    this.last = null;
  }

  /** The nodes in insertion order; deleting the node just returned is allowed. */
  *values(): IterableIterator<N> {
    for (let n = this.first; n !== null; n = n.after as N | null) yield n;
  }

  private unlinkBucket(node: N): void {
    const b = node.hash & (this.buckets.length - 1);
    let cur = this.buckets[b];
    if (cur === node) {
      this.buckets[b] = node.next as N | null;
      node.next = null;
      return;
    }
    while (cur !== null && cur.next !== node) cur = cur.next as N | null;
    if (cur === null) throw new Error("ScanMap: node missing from its bucket");
    cur.next = node.next;
    node.next = null;
  }

  // A full rehash: O(n) but rare (sizes double/halve). Incremental rehashing
  // like Redis's would bound the pause for multi-million-key tables.
  private resize(size: number): void {
    const buckets: (N | null)[] = new Array(size).fill(null);
    const mask = size - 1;
    for (let node = this.first; node !== null; node = node.after as N | null) {
      const b = node.hash & mask;
      node.next = buckets[b];
      buckets[b] = node;
    }
    this.buckets = buckets;
  }

  /**
   * Visits the buckets at cursor and returns the next cursor (0 when done).
   * Visits at least `count` elements when that many remain, like dictScan.
   */
  scan(cursor: number, count: number, visit: (node: N) => void): number {
    if (this.count === 0) return 0;
    const mask = this.buckets.length - 1;
    let v = cursor >>> 0;
    let visited = 0;
    let steps = 0;
    const maxSteps = Math.max(count * 10, 100);
    do {
      for (let n = this.buckets[v & mask]; n !== null; n = n.next as N | null) {
        visit(n);
        visited++;
      }
      // Increment the reversed cursor over the masked bits.
      v |= ~mask;
      v = reverseBits32(v >>> 0);
      v = (v + 1) >>> 0;
      v = reverseBits32(v);
      steps++;
    } while (v !== 0 && visited < count && steps < maxSteps);
    return v;
  }

  /** A random node: random non-empty bucket, then a random element of its chain. */
  randomNode(): N | undefined {
    if (this.count === 0) return undefined;
    const mask = this.buckets.length - 1;
    for (;;) {
      const head = this.buckets[Math.floor(Math.random() * (mask + 1))];
      if (head === null) continue;
      let len = 0;
      for (let n: ScanNode | null = head; n !== null; n = n.next) len++;
      let pick = Math.floor(Math.random() * len);
      let n: ScanNode = head;
      while (pick-- > 0) n = n.next as ScanNode;
      return n as N;
    }
  }
}
