// A collection's sub-key prefix (slot, key, version) is kept with its key's
// metadata-cache entry (LsmDb.prefixOf) instead of being made per command: it
// must always be the prefix of the key's current version in its db's current
// slot, through everything that gives a key a new version or moves it (DEL
// and re-create, RENAME, MOVE, SWAPDB, FLUSHDB, expiry). And the list end
// look ahead (list-ops.ts EndLookAhead) must hand the LSM exactly the keys of
// the positions the next pushes and pops touch.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { subKeyPrefix } from "../../../src/storage/lsm-engine/encoding.ts";
import { LsmEngine } from "../../../src/storage/lsm-engine/lsm-engine.ts";
import type { LsmDb, LsmMeta } from "../../../src/storage/lsm-engine/lsm-db.ts";
import { recordPrefetches } from "../../helpers/engines.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

async function open(): Promise<LsmEngine> {
  const dir = mkdtempSync(join(tmpdir(), "aikv-lsm-prefix-"));
  dirs.push(dir);
  return LsmEngine.open({ dir, dbCount: 16, syncPolicy: "everysec" });
}

/** Runs f as one command does (its writes one atomic group). */
function command<T>(engine: LsmEngine, f: () => T): T {
  engine.beginAtomic();
  try {
    return f();
  } finally {
    engine.endAtomic();
  }
}

function lookup(db: LsmDb, key: string): LsmMeta {
  const meta = db.lookup(enc(key));
  if (meta === null) throw new Error(`${key} is missing`);
  return meta;
}

/** The list's elements, and a check that its cached prefix is its current version's in db's slot. */
function listOf(db: LsmDb, key: string): string[] {
  const meta = lookup(db, key);
  expect(db.prefixOf(meta)).toEqual(subKeyPrefix(db.slot, enc(key), meta.version));
  const values: string[] = [];
  if (meta.size > 0) db.lists.range(meta, 0, meta.size - 1, (v) => values.push(dec(v)));
  return values;
}

function push(engine: LsmEngine, db: LsmDb, key: string, ...values: string[]): void {
  command(engine, () => db.lists.push(enc(key), db.lookup(enc(key)), "right", values.map(enc)));
}

function pop(engine: LsmEngine, db: LsmDb, key: string): string {
  return dec(command(engine, () => db.lists.pop(enc(key), lookup(db, key), "left", 1))[0]);
}

