// Property tests of the sorted-set skiplist against a naive sorted-array model:
// ranks, rank lookups, score and lex ranges, and removal stay identical under
// random insert/update/delete/delete-first sequences, with search-path
// prefetches (which must change nothing) in between.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { NIL, PREFETCH_PATHS_MAX, SkipList } from "../../../src/storage/memory/skiplist.ts";
import type { LexRange, ScoreRange } from "../../../src/storage/zset-ops.ts";

type Entry = { member: string; score: number };

function sortModel(model: Map<string, number>): Entry[] {
  return [...model]
    .map(([member, score]) => ({ member, score }))
    .sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
}

const member = fc.string({ minLength: 0, maxLength: 3, unit: fc.constantFrom("a", "b", "c", "\u0000", "\u00ff") });
const score = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(-Infinity, Infinity, 0.5));
const op = fc.oneof(
  fc.record({ kind: fc.constant("add" as const), member, score }),
  fc.record({ kind: fc.constant("del" as const), member }),
  fc.record({ kind: fc.constant("popfirst" as const) }),
  fc.record({ kind: fc.constant("prefetch" as const), scores: fc.array(fc.oneof(score, fc.constant(Number.NaN)), { maxLength: PREFETCH_PATHS_MAX }) }),
);

type Op = { kind: "add" | "del"; member: string; score?: number } | { kind: "popfirst" } | { kind: "prefetch"; scores: number[] };

function apply(ops: Op[]) {
  const zsl = new SkipList();
  const model = new Map<string, number>();
  for (const o of ops) {
    if (o.kind === "prefetch") {
      zsl.prefetchPaths(Float64Array.from(o.scores), o.scores.length);
      continue;
    }
    if (o.kind === "popfirst") {
      const lowest = sortModel(model)[0];
      zsl.deleteFirst();
      if (lowest !== undefined) model.delete(lowest.member);
      continue;
    }
    const cur = model.get(o.member);
    if (o.kind === "add") {
      if (cur !== undefined) zsl.updateScore(cur, o.member, o.score!);
      else zsl.insert(o.score!, o.member);
      model.set(o.member, o.score!);
    } else if (cur !== undefined) {
      expect(zsl.delete(cur, o.member)).toBe(true);
      model.delete(o.member);
    } else {
      expect(zsl.delete(0, o.member)).toBe(false);
    }
  }
  return { zsl, sorted: sortModel(model) };
}

function walk(zsl: SkipList): Entry[] {
  const out: Entry[] = [];
  for (let n = zsl.first(); n !== NIL; n = zsl.next(n)) out.push({ member: zsl.member(n), score: zsl.score(n) });
  return out;
}

/** A range lookup's answer as a member, null for none. */
function memberOf(zsl: SkipList, n: number): string | null {
  return n === NIL ? null : zsl.member(n);
}

describe("skiplist vs sorted-array model", () => {
  test("order, length, ranks and rank lookups", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const { zsl, sorted } = apply(ops);
        expect(zsl.length).toBe(sorted.length);
        expect(walk(zsl)).toEqual(sorted);
        sorted.forEach((e, i) => {
          expect(zsl.rank(e.score, e.member)).toBe(i + 1);
          const n = zsl.byRank(i + 1);
          expect([zsl.member(n), zsl.score(n)]).toEqual([e.member, e.score]);
        });
        expect(zsl.byRank(sorted.length + 1)).toBe(NIL);
        // Backward links mirror the forward order.
        const back: string[] = [];
        for (let n = zsl.tail; n !== NIL; n = zsl.prev(n)) back.push(zsl.member(n));
        expect(back.reverse()).toEqual(sorted.map((e) => e.member));
      }),
      { numRuns: 300 },
    );
  });

  test("score ranges", () => {
    const range = fc.record({
      min: score,
      max: score,
      minExclusive: fc.boolean(),
      maxExclusive: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), range, (ops, r: ScoreRange) => {
        const { zsl, sorted } = apply(ops);
        const inRange = sorted.filter(
          (e) => (r.minExclusive ? e.score > r.min : e.score >= r.min) && (r.maxExclusive ? e.score < r.max : e.score <= r.max),
        );
        const first = zsl.firstInScoreRange(r);
        const last = zsl.lastInScoreRange(r);
        expect(memberOf(zsl, first)).toBe(inRange[0]?.member ?? null);
        expect(memberOf(zsl, last)).toBe(inRange[inRange.length - 1]?.member ?? null);
      }),
      { numRuns: 300 },
    );
  });

  test("lex ranges over equal scores", () => {
    const bound = fc.oneof(member, fc.constantFrom(-Infinity, Infinity));
    const range = fc.record({ min: bound, max: bound, minExclusive: fc.boolean(), maxExclusive: fc.boolean() });
    fc.assert(
      fc.property(fc.uniqueArray(member, { maxLength: 60 }), range, (members, r: LexRange) => {
        const zsl = new SkipList();
        for (const m of members) zsl.insert(0, m);
        const gte = (m: string) => (typeof r.min === "number" ? r.min < 0 : r.minExclusive ? m > r.min : m >= r.min);
        const lte = (m: string) => (typeof r.max === "number" ? r.max > 0 : r.maxExclusive ? m < r.max : m <= r.max);
        const inRange = [...members].sort().filter((m) => gte(m) && lte(m));
        for (const [first, last] of [
          [zsl.firstInLexRange(r), zsl.lastInLexRange(r)],
          [zsl.firstInLexRangeLinear(r), zsl.lastInLexRangeLinear(r)],
        ]) {
          expect(memberOf(zsl, first)).toBe(inRange[0] ?? null);
          expect(memberOf(zsl, last)).toBe(inRange[inRange.length - 1] ?? null);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("skiplist updateScore", () => {
  // In place only when the new score keeps the member between its neighbours, members breaking ties.
  test.each([
    { name: "to the next one's score, sorting after it", start: [["b", 1], ["a", 2]], update: ["b", 2], want: ["a", "b"] },
    { name: "to the next one's score, sorting before it", start: [["a", 1], ["b", 2]], update: ["a", 2], want: ["a", "b"] },
    { name: "to the previous one's score, sorting before it", start: [["b", 1], ["a", 2]], update: ["a", 1], want: ["a", "b"] },
    { name: "to the previous one's score, sorting after it", start: [["a", 1], ["b", 2]], update: ["b", 1], want: ["a", "b"] },
  ] as { name: string; start: [string, number][]; update: [string, number]; want: string[] }[])("$name", ({ start, update, want }) => {
    const zsl = new SkipList();
    const scores = new Map(start);
    for (const [m, s] of start) zsl.insert(s, m);
    zsl.updateScore(scores.get(update[0])!, update[0], update[1]);
    expect(walk(zsl).map((e) => e.member)).toEqual(want);
    expect(zsl.rank(update[1], update[0])).toBe(want.indexOf(update[0]) + 1);
  });
});
