// The LSM engine's reclaim filter at the engine level: stale sub-keys go,
// live ones and those an open snapshot can still reach stay; versions stay
// unique across reopen (the version floor).

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { subKeyPrefix, prefixEnd } from "../../../src/storage/lsm-engine/encoding.ts";
import { LsmEngine } from "../../../src/storage/lsm-engine/lsm-engine.ts";
import type { LsmMeta } from "../../../src/storage/lsm-engine/lsm-db.ts";
import type { Snapshot } from "../../../src/storage/lsm/index.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openEngine(dir?: string): Promise<LsmEngine> {
  const d = dir ?? mkdtempSync(join(tmpdir(), "aikv-reclaim-"));
  if (dir === undefined) dirs.push(d);
  return LsmEngine.open({ dir: d, dbCount: 2, syncPolicy: "no" });
}

function fillHash(engine: LsmEngine, key: string, fields: number): LsmMeta {
  const db = engine.db(0);
  const args: Uint8Array[] = [];
  for (let i = 0; i < fields; i++) args.push(enc(`f${i}`), enc(`v${i}`));
  db.hashes.set(enc(key), db.lookup(enc(key)), args);
  return db.lookup(enc(key))!;
}

/** Sub-key entries of one key version, read at `snapshot` (or now). */
function subKeysOf(engine: LsmEngine, meta: LsmMeta, snapshot?: Snapshot): number {
  const prefix = subKeyPrefix(engine.db(0).slot, meta.key, meta.version);
  let n = 0;
  for (const _ of engine.lsm.iterator({ gte: prefix, lt: prefixEnd(prefix), snapshot })) n++;
  return n;
}

describe("reclaim filter (lsm engine)", () => {
  test("removes the sub-keys of a deleted key, keeps a live key's", async () => {
    const engine = await openEngine();
    const dead = fillHash(engine, "dead", 2000);
    const live = fillHash(engine, "live", 500);
    engine.db(0).delete(enc("dead"));
    await engine.compact();
    expect(subKeysOf(engine, dead)).toBe(0);
    expect(subKeysOf(engine, live)).toBe(500);
    expect(engine.lsm.stats().filterRemovedEntries).toBeGreaterThanOrEqual(2000);
    expect(engine.lsm.stats().tableEntries).toBeLessThan(600);
    await engine.close();
  });

  test("keeps what an open snapshot can still read, removes it once released", async () => {
    const engine = await openEngine();
    const old = fillHash(engine, "h", 1000);
    const snapshot = engine.lsm.snapshot();
    engine.db(0).delete(enc("h"));
    const recreated = fillHash(engine, "h", 10); // same key, new version
    expect(recreated.version).not.toBe(old.version);
    await engine.compact();
    expect(subKeysOf(engine, old, snapshot)).toBe(1000);
    expect(subKeysOf(engine, recreated)).toBe(10);
    snapshot.release();
    await engine.compact();
    expect(subKeysOf(engine, old)).toBe(0);
    expect(subKeysOf(engine, recreated)).toBe(10);
    await engine.close();
  });

  test("with too many open snapshots to check, nothing is removed", async () => {
    const engine = await openEngine();
    const old = fillHash(engine, "h", 200);
    engine.db(0).delete(enc("h"));
    const snapshots: Snapshot[] = [];
    for (let i = 0; i < 16; i++) {
      engine.lsm.put(enc(`\x00test-snapshot-${i}`), enc("x")); // distinct sequence numbers
      snapshots.push(engine.lsm.snapshot());
    }
    await engine.compact();
    expect(subKeysOf(engine, old)).toBe(200);
    for (const snapshot of snapshots) snapshot.release();
    await engine.compact();
    expect(subKeysOf(engine, old)).toBe(0);
    await engine.close();
  });

  test("overwrite by a string orphans the sub-keys; the orphan counter sees it", async () => {
    const engine = await openEngine();
    const old = fillHash(engine, "k", 300);
    const db = engine.db(0);
    db.setString(enc("k"), enc("now a string"), 0);
    expect(engine.orphans.entries).toBe(300);
    await engine.compact();
    expect(subKeysOf(engine, old)).toBe(0);
    expect(db.getString(db.lookup(enc("k"))!)).toEqual(enc("now a string"));
    await engine.close();
  });

  test("zsets (member + score index) and lists are reclaimed and counted by their entries", async () => {
    const engine = await openEngine();
    const db = engine.db(0);
    for (let i = 0; i < 50; i++) db.zsets.set(enc("z"), db.lookup(enc("z")), enc(`m${i}`), i);
    db.lists.push(enc("l"), null, "right", Array.from({ length: 40 }, (_, i) => enc(`e${i}`)));
    const zset = db.lookup(enc("z"))!;
    const list = db.lookup(enc("l"))!;
    expect(subKeysOf(engine, zset)).toBe(100);
    db.delete(enc("z"));
    db.delete(enc("l"));
    expect(engine.orphans.entries).toBe(2 * 50 + 40);
    await engine.compact();
    expect(subKeysOf(engine, zset)).toBe(0);
    expect(subKeysOf(engine, list)).toBe(0);
    expect(engine.lsm.stats().filterRemovedEntries).toBeGreaterThanOrEqual(140);
    await engine.close();
  });

  test("versions stay above every earlier run's, even if the clock stepped back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aikv-reclaim-"));
    dirs.push(dir);
    let engine = await openEngine(dir);
    const before = engine.newVersion();
    await engine.close();
    const realNow = Date.now;
    Date.now = () => realNow() - 3_600_000; // an hour back
    try {
      engine = await openEngine(dir);
      expect(engine.newVersion()).toBeGreaterThan(before);
      await engine.close();
    } finally {
      Date.now = realNow;
    }
  });
});
