// Read consistency of collections on the LSM engine under constant background
// work: tiny memtables and tables make flushes (in the flush worker, with the
// reclaim filter) and compactions (in the compaction worker, filter on) run
// all the time while a seeded workload writes sets and hashes - adds,
// removes, DEL and recreate, overwrite (new version), RENAME, COPY, FLUSHDB
// (of this db and of another one). After every step, every key's metadata
// (type, element count) must agree with a full iteration of its sub-keys and
// with a model; the same after each reopen, read at once (before any
// background work has run).
//
// A small table cache (3 open tables) runs the same workload while tables are
// evicted and reopened under the reads.
//
// STRESS_SEEDS=1,2,3 STRESS_STEPS=20000 runs a longer search.

import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToStr, strToBytes } from "../../../src/net/bytes.ts";
import { LsmEngine } from "../../../src/storage/lsm-engine/lsm-engine.ts";
import type { LsmDb } from "../../../src/storage/lsm-engine/lsm-db.ts";
import { mulberry32 } from "../../../src/util/prng.ts";

const TUNING = {
  memtableSize: 4096,
  targetFileSize: 8192,
  blockSize: 512,
  l1TargetBytes: 32 * 1024,
  l0CompactionTrigger: 2,
  maxImmutableMemtables: 2,
  fsync: false,
};

const KEYS = 10;
const MEMBERS = 40;

/** The model of one db: key -> type and members (a hash's fields map to values; a set's to ""). */
type Model = Map<string, { type: "set" | "hash"; fields: Map<string, string> }>;

/** maxOpenFiles: a small table cache evicts (and closes) tables while reads use the tree. */
function open(dir: string, maxOpenFiles: number): Promise<LsmEngine> {
  return LsmEngine.open({ dir, dbCount: 2, syncPolicy: "no", tuning: { ...TUNING, maxOpenFiles } });
}

/** Element payloads long enough that a few hundred writes fill a memtable. */
function member(n: number): Uint8Array {
  return strToBytes(`member-${n}-${"x".repeat(24)}`);
}

/** Every model key reads back whole and consistent; no other key exists. */
function check(db: LsmDb, model: Model, where: string): void {
  for (let k = 0; k < KEYS; k++) {
    for (const type of ["set", "hash"] as const) {
      const name = `${type}:${k}`;
      const want = model.get(name);
      const meta = db.lookup(strToBytes(name));
      if (want === undefined) {
        expect(meta, `${where}: ${name} should not exist`).toBeNull();
        continue;
      }
      expect(meta, `${where}: ${name} missing`).not.toBeNull();
      const got = new Map<string, string>();
      if (type === "set") {
        expect(db.sets.card(meta!), `${where}: SCARD ${name}`).toBe(want.fields.size);
        for (const m of db.sets.members(meta!)) got.set(bytesToStr(m), "");
      } else {
        expect(db.hashes.length(meta!), `${where}: HLEN ${name}`).toBe(want.fields.size);
        db.hashes.forEach(meta!, (f, v) => got.set(bytesToStr(f), bytesToStr(v)));
      }
      expect([...got].sort(), `${where}: elements of ${name}`).toEqual([...want.fields].sort());
    }
  }
}

/** Steps between crash copies (see checkCrashCopy). */
const CRASH_COPY_EVERY = 150;

/**
 * What a SIGKILL leaves: the directory copied while the engine runs (the copy
 * is synchronous, so no install happens meanwhile; obsolete files being
 * deleted off the main thread may vanish before they are copied, as they may
 * in a crash; the WAL is first handed to the OS, so the copy holds every
 * write). Opened in this
 * process, it must read back the model at once - while its start-up
 * compaction runs - and after some background work.
 */
