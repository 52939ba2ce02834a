// OBJECT IDLETIME / OBJECT FREQ state on the lsm engine: the set-associative
// access table (access-times.ts), and idle times through the engine as keys
// are written, touched, deleted and re-created.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccessTimes, type HeldAccess, NOT_HELD, RELEASED } from "../../../src/storage/lsm-engine/access-times.ts";
import { Config } from "../../../src/config/config.ts";
import { Client } from "../../../src/net/client.ts";
import { Server } from "../../../src/server.ts";
import type { StorageEngine } from "../../../src/storage/engine.ts";
import { LsmEngine } from "../../../src/storage/lsm-engine/lsm-engine.ts";
import { metaCacheOf } from "../../../src/storage/lsm-engine/meta-cache.ts";
import { MemoryEngine } from "../../../src/storage/memory/memory-engine.ts";
import { LFU_INIT_VAL, lfuState } from "../../../src/keyspace/lfu.ts";
import { murmur3Bytes } from "../../../src/util/murmur3.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const enc = (s: string) => new TextEncoder().encode(s);

/** An lsm engine of dbCount dbs in a new dir, which afterEach removes. */
async function openLsm(dbCount: number): Promise<LsmEngine> {
  const dir = mkdtempSync(join(tmpdir(), "aikv-access-"));
  dirs.push(dir);
  return LsmEngine.open({ dir, dbCount, syncPolicy: "no" });
}

test("idle times and LFU states are set, touched and forgotten per key, binary keys included", () => {
  const times = new AccessTimes(1000);
  const a = enc("a");
  const b1 = new Uint8Array([0x61, 0xff, 0x00]);
  const b2 = new Uint8Array([0x61, 0xfe, 0x00]);
  times.touch(a);
  times.setIdleTime(a, 100);
  expect(times.idleTime(a)).toBe(100);
  times.touch(a);
  expect(times.idleTime(a)).toBe(0);
  times.setIdleTime(b1, 40);
  times.setIdleTime(b2, 60);
  expect(times.idleTime(b1)).toBe(40);
  expect(times.idleTime(b2)).toBe(60);
  times.setLfuState(b1, 1234);
  expect(times.lfuState(b1)).toBe(1234);
  expect(times.idleTime(b1)).toBe(40); // an LFU update is not an access
  expect(times.lfuState(b2)).toBe(lfuState(LFU_INIT_VAL));
  times.forget(a);
  expect(times.idleTime(a)).toBe(0); // untracked: idle since start (the table forgot nothing older)
  expect(times.lfuState(a)).toBe(lfuState(LFU_INIT_VAL));
  times.clear();
  expect(times.idleTime(b2)).toBe(0);
});

test("a key arriving in a full set replaces the set's least recently accessed key", () => {
  const times = new AccessTimes(4); // one set of four slots
  const keys = [0, 1, 2, 3].map((i) => enc(`k${i}`));
  keys.forEach((key, i) => times.setIdleTime(key, 100 + 10 * i)); // k3 is the least recently accessed
  times.created(enc("new"));
  expect(times.idleTime(enc("new"))).toBe(0);
  expect(times.idleTime(keys[0])).toBe(100);
  expect(times.idleTime(keys[1])).toBe(110);
  expect(times.idleTime(keys[2])).toBe(120);
  // Evicted: idle since the newest access the table forgot, or since start if later (here).
  expect(times.idleTime(keys[3])).toBe(0);
  times.created(enc("newer")); // evicts k2
  expect(times.idleTime(keys[2])).toBe(0);
  expect(times.idleTime(keys[0])).toBe(100);
  expect(times.idleTime(keys[1])).toBe(110);
});

test("a cached entry takes its key's state from the table at its first access, holds it, and gives it back when released", () => {
  const times = new AccessTimes(1000);
  const key = enc("k");
  const entry: HeldAccess = { key, hash: murmur3Bytes(key), atime: NOT_HELD, lfu: 0 };
  times.setIdleTime(key, 40);
  times.setLfuState(key, 1234);
  expect(times.idleTime(key, entry)).toBe(40); // read from the table: nothing taken
  expect(entry.atime).toBe(NOT_HELD);
  times.setIdleTime(key, 30, entry); // taken: the LFU state comes along
  expect(entry.atime).toBeGreaterThan(0);
  expect(times.lfuState(key, entry)).toBe(1234);
  expect(times.idleTime(key, entry)).toBe(30);
  expect(times.idleTime(key)).toBe(0); // the table's slot was freed: untracked, idle since start
  times.setLfuState(key, 99, entry);
  times.release(entry);
  expect(entry.atime).toBe(RELEASED);
  expect(times.idleTime(key)).toBe(30);
  expect(times.lfuState(key)).toBe(99);
  times.touch(key, entry); // released: the table is written, not the entry
  expect(entry.atime).toBe(RELEASED);
  expect(times.idleTime(key)).toBe(0);
  // A key untracked when taken: the untracked idle time and the initial LFU state, as the table answers.
  const other = enc("other");
  const otherEntry: HeldAccess = { key: other, hash: murmur3Bytes(other), atime: NOT_HELD, lfu: 0 };
  times.setLfuState(other, 77, otherEntry);
  expect(times.idleTime(other, otherEntry)).toBe(0);
  expect(times.lfuState(other, otherEntry)).toBe(77);
  times.forget(other, otherEntry); // deleted: the entry (now known missing) holds nothing
  expect(otherEntry.atime).toBe(NOT_HELD);
  expect(times.lfuState(other, otherEntry)).toBe(lfuState(LFU_INIT_VAL));
  times.created(other, otherEntry);
  expect(otherEntry.atime).toBeGreaterThan(0);
  expect(times.lfuState(other, otherEntry)).toBe(lfuState(LFU_INIT_VAL));
});

