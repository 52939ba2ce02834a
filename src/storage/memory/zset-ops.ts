// Memory-engine implementation of the sorted-set primitives: an
// order-statistic B+tree ordered by (score, member) for ranks and ranges
// (where Redis has a skiplist with spans), plus a ScanMap from member to score
// for O(1) lookups, ZSCAN and random sampling (Redis's dict).

import { bytesToStr } from "../../net/bytes.ts";
import type { KeyMeta } from "../engine.ts";
import { lexGteMin, lexLteMax, scoreGteMin, scoreLteMax, type ZEntry, type ZRangeSpec, type ZSetOps } from "../zset-ops.ts";
import { encodingLimits } from "./encoding-limits.ts";
import type { MemEntry, MemoryDb } from "./memory-engine.ts";
import { ScanMap, StringKeyNode } from "./scan-map.ts";
import { NIL, ScoreTree } from "./score-tree.ts";
import { registerMemoryType } from "./value-types.ts";

/** Looked up by the member's string (MemZSet.dict.get): no key words. */
class ZDictNode extends StringKeyNode {
  constructor(
    key: string,
    public score: number,
  ) {
    super(key);
  }
}

/** How many pops loadNextPops loads ahead, and the dict nodes it collects (module state: one event loop). */
const POP_BATCH = 16;
const nextPopped: ZDictNode[] = [];

export class MemZSet {
  readonly dict = new ScanMap<ZDictNode>();
  readonly tree = new ScoreTree<ZDictNode>();
  /** Sticky, as in Redis: once converted to a skiplist (OBJECT ENCODING's name) a zset never goes back to listpack. */
  skiplistEncoded = false;
  /**
   * The last member looked up and its node (undefined: absent), kept right by
   * insertNew and delete: ZADD reads a member's score and then sets it, and
   * set() takes the node from here instead of a second dict lookup.
   */
  private lookedUp: string | null = null;
  private lookedUpNode: ZDictNode | undefined = undefined;
  /** Pops until loadNextPops runs again. */
  private popsUntilLoad = 0;

  /**
   * Every POP_BATCH pops, loads what the next POP_BATCH pops from that end
   * will read (ScanMap.loadForDelete of their dict nodes; the tree's entries
   * sit side by side in a leaf): pipelined ZPOPMINs otherwise wait for each
   * pop's misses (its dict node, bucket, insertion-order neighbours, member
   * characters for the reply) one after the other.
   */
  loadNextPops(highest: boolean): void {
    if (--this.popsUntilLoad > 0) return;
    this.popsUntilLoad = POP_BATCH;
    const tree = this.tree;
    let count = 0;
    for (let n = highest ? tree.tail : tree.first(); n !== NIL && count < POP_BATCH; n = highest ? tree.prev(n) : tree.next(n)) nextPopped[count++] = tree.owner(n);
    this.dict.loadForDelete(nextPopped, count);
    nextPopped.length = 0;
  }

  lookup(member: string): ZDictNode | undefined {
    if (member === this.lookedUp) return this.lookedUpNode;
    const node = this.dict.get(member);
    this.lookedUp = member;
    this.lookedUpNode = node;
    return node;
  }

  set(member: string, score: number): boolean {
    const node = this.lookup(member);
    // Like zsetAdd, a new member that takes the set past zset-max-listpack-* converts it before being inserted.
    if (
      node === undefined &&
      (this.dict.size + 1 > encodingLimits.zsetMaxListpackEntries || member.length > encodingLimits.zsetMaxListpackValue)
    ) {
      this.skiplistEncoded = true;
    }
    // Redis's listpack stores scores as text and reads "-0" back as 0; its skiplist keeps -0.
    if (score === 0 && !this.skiplistEncoded) score = 0;
    if (node !== undefined) {
      if (node.score !== score) {
        this.tree.updateScore(node.score, member, score, node);
        node.score = score;
      }
      return false;
    }
    this.insertNew(member, score);
    return true;
  }

  /** Adds a member known to be absent, as given (no encoding rules). */
  insertNew(member: string, score: number): void {
    const node = new ZDictNode(member, score);
    this.dict.insert(node);
    this.tree.insert(score, member, node);
    if (member === this.lookedUp) this.lookedUpNode = node;
  }

