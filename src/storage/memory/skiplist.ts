// A skiplist with spans ordered by (score, member), like Redis's zskiplist:
// O(log n) insert, delete, rank and range lookups by rank, score or member.
// Members are byte strings (latin1), so `<` on them is bytewise order.

import type { LexRange, ScoreRange } from "../zset-ops.ts";

const MAX_LEVEL = 32;
const P = 0.25;

export class SkipNode {
  readonly forward: (SkipNode | null)[];
  readonly span: number[];
  backward: SkipNode | null = null;
  constructor(
    public member: string,
    public score: number,
    level: number,
  ) {
    this.forward = new Array(level).fill(null);
    this.span = new Array(level).fill(0);
  }
}

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

// Search paths reused by every insert/delete: one event loop runs them one at a
// time, and allocating two 32-slot arrays per call showed in ZADD profiles.
const UPDATE: SkipNode[] = new Array(MAX_LEVEL);
const RANK: number[] = new Array(MAX_LEVEL).fill(0);

export class SkipList {
  readonly head = new SkipNode("", -Infinity, MAX_LEVEL);
  tail: SkipNode | null = null;
  length = 0;
  level = 1;

  insert(score: number, member: string): SkipNode {
    const update = UPDATE;
    const rank = RANK;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      let f = x.forward[i];
      while (f !== null && less(f.score, f.member, score, member)) {
        rank[i] += x.span[i];
        x = f;
        f = x.forward[i];
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.head;
        this.head.span[i] = this.length;
      }
      this.level = level;
    }
    const node = new SkipNode(member, score, level);
    for (let i = 0; i < level; i++) {
      node.forward[i] = update[i].forward[i];
      update[i].forward[i] = node;
      node.span[i] = update[i].span[i] - (rank[0] - rank[i]);
      update[i].span[i] = rank[0] - rank[i] + 1;
    }
    for (let i = level; i < this.level; i++) update[i].span[i]++;
    node.backward = update[0] === this.head ? null : update[0];
    if (node.forward[0] !== null) node.forward[0].backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** Deletes the node with exactly (score, member); returns whether it was found. */
  delete(score: number, member: string): boolean {
    const update = UPDATE;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.forward[i];
      while (f !== null && less(f.score, f.member, score, member)) {
        x = f;
        f = x.forward[i];
      }
      update[i] = x;
    }
    const target = x.forward[0];
    if (target === null || target.score !== score || target.member !== member) return false;
    this.unlink(target, update);
    return true;
  }

  /**
   * Changes a member's score, in place when its position does not change
   * (Redis's zslUpdateScore), else by delete and insert.
   */
  updateScore(curScore: number, member: string, newScore: number): void {
    const update = UPDATE;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.forward[i];
      while (f !== null && less(f.score, f.member, curScore, member)) {
        x = f;
        f = x.forward[i];
      }
      update[i] = x;
    }
    const node = x.forward[0];
    if (node === null || node.score !== curScore || node.member !== member) throw new Error("updateScore: member not found");
    const prev = node.backward;
    const next = node.forward[0];
    if ((prev === null || less(prev.score, prev.member, newScore, member)) && (next === null || less(newScore, member, next.score, next.member))) {
      node.score = newScore;
      return;
    }
    this.unlink(node, update);
    this.insert(newScore, member);
  }

  private unlink(x: SkipNode, update: SkipNode[]): void {
    for (let i = 0; i < this.level; i++) {
      if (update[i].forward[i] === x) {
        update[i].span[i] += x.span[i] - 1;
        update[i].forward[i] = x.forward[i];
      } else {
        update[i].span[i] -= 1;
      }
    }
    if (x.forward[0] !== null) x.forward[0].backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.head.forward[this.level - 1] === null) this.level--;
    this.length--;
  }

  /** 1-based rank of (score, member), 0 when absent. */
  rank(score: number, member: string): number {
    let rank = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.forward[i];
      while (f !== null && (less(f.score, f.member, score, member) || (f.score === score && f.member === member))) {
        rank += x.span[i];
        x = f;
        f = x.forward[i];
      }
      if (x !== this.head && x.member === member && x.score === score) return rank;
    }
    return 0;
  }

  /** The node at 1-based rank, or null. */
  byRank(rank: number): SkipNode | null {
    if (rank < 1 || rank > this.length) return null;
    let traversed = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.forward[i] !== null && traversed + x.span[i] <= rank) {
        traversed += x.span[i];
        x = x.forward[i]!;
      }
      if (traversed === rank) return x;
    }
    return null;
  }

  /** First node with score in range, or null. */
  firstInScoreRange(r: ScoreRange): SkipNode | null {
    if (!this.scoreRangeNonEmpty(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.forward[i];
      while (f !== null && !scoreGteMin(f.score, r)) {
        x = f;
        f = x.forward[i];
      }
    }
    const n = x.forward[0];
    return n !== null && scoreLteMax(n.score, r) ? n : null;
  }

  /** Last node with score in range, or null. */
  lastInScoreRange(r: ScoreRange): SkipNode | null {
    if (!this.scoreRangeNonEmpty(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.forward[i];
      while (f !== null && scoreLteMax(f.score, r)) {
        x = f;
        f = x.forward[i];
      }
    }
    return x !== this.head && scoreGteMin(x.score, r) ? x : null;
  }

  /**
   * Lex ranges assume equal scores; with mixed scores Redis's answer depends on
   * the encoding. The skiplist versions mirror zslFirst/LastInLexRange, the
   * linear ones the listpack scans (zzlFirst/LastInLexRange).
   */
  firstInLexRange(r: LexRange, precheck = true): SkipNode | null {
    // zslDeleteRangeByLex walks without zslIsInLexRange's precheck.
    if (precheck && !this.lexRangeNonEmpty(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.forward[i];
      while (f !== null && !lexGteMin(f.member, r)) {
        x = f;
        f = x.forward[i];
      }
    }
    const n = x.forward[0];
    return n !== null && lexLteMax(n.member, r) ? n : null;
  }

  lastInLexRange(r: LexRange): SkipNode | null {
    if (!this.lexRangeNonEmpty(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.forward[i];
      while (f !== null && lexLteMax(f.member, r)) {
        x = f;
        f = x.forward[i];
      }
    }
    return x !== this.head && lexGteMin(x.member, r) ? x : null;
  }

  firstInLexRangeLinear(r: LexRange): SkipNode | null {
    if (!this.lexRangeNonEmpty(r)) return null;
    for (let n = this.head.forward[0]; n !== null; n = n.forward[0]) {
      if (lexGteMin(n.member, r)) return lexLteMax(n.member, r) ? n : null;
    }
    return null;
  }

  lastInLexRangeLinear(r: LexRange): SkipNode | null {
    if (!this.lexRangeNonEmpty(r)) return null;
    for (let n = this.tail; n !== null; n = n.backward) {
      if (lexLteMax(n.member, r)) return lexGteMin(n.member, r) ? n : null;
    }
    return null;
  }

  /** zslIsInLexRange: a quick test on the bounds and on the first and last members. */
  private lexRangeNonEmpty(r: LexRange): boolean {
    const cmp = compareLexBounds(r.min, r.max);
    if (cmp > 0 || (cmp === 0 && (r.minExclusive || r.maxExclusive))) return false;
    const tail = this.tail;
    if (tail === null || !lexGteMin(tail.member, r)) return false;
    const first = this.head.forward[0];
    return first !== null && lexLteMax(first.member, r);
  }

  private scoreRangeNonEmpty(r: ScoreRange): boolean {
    if (r.min > r.max || (r.min === r.max && (r.minExclusive || r.maxExclusive))) return false;
    const tail = this.tail;
    if (tail === null || !scoreGteMin(tail.score, r)) return false;
    const first = this.head.forward[0];
    return first !== null && scoreLteMax(first.score, r);
  }

  first(): SkipNode | null {
    return this.head.forward[0];
  }
}
