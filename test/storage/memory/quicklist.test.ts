// Property test: the chunked deque behaves like a plain array under any
// sequence of operations, and keeps its structural invariants.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { CHUNK_MAX, Quicklist } from "../../../src/storage/memory/quicklist.ts";

type Op =
  | { op: "pushHead" | "pushTail"; n: number }
  | { op: "popHead" | "popTail"; n: number }
  | { op: "set" | "insert" | "at"; pos: number }
  | { op: "removeWhere"; mod: number; limit: number; fromTail: boolean }
  | { op: "trim"; start: number; stop: number }
  | { op: "range"; start: number; stop: number }
  | { op: "clone" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom("pushHead" as const, "pushTail" as const), n: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ op: fc.constantFrom("popHead" as const, "popTail" as const), n: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constantFrom("set" as const, "insert" as const, "at" as const), pos: fc.nat() }),
  fc.record({ op: fc.constant("removeWhere" as const), mod: fc.integer({ min: 1, max: 7 }), limit: fc.nat({ max: 50 }), fromTail: fc.boolean() }),
  fc.record({ op: fc.constant("trim" as const), start: fc.nat(), stop: fc.nat() }),
  fc.record({ op: fc.constant("range" as const), start: fc.nat(), stop: fc.nat() }),
  fc.record({ op: fc.constant("clone" as const) }),
);

describe("Quicklist", () => {
  test("matches an array model under random operations", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        let q = new Quicklist<number>();
        let model: number[] = [];
        let next = 0;
        for (const o of ops) {
          switch (o.op) {
            case "pushHead":
              for (let i = 0; i < o.n; i++) {
                q.pushHead(next);
                model.unshift(next++);
              }
              break;
            case "pushTail":
              for (let i = 0; i < o.n; i++) {
                q.pushTail(next);
                model.push(next++);
              }
              break;
            case "popHead":
              for (let i = 0; i < o.n; i++) expect(q.popHead()).toBe(model.shift());
              break;
            case "popTail":
              for (let i = 0; i < o.n; i++) expect(q.popTail()).toBe(model.pop());
              break;
            case "at":
              if (model.length > 0) expect(q.at(o.pos % model.length)).toBe(model[o.pos % model.length]);
              break;
            case "set":
              if (model.length > 0) {
                q.set(o.pos % model.length, next);
                model[o.pos % model.length] = next++;
              }
              break;
            case "insert": {
              const at = o.pos % (model.length + 1);
              q.insertAt(at, next);
              model.splice(at, 0, next++);
              break;
            }
            case "removeWhere": {
              const match = (v: number) => v % o.mod === 0;
              const removed = q.removeWhere(match, o.limit, o.fromTail);
              const order = model.map((_, i) => i);
              if (o.fromTail) order.reverse();
              const drop = new Set<number>();
              for (const i of order) if (match(model[i]) && (o.limit === 0 || drop.size < o.limit)) drop.add(i);
              model = model.filter((_, i) => !drop.has(i));
              expect(removed).toBe(drop.size);
              break;
            }
            case "trim": {
              const len = model.length;
              const start = len === 0 ? 0 : o.start % len;
              const stop = len === 0 ? -1 : o.stop % len;
              q.trim(start, stop);
              model = start > stop ? [] : model.slice(start, stop + 1);
              break;
            }
            case "range": {
              if (model.length === 0) break;
              const a = o.start % model.length;
              const b = o.stop % model.length;
              const got: number[] = [];
              q.forRange(a, b, (v) => got.push(v));
              expect(got).toEqual(a > b ? [] : model.slice(a, b + 1));
              break;
            }
            case "clone":
              q = q.clone();
              break;
          }
          q.check();
          expect(q.length).toBe(model.length);
        }
        expect(q.toArray()).toEqual(model);
        const fromTail: number[] = [];
        q.scan(true, (v, i) => {
          expect(model[i]).toBe(v);
          fromTail.push(v);
          return true;
        });
        expect(fromTail).toEqual([...model].reverse());
      }),
      { numRuns: 300 },
    );
  });

  test("pushes fill chunks; removals merge sparse chunks", () => {
    const q = new Quicklist<number>();
    for (let i = 0; i < CHUNK_MAX * 10; i++) q.pushTail(i);
    expect(q.chunks).toBe(10);
    q.removeWhere((v) => v % 8 !== 0, 0, false);
    q.check();
    expect(q.length).toBe(CHUNK_MAX * 10 / 8);
    expect(q.chunks).toBeLessThan(10);
  });
});
