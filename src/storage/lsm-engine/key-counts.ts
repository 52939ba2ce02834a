// DBSIZE and the expires count without a scan at start-up (FORMAT.md, "Key
// counts"): each db's counts live in an engine record per slot, written in
// the same WAL record (atomic group, or batch outside one) as the writes that
// changed them, so a crash or a torn tail keeps both or neither.

import { type DB, WriteBatch } from "../lsm/index.ts";
import { putF64, putU32 } from "./encoding.ts";

const COUNT_PREFIX = new TextEncoder().encode("\0count:");
/** Present once counts are kept: a store without it (older) is counted by a scan once. */
export const COUNTS_KEPT_KEY = new TextEncoder().encode("\0counts-kept");

// No DataView over these fresh arrays: materializing their ArrayBuffer cost
// 5% of a SET profile (every new key changes its db's count).
function countKey(slot: number): Uint8Array {
  const key = new Uint8Array(COUNT_PREFIX.length + 4);
  key.set(COUNT_PREFIX);
  putU32(key, COUNT_PREFIX.length, slot);
  return key;
}

/** encodeCounts's result, reused: batches copy what they are given. */
const counts = new Uint8Array(16);

/** A count record's value, valid until the next call. */
function encodeCounts(keys: number, expiring: number): Uint8Array {
  putF64(counts, 0, keys);
  putF64(counts, 8, expiring);
  return counts;
}

/** What KeyCounts needs of a db (LsmDb). */
export interface CountedDb {
  readonly slot: number;
  size(): number;
  expiresCount(): number;
  /** Counts by a scan of the slot. */
  recount(): void;
  restoreCounts(keys: number, expiring: number): void;
}

interface Stored {
  slot: number;
  /** countKey(slot), kept: nearly every write that creates a key stores its db's counts. */
  key: Uint8Array;
  keys: number;
  expiring: number;
}

export class KeyCounts {
  /** The counts the store holds for each db (by object: SWAPDB moves dbs, and their slots with them). */
  private readonly stored = new Map<CountedDb, Stored>();
  /**
   * The dbs whose counts or slot may have changed since appendChanges last
   * looked (changed() calls): a write that creates or deletes no key skips
   * the look at every db's counts.
   */
  private readonly pending: CountedDb[] = [];

  constructor(
    private readonly lsm: DB,
    /** The engine's dbs (SWAPDB reorders the array in place). */
    private readonly dbs: readonly CountedDb[],
  ) {}

  /** On open: the stored counts; a store from before counts were kept is scanned once. Returns whether it scanned. */
  load(): boolean {
    if (this.lsm.get(COUNTS_KEPT_KEY) === undefined) {
      this.recount();
      const batch = new WriteBatch();
      this.appendChanges(batch);
      batch.put(COUNTS_KEPT_KEY, new Uint8Array(0));
      this.lsm.write(batch);
      return true;
    }
    for (const db of this.dbs) {
      const key = countKey(db.slot);
      const raw = this.lsm.get(key);
      const view = raw === undefined ? null : new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const keys = view === null ? 0 : view.getFloat64(0);
      const expiring = view === null ? 0 : view.getFloat64(8);
      db.restoreCounts(keys, expiring);
      this.stored.set(db, { slot: db.slot, key, keys, expiring });
    }
    return false;
  }

  /**
   * Scans every db (after a disk error: a batch refused after its counters
   * moved leaves them off); the next appendChanges stores them all.
   */
  recount(): void {
    for (const db of this.dbs) {
      db.recount();
      this.changed(db);
    }
    this.stored.clear();
  }

  /** Called when db's key count, expires count or slot changed: the next appendChanges stores them. */
  changed(db: CountedDb): void {
    if (!this.pending.includes(db)) this.pending.push(db);
  }

  /**
   * Adds the records of the dbs whose counts (or slot: FLUSHDB) changed since
   * they were last stored to batch (a new one when null and there are changes);
   * returns the batch, or null when there was none and nothing changed.
   */
  appendChanges(batch: WriteBatch | null): WriteBatch | null {
    const pending = this.pending;
    while (pending.length > 0) {
      const db = pending.pop()!;
      const keys = db.size();
      const expiring = db.expiresCount();
      let s = this.stored.get(db);
      if (s !== undefined && s.slot === db.slot && s.keys === keys && s.expiring === expiring) continue;
      batch ??= new WriteBatch();
      if (s === undefined) this.stored.set(db, (s = { slot: db.slot, key: countKey(db.slot), keys, expiring }));
      else if (s.slot !== db.slot) {
        batch.delete(s.key);
        s.key = countKey(db.slot);
      }
      s.slot = db.slot;
      s.keys = keys;
      s.expiring = expiring;
      batch.put(s.key, encodeCounts(keys, expiring));
    }
    return batch;
  }
}
