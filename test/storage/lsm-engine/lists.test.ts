// Lists on the lsm engine: elements as position sub-keys survive kill -9,
// middle edits shift the shorter side (checked against an array model), and a
// large list answers end and index operations without loading it.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Redis from "ioredis";
import { mulberry32 } from "../../../src/util/prng.ts";
import { startAikv } from "../../helpers/server.ts";

/** Under appendfsync everysec the WAL reaches the disk within a second. */
const WAL_SYNC_MS = 1100;

/** Random list edits applied to the server and to an array model alike. */
async function randomEdits(r: Redis, key: string, model: string[], steps: number, seed: number): Promise<void> {
  const random = mulberry32(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const value = () => `v${pick(12)}`;
  for (let step = 0; step < steps; step++) {
    const op = pick(9);
    if (op === 0) {
      const values = Array.from({ length: 1 + pick(20) }, value);
      expect(await r.rpush(key, ...values)).toBe(model.push(...values));
    } else if (op === 1) {
      const values = Array.from({ length: 1 + pick(20) }, value);
      expect(await r.lpush(key, ...values)).toBe(model.unshift(...values.toReversed()));
    } else if (op === 2 && model.length > 0) {
      const n = 1 + pick(5);
      expect(await r.lpop(key, n)).toEqual(model.splice(0, n));
    } else if (op === 3 && model.length > 0) {
      const n = 1 + pick(5);
      expect(await r.rpop(key, n)).toEqual(model.splice(-n).reverse());
    } else if (op === 4) {
      const pivot = value();
      const after = random() < 0.5;
      const at = model.indexOf(pivot);
      if (at >= 0) model.splice(after ? at + 1 : at, 0, "ins");
      const expected = model.length === 0 ? 0 : at < 0 ? -1 : model.length;
      const reply = after ? await r.linsert(key, "AFTER", pivot, "ins") : await r.linsert(key, "BEFORE", pivot, "ins");
      expect(reply).toBe(expected);
    } else if (op === 5) {
      const target = value();
      const count = pick(7) - 3;
      const indexes = model.flatMap((v, i) => (v === target ? [i] : []));
      const chosen = count === 0 ? indexes : count > 0 ? indexes.slice(0, count) : indexes.slice(count);
      for (const i of chosen.toReversed()) model.splice(i, 1);
      expect(await r.lrem(key, count, target)).toBe(chosen.length);
    } else if (op === 6 && model.length > 0) {
      const start = pick(model.length) - pick(3);
      const stop = -1 - pick(Math.max(1, model.length >> 2));
      await r.ltrim(key, start, stop);
      const from = start < 0 ? Math.max(0, model.length + start) : start;
      model.splice(0, model.length, ...model.slice(from, model.length + stop + 1));
    } else if (op === 7 && model.length > 0) {
      const i = pick(model.length);
      model[i] = `set${step}`;
      await r.lset(key, i, model[i]);
    } else {
      expect(await r.llen(key)).toBe(model.length);
    }
    if (step % 50 === 0) expect(await r.lrange(key, 0, -1)).toEqual(model);
  }
  expect(await r.lrange(key, 0, -1)).toEqual(model);
}

describe("lsm engine: lists", () => {
  const dir = mkdtempSync(join(tmpdir(), "aikv-lsm-list-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("edits at both ends and in the middle match a model and survive kill -9", async () => {
    const first = await startAikv(["--engine", "lsm"], { dir });
    const r = first.client();
    const models: Record<string, string[]> = {};
    for (let seed = 1; seed <= 3; seed++) {
      models[`l${seed}`] = [];
      await randomEdits(r, `l${seed}`, models[`l${seed}`], 300, seed);
    }
    await r.rpush("moved", "a", "b", "c");
    await r.expire("moved", 1000);
    await r.rename("moved", "renamed");
    await r.copy("renamed", "copied", "DB", 2);
    await r.rpush("renamed", "d"); // the copy has its own elements
    await r.rpush("gone", "x", "y");
    await r.del("gone");
    await r.lpush("gone", "z"); // a new version: the old elements are unreachable
    const dump = await r.dumpBuffer("renamed");
    await Bun.sleep(WAL_SYNC_MS);
    await first.stop(); // SIGKILL

    const second = await startAikv(["--engine", "lsm"], { dir });
    try {
      const s = second.client();
      for (const [key, model] of Object.entries(models)) {
        expect(await s.lrange(key, 0, -1)).toEqual(model);
        expect(await s.llen(key)).toBe(model.length);
      }
      expect(await s.lrange("renamed", 0, -1)).toEqual(["a", "b", "c", "d"]);
      expect(await s.ttl("renamed")).toBeGreaterThan(990);
      expect(await s.lrange("gone", 0, -1)).toEqual(["z"]);
      expect(await s.object("ENCODING", "renamed")).toBe("quicklist");
      expect(await s.restore("restored", 0, dump)).toBe("OK");
      expect(await s.lrange("restored", 0, -1)).toEqual(["a", "b", "c", "d"]);
      await s.select(2);
      expect(await s.lrange("copied", 0, -1)).toEqual(["a", "b", "c"]);
      // Pushes keep working from the recovered ends.
      await s.select(0);
      const key = Object.keys(models)[0];
      await randomEdits(s, key, models[key], 100, 99);
    } finally {
      await second.stop();
    }
  }, 30_000);

  test("a large list: index, range, end and near-end operations stay fast (no whole-list load)", async () => {
    const srv = await startAikv(["--engine", "lsm"]);
    try {
      const r = srv.client();
      const total = 200_000;
      const perCommand = 1000;
      for (let sent = 0; sent < total; ) {
        const pipeline = r.pipeline();
        for (let i = 0; i < 20 && sent < total; i++, sent += perCommand) {
          pipeline.rpush("big", ...Array.from({ length: perCommand }, (_, j) => String(sent + j)));
        }
        await pipeline.exec();
      }
      expect(await r.llen("big")).toBe(total);
      expect(await r.lindex("big", total / 2)).toBe(String(total / 2));
      expect(await r.lrange("big", 100_000, 100_009)).toEqual(Array.from({ length: 10 }, (_, i) => String(100_000 + i)));
      expect(await r.lpop("big")).toBe("0");
      expect(await r.rpop("big")).toBe(String(total - 1));
      expect(await r.lpush("big", "head")).toBe(total - 1);
      expect(await r.lset("big", -2, "x")).toBe("OK");
      expect(await r.linsert("big", "BEFORE", "3", "near-head")).toBe(total);
      expect(await r.lindex("big", 3)).toBe("near-head");
      await r.ltrim("big", 1, -2);
      expect(await r.lrange("big", -2, -1)).toEqual([String(total - 4), "x"]);
      // The fastest of 3 runs: reading the whole list takes seconds here, even
      // on a quiet machine, so the bound leaves room for a loaded one.
      const fastest = async (run: () => Promise<unknown>): Promise<number> => {
        let best = Infinity;
        for (let i = 0; i < 3; i++) {
          const start = performance.now();
          await run();
          best = Math.min(best, performance.now() - start);
        }
        return best;
      };
      const middle = total / 2;
      const runs: Record<string, () => Promise<unknown>> = {
        lindex: () => r.lindex("big", middle),
        lrange: () => r.lrange("big", middle, middle + 9),
        lset: () => r.lset("big", middle, "y"),
        lpop: () => r.lpop("big"),
        rpop: () => r.rpop("big"),
        lpush: () => r.lpush("big", "a"),
        rpush: () => r.rpush("big", "z"),
        linsert: () => r.linsert("big", "AFTER", "a", "b"), // near the head: shifts the head side
        lrem: () => r.lrem("big", -1, "z"), // near the tail: shifts the tail side
        lpos: () => r.lpos("big", "none", "MAXLEN", 10),
      };
      const slow: string[] = [];
      for (const [name, run] of Object.entries(runs)) {
        const ms = await fastest(run);
        if (ms >= 50) slow.push(`${name}: ${ms.toFixed(1)} ms`);
      }
      expect(slow).toEqual([]);
      expect(await r.llen("big")).toBe(total - 2); // the pops, pushes, inserts and removals above cancel out
      expect(await r.del("big")).toBe(1);
      expect(await r.exists("big")).toBe(0);
    } finally {
      await srv.stop();
    }
  }, 30_000);

  // Pushes and pops rewrite the cached record of a list in place (LsmDb.recordToRewrite): the copies COPY made, the TTL
  // and what a restart reads back must be as with a new record each time.
  test("pushes and pops on a list, its COPY, a rotation in MULTI and its TTL survive kill -9 as written", async () => {
    const listDir = mkdtempSync(join(dir, "in-place-"));
    const first = await startAikv(["--engine", "lsm", "--appendfsync", "always"], { dir: listDir });
    try {
      const r = first.client();
      await r.rpush("l", "a", "b", "c");
      expect(await r.copy("l", "c")).toBe(1);
      expect(await r.lpush("l", "x")).toBe(4);
      expect(await r.rpop("c")).toBe("c");
      await r.expire("l", 1000);
      expect(await r.multi().lmove("l", "l", "RIGHT", "LEFT").rpush("l", "y").lpop("l").exec()).toEqual([
        [null, "c"],
        [null, 5],
        [null, "c"],
      ]);
      expect(await r.lrange("l", 0, -1)).toEqual(["x", "a", "b", "y"]);
      expect(await r.lrange("c", 0, -1)).toEqual(["a", "b"]);
      expect(await r.ttl("l")).toBeGreaterThan(990);
    } finally {
      await first.stop(); // SIGKILL
    }
    const second = await startAikv(["--engine", "lsm"], { dir: listDir });
    try {
      const r = second.client();
      expect(await r.lrange("l", 0, -1)).toEqual(["x", "a", "b", "y"]);
      expect(await r.lrange("c", 0, -1)).toEqual(["a", "b"]);
      expect(await r.llen("l")).toBe(4);
      expect(await r.ttl("l")).toBeGreaterThan(990);
      expect(await r.rpush("l", "z")).toBe(5);
      expect(await r.lindex("l", -1)).toBe("z");
    } finally {
      await second.stop();
    }
  }, 30_000);
});
