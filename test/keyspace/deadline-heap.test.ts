import { expect, test } from "bun:test";
import fc from "fast-check";
import { DeadlineHeap } from "../../src/keyspace/deadline-heap.ts";

test("DeadlineHeap pops in deadline order under mixed pushes, pops and compaction", () => {
  const opArb = fc.oneof(
    fc.record({ push: fc.integer({ min: 1, max: 1000 }) }),
    fc.record({ pop: fc.constant(true) }),
    fc.record({ retainEven: fc.constant(true) }),
  );
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
      const heap = new DeadlineHeap<number>();
      let model: number[] = [];
      for (const o of ops) {
        if ("push" in o) {
          heap.push(o.push, o.push);
          model.push(o.push);
        } else if ("pop" in o) {
          model.sort((a, b) => a - b);
          expect(heap.pop()).toBe(model.shift());
        } else {
          heap.retain((v) => v % 2 === 0);
          model = model.filter((v) => v % 2 === 0);
        }
        expect(heap.size).toBe(model.length);
        expect(heap.peekDeadline()).toBe(model.length === 0 ? 0 : Math.min(...model));
      }
    }),
    { numRuns: 300 },
  );
});
