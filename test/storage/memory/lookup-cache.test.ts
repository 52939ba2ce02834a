// MemoryDb.lookup keeps the entry it found last (pipelines look one key up
// again and again): random writes, deletes, renames and flushes of a few keys
// against a Map model, every lookup must see the current entry or none.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { bytesToStr, strToBytes } from "../../../src/net/bytes.ts";
import { MemoryEngine } from "../../../src/storage/memory/memory-engine.ts";

const key = fc.constantFrom("k1", "k2", "kk1", "myset", "");
const op = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), key, value: fc.string({ maxLength: 3 }) }),
  fc.record({ kind: fc.constant("del" as const), key }),
  fc.record({ kind: fc.constant("rename" as const), key, to: key }),
  fc.record({ kind: fc.constant("clear" as const) }),
  fc.record({ kind: fc.constant("lookup" as const), key }),
);

describe("MemoryDb lookup", () => {
  test("sees the current entry after writes, deletes, renames and flushes", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const db = new MemoryEngine(1).db(0);
        const model = new Map<string, string>();
        for (const o of ops) {
          if (o.kind === "set") {
            db.setString(strToBytes(o.key), strToBytes(o.value), 0);
            model.set(o.key, o.value);
          } else if (o.kind === "del") {
            expect(db.delete(strToBytes(o.key))).toBe(model.delete(o.key));
          } else if (o.kind === "rename") {
            const v = model.get(o.key);
            if (v === undefined || o.key === o.to) continue;
            db.delete(strToBytes(o.to));
            db.rename(strToBytes(o.key), strToBytes(o.to));
            model.delete(o.key);
            model.set(o.to, v);
          } else if (o.kind === "clear") {
            db.clear();
            model.clear();
          }
          const k = "key" in o ? o.key : "k1";
          const meta = db.lookup(strToBytes(k));
          const want = model.get(k);
          expect(meta === null ? undefined : bytesToStr(db.getString(meta))).toBe(want);
        }
        expect(db.size()).toBe(model.size);
      }),
      { numRuns: 500 },
    );
  });
});
