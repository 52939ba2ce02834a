import { describe, expect, test, setDefaultTimeout } from "bun:test";

// Generous: CI machines may be heavily loaded (fsync, CPU starvation).
setDefaultTimeout(60_000);
import { checkHistory, checkKey, type Op } from "./lincheck.ts";

const put = (client: number, value: string, call: number, ret: number, key = "k"): Op => ({ client, key, kind: "put", value, out: { ok: true, value }, call, ret });
const get = (client: number, value: string | null, call: number, ret: number, key = "k"): Op => ({ client, key, kind: "get", out: { ok: true, value }, call, ret });
const cas = (client: number, expect: string | null, value: string, ok: boolean, call: number, ret: number, cur: string | null = null): Op => ({
  client, key: "k", kind: "cas", expect, value, out: { ok, value: ok ? value : cur }, call, ret,
});

describe("linearizability checker", () => {
  test("sequential history is linearizable", () => {
    expect(checkKey([put(1, "a", 0, 1), get(2, "a", 2, 3), put(1, "b", 4, 5), get(2, "b", 6, 7)])).toBe("ok");
  });
  test("stale read after a completed write is illegal", () => {
    expect(checkKey([put(1, "a", 0, 1), put(1, "b", 2, 3), get(2, "a", 4, 5)])).toBe("illegal");
  });
  test("concurrent read may see either value", () => {
    expect(checkKey([put(1, "a", 0, 1), put(1, "b", 2, 10), get(2, "a", 3, 4), get(3, "b", 5, 6)])).toBe("ok");
  });
  test("reads must not go back in time (new-old inversion)", () => {
    // write b is concurrent with both reads, but read1 saw b and finished
    // before read2 started, which saw a.
    expect(checkKey([put(1, "a", 0, 1), put(1, "b", 2, 10), get(2, "b", 3, 4), get(3, "a", 5, 6)])).toBe("illegal");
  });
  test("read of a never-written value is illegal", () => {
    expect(checkKey([put(1, "a", 0, 1), get(2, "z", 2, 3)])).toBe("illegal");
  });
  test("read of initial null before any write completes is fine", () => {
    expect(checkKey([put(1, "a", 0, 5), get(2, null, 1, 2)])).toBe("ok");
  });
  test("lost acknowledged write is illegal", () => {
    expect(checkKey([put(1, "a", 0, 1), put(2, "b", 2, 3), get(3, "a", 4, 5), get(3, "a", 6, 7)])).toBe("illegal");
  });
  test("cas semantics", () => {
    expect(checkKey([put(1, "a", 0, 1), cas(2, "a", "b", true, 2, 3), get(3, "b", 4, 5)])).toBe("ok");
    expect(checkKey([put(1, "a", 0, 1), cas(2, "x", "b", true, 2, 3)])).toBe("illegal");
    expect(checkKey([put(1, "a", 0, 1), cas(2, "a", "b", false, 2, 3, "a")])).toBe("illegal");
    // two successful cas from the same expected value cannot both succeed
    expect(checkKey([put(1, "a", 0, 1), cas(2, "a", "b", true, 2, 5), cas(3, "a", "c", true, 2, 5)])).toBe("illegal");
  });
  test("indeterminate write may or may not take effect", () => {
    const w: Op = { client: 1, key: "k", kind: "put", value: "x", call: 0, ret: Infinity };
    expect(checkKey([w, get(2, null, 1, 2), get(2, "x", 3, 4)])).toBe("ok");
    expect(checkKey([w, get(2, null, 1, 2)])).toBe("ok");
    // but once seen, it cannot disappear
    expect(checkKey([w, get(2, "x", 1, 2), get(2, null, 3, 4)])).toBe("illegal");
  });
  test("indeterminate cas", () => {
    const c: Op = { client: 1, key: "k", kind: "cas", expect: "a", value: "b", call: 2, ret: Infinity };
    expect(checkKey([put(1, "a", 0, 1), c, get(2, "b", 3, 4)])).toBe("ok");
    const c2: Op = { client: 1, key: "k", kind: "cas", expect: "zz", value: "b", call: 2, ret: Infinity };
    expect(checkKey([put(1, "a", 0, 1), c2, get(2, "b", 3, 4)])).toBe("illegal");
  });
  test("per-key composition finds the bad key", () => {
    const h = [put(1, "a", 0, 1, "x"), get(2, "a", 2, 3, "x"), put(1, "a", 0, 1, "y"), get(2, null, 2, 3, "y")];
    expect(checkHistory(h)).toEqual({ result: "illegal", badKey: "y" });
  });
  test("larger concurrent history stays tractable", () => {
    const ops: Op[] = [];
    let t = 0;
    for (let i = 0; i < 200; i++) {
      ops.push(put(i % 5, `v${i}`, t, t + 7));
      ops.push(get((i + 1) % 5, `v${i}`, t + 6, t + 9));
      t += 3;
    }
    expect(checkKey(ops)).toBe("ok");
  });
});