test("idle times through the metadata cache follow SET, touches, DEL and re-creation", async () => {
  const engine = await openLsm(1);
  try {
    const db = engine.db(0);
    const key = enc("k");
    db.setString(key, enc("v"), 0);
    db.setIdleTime(db.lookup(key)!, 50);
    expect(db.idleTime(db.lookup(key)!)).toBe(50);
    db.touch(db.lookup(key)!); // through the cache entry's reference
    expect(db.idleTime(db.lookup(key)!)).toBe(0);
    db.setIdleTime(db.lookup(key)!, 70);
    db.delete(key);
    db.setString(key, enc("w"), 0); // a new key: idle time restarts
    expect(db.idleTime(db.lookup(key)!)).toBe(0);
    db.setIdleTime(db.lookup(key)!, 30);
    db.setString(key, enc("x"), 0); // overwritten: a new value object
    expect(db.idleTime(db.lookup(key)!)).toBe(0);
  } finally {
    await engine.close();
  }
});

test("a write the engine refuses (MISCONF) empties the metadata cache: the idle times and LFU states its entries held go back to the access table", async () => {
  const engine = await openLsm(1);
  try {
    const db = engine.db(0);
    const key = enc("k");
    db.setString(key, enc("v"), 0);
    db.setIdleTime(db.lookup(key)!, 50);
    db.setLfuState(db.lookup(key)!, 1234);
    engine.writeError = () => "MISCONF refused by the test";
    expect(() => db.setString(enc("other"), enc("v"), 0)).toThrow("MISCONF");
    engine.writeError = LsmEngine.prototype.writeError;
    expect(metaCacheOf(engine).stats().entries).toBe(0);
    expect(db.idleTime(db.lookup(key)!)).toBe(50);
    expect(db.lfuState(db.lookup(key)!)).toBe(1234);
  } finally {
    await engine.close();
  }
});

/**
 * A sequence of commands whose replies depend on access times and LFU
 * states. "evict" writes FILLERS (a small metadata cache evicts older
 * entries) and then calls the run's evict (which may empty the lsm engine's
 * metadata cache: the keys' states go back to the access table); RESTORE's
 * payloads are DUMPed by the same server. Counters stay at or below LFU_INIT_VAL + 1 while GETs bump them,
 * where an increment is certain (lfuAccess), so replies do not depend on
 * Math.random.
 */
