// lua-atomic-rollback (AiKv's own, beyond Redis): a script that raises an
// error leaves the keyspace as it found it.
//
// Before a write command called from the script runs, every key it names
// (from its key specs) that the script has not touched yet is saved as a
// DUMP payload with its expiry (engine-agnostic: works on every engine), or
// remembered as absent. On error the saved keys are put back in place and
// the absent ones deleted; on success the saved copies are dropped. Commands
// whose effect is not limited to their key arguments (FLUSHDB, FLUSHALL,
// SWAPDB, MOVE's destination...) are refused while rollback is on, so the
// guarantee holds for everything a script may do.

import type { Command } from "../commands/table.ts";
import type { Db } from "../keyspace/keyspace.ts";
import { bytesToStr } from "../net/bytes.ts";
import { createDumpPayload, loadDumpPayload, type RestorableValue } from "../keyspace/dump.ts";

/** Commands that write beyond their key arguments: not undoable key by key. */
const NOT_UNDOABLE = new Set(["flushdb", "flushall", "swapdb", "move", "copy", "debug", "restore-asking"]);

export const NOT_UNDOABLE_ERROR = "ERR This command can't be undone, so it is not allowed from scripts while lua-atomic-rollback is on";

/** A key as the script found it: its value and expiry, or null when it did not exist. */
interface SavedKey {
  key: Uint8Array;
  saved: { value: RestorableValue; expireAt: number } | null;
}

export class UndoLog {
  /** Per database: latin1 key -> the key as it was before the script. */
  private readonly touched = new Map<number, Map<string, SavedKey>>();

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
      const meta = db.store.lookup(key);
      const saved = meta === null ? null : { value: loadDumpPayload(createDumpPayload(db.store, key, meta)), expireAt: meta.expireAt };
      seen.set(name, { key, saved });
    }
  }

  /** Puts every touched key back as it was before the script. */
  restore(dbs: Db[]): void {
    for (const [index, keys] of this.touched) {
      const db = dbs[index];
      for (const { key, saved } of keys.values()) {
        db.store.delete(key);
        if (saved !== null) saved.value.create(db.store, key, saved.expireAt);
        db.modified(key);
      }
    }
  }

  get empty(): boolean {
    return this.touched.size === 0;
  }
}
