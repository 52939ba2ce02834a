// Conformance of the list, hash and sorted-set primitives (ListOps, HashOps,
// ZSetOps) of every storage engine against plain array/Map models, under random operation
// sequences; stream primitives of the lsm engine against the memory engine's. Written against the DbStore interface only, so a new engine
// joins by adding its factory to STORES; `meta` is looked up again after
// every write, as the interfaces require.

import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToStr, strToBytes } from "../../src/net/bytes.ts";
import { ReplyBuffer } from "../../src/net/reply.ts";
import type { DbStore } from "../../src/storage/engine.ts";
import type { ListSide } from "../../src/storage/list-ops.ts";
import { LsmEngine } from "../../src/storage/lsm-engine/lsm-engine.ts";
import { MemoryEngine } from "../../src/storage/memory/memory-engine.ts";
import { encodingLimits } from "../../src/storage/memory/encoding-limits.ts";
import { lexGteMin, lexLteMax, scoreGteMin, scoreLteMax } from "../../src/storage/zset-ops.ts";
import { MAX_ID } from "../../src/storage/stream-id.ts";
import type { LexRange, ScoreRange, ZEntry, ZRangeSpec } from "../../src/storage/zset-ops.ts";

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
const valueArb = fc.constantFrom("a", "b", "c", "", "\x00\xff", "long-".repeat(20), "longer-".repeat(40));

type ListOp =
  | { op: "push"; side: ListSide; values: string[] }
  | { op: "pop"; side: ListSide; count: number }
  | { op: "popReply"; side: ListSide }
  | { op: "set" | "index"; at: number; value: string }
  | { op: "insert"; pivot: string; value: string; after: boolean }
  | { op: "remove"; value: string; count: number }
  | { op: "trim" | "range"; start: number; stop: number }
  | { op: "find"; value: string; fromTail: boolean; maxlen: number };

const sideArb = fc.constantFrom<ListSide>("left", "right");
const listOpArb: fc.Arbitrary<ListOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("push" as const), side: sideArb, values: fc.array(valueArb, { minLength: 1, maxLength: 200 }) }) },
  fc.record({ op: fc.constant("pop" as const), side: sideArb, count: fc.integer({ min: 1, max: 150 }) }),
  fc.record({ op: fc.constant("popReply" as const), side: sideArb }),
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
      case "popReply": {
        if (meta === null) break;
        const want = o.side === "left" ? model.shift()! : model.pop()!;
        const out = new ReplyBuffer(16);
        lists.popReply(KEY, meta, o.side, out);
        expect(str(out.buf.subarray(0, out.len))).toBe(`$${want.length}\r\n${want}\r\n`);
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

type ZSetOp =
  | { op: "add"; pairs: [string, number][] }
  | { op: "remove"; members: string[] }
  | { op: "score" | "rank"; member: string; reverse: boolean }
  | { op: "range" | "count" | "removeRange"; spec: ZRangeSpec; reverse: boolean; offset: number; limit: number }
  | { op: "pop"; count: number; highest: boolean }
  | { op: "scan"; count: number }
  | { op: "random"; count: number; distinct: boolean }
  | { op: "store"; pairs: [string, number][] };

// Few distinct scores, so equal scores (ordered by member) are common; -0 is left out (its
// listpack normalization is covered against Redis by the differential tests).
const zScoreArb = fc.constantFrom(-Infinity, -1.5, 0, 1, 2, 2.5, Infinity);
// Short members are frequent (lex bounds hit them); the numbered ones grow zsets past 128 (skiplist).
const shortMemberArb = fc.constantFrom("a", "b", "c", "", "\x00", "\xff");
const zMemberArb = fc.oneof(shortMemberArb, fc.constant("long-".repeat(14)), fc.integer({ min: 0, max: 300 }).map((i) => `m${i}`));
const lexBoundArb = fc.oneof({ weight: 3, arbitrary: shortMemberArb }, zMemberArb, fc.constantFrom(-Infinity, Infinity));
const scoreRangeArb: fc.Arbitrary<ScoreRange> = fc.record({ min: zScoreArb, max: zScoreArb, minExclusive: fc.boolean(), maxExclusive: fc.boolean() });
const lexRangeArb: fc.Arbitrary<LexRange> = fc.record({ min: lexBoundArb, max: lexBoundArb, minExclusive: fc.boolean(), maxExclusive: fc.boolean() });
/** Rank bounds are fractions of the size: the command clamps them before the primitive sees them. */
const zSpecArb = fc.oneof(
  fc.record({ by: fc.constant("rank" as const), start: fc.double({ min: 0, max: 1, noNaN: true }), stop: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ by: fc.constant("score" as const), range: scoreRangeArb }),
  fc.record({ by: fc.constant("lex" as const), range: lexRangeArb }),
);
const zPairsArb = fc.array(fc.tuple(zMemberArb, zScoreArb), { minLength: 1, maxLength: 200 });
const zsetOpArb: fc.Arbitrary<ZSetOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("add" as const), pairs: zPairsArb }) },
  fc.record({ op: fc.constant("remove" as const), members: fc.array(zMemberArb, { minLength: 1, maxLength: 50 }) }),
  fc.record({ op: fc.constantFrom("score" as const, "rank" as const), member: zMemberArb, reverse: fc.boolean() }),
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constantFrom("range" as const, "count" as const, "removeRange" as const),
      spec: zSpecArb as fc.Arbitrary<ZRangeSpec>,
      reverse: fc.boolean(),
      offset: fc.nat({ max: 20 }),
      limit: fc.integer({ min: -1, max: 30 }),
    }),
  },
  fc.record({ op: fc.constant("pop" as const), count: fc.integer({ min: 1, max: 50 }), highest: fc.boolean() }),
  fc.record({ op: fc.constant("scan" as const), count: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ op: fc.constant("random" as const), count: fc.integer({ min: 1, max: 40 }), distinct: fc.boolean() }),
  fc.record({ op: fc.constant("store" as const), pairs: zPairsArb }),
);

