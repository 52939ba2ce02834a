// A skiplist with spans ordered by (score, member), like Redis's zskiplist:
// O(log n) insert, delete, rank and range lookups by rank, score or member.
// Members are byte strings (latin1), so `<` on them is bytewise order.
//
// Nodes are blocks of one flat buffer, not objects: a node is the offset of
// its block, which holds its score, backward link, member slot and its
// forward links and spans, so a search step reads one place in memory (the
// next node's score sits right before its links), as a C skiplist node does.
// The garbage collector traces only the member strings: ZADD into 100k
// members was bound by pointer chasing and GC with one object per member,
// then (with separate score, link-offset and link arrays) by three cache
// misses per search step.

import type { LexRange, ScoreRange } from "../zset-ops.ts";

const MAX_LEVEL = 32;
const P = 0.25;
/** The head's offset. No link points to the head, so as a link value it means "none". */
export const NIL = 0;
const HEAD = 0;
// A block, in Int32 slots: the score (a float64 over slots 0-1), the backward
// link, the member slot, then per level the forward link and its span.
// Blocks have even sizes, so every score is 8-byte aligned.
const BACKWARD = 2;
const MEMBER = 3;
const LINKS = 4;
const INITIAL_SLOTS = 96;

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

// The search path (last node before the target at each level, and its rank),
// shared by every list: one event loop runs searches one at a time.
const UPDATE = new Int32Array(MAX_LEVEL);
const RANK = new Int32Array(MAX_LEVEL);

/** The most searches prefetchPaths walks together, and their state: the node each stands on and its level. */
export const PREFETCH_PATHS_MAX = 32;
const PATH_AT = new Int32Array(PREFETCH_PATHS_MAX);
const PATH_LEVEL = new Int32Array(PREFETCH_PATHS_MAX);
/** Where prefetchPaths leaves a value computed from what it loaded, so the loads are not optimized away. */
export let pathsSink = 0;

/** O: what a node carries besides its member (the zset's dict node, so a pop deletes it without a lookup). */
export class SkipList<O = undefined> {
  /** The blocks (see BACKWARD, MEMBER, LINKS), and the same memory as float64s for the scores. */
  private links = new Int32Array(INITIAL_SLOTS);
  // The head's score is +Infinity, which ends prefetchPaths' walks at the end of a level.
  private scores = new Float64Array(this.links.buffer).fill(Infinity, 0, 1);
  /**
   * Each block's member and owner side by side, at the even index in its
   * MEMBER slot (a block keeps them when it is freed and reused): a node's
   * owner is read where its member was, in the same cache line.
   */
  private readonly members: (string | O | undefined)[] = ["", undefined];
  /** Levels by member index / 2 (to file a freed block under its level). */
  private readonly levels: number[] = [MAX_LEVEL];
  /** Slots of links in use (the head's block comes first). */
  private used = LINKS + 2 * MAX_LEVEL;
  /** Freed blocks by level, reused by inserts drawing the same level. */
  private freeByLevel: number[][] = [];
  tail = NIL;
  length = 0;
  level = 1;

  score(n: number): number {
    return this.scores[n >> 1];
  }

  member(n: number): string {
    return this.members[this.links[n + MEMBER]] as string;
  }

  /** What node n carries (insert's owner). */
  owner(n: number): O {
    return this.members[this.links[n + MEMBER] + 1] as O;
  }

  /** The next node in order, or NIL. */
  next(n: number): number {
    return this.links[n + LINKS];
  }

  /** The previous node in order, or NIL. */
  prev(n: number): number {
    return this.links[n + BACKWARD];
  }

  first(): number {
    return this.links[HEAD + LINKS];
  }

  /** Whether node f sorts before (score, member). */
  private before(f: number, score: number, member: string): boolean {
    const s = this.scores[f >> 1];
    return s < score || (s === score && (this.members[this.links[f + MEMBER]] as string) < member);
  }