test("a collection's cached sub-key prefix follows its key's version and db: DEL, RENAME, MOVE, SWAPDB, FLUSHDB, expiry", async () => {
  const engine = await open();
  const db0 = engine.db(0);
  push(engine, db0, "L", "a", "b", "c");
  expect(pop(engine, db0, "L")).toBe("a");
  // A hot key's commands share one prefix, made once.
  expect(db0.prefixOf(lookup(db0, "L"))).toBe(db0.prefixOf(lookup(db0, "L")));
  expect(listOf(db0, "L")).toEqual(["b", "c"]);

  // DEL, then the key again: a new version, whose elements alone are seen.
  command(engine, () => db0.delete(enc("L")));
  push(engine, db0, "L", "x");
  expect(listOf(db0, "L")).toEqual(["x"]);
  expect(pop(engine, db0, "L")).toBe("x");

  // RENAME: the destination's prefix is its own; the source, made again, starts empty.
  push(engine, db0, "L", "r1", "r2");
  listOf(db0, "L");
  command(engine, () => db0.rename(enc("L"), enc("M")));
  expect(listOf(db0, "M")).toEqual(["r1", "r2"]);
  push(engine, db0, "L", "new");
  expect(listOf(db0, "L")).toEqual(["new"]);
  expect(pop(engine, db0, "M")).toBe("r1");

  // MOVE (a copy into another db, then DEL): the prefix carries the other db's slot.
  const db1 = engine.db(1);
  command(engine, () => {
    db0.copy(enc("M"), db1, enc("M"));
    db0.delete(enc("M"));
  });
  expect(db0.lookup(enc("M"))).toBeNull();
  expect(listOf(db1, "M")).toEqual(["r2"]);
  push(engine, db1, "M", "m2");
  expect(listOf(db1, "M")).toEqual(["r2", "m2"]);

  // SWAPDB: each key keeps its db's slot, now under the other index.
  listOf(db0, "L");
  command(engine, () => engine.swapDb(0, 1));
  expect(engine.db(0)).toBe(db1);
  expect(listOf(engine.db(0), "M")).toEqual(["r2", "m2"]);
  expect(listOf(engine.db(1), "L")).toEqual(["new"]);
  push(engine, engine.db(0), "M", "after-swap");
  expect(listOf(engine.db(0), "M")).toEqual(["r2", "m2", "after-swap"]);

  // FLUSHDB: a new slot; the key made again there is empty but for its new element.
  const flushed = engine.db(0);
  const oldSlot = flushed.slot;
  command(engine, () => flushed.clear());
  expect(flushed.slot).not.toBe(oldSlot);
  push(engine, flushed, "M", "fresh");
  expect(listOf(flushed, "M")).toEqual(["fresh"]);

  // Expiry deletes the key (as the keyspace does: through delete); made again, it is new.
  const db = engine.db(1);
  command(engine, () => db.setExpire(enc("L"), Date.now() - 1));
  command(engine, () => db.delete(enc("L")));
  push(engine, db, "L", "reborn");
  expect(listOf(db, "L")).toEqual(["reborn"]);

  // Sets and hashes read their members under the cached prefix too.
  command(engine, () => db.sets.add(enc("S"), null, [enc("m1")]));
  command(engine, () => db.delete(enc("S")));
  command(engine, () => db.sets.add(enc("S"), null, [enc("m2")]));
  const set = lookup(db, "S");
  expect(db.prefixOf(set)).toEqual(subKeyPrefix(db.slot, enc("S"), set.version));
  expect(db.sets.has(set, enc("m1"))).toBe(false);
  expect(db.sets.has(set, enc("m2"))).toBe(true);
  await engine.close();
});

test("the list end look ahead hands the LSM the keys of the next positions a run of pushes or pops touches", async () => {
  const engine = await open();
  const db = engine.db(0);
  const prefetched = recordPrefetches(engine);
  const n = 40;
  for (let i = 0; i < n; i++) command(engine, () => db.lists.push(enc("Q"), db.lookup(enc("Q")), "left", [enc(`v${i}`)]));
  // Pushes at the head: what was loaded ahead is where the next pushes went (the last look ahead's tail is beyond them).
  const pushedTo = prefetched.map((k) => engine.lsm.get(k));
  expect(pushedTo.length).toBeGreaterThan(n / 2);
  expect(pushedTo.slice(0, n - 16).every((v) => v !== undefined)).toBe(true);
  expect(new Set(pushedTo.filter((v) => v !== undefined).map((v) => dec(v!))).size).toBe(pushedTo.filter((v) => v !== undefined).length);
  // Pops at the tail take the oldest elements, which the look ahead loads before they are popped.
  prefetched.length = 0;
  const loaded: string[] = [];
  for (let i = 0; i < n; i++) {
    const before = prefetched.length;
    expect(popRight(engine, db, "Q")).toBe(`v${i}`);
    for (const k of prefetched.slice(before)) {
      const v = engine.lsm.get(k);
      if (v !== undefined) loaded.push(dec(v));
    }
  }
  // Every element loaded ahead was still there when loaded, and was popped in order.
  expect(loaded.length).toBeGreaterThan(n / 2);
  expect(loaded).toEqual(loaded.toSorted((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
  // A list's one-off command (no run) loads nothing.
  prefetched.length = 0;
  command(engine, () => db.lists.push(enc("other"), null, "left", [enc("x")]));
  command(engine, () => db.lists.push(enc("Q"), db.lookup(enc("Q")), "right", [enc("y")]));
  expect(prefetched).toEqual([]);
  await engine.close();
});

function popRight(engine: LsmEngine, db: LsmDb, key: string): string {
  return dec(command(engine, () => db.lists.pop(enc(key), lookup(db, key), "right", 1))[0]);
}