/** The same operations on a zset whose scores are all equal: lex ranges are defined then. */
function withEqualScores(o: ZSetOp): ZSetOp {
  return o.op === "add" || o.op === "store" ? { ...o, pairs: o.pairs.map(([member]) => [member, 1]) } : o;
}

/** Redis's order: score, then member bytewise (latin1 `<`). */
function sortedEntries(model: Map<string, number>): ZEntry[] {
  return [...model].map(([member, score]) => ({ member, score })).sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : 1));
}

/** The model's entries of a spec in walk order; null for lex ranges over mixed scores (Redis leaves them encoding-dependent). */
function modelRange(model: Map<string, number>, spec: ZRangeSpec, reverse: boolean): ZEntry[] | null {
  const all = sortedEntries(model);
  if (reverse) all.reverse();
  if (spec.by === "rank") return all.slice(spec.start, spec.stop + 1);
  if (spec.by === "score") return all.filter((e) => scoreGteMin(e.score, spec.range) && scoreLteMax(e.score, spec.range));
  if (new Set(model.values()).size > 1) return null;
  return all.filter((e) => lexGteMin(e.member, spec.range) && lexLteMax(e.member, spec.range));
}

function checkZSet(store: DbStore, ops: ZSetOp[]): void {
  let model = new Map<string, number>();
  const zsets = store.zsets;
  for (const o of ops) {
    const meta = store.lookup(KEY);
    expect(meta === null).toBe(model.size === 0);
    const size = model.size;
    switch (o.op) {
      case "add": {
        // Like ZADD: the meta of the first lookup serves every member.
        let cur = meta;
        for (const [member, score] of o.pairs) {
          expect(zsets.set(KEY, cur, strToBytes(member), score)).toBe(!model.has(member));
          model.set(member, score);
          cur ??= store.lookup(KEY);
        }
        break;
      }
      case "remove": {
        if (meta === null) break;
        const unique = [...new Set(o.members)];
        expect(zsets.remove(KEY, meta, unique)).toBe(unique.filter((m) => model.delete(m)).length);
        break;
      }
      case "score":
        if (meta !== null) expect(zsets.score(meta, strToBytes(o.member))).toBe(model.get(o.member) ?? null);
        break;
      case "rank": {
        if (meta === null) break;
        const rank = modelRange(model, { by: "rank", start: 0, stop: size - 1 }, o.reverse)!.findIndex((e) => e.member === o.member);
        expect(zsets.rank(meta, o.member, o.reverse)).toBe(rank < 0 ? null : rank);
        break;
      }
      case "range":
      case "count":
      case "removeRange": {
        if (meta === null) break;
        let spec = o.spec;
        if (spec.by === "rank") {
          const [start, stop] = [Math.floor(spec.start * size), Math.floor(spec.stop * size)].map((i) => Math.min(i, size - 1));
          if (start > stop || o.op === "count") break;
          spec = { by: "rank", start, stop };
        }
        const want = modelRange(model, spec, o.op === "range" && o.reverse);
        if (want === null) break;
        if (o.op === "count") expect(zsets.count(meta, spec)).toBe(want.length);
        else if (o.op === "removeRange") {
          expect(zsets.removeRange(KEY, meta, spec)).toBe(want.length);
          for (const e of want) model.delete(e.member);
        } else {
          const offset = spec.by === "rank" ? 0 : o.offset;
          const limit = spec.by === "rank" ? -1 : o.limit;
          expect(zsets.range(meta, spec, o.reverse, offset, limit)).toEqual(want.slice(offset, limit < 0 ? undefined : offset + limit));
        }
        break;
      }
      case "pop": {
        if (meta === null) break;
        const want = modelRange(model, { by: "rank", start: 0, stop: Math.min(o.count, size) - 1 }, o.highest)!;
        expect(zsets.pop(KEY, meta, o.count, o.highest)).toEqual(want);
        for (const e of want) model.delete(e.member);
        break;
      }
      case "scan": {
        if (meta === null) break;
        const seen = new Map<string, number>();
        let cursor = 0;
        do {
          cursor = zsets.scan(meta, cursor, o.count, (e) => {
            expect(seen.has(e.member)).toBe(false);
            seen.set(e.member, e.score);
          });
        } while (cursor !== 0);
        expect(seen).toEqual(model);
        break;
      }
      case "random": {
        if (meta === null) break;
        const count = o.distinct ? Math.min(o.count, size) : o.count;
        const got = zsets.random(meta, count, o.distinct);
        expect(got.length).toBe(count);
        for (const e of got) expect(model.get(e.member)).toBe(e.score);
        if (o.distinct) expect(new Set(got.map((e) => e.member)).size).toBe(count);
        break;
      }
      case "store":
        model = new Map(o.pairs);
        zsets.store(KEY, sortedEntries(model));
        break;
    }
    const after = store.lookup(KEY);
    expect(after === null ? 0 : zsets.card(after)).toBe(model.size);
    if (after !== null) expect(zsets.range(after, { by: "rank", start: 0, stop: model.size - 1 }, false, 0, -1)).toEqual(sortedEntries(model));
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

    test("ZSetOps match a Map model (ranges in Redis's order; scan returns each member once)", () => {
      const run = (equalScores: boolean, ops: ZSetOp[]) => checkZSet(makeStore(), equalScores ? ops.map(withEqualScores) : ops);
      fc.assert(fc.property(fc.boolean(), fc.array(zsetOpArb, { minLength: 10, maxLength: 30 }), run), { numRuns: 80 });
    }, 30_000);
  });
}

