// WATCH: optimistic locking for MULTI/EXEC, like Redis 7.0's multi.c.
//
// A client's watch is broken ("dirty", EXEC replies a null array) when a
// watched key is written or deleted (Db.modified -> Keyspace.onKeyChange, which
// includes expiry deletions), when FLUSHDB/FLUSHALL/SWAPDB replace a database
// in which the key existed (Keyspace.onDbReplace), or when the key logically
// expires between WATCH and EXEC. As in Redis 7.0, a key that was already
// expired when watched is treated as missing: its deletion by expiry is no
// change.

import type { Client } from "../net/client.ts";
import { bytesToStr } from "../net/bytes.ts";
import type { Server } from "../server.ts";
import type { Db } from "./keyspace.ts";

/** One key a client watches. */
interface WatchedKey {
  readonly db: Db;
  readonly key: Uint8Array;
  /** The key existed but had already expired at WATCH time (Redis's wk->expired). */
  expired: boolean;
}

/** A watching client's keys (by key id) and whether one of them changed. */
interface ClientWatch {
  readonly keys: Map<string, WatchedKey>;
  dirty: boolean;
}

export class WatchedKeys {
  /** Watching clients per key id ("<db>:<latin1 key>"). */
  private readonly byKey = new Map<string, Set<Client>>();
  private readonly byClient = new Map<Client, ClientWatch>();

  constructor(private readonly server: Server) {
    server.keyspace.onKeyChange((db, key) => this.keyChanged(db, key));
    server.keyspace.onDbReplace((emptied, replacedWith) => this.dbReplaced(emptied, replacedWith));
    server.onClientCleanup((c) => this.unwatchAll(c));
  }

  /** WATCH key in c's current database. The key is copied. */
  watch(c: Client, key: Uint8Array): void {
    const db = c.db;
    const id = keyId(db, key);
    let w = this.byClient.get(c);
    if (w === undefined) this.byClient.set(c, (w = { keys: new Map(), dirty: false }));
    if (w.keys.has(id)) return;
    w.keys.set(id, { db, key: key.slice(), expired: this.isLogicallyExpired(db, key) });
    let set = this.byKey.get(id);
    if (set === undefined) this.byKey.set(id, (set = new Set()));
    set.add(c);
  }

  /**
   * Whether EXEC must fail for c: a watched key changed, or one that was live
   * at WATCH time has expired since (even if nothing deleted it yet).
   */
  isDirty(c: Client): boolean {
    const w = this.byClient.get(c);
    if (w === undefined) return false;
    if (w.dirty) return true;
    for (const wk of w.keys.values()) if (!wk.expired && this.isLogicallyExpired(wk.db, wk.key)) return true;
    return false;
  }

  unwatchAll(c: Client): void {
    const w = this.byClient.get(c);
    if (w === undefined) return;
    for (const id of w.keys.keys()) {
      const set = this.byKey.get(id)!;
      set.delete(c);
      if (set.size === 0) this.byKey.delete(id);
    }
    this.byClient.delete(c);
  }

  private isLogicallyExpired(db: Db, key: Uint8Array): boolean {
    const meta = db.store.lookup(key);
    return meta !== null && meta.expireAt !== 0 && meta.expireAt <= this.server.keyspace.now();
  }

  private keyChanged(db: Db, key: Uint8Array): void {
    if (this.byKey.size === 0) return;
    const id = keyId(db, key);
    const clients = this.byKey.get(id);
    if (clients === undefined) return;
    for (const c of clients) {
      const w = this.byClient.get(c)!;
      const wk = w.keys.get(id)!;
      // An already expired key being deleted is logically no change; from now on it is simply missing.
      if (wk.expired && db.store.lookup(key) === null) {
        wk.expired = false;
        continue;
      }
      w.dirty = true;
    }
  }

  /** FLUSHDB/FLUSHALL (replacedWith null) or SWAPDB, before it happens (Redis's touchAllWatchedKeysInDb). */
  private dbReplaced(emptied: Db, replacedWith: Db | null): void {
    if (this.byKey.size === 0) return;
    for (const w of this.byClient.values()) {
      for (const wk of w.keys.values()) {
        if (wk.db.index !== emptied.index) continue;
        const existed = emptied.store.lookup(wk.key) !== null;
        const replacement = replacedWith === null ? false : replacedWith.store.lookup(wk.key) !== null;
        if (!existed && !replacement) continue;
        if (wk.expired) {
          // The expired key is gone (no logical change) or replaced by another expired one.
          if (!replacement) {
            wk.expired = false;
            continue;
          }
          if (this.isLogicallyExpired(replacedWith!, wk.key)) continue;
        } else if (!existed && this.isLogicallyExpired(replacedWith!, wk.key)) {
          // A missing key replaced by an expired one: still logically missing.
          wk.expired = true;
          continue;
        }
        w.dirty = true;
      }
    }
  }
}


function keyId(db: Db, key: Uint8Array): string {
  return `${db.index}:${bytesToStr(key)}`;
}

const registries = new WeakMap<Server, WatchedKeys>();

/** The WATCH registry of a server, created on first use (it hooks itself into the keyspace). */
export function watchedKeysOf(server: Server): WatchedKeys {
  let reg = registries.get(server);
  if (reg === undefined) registries.set(server, (reg = new WatchedKeys(server)));
  return reg;
}
