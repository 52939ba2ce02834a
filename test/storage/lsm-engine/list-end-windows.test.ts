// List pops on the LSM engine read elements ahead (list-ops.ts EndWindows):
// a seeded workload of mostly single pops at both ends, mixed with pushes at
// both ends, pops of several, LSET, LINSERT, LREM, LTRIM, DEL and recreate,
// RENAME onto the key, FLUSHDB and reopens, on more lists than a db keeps
// windows for, with memtables small enough that elements move to tables
// between pushes and pops. Every pop's answer and every list must match an
// array model, so a window that kept a value an edit replaced fails here.

import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToStr, strToBytes } from "../../../src/net/bytes.ts";
import type { ListSide } from "../../../src/storage/list-ops.ts";
import type { LsmDb } from "../../../src/storage/lsm-engine/lsm-db.ts";
import { LsmEngine } from "../../../src/storage/lsm-engine/lsm-engine.ts";
import { mulberry32 } from "../../../src/util/prng.ts";

const TUNING = { memtableSize: 4096, targetFileSize: 8192, blockSize: 512, l0CompactionTrigger: 2, fsync: false };
/** More lists than the engine keeps windows for (4), so windows are replaced too. */
const LISTS = 6;

function open(dir: string): Promise<LsmEngine> {
  return LsmEngine.open({ dir, dbCount: 1, syncPolicy: "no", tuning: TUNING });
}

function contents(db: LsmDb, key: Uint8Array): string[] {
  const meta = db.lookup(key);
  if (meta === null) return [];
  const out: string[] = [];
  db.lists.range(meta, 0, db.lists.length(meta) - 1, (v) => out.push(bytesToStr(v)));
  return out;
}

test("single pops from read-ahead windows match a model through edits, deletes, renames, FLUSHDB and reopens", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aikv-list-ends-"));
  const rand = mulberry32(7);
  const pick = (n: number): number => Math.floor(rand() * n);
  const models = new Map<string, string[]>();
  let engine = await open(dir);
  let serial = 0;
  const value = (): string => `v${serial++}-${"x".repeat(pick(40))}`;
  let windowPops = 0;
  // Flushes over all the engine's lifetimes: elements must have moved to tables.
  let flushes = 0;
  try {
    for (let step = 0; step < 2500; step++) {
      const db = engine.db(0);
      const name = `list:${pick(LISTS)}`;
      const key = strToBytes(name);
      const model = models.get(name) ?? [];
      const meta = db.lookup(key);
      const side: ListSide = rand() < 0.5 ? "left" : "right";
      const r = rand();
      if (r < 0.25 || meta === null) {
        const values = Array.from({ length: 1 + pick(30) }, value);
        db.lists.push(key, meta, side, values.map(strToBytes));
        if (side === "left") model.unshift(...values.toReversed());
        else model.push(...values);
        models.set(name, model);
      } else if (r < 0.8) {
        // Runs of single pops: what the windows serve.
        for (let n = 1 + pick(40); n > 0 && model.length > 0; n--) {
          const m = db.lookup(key)!;
          const want = side === "left" ? model.shift()! : model.pop()!;
          expect(db.lists.pop(key, m, side, 1).map(bytesToStr), `step ${step} ${side} pop of ${name}`).toEqual([want]);
          windowPops++;
          // A push at the other end now and then: pushes write outside the windows.
          if (rand() < 0.1) {
            const v = value();
            db.lists.push(key, db.lookup(key), side === "left" ? "right" : "left", [strToBytes(v)]);
            if (side === "left") model.push(v);
            else model.unshift(v);
          }
        }
      } else if (r < 0.84) {
        const n = 2 + pick(5);
        const want = side === "left" ? model.splice(0, n) : model.splice(-n).reverse();
        expect(db.lists.pop(key, meta, side, n).map(bytesToStr), `step ${step} pop ${n}`).toEqual(want);
      } else if (r < 0.87) {
        const i = pick(model.length);
        model[i] = value();
        db.lists.set(meta, i, strToBytes(model[i]));
      } else if (r < 0.89) {
        const at = pick(model.length);
        const v = value();
        db.lists.insert(meta, strToBytes(model[at]), strToBytes(v), false);
        model.splice(at, 0, v);
      } else if (r < 0.91) {
        const target = model[pick(model.length)];
        const count = pick(5) - 2;
        const indexes = model.flatMap((v, i) => (v === target ? [i] : []));
        const chosen = count === 0 ? indexes : count > 0 ? indexes.slice(0, count) : indexes.slice(count);
        for (const i of chosen.toReversed()) model.splice(i, 1);
        expect(db.lists.remove(key, meta, strToBytes(target), count)).toBe(chosen.length);
      } else if (r < 0.93) {
        const start = pick(Math.max(1, model.length >> 2));
        const stop = model.length - 1 - pick(Math.max(1, model.length >> 2));
        db.lists.trim(key, meta, start, stop);
        model.splice(0, model.length, ...model.slice(start, stop + 1));
      } else if (r < 0.95) {
        db.delete(key);
        model.length = 0;
      } else if (r < 0.97) {
        // RENAME another list onto this one (deleted first, as the keyspace does).
        const srcName = `list:${pick(LISTS)}`;
        const src = strToBytes(srcName);
        if (srcName === name || db.lookup(src) === null) continue;
        db.delete(key);
        db.rename(src, key);
        models.set(name, models.get(srcName)!);
        models.set(srcName, []);
      } else if (r < 0.975) {
        db.clear();
        models.clear();
      } else if (r < 0.98) {
        flushes += engine.lsm.stats().flushes;
        await engine.close();
        engine = await open(dir);
      }
      for (const [n, m] of models) if (m.length === 0) models.delete(n);
      if (step % 25 === 0) {
        for (let l = 0; l < LISTS; l++) expect(contents(engine.db(0), strToBytes(`list:${l}`)), `step ${step} list:${l}`).toEqual(models.get(`list:${l}`) ?? []);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    expect(windowPops).toBeGreaterThan(5000);
    expect(flushes + engine.lsm.stats().flushes).toBeGreaterThan(20);
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
