// The keyspace: numbered databases on top of a storage engine, with Redis's
// expiry policy (lazy expiry on access plus an incremental active cycle),
// keyspace statistics, and the hooks other subsystems attach to key changes
// (WATCH, keyspace notifications, blocked clients).

import type { DbStore, KeyMeta, StorageEngine } from "../storage/engine.ts";
import { CommandError, WRONGTYPE } from "../commands/errors.ts";
import type { KeyType } from "../storage/engine.ts";
import type { Config } from "../config/config.ts";
import { lfuAccess } from "./lfu.ts";

/** Called after a key was written or deleted (Redis's signalModifiedKey). */
export type KeyChangeListener = (db: Db, key: Uint8Array) => void;
/** Keyspace notification (Redis's notifyKeyspaceEvent); `cls` is the event class letter. */
export type KeyEventListener = (cls: string, event: string, key: Uint8Array, db: number) => void;
/** Called when a whole database's contents changed (FLUSHDB, FLUSHALL, SWAPDB): WATCH, blocked clients. */
export type DbChangeListener = (db: Db) => void;
/** Called before a database is emptied (FLUSHDB/FLUSHALL: replacedWith null) or swapped with another (SWAPDB): WATCH. */
export type DbReplaceListener = (emptied: Db, replacedWith: Db | null) => void;

export interface KeyspaceStats {
  hits: number;
  misses: number;
  expiredKeys: number;
  expiredStalePerc: number;
  expiredTimeCapReached: number;
}

export class Db {
  /** The engine's store of this database number (a field: commands read it several times each; SWAPDB refreshes it). */
  store: DbStore;

  constructor(
    readonly index: number,
    private readonly ks: Keyspace,
  ) {
    this.store = ks.engine.db(index);
    this.sizeSeen = this.store.size();
  }

  /** After SWAPDB: the engine's store for this number changed. */
  refreshStore(): void {
    this.store = this.ks.engine.db(this.index);
  }

  /**
   * Live metadata of key for a read command (expired keys are deleted), with
   * hit/miss stats and the "keymiss" event. `touch` false leaves the access
   * time alone (LOOKUP_NOTOUCH: TTL, TYPE, EXISTS); `notifyMiss` false skips
   * the event (LOOKUP_NONOTIFY: OBJECT).
   */
  lookupRead(key: Uint8Array, touch = true, notifyMiss = true): KeyMeta | null {
    const meta = this.lookupWrite(key);
    if (meta === null) {
      this.ks.stats.misses++;
      if (notifyMiss) this.ks.notify("m", "keymiss", key, this.index);
    } else {
      this.ks.stats.hits++;
      if (touch) this.touch(meta);
    }
    return meta;
  }

  /** Records an access to a live key: its idle time restarts and, under an LFU policy, its counter grows. */
  touch(meta: KeyMeta): void {
    const store = this.store;
    store.touch(meta);
    const ks = this.ks;
    if (ks.lfuEnabled) store.setLfuState(meta, lfuAccess(store.lfuState(meta), ks.lfuLogFactor, ks.lfuDecayTime));
  }

  /** Live metadata of key, deleting it first if it has expired. */
  lookupWrite(key: Uint8Array): KeyMeta | null {
    const store = this.store;
    const meta = store.lookup(key);
    if (meta === null) return null;
    if (meta.expireAt !== 0 && meta.expireAt <= this.ks.now()) {
      this.expire(key);
      return null;
    }
    return meta;
  }

  /** Like lookupRead but throws WRONGTYPE unless the key is missing or of `type`. */
  readTyped(key: Uint8Array, type: KeyType): KeyMeta | null {
    const meta = this.lookupRead(key);
    if (meta !== null && meta.type !== type) throw new CommandError(WRONGTYPE);
    return meta;
  }

  /**
   * Like lookupWrite but throws WRONGTYPE unless the key is missing or of
   * `type`; a live key counts as accessed, as Redis's lookupKeyWrite does.
   */
  writeTyped(key: Uint8Array, type: KeyType): KeyMeta | null {
    const meta = this.lookupWrite(key);
    if (meta === null) return null;
    if (meta.type !== type) throw new CommandError(WRONGTYPE);
    this.touch(meta);
    return meta;
  }

  private expire(key: Uint8Array): void {
    this.store.delete(key);
    this.sizeSeen--;
    this.ks.stats.expiredKeys++;
    this.ks.notify("x", "expired", key, this.index);
    this.ks.keyChanged(this, key);
  }

  /** Deletes a live key; returns whether it existed. Signals the change. */
  delete(key: Uint8Array): boolean {
    if (this.lookupWrite(key) === null) return false;
    this.store.delete(key);
    this.modified(key);
    return true;
  }

  /** Sets or clears (at = 0) the expiry of an existing key. */
  setExpire(key: Uint8Array, at: number): void {
    this.store.setExpire(key, at);
  }

  /**
   * Records a write to key: bumps the dirty counter, emits "new" if the write
   * added the key (checkAdded), and wakes WATCH/blocked-client hooks.
   */
  modified(key: Uint8Array, count = 1): void {
    this.ks.dirty += count;
    this.checkAdded(key);
    this.ks.keyChanged(this, key);
  }

  /**
   * Emits "new" for key when the db holds more keys than at the last check:
   * the write just made added it (Redis's dbAdd). Runs at the write's first
   * event or modified(), whichever comes first, so "new" precedes its events.
   */
  checkAdded(key: Uint8Array): void {
    const size = this.store.size();
    const grew = size > this.sizeSeen;
    this.sizeSeen = size;
    if (grew) this.ks.emit("n", "new", key, this.index);
  }

