// A skiplist with spans ordered by (score, member), like Redis's zskiplist:
// O(log n) insert, delete, rank and range lookups by rank, score or member.
// Members are byte strings (latin1), so `<` on them is bytewise order.
//
// Nodes are indexes into flat arrays, not objects: a node's score, level and
// backward link are slots of typed arrays, and its forward links and spans are
// pairs in one Int32Array. A search step reads flat memory instead of three
// objects (node, forward array, span array), and the garbage collector traces
// only the member strings: ZADD into 100k members was bound by pointer
// chasing and GC with one object skiplist node per member.

import type { LexRange, ScoreRange } from "../zset-ops.ts";

const MAX_LEVEL = 32;
const P = 0.25;
/** The head's index. No link points to the head, so as a link value it means "none". */
export const NIL = 0;
const HEAD = 0;
const INITIAL_NODES = 8;

function less(aScore: number, aMember: string, bScore: number, bMember: string): boolean {
  return aScore < bScore || (aScore === bScore && aMember < bMember);
}

export function scoreGteMin(score: number, r: ScoreRange): boolean {
  return r.minExclusive ? score > r.min : score >= r.min;
}

export function scoreLteMax(score: number, r: ScoreRange): boolean {
  return r.maxExclusive ? score < r.max : score <= r.max;
}

export function lexGteMin(member: string, r: LexRange): boolean {
  if (typeof r.min === "number") return r.min < 0;
  return r.minExclusive ? member > r.min : member >= r.min;
}

export function lexLteMax(member: string, r: LexRange): boolean {
  if (typeof r.max === "number") return r.max > 0;
  return r.maxExclusive ? member < r.max : member <= r.max;
}

/** Orders lex bounds: "-" (-Infinity) before every member, "+" (+Infinity) after. */
function compareLexBounds(a: string | number, b: string | number): number {
  if (a === b) return 0;
  if (typeof a === "number") return a < 0 ? -1 : 1;
  if (typeof b === "number") return b < 0 ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

function grown<T extends Float64Array | Int32Array | Uint8Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}

// The search path (last node before the target at each level, and its rank),
// shared by every list: one event loop runs searches one at a time.
const UPDATE = new Int32Array(MAX_LEVEL);
const RANK = new Int32Array(MAX_LEVEL);

export class SkipList {
  private scores = new Float64Array(INITIAL_NODES);
  private readonly members: string[] = [""];
  private backward = new Int32Array(INITIAL_NODES);
  private levels = new Uint8Array(INITIAL_NODES);
  /** Where a node's links start in `links`: level i's forward link at base + 2i, its span at base + 2i + 1. */
  private linkBase = new Int32Array(INITIAL_NODES);
  private links = new Int32Array(2 * MAX_LEVEL + 4 * INITIAL_NODES);
  private nodeCount = 1;
  private linkCount = 2 * MAX_LEVEL;
  /** Deleted nodes by level, reused with their link blocks by inserts drawing the same level. */
  private freeByLevel: number[][] = [];
  tail = NIL;
  length = 0;
  level = 1;

  constructor() {
    this.levels[HEAD] = MAX_LEVEL;
  }

  score(n: number): number {
    return this.scores[n];
  }

  member(n: number): string {
    return this.members[n];
  }

  /** The next node in order, or NIL. */
  next(n: number): number {
    return this.links[this.linkBase[n]];
  }

  /** The previous node in order, or NIL. */
  prev(n: number): number {
    return this.backward[n];
  }

  first(): number {
    return this.links[0];
  }

