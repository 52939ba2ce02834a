import { expect, test } from "bun:test";
import { Encoder } from "@msgpack/msgpack";
import { decodeCommand, encodeCommand, encodePut, type KvCommand } from "../../src/raft/kv/command.ts";
import { decodeRequest, decodeResponse, encodePutResponse, encodeRequest, encodeResponse, readPut, type KvRequest, type KvResponse } from "../../src/raft/kv/protocol.ts";
import { KvStateMachine } from "../../src/raft/kv/state_machine.ts";

const put = (sm: KvStateMachine, index: number, key: string, value: string) =>
  sm.applyEntry(index, encodeCommand({ op: "put", id: index, key, value }));

const contents = (sm: KvStateMachine, keys: string[]) => keys.map((k) => [k, sm.read(k)]);

test("KV snapshot writer: the state when it began, while entries keep being applied", () => {
  const sm = new KvStateMachine();
  const n = 10_000; // more than one slice
  for (let i = 0; i < n; i++) put(sm, i + 1, `k${i}`, `v${i}`);
  const keys = Array.from({ length: n + 10 }, (_, i) => `k${i}`);
  const before = contents(sm, keys);
  const w = sm.snapshotWriter();
  let data: Uint8Array | undefined;
  let index = n;
  for (let round = 0; !data; round++) {
    // Overwrite keys already written and keys not yet reached, add new ones.
    put(sm, ++index, `k${round}`, `new${round}`);
    put(sm, ++index, `k${n - 1 - round}`, `new${round}`);
    put(sm, ++index, `k${n + round}`, `added${round}`);
    data = w.step();
  }
  const restored = new KvStateMachine();
  restored.restore(data);
  expect(restored.appliedIndex).toBe(n);
  expect(restored.size()).toBe(n);
  expect(contents(restored, keys)).toEqual(before);
  // The writer is done: later writes are not recorded any more, and a new
  // writer sees them.
  put(sm, ++index, "k0", "later");
  const again = new KvStateMachine();
  again.restore(sm.snapshot());
  expect(again.read("k0")).toBe("later");
  expect(again.appliedIndex).toBe(index);
});

test("KV snapshot: non-ASCII and long keys and values round-trip", () => {
  const sm = new KvStateMachine();
  const pairs: [string, string][] = [
    ["é", "日本語"],
    ["k".repeat(31), "v".repeat(32)],
    ["x".repeat(255), "y".repeat(256)],
    ["z", "w".repeat(70_000)],
    ["emoji 😀", "a😀b".repeat(100)],
    ["", ""],
  ];
  pairs.forEach(([k, v], i) => put(sm, i + 1, k, v));
  const restored = new KvStateMachine();
  restored.restore(sm.snapshot());
  for (const [k, v] of pairs) expect(restored.read(k)).toBe(v);
  expect(restored.size()).toBe(pairs.length);
});

test("KV commands round-trip through the direct reader; other encodings through the Decoder", () => {
  const cmds: KvCommand[] = [
    { op: "put", id: 5, key: "k", value: "v" },
    { op: "put", id: 2 ** 40 + 7, key: "日本", value: "x".repeat(300) },
    { op: "put", id: 200, key: "k".repeat(70_000), value: "" },
    { op: "get", id: 70_000, key: "abc" },
    { op: "cas", id: 2 ** 31 + 1, key: "a", expect: null, value: "b" },
    { op: "cas", id: 1, key: "a", expect: "old", value: "new" },
  ];
  for (const c of cmds) expect(decodeCommand(encodeCommand(c))).toEqual(c);
  expect(decodeCommand(new Encoder().encode([1, 1.5, "k", "v"]))).toEqual({ op: "put", id: 1.5, key: "k", value: "v" });
  expect(() => decodeCommand(new Encoder().encode([9, 1, "k", "v"]))).toThrow();
});