/** Copies the tree at from to to, skipping files deleted while it copies. */
function copyPresent(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    try {
      if (e.isDirectory()) copyPresent(join(from, e.name), join(to, e.name));
      else copyFileSync(join(from, e.name), join(to, e.name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

async function checkCrashCopy(engine: LsmEngine, dir: string, maxOpenFiles: number, model: Model, where: string): Promise<void> {
  await engine.lsm.syncWal();
  const copyDir = `${dir}-crash`;
  copyPresent(dir, copyDir);
  const copy = await open(copyDir, maxOpenFiles);
  try {
    check(copy.db(0), model, `${where}, crash copy at once`);
    for (let i = 0; i < 5; i++) {
      await Bun.sleep(1);
      check(copy.db(0), model, `${where}, crash copy after ${i + 1} ms`);
    }
  } finally {
    await copy.close();
    rmSync(copyDir, { recursive: true, force: true });
  }
}

async function run(seed: number, steps: number, reopenEvery: number, maxOpenFiles: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "aikv-read-consistency-"));
  const rand = mulberry32(seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const model: Model = new Map();
  let engine = await open(dir, maxOpenFiles);
  // Background work done over all the engine's lifetimes: the test must have exercised it.
  const work = { flushes: 0, compactions: 0, filterRemovedEntries: 0 };
  const closeEngine = async (): Promise<void> => {
    const stats = engine.lsm.stats();
    for (const k of Object.keys(work) as (keyof typeof work)[]) work[k] += stats[k];
    await engine.close();
  };
  try {
    for (let step = 0; step < steps; step++) {
      const db = engine.db(0);
      const type = rand() < 0.5 ? "set" : "hash";
      const name = `${type}:${pick(KEYS)}`;
      const key = strToBytes(name);
      const meta = db.lookup(key);
      const entry = model.get(name);
      const r = rand();
      if (r < 0.45) {
        // Add elements (creating the key when missing).
        const fields = entry?.fields ?? new Map<string, string>();
        const args: Uint8Array[] = [];
        for (let i = 1 + pick(4); i > 0; i--) {
          const m = member(pick(MEMBERS));
          const value = type === "set" ? "" : `v${step}`;
          fields.set(bytesToStr(m), value);
          args.push(m, strToBytes(value));
        }
        if (type === "set") db.sets.add(key, meta, args.filter((_, i) => i % 2 === 0));
        else db.hashes.set(key, meta, args);
        model.set(name, { type, fields });
      } else if (r < 0.65 && entry !== undefined) {
        // Remove elements (the key goes when emptied).
        const gone = [...entry.fields.keys()].filter(() => rand() < 0.3).map(strToBytes);
        if (gone.length === 0) continue;
        if (type === "set") db.sets.remove(key, meta!, gone);
        else db.hashes.delete(key, meta!, gone);
        for (const g of gone) entry.fields.delete(bytesToStr(g));
        if (entry.fields.size === 0) model.delete(name);
      } else if (r < 0.75 && entry !== undefined) {
        db.delete(key);
        model.delete(name);
      } else if (r < 0.82 && type === "set") {
        // SINTERSTORE-like overwrite: a new version replaces the old one.
        const members = Array.from({ length: 1 + pick(8) }, () => member(pick(MEMBERS)));
        db.sets.store(key, members);
        model.set(name, { type, fields: new Map(members.map((m) => [bytesToStr(m), ""])) });
      } else if (r < 0.88 && entry !== undefined) {
        // RENAME over another key of the same type (deleted first, as the keyspace does).
        const dstName = `${type}:${pick(KEYS)}`;
        if (dstName === name) continue;
        if (model.has(dstName)) db.delete(strToBytes(dstName));
        db.rename(key, strToBytes(dstName));
        model.set(dstName, entry);
        model.delete(name);
      } else if (r < 0.92 && entry !== undefined) {
        // COPY into db 1, which FLUSHDB (a new slot, range tombstones over the old one) empties now and then.
        const copyKey = strToBytes(`copy:${step}`);
        db.copy(key, engine.db(1), copyKey);
        expect(engine.db(1).lookup(copyKey)).not.toBeNull();
      } else if (r < 0.93) {
        engine.db(1).clear();
      } else if (r < 0.933) {
        await engine.compact();
      } else if (r < 0.936) {
        // FLUSHDB of the db under test: its keys move to a new slot, the old one is range-deleted.
        db.clear();
        model.clear();
      }
      check(db, model, `seed ${seed} step ${step}`);
      // Let background work install and the filter's queries be answered, at varying points.
      if (step % 3 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (step % 50 === 0) await Bun.sleep(pick(3));
      if (step % CRASH_COPY_EVERY === CRASH_COPY_EVERY - 1) await checkCrashCopy(engine, dir, maxOpenFiles, model, `seed ${seed} step ${step}`);
      if (step > 0 && step % reopenEvery === 0) {
        await closeEngine();
        engine = await open(dir, maxOpenFiles);
        check(engine.db(0), model, `seed ${seed} step ${step}, right after reopen`);
      }
    }
    await engine.compact();
    check(engine.db(0), model, `seed ${seed}, after a full compaction`);
    await closeEngine();
    engine = await open(dir, maxOpenFiles);
    check(engine.db(0), model, `seed ${seed}, reopened at the end`);
    for (const [k, n] of Object.entries(work)) expect(n, k).toBeGreaterThan(0);
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const seeds = (process.env.STRESS_SEEDS ?? "1").split(",").map(Number);
const steps = Number(process.env.STRESS_STEPS ?? 1000);

describe("lsm engine: collections read back consistently under flushes, compactions and the reclaim filter", () => {
  for (const seed of seeds) {
    test(`seed ${seed}, ${steps} steps`, () => run(seed, steps, 400, 1000), 120_000);
    // A table opened by a lookup was once evicted (closed) by its own insertion into a full cache.
    test(`seed ${seed}, ${steps} steps, 3 open tables at most`, () => run(seed, steps, 400, 3), 120_000);
  }
});
