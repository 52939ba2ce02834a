// Conformance of the list and hash primitives (ListOps, HashOps) of every
// storage engine against plain array/Map models, under random operation
// sequences. Written against the DbStore interface only, so a new engine
// joins by adding its factory to STORES; `meta` is looked up again after
// every write, as the interfaces require.

import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToStr, strToBytes } from "../../src/net/bytes.ts";
import type { DbStore } from "../../src/storage/engine.ts";
import type { ListSide } from "../../src/storage/list-ops.ts";
import { LsmEngine } from "../../src/storage/lsm-engine/lsm-engine.ts";
import { MemoryEngine } from "../../src/storage/memory/memory-engine.ts";

const lsmDir = mkdtempSync(join(tmpdir(), "aikv-collection-ops-"));
const lsmEngine = await LsmEngine.open({ dir: lsmDir, dbCount: 1, syncPolicy: "no" });
afterAll(async () => {
  await lsmEngine.close();
  rmSync(lsmDir, { recursive: true, force: true });
});

const STORES: Record<string, () => DbStore> = {
  memory: () => new MemoryEngine(1).db(0),
  // One engine for all runs: FLUSHDB gives each run an empty db.
  lsm: () => {
    const db = lsmEngine.db(0);
    db.clear();
    return db;
  },
};

const KEY = strToBytes("k");
const str = (b: Uint8Array) => bytesToStr(b);
const valueArb = fc.constantFrom("a", "b", "c", "", "\x00\xff", "long-".repeat(20));

type ListOp =
  | { op: "push"; side: ListSide; values: string[] }
  | { op: "pop"; side: ListSide; count: number }
  | { op: "set" | "index"; at: number; value: string }
  | { op: "insert"; pivot: string; value: string; after: boolean }
  | { op: "remove"; value: string; count: number }
  | { op: "trim" | "range"; start: number; stop: number }
  | { op: "find"; value: string; fromTail: boolean; maxlen: number };

const sideArb = fc.constantFrom<ListSide>("left", "right");
const listOpArb: fc.Arbitrary<ListOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("push" as const), side: sideArb, values: fc.array(valueArb, { minLength: 1, maxLength: 200 }) }) },
  fc.record({ op: fc.constant("pop" as const), side: sideArb, count: fc.integer({ min: 1, max: 150 }) }),
  fc.record({ op: fc.constantFrom("set" as const, "index" as const), at: fc.nat(), value: valueArb }),
  fc.record({ op: fc.constant("insert" as const), pivot: valueArb, value: valueArb, after: fc.boolean() }),
  fc.record({ op: fc.constant("remove" as const), value: valueArb, count: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ op: fc.constantFrom("trim" as const, "range" as const), start: fc.nat(), stop: fc.nat() }),
  fc.record({ op: fc.constant("find" as const), value: valueArb, fromTail: fc.boolean(), maxlen: fc.nat({ max: 300 }) }),
);

function checkList(store: DbStore, ops: ListOp[]): void {
  let model: string[] = [];
  const lists = store.lists;
  for (const o of ops) {
    const meta = store.lookup(KEY);
    expect(meta === null).toBe(model.length === 0);
    const len = model.length;
    switch (o.op) {
      case "push": {
        expect(lists.push(KEY, meta, o.side, o.values.map(strToBytes))).toBe(len + o.values.length);
        for (const v of o.values) {
          if (o.side === "left") model.unshift(v);
          else model.push(v);
        }
        break;
      }
      case "pop": {
        if (meta === null) break;
        const want = o.side === "left" ? model.splice(0, o.count) : model.splice(-o.count).reverse();
        expect(lists.pop(KEY, meta, o.side, o.count).map(str)).toEqual(want);
        break;
      }
      case "index":
      case "set": {
        if (meta === null) break;
        const at = o.at % len;
        if (o.op === "index") expect(str(lists.index(meta, at))).toBe(model[at]);
        else {
          lists.set(meta, at, strToBytes(o.value));
          model[at] = o.value;
        }
        break;
      }
      case "insert": {
        if (meta === null) break;
        const at = model.indexOf(o.pivot);
        expect(lists.insert(meta, strToBytes(o.pivot), strToBytes(o.value), o.after)).toBe(at < 0 ? -1 : len + 1);
        if (at >= 0) model.splice(o.after ? at + 1 : at, 0, o.value);
        break;
      }
      case "remove": {
        if (meta === null) break;
        const order = model.map((_, i) => i);
        if (o.count < 0) order.reverse();
        const drop = new Set<number>();
        for (const i of order) if (model[i] === o.value && (o.count === 0 || drop.size < Math.abs(o.count))) drop.add(i);
        expect(lists.remove(KEY, meta, strToBytes(o.value), o.count)).toBe(drop.size);
        model = model.filter((_, i) => !drop.has(i));
        break;
      }
      case "trim":
      case "range": {
        if (meta === null) break;
        const [start, stop] = [o.start % len, o.stop % len];
        if (o.op === "trim") {
          lists.trim(KEY, meta, start, stop);
          model = start > stop ? [] : model.slice(start, stop + 1);
        } else if (start <= stop) {
          const got: string[] = [];
          lists.range(meta, start, stop, (v) => got.push(str(v)));
          expect(got).toEqual(model.slice(start, stop + 1));
        }
        break;
      }
      case "find": {
        if (meta === null) break;
        const want: number[] = [];
        const order = model.map((_, i) => i);
        if (o.fromTail) order.reverse();
        for (const i of o.maxlen === 0 ? order : order.slice(0, o.maxlen)) if (model[i] === o.value) want.push(i);
        const got: number[] = [];
        lists.find(meta, strToBytes(o.value), o.fromTail, o.maxlen, (i) => (got.push(i), true));
        expect(got).toEqual(want);
        break;
      }
    }
    const after = store.lookup(KEY);
    expect(after === null ? 0 : lists.length(after)).toBe(model.length);
  }
}

