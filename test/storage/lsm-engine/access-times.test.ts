// OBJECT IDLETIME state on the lsm engine: touches through the metadata
// cache's reference to a key's access entry, and what happens once that
// entry has left the access table.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccessTimes } from "../../../src/storage/lsm-engine/access-times.ts";
import { LsmEngine } from "../../../src/storage/lsm-engine/lsm-engine.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const enc = (s: string) => new TextEncoder().encode(s);

test("a reference from touch() is valid until its entry is forgotten or evicted", () => {
  const times = new AccessTimes(4);
  const a = times.touch("a");
  times.setIdleTime("a", 100);
  expect(times.idleTime("a")).toBe(100);
  expect(times.touchTracked(a)).toBe(true);
  expect(times.idleTime("a")).toBe(0);
  times.forget("a");
  expect(times.touchTracked(a)).toBe(false);
  const b = times.created("b");
  for (let i = 0; i < 10; i++) times.created(`k${i}`); // evicts b (never touched since placed)
  expect(times.touchTracked(b)).toBe(false);
  times.clear();
  expect(times.touchTracked(times.touch("c"))).toBe(true);
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