  /**
   * Announces that a write is about to add key where the key count can't show
   * it (moves between keys, delete-then-add: RENAME, COPY, LMOVE): "new" now,
   * in Redis's order, and modified() won't repeat it.
   */
  adding(key: Uint8Array): void {
    this.sizeSeen = this.store.size() + 1;
    this.ks.emit("n", "new", key, this.index);
  }

  /** Key count after the last write or expiry (see modified). */
  private sizeSeen: number;

  /** After the whole db changed (FLUSHDB, SWAPDB): the next write compares against the new count. */
  resyncSize(): void {
    this.sizeSeen = this.store.size();
  }

  size(): number {
    return this.store.size();
  }
}

export class Keyspace {
  readonly dbs: Db[];
  readonly stats: KeyspaceStats = { hits: 0, misses: 0, expiredKeys: 0, expiredStalePerc: 0, expiredTimeCapReached: 0 };
  /** Writes since the last save (Redis's server.dirty). */
  dirty = 0;
  private readonly changeListeners: KeyChangeListener[] = [];
  private readonly eventListeners: KeyEventListener[] = [];
  private readonly dbListeners: DbChangeListener[] = [];
  private readonly replaceListeners: DbReplaceListener[] = [];
  /** When set, the time every expiry check sees (scripts and MULTI freeze time, as in Redis). */
  frozenNow = 0;
  /** DEBUG SET-ACTIVE-EXPIRE. */
  activeExpireEnabled = true;
  /** Reads bump keys' LFU counters (an LFU maxmemory-policy is selected), with these parameters. */
  lfuEnabled = false;
  lfuLogFactor = 10;
  lfuDecayTime = 1;

  constructor(
    readonly engine: StorageEngine,
    config?: Config,
  ) {
    this.dbs = Array.from({ length: engine.dbCount }, (_, i) => new Db(i, this));
    if (config !== undefined) {
      this.applyConfig(config);
      config.onChange(() => this.applyConfig(config));
    }
  }

  private applyConfig(config: Config): void {
    this.lfuEnabled = config.str("maxmemory-policy").includes("lfu");
    this.lfuLogFactor = config.num("lfu-log-factor");
    this.lfuDecayTime = config.num("lfu-decay-time");
  }

  now(): number {
    return this.frozenNow || Date.now();
  }

  onKeyChange(fn: KeyChangeListener): void {
    this.changeListeners.push(fn);
  }

  onKeyEvent(fn: KeyEventListener): void {
    this.eventListeners.push(fn);
  }

  onDbChange(fn: DbChangeListener): void {
    this.dbListeners.push(fn);
  }

  onDbReplace(fn: DbReplaceListener): void {
    this.replaceListeners.push(fn);
  }

  /** FLUSHDB/FLUSHALL of one database: empties it and returns how many keys it held. */
  flush(index: number): number {
    const db = this.dbs[index];
    const removed = db.store.size();
    for (const fn of this.replaceListeners) fn(db, null);
    db.store.clear();
    db.resyncSize();
    this.dirty += removed;
    for (const fn of this.dbListeners) fn(db);
    return removed;
  }

  keyChanged(db: Db, key: Uint8Array): void {
    for (const fn of this.changeListeners) fn(db, key);
  }

  /** A keyspace event about key, preceded by "new" when the write that caused it added the key. */
  notify(cls: string, event: string, key: Uint8Array, db: number): void {
    this.dbs[db].checkAdded(key);
    this.emit(cls, event, key, db);
  }

  emit(cls: string, event: string, key: Uint8Array, db: number): void {
    for (const fn of this.eventListeners) fn(cls, event, key, db);
  }

  swapDb(a: number, b: number): void {
    for (const fn of this.replaceListeners) {
      fn(this.dbs[a], this.dbs[b]);
      if (b !== a) fn(this.dbs[b], this.dbs[a]);
    }
    this.engine.swapDb(a, b);
    for (const db of [this.dbs[a], this.dbs[b]]) {
      db.refreshStore();
      db.resyncSize();
    }
    this.dirty++;
    for (const fn of this.dbListeners) {
      fn(this.dbs[a]);
      if (b !== a) fn(this.dbs[b]);
    }
  }

  /**
   * One active-expiry step, like Redis's activeExpireCycle: sample keys with a
   * TTL in each db and delete the expired ones, repeating while more than 10%
   * of a sample was stale, within a time budget so clients are never starved.
   */
  activeExpireCycle(budgetMs: number): void {
    if (!this.activeExpireEnabled) return;
    const start = performance.now();
    const SAMPLE = 20;
    for (const db of this.dbs) {
      const store = db.store;
      if (store.expiresCount() === 0) continue;
      for (;;) {
        const now = Date.now();
        const expired: Uint8Array[] = [];
        let sampled = 0;
        store.sampleExpiring(SAMPLE, (key, meta) => {
          sampled++;
          if (meta.expireAt !== 0 && meta.expireAt <= now) expired.push(key);
        });
        for (const key of expired) db.lookupWrite(key); // deletes and notifies
        if (sampled > 0) this.stats.expiredStalePerc = expired.length / sampled;
        if (performance.now() - start > budgetMs) {
          this.stats.expiredTimeCapReached++;
          return;
        }
        if (sampled === 0 || expired.length * 10 <= sampled) break;
      }
    }
  }
}