type HashOp =
  | { op: "set"; pairs: [string, string][] }
  | { op: "delete"; fields: string[] }
  | { op: "get"; field: string }
  | { op: "scan"; count: number }
  | { op: "random"; count: number; distinct: boolean };

const fieldArb = fc.oneof(fc.constantFrom("f1", "f2", "f3", "", "\x00"), fc.integer({ min: 0, max: 700 }).map((i) => `field${i}`));
const hashOpArb: fc.Arbitrary<HashOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("set" as const), pairs: fc.array(fc.tuple(fieldArb, valueArb), { minLength: 1, maxLength: 300 }) }) },
  fc.record({ op: fc.constant("delete" as const), fields: fc.array(fieldArb, { minLength: 1, maxLength: 200 }) }),
  fc.record({ op: fc.constant("get" as const), field: fieldArb }),
  fc.record({ op: fc.constant("scan" as const), count: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ op: fc.constant("random" as const), count: fc.integer({ min: 1, max: 40 }), distinct: fc.boolean() }),
);

function checkHash(store: DbStore, ops: HashOp[]): void {
  const model = new Map<string, string>();
  const hashes = store.hashes;
  for (const o of ops) {
    const meta = store.lookup(KEY);
    expect(meta === null).toBe(model.size === 0);
    switch (o.op) {
      case "set": {
        const before = model.size;
        for (const [f, v] of o.pairs) model.set(f, v);
        expect(hashes.set(KEY, meta, o.pairs.flat().map(strToBytes))).toBe(model.size - before);
        break;
      }
      case "delete": {
        if (meta === null) break;
        const unique = new Set(o.fields);
        let existed = 0;
        for (const f of unique) if (model.delete(f)) existed++;
        expect(hashes.delete(KEY, meta, [...unique].map(strToBytes))).toBe(existed);
        break;
      }
      case "get": {
        if (meta === null) break;
        const v = hashes.get(meta, strToBytes(o.field));
        expect(v === null ? null : str(v)).toBe(model.get(o.field) ?? null);
        break;
      }
      case "scan": {
        if (meta === null) break;
        const seen = new Map<string, string>();
        let cursor = 0;
        do {
          cursor = hashes.scan(meta, cursor, o.count, (f, v) => {
            expect(seen.has(str(f))).toBe(false);
            seen.set(str(f), str(v));
          });
        } while (cursor !== 0);
        expect(seen).toEqual(model);
        break;
      }
      case "random": {
        if (meta === null) break;
        const got: string[] = [];
        const count = o.distinct ? Math.min(o.count, model.size) : o.count;
        hashes.random(meta, count, o.distinct, (f, v) => {
          expect(model.get(str(f))).toBe(str(v));
          got.push(str(f));
        });
        expect(got.length).toBe(count);
        if (o.distinct) expect(new Set(got).size).toBe(count);
        break;
      }
    }
    const after = store.lookup(KEY);
    expect(after === null ? 0 : hashes.length(after)).toBe(model.size);
    if (after !== null) {
      const all = new Map<string, string>();
      hashes.forEach(after, (f, v) => all.set(str(f), str(v)));
      expect(all).toEqual(model);
    }
  }
}

for (const [name, makeStore] of Object.entries(STORES)) {
  describe(`collection primitives (${name})`, () => {
    test("ListOps match an array model", () => {
      fc.assert(fc.property(fc.array(listOpArb, { maxLength: 40 }), (ops) => checkList(makeStore(), ops)), { numRuns: 150 });
    });

    test("HashOps match a Map model (scan returns each field once)", () => {
      fc.assert(fc.property(fc.array(hashOpArb, { maxLength: 25 }), (ops) => checkHash(makeStore(), ops)), { numRuns: 100 });
    });
  });
}
