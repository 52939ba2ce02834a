// Sorted sets on the lsm engine: member sub-keys plus a score index survive
// kill -9 (signed zeros and infinities included), the index's byte order is
// Redis's order, and a large zset answers ranges, lookups and pops without
// loading it.

import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Redis from "ioredis";
import { compareBytes, strToBytes } from "../../../src/net/bytes.ts";
import { SCORE_BYTES, decodeScore, encodeScore } from "../../../src/storage/lsm-engine/score-encoding.ts";
import { startAikv } from "../../helpers/server.ts";

const LSM = ["--engine", "lsm", "--appendfsync", "always"];

/** Every zset of the current db as ZRANGE WITHSCORES (scores as the server formats them). */
async function snapshot(r: Redis): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const key of (await r.keys("*")).sort()) out[key] = await r.zrange(key, 0, -1, "WITHSCORES");
  return out;
}

/** The score-index key order: encoded score, then member bytes. */
function indexKey(score: number, member: string): Uint8Array {
  const bytes = strToBytes(member);
  const out = new Uint8Array(SCORE_BYTES + bytes.length);
  encodeScore(score, out, 0);
  out.set(bytes, SCORE_BYTES);
  return out;
}

/** Redis's zset order: score (-0 equal to 0), then member bytewise. */
function redisOrder(a: [number, string], b: [number, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return Math.sign(compareBytes(strToBytes(a[1]), strToBytes(b[1])));
}

describe("lsm engine: sorted sets", () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "aikv-lsm-zset-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test("the score encoding sorts like Redis (score, then member bytes) and decodes back", () => {
    const score = fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE));
    const member = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 6 });
    fc.assert(
      fc.property(score, member, score, member, (s1, m1, s2, m2) => {
        expect(Math.sign(compareBytes(indexKey(s1, m1), indexKey(s2, m2)))).toBe(redisOrder([s1, m1], [s2, m2]));
        expect(decodeScore(indexKey(s1, m1), 0)).toBe(s1 === 0 ? 0 : s1);
      }),
      { numRuns: 5000 },
    );
  });

  test("ZADD, ZINCRBY, ZREM, RENAME, COPY, RESTORE and stores survive kill -9", async () => {
    const dir = freshDir();
    const first = await startAikv(LSM, { dir });
    const r = first.client();
    await r.zadd("z", "-inf", "neg-inf", "-2.5", "neg", "-0", "negzero", "0", "zero", "1e-300", "tiny", "+inf", "inf", "3", "b", "3", "a");
    await r.zincrby("z", 10, "neg");
    await r.zincrby("z", "-inf", "tiny");
    await r.zrem("z", "b", "missing");
    await r.zadd("z", "XX", "CH", "5", "zero");
    // A skiplist-encoded zset keeps -0 (a listpack reads it back as 0).
    const big = Array.from({ length: 300 }, (_, i) => [String(i / 4), `m${i}`]).flat();
    big[0] = "-0"; // added while still a listpack: 0
    await r.zadd("big", ...big);
    await r.zadd("big", "-0", "late-negzero");
    await r.zremrangebyrank("big", 10, 19);
    await r.zremrangebyscore("big", "(50", "60");
    await r.zpopmax("big", 3);
    await r.zadd("lex", 0, "a", 0, "b", 0, "c", 0, "d", 0, "e");
    await r.zremrangebylex("lex", "[b", "(d");
    await r.zadd("moved", 1, "x", 2, "y");
    await r.expire("moved", 1000);
    await r.rename("moved", "renamed");
    await r.copy("renamed", "copied");
    await r.zadd("renamed", 3, "z"); // the copy has its own members
    await r.zunionstore("union", 2, "z", "renamed", "WEIGHTS", 1, 2);
    await r.zrangestore("top", "big", 0, 4, "REV");
    await r.zadd("gone", 1, "old");
    await r.del("gone");
    await r.zadd("gone", 2, "new"); // a new version: the old members are unreachable
    const dump = await r.dumpBuffer("big");
    const before = await snapshot(r);
    const encodings = await Promise.all(["z", "big", "union"].map((k) => r.object("ENCODING", k)));
    expect(encodings).toEqual(["listpack", "skiplist", "listpack"]);
    expect(before.z).toEqual(["neg-inf", "-inf", "tiny", "-inf", "negzero", "0", "a", "3", "zero", "5", "neg", "7.5", "inf", "inf"]);
    expect(await r.zscore("big", "late-negzero")).toBe("-0");
    expect(before.lex).toEqual(["a", "0", "d", "0", "e", "0"]);
    await first.stop(); // SIGKILL

    const second = await startAikv(LSM, { dir });
    try {
      const s = second.client();
      expect(await snapshot(s)).toEqual(before);
      expect(await Promise.all(["z", "big", "union"].map((k) => s.object("ENCODING", k)))).toEqual(encodings);
      expect(await s.zscore("big", "late-negzero")).toBe("-0");
      expect(await s.ttl("renamed")).toBeGreaterThan(990);
      expect(await s.zcard("big")).toBe(before.big.length / 2);
      expect(await s.restore("restored", 0, dump)).toBe("OK");
      expect(await s.zrange("restored", 0, -1, "WITHSCORES")).toEqual(before.big);
      // Writes keep working on the recovered keys.
      expect(await s.zadd("z", 1, "one")).toBe(1);
      expect(await s.zrank("z", "one")).toBe(3);
      expect(await s.zrevrank("z", "one")).toBe(4);
    } finally {
      await second.stop();
    }
  }, 30_000);

  test("a large zset: ranges, lookups and pops stay fast; DEL is O(1)", async () => {
    const srv = await startAikv(["--engine", "lsm"], { dir: freshDir() });
    try {
      const r = srv.client();
      // ZADD writes one batch per member (3 puts): 50k members keep the load phase
      // within the time budget on a shared machine; the timed operations below
      // touch a few entries each, independent of the size.
      const total = 50_000;
      const perCommand = 1000;
      const member = (i: number) => `m${String(i).padStart(6, "0")}`;
      for (let sent = 0; sent < total; ) {
        const pipeline = r.pipeline();
        for (let i = 0; i < 20 && sent < total; i++, sent += perCommand) {
          pipeline.zadd("big", ...Array.from({ length: perCommand }, (_, j) => [String(sent + j), member(sent + j)]).flat());
        }
        await pipeline.exec();
      }
      expect(await r.zcard("big")).toBe(total);
      // A whole-set ZRANGE takes 1-3 s here (measured on the shared machine);
      // each of these touches a few entries. Reads take the best of three tries;
      // a single write may wait behind a flush or compaction being installed,
      // hence a budget well below a whole-set load but above such a stall.
      const timings: number[] = [];
      const timed = async <T>(run: () => Promise<T>, tries = 1): Promise<T> => {
        let best = Infinity;
        let result: T | undefined;
        for (let i = 0; i < tries; i++) {
          const start = performance.now();
          result = await run();
          best = Math.min(best, performance.now() - start);
        }
        timings.push(best);
        expect(best).toBeLessThan(tries > 1 ? 250 : 600);
        return result!;
      };
      const read = <T>(run: () => Promise<T>) => timed(run, 3);
      const members = (from: number, n: number) => Array.from({ length: n }, (_, i) => member(from + i));
      expect(await read(() => r.zrange("big", 0, 9))).toEqual(members(0, 10));
      expect(await read(() => r.zrange("big", -3, -1))).toEqual(members(total - 3, 3));
      expect(await read(() => r.zrevrange("big", 0, 1))).toEqual([member(total - 1), member(total - 2)]);
      expect(await read(() => r.zrangebyscore("big", "(25000", "+inf", "LIMIT", 5, 3))).toEqual(members(25_006, 3));
      expect(await read(() => r.zrevrangebyscore("big", "40000", "-inf", "LIMIT", 0, 2))).toEqual([member(40_000), member(39_999)]);
      expect(await read(() => r.zscore("big", member(12_345)))).toBe("12345");
      expect(await read(() => r.zcount("big", "-inf", "+inf"))).toBe(total);
      expect(await read(() => r.zcount("big", 1000, 1999))).toBe(1000);
      expect(await read(() => r.zrevrank("big", member(total - 5)))).toBe(4);
      for (let i = 0; i < 3; i++) {
        expect(await timed(() => r.zpopmin("big"))).toEqual([member(i), String(i)]);
        expect(await timed(() => r.zpopmax("big"))).toEqual([member(total - 1 - i), String(total - 1 - i)]);
      }
      for (let i = 0; i < 3; i++) {
        expect(await timed(() => r.zincrby("big", -1e6, member(37_777 + i)))).toBe(String(37_777 + i - 1e6));
      }
      expect(await read(() => r.zrange("big", 0, 0, "WITHSCORES"))).toEqual([member(37_777), String(37_777 - 1e6)]);
      const [cursor, page] = await timed(() => r.zscan("big", 0, "COUNT", 20));
      expect(cursor).not.toBe("0");
      expect(page.length).toBe(40);
      expect(await read(() => r.object("ENCODING", "big"))).toBe("skiplist");
      expect(await timed(() => r.del("big"))).toBe(1);
      expect(await r.exists("big")).toBe(0);
      // Single operations may run into the LSM's flushes and compactions: most must be quick.
      timings.sort((a, b) => a - b);
      expect(timings[timings.length >> 1]).toBeLessThan(20);
    } finally {
      await srv.stop();
    }
  }, 30_000);
});