const SEQUENCE: string[][] = [
  ["set", "a", "1"], ["set", "b", "2"], ["set", "big", "x".repeat(3000)],
  ["restore", "idle", "0", "DUMP:a", "idletime", "100"], ["object", "idletime", "idle"], ["evict"], ["object", "idletime", "idle"],
  ["get", "idle"], ["object", "idletime", "idle"], ["restore", "idle", "0", "DUMP:a", "idletime", "50", "replace"], ["evict"],
  ["type", "idle"], ["exists", "idle"], ["object", "idletime", "idle"], ["object", "idletime", "idle"],
  ["restore", "bigidle", "0", "DUMP:big", "idletime", "70"], ["object", "idletime", "bigidle"], ["evict"], ["object", "idletime", "bigidle"],
  // Deleted and re-created: a new key.
  ["del", "idle"], ["set", "idle", "3"], ["object", "idletime", "idle"],
  ["restore", "idle", "0", "DUMP:a", "idletime", "40", "replace"], ["evict"], ["del", "idle"], ["set", "idle", "4"], ["object", "idletime", "idle"],
  // Moved between dbs and swapped with another db, the cache evicted between.
  ["restore", "s", "0", "DUMP:a", "idletime", "60"], ["swapdb", "0", "1"], ["select", "1"], ["object", "idletime", "s"], ["evict"],
  ["object", "idletime", "s"], ["swapdb", "0", "1"], ["select", "0"], ["object", "idletime", "s"], ["exists", "s"],
  ["move", "s", "2"], ["select", "2"], ["object", "idletime", "s"], ["select", "0"],
  ["restore", "r", "0", "DUMP:a", "idletime", "80"], ["rename", "r", "r2"], ["object", "idletime", "r2"],
  ["restore", "f", "0", "DUMP:a", "idletime", "90"], ["flushdb"], ["set", "f", "1"], ["object", "idletime", "f"],
  // LFU.
  ["config", "set", "maxmemory-policy", "allkeys-lfu"],
  ["restore", "q", "0", "DUMP:a", "freq", "2"], ["object", "freq", "q"], ["evict"], ["object", "freq", "q"], ["get", "q"], ["object", "freq", "q"],
  ["evict"], ["get", "q"], ["get", "q"], ["object", "freq", "q"], ["evict"], ["object", "freq", "q"], ["get", "q"], ["object", "freq", "q"],
  ["restore", "q2", "0", "DUMP:a", "freq", "200"], ["evict"], ["type", "q2"], ["object", "freq", "q2"],
  ["rename", "q2", "q3"], ["object", "freq", "q3"], ["evict"], ["object", "freq", "q3"],
  ["restore", "m", "0", "DUMP:a", "freq", "1"], ["evict"], ["move", "m", "3"], ["select", "3"], ["object", "freq", "m"], ["evict"], ["object", "freq", "m"],
  ["swapdb", "3", "4"], ["select", "4"], ["object", "freq", "m"], ["select", "0"],
  ["del", "q"], ["set", "q", "1"], ["object", "freq", "q"],
  ["restore", "bigq", "0", "DUMP:big", "freq", "3"], ["get", "bigq"], ["object", "freq", "bigq"], ["evict"], ["object", "freq", "bigq"],
  ["flushall"], ["set", "q", "1"], ["object", "freq", "q"],
];

const FILLERS = ["mset", ...Array.from({ length: 24 }, (_, i) => [`filler:${i}`, "x"]).flat()];

/** The replies (RESP text) to SEQUENCE on an in-process server of engine; synchronous, so the seconds clock does not move. */
function runSequence(engine: StorageEngine, evict: () => void): string[] {
  const server = new Server(new Config(), engine);
  const c = new Client(server, null, 1);
  const dumps = new Map<string, Uint8Array>();
  const run = (argv: Uint8Array[]): string => {
    server.out.reset();
    server.execute(c, argv);
    return Buffer.from(server.out.take()).toString("latin1");
  };
  const replies: string[] = [];
  for (const command of SEQUENCE) {
    if (command[0] === "evict") {
      run(FILLERS.map(enc));
      evict();
      continue;
    }
    const argv = command.map((arg): Uint8Array => {
      if (!arg.startsWith("DUMP:")) return enc(arg);
      const key = arg.slice(5);
      if (!dumps.has(key)) {
        const reply = Buffer.from(run([enc("dump"), enc(key)]), "latin1");
        const start = reply.indexOf("\r\n") + 2;
        dumps.set(key, new Uint8Array(reply.subarray(start, reply.length - 2)));
      }
      return dumps.get(key)!;
    });
    replies.push(`${command.join(" ").slice(0, 40)} -> ${run(argv)}`);
  }
  return replies;
}

test("OBJECT IDLETIME and FREQ answer as on the memory engine while keys' entries are evicted from the metadata cache, held, deleted, moved and flushed", async () => {
  // The lsm engine three ways: the cache emptied where the sequence says, a cache of about 16 entries, and no cache.
  const [explicit, small, none] = [await openLsm(16), await openLsm(16), await openLsm(16)];
  try {
    const memory = runSequence(new MemoryEngine(16), () => {});
    const evictAll = (engine: LsmEngine) => () => {
      const cache = metaCacheOf(engine);
      const capacity = cache.capacity;
      cache.setCapacity(0);
      cache.setCapacity(capacity);
    };
    metaCacheOf(small).setCapacity(16 * 240); // the least a ~240-byte entry is cached in
    metaCacheOf(none).setCapacity(0);
    expect(runSequence(explicit, evictAll(explicit))).toEqual(memory);
    const smallCache = metaCacheOf(small);
    expect(runSequence(small, () => expect(smallCache.stats().entries).toBeGreaterThan(5))).toEqual(memory);
    expect(runSequence(none, () => {})).toEqual(memory);
    // What the memory engine answered, at a few steps.
    expect(memory).toContain("object idletime idle -> :100\r\n");
    expect(memory).toContain("object idletime bigidle -> :70\r\n");
    expect(memory).toContain("object idletime s -> :60\r\n");
    expect(memory).toContain("object freq q2 -> :200\r\n");
  } finally {
    for (const engine of [explicit, small, none]) await engine.close();
  }
});
