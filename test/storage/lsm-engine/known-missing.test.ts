// The metadata cache answers "missing" for a key it does not hold while it
// holds every key of its db (DbMetaCache.holdsEveryKey: set for an empty db at
// open and after FLUSHDB, dropped when an entry of a present key goes). Those
// lookups read no memtable or table; every other lookup must still find what
// the store holds: after reopening a db with keys, after evictions, for
// records too large to cache.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToStr, strToBytes } from "../../../src/net/bytes.ts";
import { LsmEngine } from "../../../src/storage/lsm-engine/lsm-engine.ts";
import type { LsmDb } from "../../../src/storage/lsm-engine/lsm-db.ts";
import { metaCacheOf } from "../../../src/storage/lsm-engine/meta-cache.ts";
import { mulberry32 } from "../../../src/util/prng.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function open(dir: string): Promise<LsmEngine> {
  return LsmEngine.open({ dir, dbCount: 2, syncPolicy: "no", tuning: { memtableSize: 8192, fsync: false } });
}

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "aikv-known-missing-"));
  dirs.push(dir);
  return dir;
}

/** Counts the engine's reads of its LSM (DB.get). */
function countReads(engine: LsmEngine): () => number {
  let reads = 0;
  const lsm = engine.lsm;
  const get = lsm.get.bind(lsm);
  lsm.get = (key: Uint8Array) => {
    reads++;
    return get(key);
  };
  return () => reads;
}

const value = (db: LsmDb, key: string): string | null => {
  const meta = db.lookup(strToBytes(key));
  return meta === null ? null : bytesToStr(db.getString(meta));
};

test("an empty db answers lookups of keys never written without reading the LSM, and finds what it writes", async () => {
  const engine = await open(freshDir());
  const reads = countReads(engine);
  const db = engine.db(0);
  for (let i = 0; i < 100; i++) expect(db.lookup(strToBytes(`missing:${i}`))).toBeNull();
  for (let i = 0; i < 100; i++) db.setString(strToBytes(`key:${i}`), strToBytes(`v${i}`), 0);
  for (let i = 0; i < 100; i++) expect(value(db, `key:${i}`)).toBe(`v${i}`);
  db.delete(strToBytes("key:7"));
  expect(value(db, "key:7")).toBeNull();
  expect(reads()).toBe(0);
  await engine.close();
});

test("a db reopened with keys, a cache that evicted, and a record too large to cache: lookups read the LSM and find the keys", async () => {
  const dir = freshDir();
  let engine = await open(dir);
  let db = engine.db(0);
  for (let i = 0; i < 200; i++) db.setString(strToBytes(`key:${i}`), strToBytes(`v${i}`), 0);
  await engine.close();

  engine = await open(dir);
  db = engine.db(0);
  const reads = countReads(engine);
  for (let i = 0; i < 200; i++) expect(value(db, `key:${i}`)).toBe(`v${i}`);
  expect(reads()).toBeGreaterThan(0);
  // db 1 is empty: it reads nothing.
  const before = reads();
  expect(engine.db(1).lookup(strToBytes("key:1"))).toBeNull();
  expect(reads()).toBe(before);

  // FLUSHDB empties db 0: it holds every key again, until its cache evicts one.
  db.clear();
  for (let i = 0; i < 200; i++) db.setString(strToBytes(`key:${i}`), strToBytes(`w${i}`), 0);
  metaCacheOf(engine).setCapacity(4096);
  for (let i = 0; i < 200; i++) expect(value(db, `key:${i}`)).toBe(`w${i}`);
  metaCacheOf(engine).setCapacity(1 << 20);

  db.clear();
  const large = "x".repeat(70 * 1024); // over a sixteenth of the 1 MiB budget: not cached
  db.setString(strToBytes("large"), strToBytes(large), 0);
  expect(value(db, "large")).toBe(large);
  await engine.close();
});

test("lookups agree with a model through writes, deletes, FLUSHDB, evictions and reopens", async () => {
  const dir = freshDir();
  let engine = await open(dir);
  const random = mulberry32(6);
  const model = new Map<string, string>();
  const check = (db: LsmDb, step: number) => {
    for (let k = 0; k < 300; k++) expect(value(db, `key:${k}`), `step ${step} key:${k}`).toBe(model.get(`key:${k}`) ?? null);
  };
  for (let step = 0; step < 3000; step++) {
    const db = engine.db(0);
    const r = random();
    const key = `key:${Math.floor(random() * 300)}`;
    if (r < 0.6) {
      const v = `v${step}`;
      db.setString(strToBytes(key), strToBytes(v), 0);
      model.set(key, v);
    } else if (r < 0.9) {
      if (db.delete(strToBytes(key))) model.delete(key);
    } else if (r < 0.99) {
      expect(value(db, key)).toBe(model.get(key) ?? null);
    } else if (r < 0.994) {
      db.clear();
      model.clear();
    } else if (r < 0.999) {
      metaCacheOf(engine).setCapacity(random() < 0.5 ? 8192 : 1 << 20);
    } else {
      await engine.close();
      engine = await open(dir);
    }
    if (step % 500 === 0) check(engine.db(0), step);
  }
  check(engine.db(0), 3000);
  await engine.close();
});