  delete(member: string): boolean {
    const node = this.forget(member);
    if (node === undefined) return false;
    this.tree.delete(node.score, member, node);
    return true;
  }

  /**
   * Deletes tree entry n (ZPOPMIN/ZPOPMAX): its dict node is the one it
   * carries, so the dict is not searched (no hashing of the member); the
   * lowest and highest members need no tree search either.
   */
  deleteAt(n: number): void {
    const tree = this.tree;
    const node = tree.owner(n);
    this.dict.deleteNode(node);
    if (node.key === this.lookedUp) this.lookedUpNode = undefined;
    if (n === tree.first()) tree.deleteFirst();
    else if (n === tree.tail) tree.deleteLast();
    else tree.delete(tree.score(n), node.key, node);
  }

  /** Removes member from the dict (and from the last lookup); returns its node. */
  private forget(member: string): ZDictNode | undefined {
    const node = this.dict.delete(member);
    if (node !== undefined && member === this.lookedUp) this.lookedUpNode = undefined;
    return node;
  }
}

registerMemoryType(
  "zset",
  (v) => {
    const src = v as MemZSet;
    // A copy keeps the encoding and the scores as they are (COPY duplicates the object, -0 included).
    const copy = new MemZSet();
    const tree = src.tree;
    for (let n = tree.first(); n !== NIL; n = tree.next(n)) copy.insertNew(tree.member(n), tree.score(n));
    copy.skiplistEncoded = src.skiplistEncoded;
    return copy;
  },
  (v) => (v as MemZSet).dict.size * 96,
  (v) => ((v as MemZSet).skiplistEncoded ? "skiplist" : "listpack"),
);

function zsetOf(meta: KeyMeta): MemZSet {
  return (meta as MemEntry).value as MemZSet;
}

function entry(tree: ScoreTree<ZDictNode>, n: number): ZEntry {
  return { member: tree.member(n), score: tree.score(n) };
}

export class MemoryZSetOps implements ZSetOps {
  constructor(readonly db: MemoryDb) {}

  card(meta: KeyMeta): number {
    return zsetOf(meta).dict.size;
  }

  score(meta: KeyMeta, member: Uint8Array): number | null {
    return zsetOf(meta).lookup(bytesToStr(member))?.score ?? null;
  }

  set(key: Uint8Array, meta: KeyMeta | null, member: Uint8Array, score: number): boolean {
    const z = meta === null ? (this.db.setValue(bytesToStr(key), "zset", new MemZSet(), 0).value as MemZSet) : zsetOf(meta);
    return z.set(bytesToStr(member), score);
  }

  remove(key: Uint8Array, meta: KeyMeta, members: string[]): number {
    const z = zsetOf(meta);
    let removed = 0;
    for (const m of members) if (z.delete(m)) removed++;
    this.deleteIfEmpty(key, z);
    return removed;
  }

  private deleteIfEmpty(key: Uint8Array, z: MemZSet): void {
    if (z.dict.size === 0) this.db.delete(key);
  }

  rank(meta: KeyMeta, member: string, reverse: boolean): number | null {
    const z = zsetOf(meta);
    const node = z.dict.get(member);
    if (node === undefined) return null;
    const r = z.tree.rank(node.score, member);
    return reverse ? z.tree.length - r : r - 1;
  }

  /** The first node of a score or lex range in iteration order, and a test for staying inside it. */
  private bounds(z: MemZSet, spec: ZRangeSpec, reverse: boolean): { node: number; inRange: (n: number) => boolean } {
    const tree = z.tree;
    if (spec.by === "score") {
      const r = spec.range;
      const node = reverse ? tree.lastInScoreRange(r) : tree.firstInScoreRange(r);
      return { node, inRange: (n) => (reverse ? scoreGteMin(tree.score(n), r) : scoreLteMax(tree.score(n), r)) };
    }
    if (spec.by === "lex") {
      const r = spec.range;
      const node = z.skiplistEncoded
        ? reverse
          ? tree.lastInLexRange(r)
          : tree.firstInLexRange(r)
        : reverse
          ? tree.lastInLexRangeLinear(r)
          : tree.firstInLexRangeLinear(r);
      return { node, inRange: (n) => (reverse ? lexGteMin(tree.member(n), r) : lexLteMax(tree.member(n), r)) };
    }
    // Rank ranges arrive clamped; the caller bounds them by count.
    return { node: tree.byRank(reverse ? tree.length - spec.start : spec.start + 1), inRange: () => true };
  }