// --- streams: the lsm engine against the memory engine (which mirrors Redis's nodes) ---

type StreamOp =
  | { op: "append"; step: number; seqStep: number; fields: string[] }
  | { op: "remove"; picks: number[] }
  | { op: "trim"; maxLen: number | null; minPick: number; approx: boolean; limit: number }
  | { op: "createGroup" | "destroyGroup" | "cursor"; group: string; pick: number }
  | { op: "createConsumer" | "deleteConsumer" | "seen"; group: string; consumer: string; now: number }
  | { op: "setPending"; group: string; consumer: string; pick: number; now: number; count: number }
  | { op: "ack"; group: string; pick: number };

const groupArb = fc.constantFrom("g1", "g2", "\x00g");
const consumerArb = fc.constantFrom("alice", "bob", "b");
const streamOpArb: fc.Arbitrary<StreamOp> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("append" as const),
      step: fc.nat({ max: 3 }),
      seqStep: fc.integer({ min: 1, max: 3 }),
      fields: fc.array(valueArb, { minLength: 1, maxLength: 3 }).map((vs) => vs.flatMap((v, i) => [i === 0 ? "f" : `f${i}`, v])),
    }),
  },
  fc.record({ op: fc.constant("remove" as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant("trim" as const), maxLen: fc.option(fc.nat({ max: 40 })), minPick: fc.nat(), approx: fc.boolean(), limit: fc.nat({ max: 12 }) }),
  fc.record({ op: fc.constantFrom("createGroup" as const, "destroyGroup" as const, "cursor" as const), group: groupArb, pick: fc.nat() }),
  fc.record({ op: fc.constantFrom("createConsumer" as const, "deleteConsumer" as const, "seen" as const), group: groupArb, consumer: consumerArb, now: fc.nat() }),
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("setPending" as const), group: groupArb, consumer: consumerArb, pick: fc.nat(), now: fc.nat(), count: fc.nat({ max: 5 }) }),
  },
  fc.record({ op: fc.constant("ack" as const), group: groupArb, pick: fc.nat() }),
);

