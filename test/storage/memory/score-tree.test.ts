// Property tests of the sorted-set B+tree against a naive sorted-array model:
// ranks, rank lookups, score and lex ranges, and removal stay identical under
// random insert/update/delete/delete-first/delete-last sequences; long
// sequences split and merge leaves and inner nodes at every level.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { NIL, ScoreTree } from "../../../src/storage/memory/score-tree.ts";
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
  fc.record({ kind: fc.constant("poplast" as const) }),
);

type Op = { kind: "add" | "del"; member: string; score?: number } | { kind: "popfirst" } | { kind: "poplast" };

function apply(ops: Op[]) {
  const zsl = new ScoreTree();
  const model = new Map<string, number>();
  for (const o of ops) {
    if (o.kind === "popfirst" || o.kind === "poplast") {
      const sorted = sortModel(model);
      const end = o.kind === "popfirst" ? sorted[0] : sorted[sorted.length - 1];
      if (o.kind === "popfirst") zsl.deleteFirst();
      else zsl.deleteLast();
      if (end !== undefined) model.delete(end.member);
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

/** A seeded generator of integers in [0, n) (an LCG: the same sequence on every run). */
function seededRandom(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n);
  };
}

function walk(zsl: ScoreTree<unknown>): Entry[] {
  const out: Entry[] = [];
  for (let n = zsl.first(); n !== NIL; n = zsl.next(n)) out.push({ member: zsl.member(n), score: zsl.score(n) });
  return out;
}

/** A range lookup's answer as a member, null for none. */
function memberOf(zsl: ScoreTree, n: number): string | null {
  return n === NIL ? null : zsl.member(n);
}

describe("score tree vs sorted-array model", () => {
  test("order, length, ranks and rank lookups", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
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
        const zsl = new ScoreTree();
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

describe("score tree updateScore", () => {
  // In place only when the new score keeps the member between its neighbours, members breaking ties.
  test.each([
    { name: "to the next one's score, sorting after it", start: [["b", 1], ["a", 2]], update: ["b", 2], want: ["a", "b"] },
    { name: "to the next one's score, sorting before it", start: [["a", 1], ["b", 2]], update: ["a", 2], want: ["a", "b"] },
    { name: "to the previous one's score, sorting before it", start: [["b", 1], ["a", 2]], update: ["a", 1], want: ["a", "b"] },
    { name: "to the previous one's score, sorting after it", start: [["a", 1], ["b", 2]], update: ["b", 1], want: ["a", "b"] },
  ] as { name: string; start: [string, number][]; update: [string, number]; want: string[] }[])("$name", ({ start, update, want }) => {
    const zsl = new ScoreTree();
    const scores = new Map(start);
    for (const [m, s] of start) zsl.insert(s, m);
    zsl.updateScore(scores.get(update[0])!, update[0], update[1]);
    expect(walk(zsl).map((e) => e.member)).toEqual(want);
    expect(zsl.rank(update[1], update[0])).toBe(want.indexOf(update[0]) + 1);
  });
});

describe("score tree at scale", () => {
  // Thousands of entries: leaves and inner nodes split and merge, the root grows and shrinks.
  test("long random sequences against the model, with owners", () => {
    const rand = seededRandom(12345);
    const zsl = new ScoreTree<string>();
    const model = new Map<string, number>();
    const check = () => {
      const sorted = sortModel(model);
      expect(zsl.length).toBe(sorted.length);
      expect(walk(zsl)).toEqual(sorted);
      const back: string[] = [];
      for (let n = zsl.tail; n !== NIL; n = zsl.prev(n)) back.push(zsl.member(n));
      expect(back.reverse()).toEqual(sorted.map((e) => e.member));
      for (let i = 0; i < sorted.length; i += 1 + rand(50)) {
        const e = sorted[i];
        expect(zsl.rank(e.score, e.member)).toBe(i + 1);
        const n = zsl.byRank(i + 1);
        expect([zsl.member(n), zsl.score(n), zsl.owner(n)]).toEqual([e.member, e.score, `o${e.member}`]);
      }
      // At least a quarter full nodes (merges): 16 levels would hold far more than this.
      expect(zsl.height).toBeLessThanOrEqual(sorted.length < 2 ? 0 : Math.ceil(Math.log(sorted.length) / Math.log(8)));
    };
    // Phases: grow, churn (updates move members), shrink by deletes and pops from both ends, regrow.
    const phases: [number, number][] = [
      [20000, 0.9],
      [20000, 0.5],
      [30000, 0.1],
      [10000, 0.7],
      [20000, 0.0],
    ];
    let maxHeight = 0;
    for (const [steps, addShare] of phases) {
      for (let s = 0; s < steps; s++) {
        const r = rand(1000) / 1000;
        if (r < addShare) {
          const m = `m${rand(40000)}`;
          const score = rand(3000) - 1500;
          const cur = model.get(m);
          // Half the time by owner (find's owner compare), else by member.
          if (cur !== undefined) zsl.updateScore(cur, m, score, rand(2) === 0 ? `o${m}` : undefined);
          else zsl.insert(score, m, `o${m}`);
          model.set(m, score);
        } else if (r < addShare + (1 - addShare) / 2 || model.size === 0) {
          const m = `m${rand(40000)}`;
          const cur = model.get(m);
          expect(zsl.delete(cur ?? 0, m, rand(2) === 0 ? `o${m}` : undefined)).toBe(cur !== undefined);
          model.delete(m);
        } else {
          const first = rand(2) === 0;
          const n = first ? zsl.first() : zsl.tail;
          model.delete(zsl.member(n));
          if (first) zsl.deleteFirst();
          else zsl.deleteLast();
        }
        maxHeight = Math.max(maxHeight, zsl.height);
      }
      check();
    }
    while (model.size > 0) {
      const n = zsl.first();
      model.delete(zsl.member(n));
      zsl.deleteFirst();
    }
    check();
    expect(zsl.first()).toBe(NIL);
    expect(zsl.tail).toBe(NIL);
    expect(maxHeight).toBe(2);
  });
});

describe("score tree of three inner levels", () => {
  // 100k entries added in order put inner nodes three levels deep (a root over nodes over
  // nodes over leaves): splits and merges at every level, nodes emptied and
  // taken out, the root collapsing, with pops from both ends and random moves.
  test("churn against the model", () => {
    const rand = seededRandom(99);
    const zsl = new ScoreTree<object>();
    const model = new Map<string, { score: number; owner: object }>();
    // The first disagreement with the model, or null (one expect per check: 100k would be slow).
    const check = (): string | null => {
      if (zsl.length !== model.size) return `length ${zsl.length}, model ${model.size}`;
      let prev: Entry | null = null;
      let count = 0;
      for (let n = zsl.first(); n !== NIL; n = zsl.next(n)) {
        const e = { member: zsl.member(n), score: zsl.score(n) };
        if (prev !== null && !(prev.score < e.score || (prev.score === e.score && prev.member < e.member))) return `order at ${count}`;
        const m = model.get(e.member);
        if (m?.score !== e.score || zsl.owner(n) !== m.owner) return `entry ${e.member}`;
        prev = e;
        count++;
      }
      return count === model.size ? zsl.checkInvariants() : `walked ${count}`;
    };
    const add = (member: string, score: number) => {
      const cur = model.get(member);
      if (cur === undefined) {
        const owner = {};
        zsl.insert(score, member, owner);
        model.set(member, { score, owner });
      } else if (cur.score !== score) {
        zsl.updateScore(cur.score, member, score, cur.owner);
        cur.score = score;
      }
    };
    for (let i = 0; i < 100_000; i++) add(`m${i}`, i);
    expect(zsl.height).toBe(3);
    expect(check()).toBeNull();
    for (let round = 0; round < 6; round++) {
      let deletesWrong = 0;
      for (let i = 0; i < 30_000; i++) {
        const r = rand(10);
        const member = `m${rand(130_000)}`;
        if (r < 3 + (round % 3)) {
          const cur = model.get(member);
          if (zsl.delete(cur?.score ?? 0, member, cur?.owner) !== (cur !== undefined)) deletesWrong++;
          model.delete(member);
        } else if (r < 8) add(member, rand(130_000));
        else if (model.size > 0) {
          const last = rand(2) === 0;
          model.delete(zsl.member(last ? zsl.tail : zsl.first()));
          if (last) zsl.deleteLast();
          else zsl.deleteFirst();
        }
      }
      expect(deletesWrong).toBe(0);
      expect(check()).toBeNull();
    }
    while (model.size > 0) {
      model.delete(zsl.member(zsl.first()));
      zsl.deleteFirst();
    }
    expect(check()).toBeNull();
    expect(zsl.height).toBe(0);
  });
});

describe("score tree drained from its ends", () => {
  // ZADDs of random scores, then ZPOPMIN/ZPOPMAX of a random share
  // (redis-benchmark's zadd then zpopmin): the end leaves and nodes, which
  // have one neighbour each, shrink and merge into it again and again. The
  // shape's invariants (checkInvariants) are checked every few hundred pops.
  test("pops from both ends keep the shape's invariants", () => {
    const rand = seededRandom(13);
    const zsl = new ScoreTree();
    const model = new Map<string, number>();
    for (let round = 0; round < 6; round++) {
      const adds = 10_000 + rand(30_000);
      for (let i = 0; i < adds; i++) {
        const member = `m${rand(60_000)}`;
        const score = rand(60_000);
        const cur = model.get(member);
        if (cur === undefined) zsl.insert(score, member);
        else zsl.updateScore(cur, member, score);
        model.set(member, score);
      }
      expect(zsl.checkInvariants()).toBeNull();
      const sorted = sortModel(model);
      const first = round % 2 === 0;
      const pops = rand(zsl.length + 1);
      const popped: string[] = [];
      let broken: string | null = null;
      for (let i = 0; i < pops && broken === null; i++) {
        popped.push(zsl.member(first ? zsl.first() : zsl.tail));
        if (first) zsl.deleteFirst();
        else zsl.deleteLast();
        if (i % 250 === 0) broken = zsl.checkInvariants();
      }
      expect(broken).toBeNull();
      expect(zsl.checkInvariants()).toBeNull();
      const expected = first ? sorted.slice(0, pops) : sorted.slice(sorted.length - pops).reverse();
      expect(popped).toEqual(expected.map((e) => e.member));
      for (const member of popped) model.delete(member);
      expect(walk(zsl)).toEqual(sortModel(model));
    }
  });
});