test("KV requests and responses round-trip through the direct reader; other encodings through the Decoder", () => {
  const reqs: KvRequest[] = [
    { op: "put", id: 1, key: "k", value: "v" },
    { op: "get", id: 2 ** 33, key: "日本" },
    { op: "cas", id: 300, key: "a", value: "b", expect: null },
    { op: "cas", id: 70_000, key: "a", value: "x".repeat(40_000), expect: "old" },
  ];
  for (const q of reqs) {
    const { keyValue, ...got } = decodeRequest(encodeRequest(q, q.id).slice());
    expect(got).toEqual(q);
    expect(keyValue !== undefined).toBe(q.op === "put");
  }
  const resps: KvResponse[] = [
    { id: 1, ok: true, value: "v" },
    { id: 2 ** 40, ok: false, value: null, err: "not_leader", leader: 3 },
    { id: 5, ok: false, value: null, err: "timeout" },
  ];
  for (const r of resps) expect(decodeResponse(encodeResponse(r).slice())).toEqual(r);
  const e = new Encoder();
  expect(decodeRequest(e.encode([0, 1.5, "k", "v"]))).toEqual({ op: "put", id: 1.5, key: "k", value: "v" });
  expect(decodeResponse(e.encode([7, true, "v", 0, 0.5]))).toEqual({ id: 7, ok: true, value: "v", leader: 0.5 });
  expect(() => decodeRequest(e.encode([9, 1, "k"]))).toThrow();
});

test("a put's command built from the request's key and value bytes equals the encoded one; its reply echoes the value's bytes", () => {
  for (const id of [5, 200, 70_000, 2 ** 33 + 3, 4_000_000_000 * 2 ** 21 + 12345]) {
    for (const [key, value] of [["k", "v"], ["日本", "x".repeat(300)], ["k".repeat(40), ""], ["", "y".repeat(70_000)]] as const) {
      const payload = encodeRequest({ op: "put", key, value }, 77).slice();
      const req = decodeRequest(payload);
      const cmd: KvCommand = { op: "put", id, key, value };
      const spliced = encodeCommand(cmd, req.keyValue);
      expect([...spliced]).toEqual([...encodeCommand(cmd)]);
      expect(decodeCommand(spliced)).toEqual(cmd);
      const put = readPut(payload)!;
      expect(put.id).toBe(77);
      const data = encodePut(id, put.keyValue);
      expect([...data]).toEqual([...spliced]);
      const reply = encodePutResponse(77, data, data.length - put.keyValue.length + put.valueAt).slice();
      expect(decodeResponse(reply)).toEqual({ id: 77, ok: true, value });
    }
  }
  expect(readPut(encodeRequest({ op: "get", key: "k" }, 1).slice())).toBeUndefined();
  expect(readPut(encodeRequest({ op: "cas", key: "k", value: "v", expect: null }, 1).slice())).toBeUndefined();
  expect(readPut(new Encoder().encode([0, 1.5, "k", "v"]))).toBeUndefined();
});

test("KV state machine: puts, cas and gets against a Map model, values changing length (arena compaction), snapshot and restore", () => {
  const sm = new KvStateMachine();
  const model = new Map<string, string>();
  let seed = 7;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const keys = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? `ключ${i}` : `k${i}`));
  const valueOf = (i: number) => (rand(4) === 0 ? "é".repeat(rand(3000)) : `v${i}`.repeat(1 + rand(40)));
  let index = 0;
  for (let i = 0; i < 20_000; i++) {
    const key = keys[rand(keys.length)]!;
    const op = rand(3);
    const cur = model.get(key) ?? null;
    if (op === 0) {
      const value = valueOf(i);
      const r = sm.applyEntry(++index, encodeCommand({ op: "put", id: i, key, value }));
      expect(r).toEqual({ id: i, result: { ok: true, value } });
      model.set(key, value);
    } else if (op === 1) {
      const expectValue = rand(2) === 0 ? cur : rand(2) === 0 ? null : "other";
      const value = valueOf(i);
      const r = sm.applyEntry(++index, encodeCommand({ op: "cas", id: i, key, expect: expectValue, value }));
      const ok = expectValue === cur;
      expect(r).toEqual({ id: i, result: ok ? { ok, value } : { ok, value: cur } });
      if (ok) model.set(key, value);
    } else {
      expect(sm.applyEntry(++index, encodeCommand({ op: "get", id: i, key }))).toEqual({ id: i, result: { ok: true, value: cur } });
      expect(sm.read(key)).toBe(cur);
    }
  }
  expect(sm.applyEntry(++index, encodeCommand({ op: "put", id: 1, key: "k", value: "v" }), undefined, false)).toEqual({ id: 1 });
  model.set("k", "v");
  expect(sm.size()).toBe(model.size);
  const restored = new KvStateMachine();
  restored.restore(sm.snapshot());
  expect(restored.size()).toBe(model.size);
  for (const [k, v] of model) expect(restored.read(k)).toBe(v);
  expect(restored.read("absent")).toBe(null);
  expect(restored.appliedIndex).toBe(index);
});
