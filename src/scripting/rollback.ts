// lua-atomic-rollback (AiKv's own, beyond Redis): a script that raises an
// error leaves the keyspace as it found it.
//
// Before a write command called from the script runs, every key it names
// (from its key specs) that the script has not touched yet is saved: copied
// with the engine's own copy primitive into a private one-database store, or
// remembered as absent. On error the saved keys are put back in place and
// the absent ones deleted; on success the saved copies are dropped. Commands
// whose effect is not limited to their key arguments (FLUSHDB, FLUSHALL,
// SWAPDB, MOVE's destination...) are refused while rollback is on, so the
// guarantee holds for everything a script may do.

import type { Command } from "../commands/table.ts";
import type { Db } from "../keyspace/keyspace.ts";
import { bytesToStr } from "../net/bytes.ts";
import type { DbStore } from "../storage/engine.ts";
import { MemoryEngine } from "../storage/memory/memory-engine.ts";

/** Commands that write beyond their key arguments: not undoable key by key. */
const NOT_UNDOABLE = new Set(["flushdb", "flushall", "swapdb", "move", "copy", "debug", "restore-asking"]);

export const NOT_UNDOABLE_ERROR = "ERR This command can't be undone, so it is not allowed from scripts while lua-atomic-rollback is on";

export class UndoLog {
  /** Saved copies, one store per database index. */
  private readonly saved = new Map<number, DbStore>();
  /** Per database: latin1 key -> the key bytes, and whether it existed. */
  private readonly touched = new Map<number, Map<string, { key: Uint8Array; existed: boolean }>>();

  /** Whether cmd may run under rollback. */
  static allows(cmd: Command): boolean {
    return !NOT_UNDOABLE.has(cmd.parent?.name ?? cmd.name);
  }

  /** Saves the keys argv names in db, the first time each is written. */
  beforeWrite(db: Db, cmd: Command, argv: Uint8Array[]): void {
    let seen = this.touched.get(db.index);
    if (seen === undefined) {
      seen = new Map();
      this.touched.set(db.index, seen);
    }
    for (const pos of cmd.keyPositions(argv)) {
      const name = bytesToStr(argv[pos]);
      if (seen.has(name)) continue;
      const key = argv[pos].slice();
      const existed = db.store.lookup(key) !== null;
      if (existed) db.store.copy(key, this.savedStore(db.index), key);
      seen.set(name, { key, existed });
    }
  }

  private savedStore(index: number): DbStore {
    let store = this.saved.get(index);
    if (store === undefined) {
      store = new MemoryEngine(1).db(0);
      this.saved.set(index, store);
    }
    return store;
  }

  /** Puts every touched key back as it was before the script. */
  restore(dbs: Db[]): void {
    for (const [index, keys] of this.touched) {
      const db = dbs[index];
      for (const { key, existed } of keys.values()) {
        db.store.delete(key);
        if (existed) this.saved.get(index)!.copy(key, db.store, key);
        db.modified(key);
      }
    }
  }

  get empty(): boolean {
    return this.touched.size === 0;
  }
}
