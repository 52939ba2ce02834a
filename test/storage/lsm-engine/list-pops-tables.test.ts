// Lists on the lsm engine whose elements live in the tables: pop streaks
// through flushed elements, with other writes to the same list between pops
// (in the same event-loop turn and not, in MULTI), DEL and re-creation, live
// LSM snapshots, and pops of another list at the neighbouring position, run
// on in-process servers of both engines with every reply compared. A read
// ahead of a pop streak (reading the next elements in one pass, tried in
// 2026-11-27's session) must keep these passing: what it holds is stale once
// anything but the streak's own pops writes.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Config } from "../../../src/config/config.ts";
import { bytesToStr, strToBytes } from "../../../src/net/bytes.ts";
import { Client } from "../../../src/net/client.ts";
import { Server } from "../../../src/server.ts";
import type { StorageEngine } from "../../../src/storage/engine.ts";
import { LsmEngine } from "../../../src/storage/lsm-engine/lsm-engine.ts";
import { MemoryEngine } from "../../../src/storage/memory/memory-engine.ts";
import { mulberry32 } from "../../../src/util/prng.ts";

/** An in-process server of engine, emptied: run() executes one command and returns its reply as RESP text. */
function harness(engine: StorageEngine): { run(...args: string[]): string } {
  for (let i = 0; i < engine.dbCount; i++) engine.db(i).clear();
  const server = new Server(new Config(), engine);
  const c = new Client(server, null, 1);
  return {
    run(...args) {
      server.out.reset();
      server.execute(c, args.map(strToBytes));
      return bytesToStr(server.out.take());
    },
  };
}

const nextTurn = (): Promise<void> => new Promise((done) => setImmediate(done));

describe("lsm engine: list pops of elements in the tables", () => {
  const dir = mkdtempSync(join(tmpdir(), "aikv-lsm-list-pops-"));
  const memory = new MemoryEngine(16);
  let lsm: LsmEngine;
  beforeAll(async () => {
    // Flushes and compactions on this thread: a worker's, at idle priority, can take seconds on a busy machine.
    lsm = await LsmEngine.open({ dir, dbCount: 16, syncPolicy: "no", tuning: { compactionMode: "inline" } });
  });
  afterAll(async () => {
    await lsm.close();
    await memory.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a pop of another list at the position the last pops lead to, with no write between, gets that list's element", async () => {
    const h = harness(lsm);
    h.run("RPUSH", "a", ...Array.from({ length: 100 }, (_, i) => `a${i}`));
    // b's last element is at the position a's next pop after these three.
    h.run("RPUSH", "b", ...Array.from({ length: 97 }, (_, i) => `b${i}`));
    await lsm.lsm.flush();
    for (const i of [99, 98, 97]) expect(h.run("RPOP", "a")).toBe(`$3\r\na${i}\r\n`);
    expect(h.run("RPOP", "b")).toBe("$3\r\nb96\r\n");
    expect(h.run("RPOP", "a")).toBe("$3\r\na96\r\n");
  }, 30_000);

  test("pops match the memory engine through flushes and other writes to the same list", async () => {
    const mem = harness(memory);
    const tree = harness(lsm);
    const random = mulberry32(7);
    const pick = (n: number) => Math.floor(random() * n);
    let made = 0;
    const fresh = () => `v${made++}`;
    const both = (...args: string[]): string => {
      const expected = mem.run(...args);
      expect(tree.run(...args)).toBe(expected);
      return expected;
    };
    const fill = () => both("RPUSH", "l", ...Array.from({ length: 200 + pick(400) }, fresh));
    const snapshots: { release(): void }[] = [];
    fill();
    for (let step = 0; step < 3000; step++) {
      const side = random() < 0.5 ? "LEFT" : "RIGHT";
      const end = side === "LEFT" ? "0" : "-1";
      const op = pick(100);
      // Streaks of pops at one end, mostly.
      if (op < 70) {
        const streak = 1 + pick(60);
        for (let i = 0; i < streak; i++) both(side === "LEFT" ? "LPOP" : "RPOP", "l");
      } else if (op < 74) both("LSET", "l", end, fresh()); // the element the next pop takes
      else if (op < 77) both("LSET", "l", side === "LEFT" ? "1" : "-2", fresh());
      else if (op < 79) both(side === "LEFT" ? "LPUSH" : "RPUSH", "l", fresh(), fresh());
      else if (op < 81) both("LINSERT", "l", side === "LEFT" ? "BEFORE" : "AFTER", bytesOf(both("LINDEX", "l", end)), fresh());
      else if (op < 83) both("LREM", "l", side === "LEFT" ? "1" : "-1", bytesOf(both("LINDEX", "l", side === "LEFT" ? "1" : "-2")));
      else if (op < 85) both(side === "LEFT" ? "LPOP" : "RPOP", "l", String(2 + pick(5)));
      else if (op < 86) both("LMOVE", "l", "l", side, side === "LEFT" ? "RIGHT" : "LEFT");
      else if (op < 88) {
        // In one transaction: pop, write the next element, pop it.
        both("MULTI");
        for (const args of [["RPOP", "l"], ["LSET", "l", "-1", fresh()], ["RPOP", "l"], ["LPOP", "l"], ["LSET", "l", "0", fresh()], ["LPOP", "l"]]) both(...args);
        both("EXEC");
      } else if (op < 89) {
        both("DEL", "l");
        fill();
      } else if (op < 92) await lsm.lsm.flush();
      else if (op < 95) await nextTurn();
      else if (op < 97) snapshots.push(lsm.lsm.snapshot());
      else if (op < 99) snapshots.shift()?.release();
      else both("LRANGE", "l", "0", "-1");
      if (both("LLEN", "l") === ":0\r\n") fill();
    }
    for (const s of snapshots) s.release();
    both("LRANGE", "l", "0", "-1");
  }, 60_000);
});

/** The bulk string a RESP reply holds ("" for a nil). */
function bytesOf(reply: string): string {
  return reply.startsWith("$-1") ? "" : reply.slice(reply.indexOf("\r\n") + 2, -2);
}