  /**
   * Fills UPDATE with the last node before (score, member) at each level and
   * RANK with its rank; returns the node before it at level 0.
   */
  private searchPath(score: number, member: string): number {
    const links = this.links;
    let x = HEAD;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let slot = x + LINKS + 2 * i;
      let f = links[slot];
      while (f !== NIL && this.before(f, score, member)) {
        rank += links[slot + 1];
        x = f;
        slot = x + LINKS + 2 * i;
        f = links[slot];
      }
      UPDATE[i] = x;
      RANK[i] = rank;
    }
    return x;
  }

  /**
   * Walks the search paths of scores[k] for k < count (at most
   * PREFETCH_PATHS_MAX) together, one step of each in turn, so that the cache
   * misses of different searches overlap: a search's steps depend on each
   * other (the next node is known only once this one is loaded), which made
   * the searches of a pipelined ZADD batch about half of its time, each miss
   * waited for alone. A step advances or descends without a branch (the
   * head's score, +Infinity, stops a walk at the end of a level): a
   * mispredicted branch would wait for the load it depends on, and the
   * walks behind it would not start. Members are not compared (a path to
   * equal scores stops before them all). Changes nothing: the searches that
   * follow find the nodes in cache.
   */
  prefetchPaths(scores: Float64Array, count: number): void {
    const links = this.links;
    const nodeScores = this.scores;
    const at = PATH_AT;
    const levels = PATH_LEVEL;
    for (let k = 0; k < count; k++) {
      at[k] = HEAD;
      levels[k] = this.level - 1;
    }
    for (let walking = count; walking > 0; ) {
      walking = 0;
      for (let k = 0; k < count; k++) {
        const i = levels[k];
        if (i < 0) continue;
        walking++;
        const x = at[k];
        const f = links[x + LINKS + 2 * i];
        const advance = +(nodeScores[f >> 1] < scores[k]);
        at[k] = x + (f - x) * advance;
        levels[k] = i - 1 + advance;
      }
    }
    // The search compares the member of a node with the score it looks for
    // (its slot in members, then the string's cell and characters: three
    // more misses, and redis-benchmark's random scores tie often): the
    // first such node's member is loaded too.
    let sink = 0;
    for (let k = 0; k < count; k++) {
      const f = links[at[k] + LINKS];
      if (f !== NIL && nodeScores[f >> 1] === scores[k]) sink += (this.members[links[f + MEMBER]] as string).charCodeAt(0) | 0;
    }
    pathsSink = sink;
  }

  insert(score: number, member: string, owner?: O): number {
    this.searchPath(score, member);
    const level = randomLevel();
    const node = this.allocate(level);
    this.scores[node >> 1] = score;
    const slot = this.links[node + MEMBER];
    this.members[slot] = member;
    this.members[slot + 1] = owner;
    this.link(node, level);
    return node;
  }

  /** Links block `node` of `level` levels in after the search path searchPath left in UPDATE/RANK. */
  private link(node: number, level: number): void {
    const links = this.links;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        RANK[i] = 0;
        UPDATE[i] = HEAD;
        links[HEAD + LINKS + 2 * i + 1] = this.length;
      }
      this.level = level;
    }
    for (let i = 0; i < level; i++) {
      const u = UPDATE[i] + LINKS + 2 * i;
      const n = node + LINKS + 2 * i;
      links[n] = links[u];
      links[u] = node;
      links[n + 1] = links[u + 1] - (RANK[0] - RANK[i]);
      links[u + 1] = RANK[0] - RANK[i] + 1;
    }
    for (let i = level; i < this.level; i++) links[UPDATE[i] + LINKS + 2 * i + 1]++;
    links[node + BACKWARD] = UPDATE[0]; // HEAD is NIL: the first node has no predecessor
    const next = links[node + LINKS];
    if (next !== NIL) links[next + BACKWARD] = node;
    else this.tail = node;
    this.length++;
  }

  /** A block with `level` links: a freed one of that level, or a new one (growing the buffer). */
  private allocate(level: number): number {
    const reusable = this.freeByLevel[level]?.pop();
    if (reusable !== undefined) return reusable;
    const node = this.used;
    this.used += LINKS + 2 * level;
    if (this.used > this.links.length) {
      const links = new Int32Array(Math.max(this.links.length * 2, this.used));
      links.set(this.links);
      this.links = links;
      this.scores = new Float64Array(links.buffer);
    }
    this.links[node + MEMBER] = this.members.length;
    this.members.push("", undefined);
    this.levels.push(level);
    return node;
  }

  /** Deletes the node with exactly (score, member); returns whether it was found. */
  delete(score: number, member: string): boolean {
    const target = this.next(this.searchPath(score, member));
    if (target === NIL || this.score(target) !== score || this.member(target) !== member) return false;
    this.unlink(target);
    return true;
  }

  /** Deletes the first node (ZPOPMIN): its predecessor at every level is the head, so no search. */
  deleteFirst(): void {
    const first = this.first();
    if (first === NIL) return;
    UPDATE.fill(HEAD, 0, this.level);
    this.unlink(first);
  }

  /**
   * Changes a member's score, in place when its position does not change
   * (Redis's zslUpdateScore), else by unlinking its block and linking it in
   * again at the new position with its levels (no block freed and taken, its
   * member and owner stay where they are).
   */
  updateScore(curScore: number, member: string, newScore: number): void {
    const node = this.next(this.searchPath(curScore, member));
    if (node === NIL || this.score(node) !== curScore || this.member(node) !== member) throw new Error("updateScore: member not found");
    const prev = this.prev(node);
    const next = this.next(node);
    // next's member is another (members are distinct): not before means after. before() reads its member only on equal scores.
    if ((prev === NIL || this.before(prev, newScore, member)) && (next === NIL || !this.before(next, newScore, member))) {
      this.scores[node >> 1] = newScore;
      return;
    }
    this.detach(node);
    this.searchPath(newScore, member);
    this.scores[node >> 1] = newScore;
    this.link(node, this.levels[this.links[node + MEMBER] >> 1]);
  }

  /** Removes node x, whose predecessors searchPath left in UPDATE, and frees it. */
  private unlink(x: number): void {
    this.detach(x);
    const slot = this.links[x + MEMBER];
    this.members[slot] = ""; // let the string and the owner go
    this.members[slot + 1] = undefined;
    (this.freeByLevel[this.levels[slot >> 1]] ??= []).push(x);
  }

  /** Takes node x, whose predecessors searchPath left in UPDATE, out of the list (its block stays as it is). */
  private detach(x: number): void {
    const links = this.links;
    for (let i = 0; i < this.level; i++) {
      const u = UPDATE[i] + LINKS + 2 * i;
      if (links[u] === x) {
        links[u + 1] += links[x + LINKS + 2 * i + 1] - 1;
        links[u] = links[x + LINKS + 2 * i];
      } else {
        links[u + 1] -= 1;
      }
    }
    const next = links[x + LINKS];
    if (next !== NIL) links[next + BACKWARD] = links[x + BACKWARD];
    else this.tail = links[x + BACKWARD];
    while (this.level > 1 && links[HEAD + LINKS + 2 * (this.level - 1)] === NIL) this.level--;
    this.length--;
  }

  /** 1-based rank of (score, member), 0 when absent. */
  rank(score: number, member: string): number {
    const links = this.links;
    let rank = 0;
    let x = HEAD;
    for (let i = this.level - 1; i >= 0; i--) {
      let slot = x + LINKS + 2 * i;
      let f = links[slot];
      while (f !== NIL && (this.before(f, score, member) || (this.score(f) === score && this.member(f) === member))) {
        rank += links[slot + 1];
        x = f;
        slot = x + LINKS + 2 * i;
        f = links[slot];
      }
      if (x !== HEAD && this.member(x) === member && this.score(x) === score) return rank;
    }
    return 0;
  }

  /** The node at 1-based rank, or NIL. */
  byRank(rank: number): number {
    if (rank < 1 || rank > this.length) return NIL;
    const links = this.links;
    let traversed = 0;
    let x = HEAD;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const slot = x + LINKS + 2 * i;
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
    const links = this.links;
    let x = HEAD;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = links[x + LINKS + 2 * i];
      while (f !== NIL && advance(f)) {
        x = f;
        f = links[x + LINKS + 2 * i];
      }
    }
    return x;
  }

  /** First node with score in range, or NIL. */
  firstInScoreRange(r: ScoreRange): number {
    if (!this.scoreRangeNonEmpty(r)) return NIL;
    const n = this.next(this.lastWhere((f) => !scoreGteMin(this.score(f), r)));
    return n !== NIL && scoreLteMax(this.score(n), r) ? n : NIL;
  }

  /** Last node with score in range, or NIL. */
  lastInScoreRange(r: ScoreRange): number {
    if (!this.scoreRangeNonEmpty(r)) return NIL;
    const x = this.lastWhere((f) => scoreLteMax(this.score(f), r));
    return x !== HEAD && scoreGteMin(this.score(x), r) ? x : NIL;
  }

  /**
   * Lex ranges assume equal scores; with mixed scores Redis's answer depends on
   * the encoding. The skiplist versions mirror zslFirst/LastInLexRange, the
   * linear ones the listpack scans (zzlFirst/LastInLexRange).
   */
  firstInLexRange(r: LexRange, precheck = true): number {
    // zslDeleteRangeByLex walks without zslIsInLexRange's precheck.
    if (precheck && !this.lexRangeNonEmpty(r)) return NIL;
    const n = this.next(this.lastWhere((f) => !lexGteMin(this.member(f), r)));
    return n !== NIL && lexLteMax(this.member(n), r) ? n : NIL;
  }

  lastInLexRange(r: LexRange): number {
    if (!this.lexRangeNonEmpty(r)) return NIL;
    const x = this.lastWhere((f) => lexLteMax(this.member(f), r));
    return x !== HEAD && lexGteMin(this.member(x), r) ? x : NIL;
  }

  firstInLexRangeLinear(r: LexRange): number {
    if (!this.lexRangeNonEmpty(r)) return NIL;
    for (let n = this.first(); n !== NIL; n = this.next(n)) {
      if (lexGteMin(this.member(n), r)) return lexLteMax(this.member(n), r) ? n : NIL;
    }
    return NIL;
  }

  lastInLexRangeLinear(r: LexRange): number {
    if (!this.lexRangeNonEmpty(r)) return NIL;
    for (let n = this.tail; n !== NIL; n = this.prev(n)) {
      if (lexLteMax(this.member(n), r)) return lexGteMin(this.member(n), r) ? n : NIL;
    }
    return NIL;
  }

  /** zslIsInLexRange: a quick test on the bounds and on the first and last members. */
  private lexRangeNonEmpty(r: LexRange): boolean {
    const cmp = compareLexBounds(r.min, r.max);
    if (cmp > 0 || (cmp === 0 && (r.minExclusive || r.maxExclusive))) return false;
    const first = this.first();
    return this.tail !== NIL && lexGteMin(this.member(this.tail), r) && lexLteMax(this.member(first), r);
  }

  private scoreRangeNonEmpty(r: ScoreRange): boolean {
    if (r.min > r.max || (r.min === r.max && (r.minExclusive || r.maxExclusive))) return false;
    const first = this.first();
    return this.tail !== NIL && scoreGteMin(this.score(this.tail), r) && scoreLteMax(this.score(first), r);
  }
}