/** What a stream looks like through its read primitives: every read the commands use. */
function streamView(store: DbStore): unknown {
  const streams = store.streams;
  const meta = store.lookup(KEY);
  if (meta === null) return null;
  const groups = streams.groups(meta);
  return {
    state: streams.state(meta),
    forward: streams.range(meta, 0n, MAX_ID, -1, false),
    backwardTop3: streams.range(meta, 0n, MAX_ID, 3, true),
    groups,
    perGroup: groups.map((g) => ({
      consumers: streams.consumers(meta, g.name),
      pel: streams.pendingRange(meta, g.name, null, 0n, MAX_ID, -1, false),
      byConsumer: streams.consumers(meta, g.name).map((c) => streams.pendingRange(meta, g.name, c.name, 0n, MAX_ID, 2, true)),
    })),
  };
}

/** Applies op to the stream of store (created by the first op); ids are picked among the live ones. */
function applyStreamOp(store: DbStore, o: StreamOp): unknown {
  const streams = store.streams;
  const meta = store.lookup(KEY) ?? streams.create(KEY);
  const ids = streams.range(meta, 0n, MAX_ID, -1, false).map((e) => e.id);
  const pick = (n: number) => (ids.length === 0 ? 1n : ids[n % ids.length]);
  const hasGroup = (g: string) => streams.group(meta, g) !== null;
  switch (o.op) {
    case "append": {
      const last = streams.state(meta).lastId;
      const id = o.step === 0 ? last + BigInt(o.seqStep) : ((last >> 64n) + BigInt(o.step)) << 64n;
      streams.append(meta, id, o.fields.map(strToBytes));
      return id;
    }
    case "remove":
      return streams.remove(meta, o.picks.map(pick));
    case "trim":
      return streams.trim(meta, o.maxLen !== null ? { maxLen: o.maxLen, approx: o.approx, limit: o.limit } : { minId: pick(o.minPick), approx: o.approx, limit: o.limit });
    case "createGroup":
      return streams.createGroup(meta, o.group, pick(o.pick), o.pick % 3 === 0 ? -1 : o.pick);
    case "destroyGroup":
      return streams.destroyGroup(meta, o.group);
    case "cursor":
      if (hasGroup(o.group)) streams.setGroupCursor(meta, o.group, pick(o.pick), o.pick);
      return null;
    case "createConsumer":
      return hasGroup(o.group) && streams.createConsumer(meta, o.group, o.consumer, o.now);
    case "deleteConsumer":
      return hasGroup(o.group) && streams.deleteConsumer(meta, o.group, o.consumer);
    case "seen":
      if (hasGroup(o.group)) streams.setConsumerSeen(meta, o.group, o.consumer, o.now);
      return null;
    case "setPending":
      if (!hasGroup(o.group) || streams.consumer(meta, o.group, o.consumer) === null) return null;
      streams.setPending(meta, o.group, { id: pick(o.pick), consumer: o.consumer, deliveryTime: o.now, deliveryCount: o.count });
      return streams.pending(meta, o.group, pick(o.pick));
    case "ack":
      return hasGroup(o.group) && streams.ack(meta, o.group, pick(o.pick));
  }
}

describe("stream primitives (lsm against memory)", () => {
  test("StreamOps of the lsm engine answer as the memory engine's (same nodes, trims, groups, PELs)", () => {
    const saved = { ...encodingLimits };
    // Small nodes, so appends, XDEL and `~` trims cross node boundaries often.
    Object.assign(encodingLimits, { streamNodeMaxEntries: 5, streamNodeMaxBytes: 120 });
    try {
      const run = (ops: StreamOp[]) => {
        const memory = STORES.memory();
        const lsm = STORES.lsm();
        for (const o of ops) {
          expect(applyStreamOp(lsm, o)).toEqual(applyStreamOp(memory, o));
          expect(streamView(lsm)).toEqual(streamView(memory));
        }
      };
      fc.assert(fc.property(fc.array(streamOpArb, { minLength: 5, maxLength: 50 }), run), { numRuns: 120 });
    } finally {
      Object.assign(encodingLimits, saved);
    }
  }, 30_000);
});