  /**
   * Fills UPDATE with the last node before (score, member) at each level and
   * RANK with its rank; returns the node before it at level 0.
   */
  private searchPath(score: number, member: string): number {
    const { links, linkBase, scores, members } = this;
    let x = HEAD;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let slot = linkBase[x] + 2 * i;
      let f = links[slot];
      while (f !== NIL && less(scores[f], members[f], score, member)) {
        rank += links[slot + 1];
        x = f;
        slot = linkBase[x] + 2 * i;
        f = links[slot];
      }
      UPDATE[i] = x;
      RANK[i] = rank;
    }
    return x;
  }

  insert(score: number, member: string): number {
    this.searchPath(score, member);
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        RANK[i] = 0;
        UPDATE[i] = HEAD;
        this.links[2 * i + 1] = this.length;
      }
      this.level = level;
    }
    const node = this.allocate(level);
    const { links, linkBase } = this;
    this.scores[node] = score;
    this.members[node] = member;
    const nodeBase = linkBase[node];
    for (let i = 0; i < level; i++) {
      const u = linkBase[UPDATE[i]] + 2 * i;
      const n = nodeBase + 2 * i;
      links[n] = links[u];
      links[u] = node;
      links[n + 1] = links[u + 1] - (RANK[0] - RANK[i]);
      links[u + 1] = RANK[0] - RANK[i] + 1;
    }
    for (let i = level; i < this.level; i++) links[linkBase[UPDATE[i]] + 2 * i + 1]++;
    this.backward[node] = UPDATE[0]; // HEAD is NIL: the first node has no predecessor
    const next = links[nodeBase];
    if (next !== NIL) this.backward[next] = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** A node index with `level` link slots: a freed one of that level, or a new one (growing the arrays). */
  private allocate(level: number): number {
    const reusable = this.freeByLevel[level]?.pop();
    if (reusable !== undefined) return reusable;
    const node = this.nodeCount++;
    if (node === this.scores.length) {
      const size = node * 2;
      this.scores = grown(this.scores, size);
      this.backward = grown(this.backward, size);
      this.levels = grown(this.levels, size);
      this.linkBase = grown(this.linkBase, size);
    }
    const base = this.linkCount;
    this.linkCount += 2 * level;
    if (this.linkCount > this.links.length) this.links = grown(this.links, Math.max(this.links.length * 2, this.linkCount));
    this.levels[node] = level;
    this.linkBase[node] = base;
    return node;
  }

  /** Deletes the node with exactly (score, member); returns whether it was found. */
  delete(score: number, member: string): boolean {
    const target = this.next(this.searchPath(score, member));
    if (target === NIL || this.scores[target] !== score || this.members[target] !== member) return false;
    this.unlink(target);
    return true;
  }

  /**
   * Changes a member's score, in place when its position does not change
   * (Redis's zslUpdateScore), else by delete and insert.
   */
  updateScore(curScore: number, member: string, newScore: number): void {
    const node = this.next(this.searchPath(curScore, member));
    if (node === NIL || this.scores[node] !== curScore || this.members[node] !== member) throw new Error("updateScore: member not found");
    const prev = this.backward[node];
    const next = this.next(node);
    if (
      (prev === NIL || less(this.scores[prev], this.members[prev], newScore, member)) &&
      (next === NIL || less(newScore, member, this.scores[next], this.members[next]))
    ) {
      this.scores[node] = newScore;
      return;
    }
    this.unlink(node);
    this.insert(newScore, member);
  }

  /** Removes node x, whose predecessors searchPath left in UPDATE, and frees it. */
  private unlink(x: number): void {
    const { links, linkBase } = this;
    const xBase = linkBase[x];
    for (let i = 0; i < this.level; i++) {
      const u = linkBase[UPDATE[i]] + 2 * i;
      if (links[u] === x) {
        links[u + 1] += links[xBase + 2 * i + 1] - 1;
        links[u] = links[xBase + 2 * i];
      } else {
        links[u + 1] -= 1;
      }
    }
    const next = links[xBase];
    if (next !== NIL) this.backward[next] = this.backward[x];
    else this.tail = this.backward[x];
    while (this.level > 1 && links[2 * (this.level - 1)] === NIL) this.level--;
    this.length--;
    this.members[x] = ""; // let the string go
    (this.freeByLevel[this.levels[x]] ??= []).push(x);
  }

  /** 1-based rank of (score, member), 0 when absent. */
  rank(score: number, member: string): number {
    const { links, linkBase, scores, members } = this;
    let rank = 0;
    let x = HEAD;
    for (let i = this.level - 1; i >= 0; i--) {
      let slot = linkBase[x] + 2 * i;
      let f = links[slot];
      while (f !== NIL && (less(scores[f], members[f], score, member) || (scores[f] === score && members[f] === member))) {
        rank += links[slot + 1];
        x = f;
        slot = linkBase[x] + 2 * i;
        f = links[slot];
      }
      if (x !== HEAD && members[x] === member && scores[x] === score) return rank;
    }
    return 0;
  }

  /** The node at 1-based rank, or NIL. */
  byRank(rank: number): number {
    if (rank < 1 || rank > this.length) return NIL;
    const { links, linkBase } = this;
    let traversed = 0;
    let x = HEAD;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const slot = linkBase[x] + 2 * i;
        const f = links[slot];
        if (f === NIL || traversed + links[slot + 1] > rank) break;
        traversed += links[slot + 1];
        x = f;
      }
      if (traversed === rank) return x;
    }
    return NIL;
  }

  /** The last node (or HEAD) reached by advancing at every level while `advance` holds for the next node. */
  private lastWhere(advance: (n: number) => boolean): number {
    const { links, linkBase } = this;
    let x = HEAD;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = links[linkBase[x] + 2 * i];
      while (f !== NIL && advance(f)) {
        x = f;
        f = links[linkBase[x] + 2 * i];
      }
    }
    return x;
  }

  /** First node with score in range, or NIL. */
  firstInScoreRange(r: ScoreRange): number {
    if (!this.scoreRangeNonEmpty(r)) return NIL;
    const n = this.next(this.lastWhere((f) => !scoreGteMin(this.scores[f], r)));
    return n !== NIL && scoreLteMax(this.scores[n], r) ? n : NIL;
  }

  /** Last node with score in range, or NIL. */
  lastInScoreRange(r: ScoreRange): number {
    if (!this.scoreRangeNonEmpty(r)) return NIL;
    const x = this.lastWhere((f) => scoreLteMax(this.scores[f], r));
    return x !== HEAD && scoreGteMin(this.scores[x], r) ? x : NIL;
  }

  /**
   * Lex ranges assume equal scores; with mixed scores Redis's answer depends on
   * the encoding. The skiplist versions mirror zslFirst/LastInLexRange, the
   * linear ones the listpack scans (zzlFirst/LastInLexRange).
   */
  firstInLexRange(r: LexRange, precheck = true): number {
    // zslDeleteRangeByLex walks without zslIsInLexRange's precheck.
    if (precheck && !this.lexRangeNonEmpty(r)) return NIL;
    const n = this.next(this.lastWhere((f) => !lexGteMin(this.members[f], r)));
    return n !== NIL && lexLteMax(this.members[n], r) ? n : NIL;
  }

  lastInLexRange(r: LexRange): number {
    if (!this.lexRangeNonEmpty(r)) return NIL;
    const x = this.lastWhere((f) => lexLteMax(this.members[f], r));
    return x !== HEAD && lexGteMin(this.members[x], r) ? x : NIL;
  }

  firstInLexRangeLinear(r: LexRange): number {
    if (!this.lexRangeNonEmpty(r)) return NIL;
    for (let n = this.first(); n !== NIL; n = this.next(n)) {
      if (lexGteMin(this.members[n], r)) return lexLteMax(this.members[n], r) ? n : NIL;
    }
    return NIL;
  }

  lastInLexRangeLinear(r: LexRange): number {
    if (!this.lexRangeNonEmpty(r)) return NIL;
    for (let n = this.tail; n !== NIL; n = this.backward[n]) {
      if (lexLteMax(this.members[n], r)) return lexGteMin(this.members[n], r) ? n : NIL;
    }
    return NIL;
  }

  /** zslIsInLexRange: a quick test on the bounds and on the first and last members. */
  private lexRangeNonEmpty(r: LexRange): boolean {
    const cmp = compareLexBounds(r.min, r.max);
    if (cmp > 0 || (cmp === 0 && (r.minExclusive || r.maxExclusive))) return false;
    const first = this.first();
    return this.tail !== NIL && lexGteMin(this.members[this.tail], r) && lexLteMax(this.members[first], r);
  }

  private scoreRangeNonEmpty(r: ScoreRange): boolean {
    if (r.min > r.max || (r.min === r.max && (r.minExclusive || r.maxExclusive))) return false;
    const first = this.first();
    return this.tail !== NIL && scoreGteMin(this.scores[this.tail], r) && scoreLteMax(this.scores[first], r);
  }
}
