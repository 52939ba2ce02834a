// OBJECT IDLETIME / OBJECT FREQ state on the lsm engine: the set-associative
// access table (access-times.ts), and idle times through the engine as keys
// are written, touched, deleted and re-created.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccessTimes } from "../../../src/storage/lsm-engine/access-times.ts";
import { LsmEngine } from "../../../src/storage/lsm-engine/lsm-engine.ts";
import { LFU_INIT_VAL, lfuState } from "../../../src/keyspace/lfu.ts";
import { murmur3Bytes } from "../../../src/util/murmur3.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const enc = (s: string) => new TextEncoder().encode(s);

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

test("a hint (the cache entry's remembered slot) is used only while its slot still holds the key", () => {
  const times = new AccessTimes(4); // one set of four slots
  const key = enc("hinted");
  const hint = { hash: murmur3Bytes(key), accessFp2: 0, accessSlot: -1 };
  times.created(key, hint);
  expect(hint.accessSlot).not.toBe(-1);
  times.setIdleTime(key, 90);
  times.touch(key, hint); // through the remembered slot
  expect(times.idleTime(key)).toBe(0);
  // Four other keys, each older than the last: the hinted key (accessed now) is evicted by the fourth.
  const others = [0, 1, 2, 3].map((i) => enc(`other${i}`));
  others.forEach((other, i) => times.setIdleTime(other, 200 - i));
  times.setIdleTime(key, 500); // the least recently accessed: the next new key takes its slot
  const taker = enc("taker");
  times.created(taker);
  times.setIdleTime(taker, 7);
  times.touch(key, hint); // the slot now holds "taker": re-claimed elsewhere, taker untouched
  expect(times.idleTime(taker)).toBe(7);
  expect(times.idleTime(key)).toBe(0);
  times.forget(key);
  times.setIdleTime(taker, 8);
  times.touch(key, hint); // forgotten: tracked again, not through the stale slot
  expect(times.idleTime(key)).toBe(0);
  expect(times.idleTime(taker)).toBe(8);
});

test("idle times through the metadata cache follow SET, touches, DEL and re-creation", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aikv-access-"));
  dirs.push(dir);
  const engine = await LsmEngine.open({ dir, dbCount: 1, syncPolicy: "no" });
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

test("prefetch of hinted slots (a metadata cache's entries, some not cached or never accessed) changes nothing", () => {
  const times = new AccessTimes(1000);
  times.prefetch([null], 1); // the table is not made yet
  const key = enc("k");
  const hint = { hash: murmur3Bytes(key), accessFp2: 0, accessSlot: -1 };
  const untracked = { hash: 0, accessFp2: 0, accessSlot: -1 };
  times.created(key, hint);
  times.setIdleTime(key, 30);
  times.prefetch([hint, null, untracked], 3);
  expect(times.idleTime(key)).toBe(30);
});