  range(meta: KeyMeta, spec: ZRangeSpec, reverse: boolean, offset: number, limit: number): ZEntry[] {
    const z = zsetOf(meta);
    const tree = z.tree;
    let { node, inRange } = this.bounds(z, spec, reverse);
    if (spec.by === "rank") {
      const len = spec.stop - spec.start + 1;
      limit = limit < 0 ? len : Math.min(limit, len);
    } else if (node !== NIL && offset > 0) {
      // Jump by rank instead of walking `offset` nodes: O(log n).
      node = tree.byRank(tree.rank(tree.score(node), tree.member(node)) + (reverse ? -offset : offset));
    }
    const out: ZEntry[] = [];
    while (node !== NIL && (limit < 0 || out.length < limit) && inRange(node)) {
      out.push(entry(tree, node));
      node = reverse ? tree.prev(node) : tree.next(node);
    }
    return out;
  }

  count(meta: KeyMeta, spec: ZRangeSpec): number {
    const z = zsetOf(meta);
    // A listpack counts by walking from the first match (zlexcountCommand); members of
    // mixed scores are not in lex order, so only the walk reproduces Redis there.
    if (spec.by === "lex" && !z.skiplistEncoded) return this.range(meta, spec, false, 0, -1).length;
    const tree = z.tree;
    const first = this.bounds(z, spec, false).node;
    if (first === NIL) return 0;
    const last = this.bounds(z, spec, true).node;
    return tree.rank(tree.score(last), tree.member(last)) - tree.rank(tree.score(first), tree.member(first)) + 1;
  }

  removeRange(key: Uint8Array, meta: KeyMeta, spec: ZRangeSpec): number {
    const z = zsetOf(meta);
    const victims: ZEntry[] = [];
    if (spec.by === "lex" && z.skiplistEncoded) {
      const tree = z.tree;
      for (let n = tree.firstInLexRange(spec.range, false); n !== NIL && lexLteMax(tree.member(n), spec.range); n = tree.next(n)) victims.push(entry(tree, n));
    } else victims.push(...this.range(meta, spec, false, 0, -1));
    for (const e of victims) z.delete(e.member);
    this.deleteIfEmpty(key, z);
    return victims.length;
  }

  pop(key: Uint8Array, meta: KeyMeta, count: number, highest: boolean): ZEntry[] {
    const z = zsetOf(meta);
    const out: ZEntry[] = [];
    const tree = z.tree;
    z.loadNextPops(highest);
    while (out.length < count) {
      const n = highest ? tree.tail : tree.first();
      if (n === NIL) break;
      out.push(entry(tree, n));
      z.deleteAt(n);
    }
    this.deleteIfEmpty(key, z);
    return out;
  }

  random(meta: KeyMeta, count: number, distinct: boolean): ZEntry[] {
    const dict = zsetOf(meta).dict;
    const pick = (): ZEntry => {
      const n = dict.randomNode()!;
      return { member: n.key, score: n.score };
    };
    if (!distinct) return Array.from({ length: count }, pick);
    if (count >= dict.size) return [...dict.values()].map((n) => ({ member: n.key, score: n.score }));
    const picked = new Map<string, ZEntry>();
    while (picked.size < count) {
      const e = pick();
      picked.set(e.member, e);
    }
    return [...picked.values()];
  }

  scan(meta: KeyMeta, cursor: number, count: number, visit: (e: ZEntry) => void): number {
    const z = zsetOf(meta);
    if (!z.skiplistEncoded) {
      // A listpack-encoded zset is returned whole, in score order, as Redis does.
      const tree = z.tree;
      for (let n = tree.first(); n !== NIL; n = tree.next(n)) visit(entry(tree, n));
      return 0;
    }
    return z.dict.scan(cursor, count, (n) => visit({ member: n.key, score: n.score }));
  }

  store(key: Uint8Array, entries: ZEntry[]): void {
    this.db.delete(key);
    if (entries.length === 0) return;
    const z = this.db.setValue(bytesToStr(key), "zset", new MemZSet(), 0).value as MemZSet;
    for (const e of entries) z.set(e.member, e.score);
  }
}
