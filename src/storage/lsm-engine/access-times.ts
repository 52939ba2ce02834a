// OBJECT IDLETIME / OBJECT FREQ on the LSM engine: access times and LFU
// states live in memory only (not persisted, as in Kvrocks), for a bounded
// number of recently accessed keys, so the keyspace can be larger than memory.
// A key not tracked (never accessed since start, or evicted from the table)
// reports the idle time since the oldest access the table forgot (at least
// since start) and the initial LFU state. Keys are given by name (latin1, as
// LsmMeta.name, computed once per lookup).

import { LFU_INIT_VAL, lfuState } from "../../keyspace/lfu.ts";

export interface Access {
  /** Unix seconds of the last access. */
  atime: number;
  /** Opaque LFU state (keyspace/lfu.ts). */
  lfu: number;
  /** atime when the entry was last placed at the end of the Map: a later atime means it was touched since. */
  placed: number;
  /** False once the entry left the table (evicted, forgotten): a reference kept elsewhere is stale. */
  tracked: boolean;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export class AccessTimes {
  /**
   * latin1 key -> its access; Map order = least recently placed first. A
   * touch updates the entry in place (moving it to the Map's end, a delete
   * and an insert, was 7% of a GET profile); eviction gives entries touched
   * since they were placed a second chance at the end, so the oldest
   * accesses still go first.
   */
  private readonly entries = new Map<string, Access>();
  /** Idle-time origin of untracked keys: start, or the newest access time evicted. */
  private untrackedSince = nowSeconds();

  constructor(private readonly capacity = 100_000) {}

  private get(name: string): { atime: number; lfu: number } {
    return this.entries.get(name) ?? { atime: this.untrackedSince, lfu: lfuState(LFU_INIT_VAL) };
  }

  /** Records an access of name at `atime` with LFU state lfu, placing a new entry at the Map's end. */
  private set(name: string, atime: number, lfu: number): Access {
    const tracked = this.entries.get(name);
    if (tracked !== undefined) {
      tracked.atime = atime;
      tracked.lfu = lfu;
      return tracked;
    }
    const access = { atime, lfu, placed: atime, tracked: true };
    this.entries.set(name, access);
    if (this.entries.size > this.capacity + this.evictionBatch()) this.evictOldest();
    return access;
  }

  /**
   * Evictions happen in batches (the table may exceed its capacity by a
   * batch): one Map iterator per batch, because starting an iterator per
   * eviction skips the slots of every entry deleted at the Map's front so far
   * (a profile showed that at 10% of SET's CPU time).
   */
  private evictionBatch(): number {
    return Math.max(1, this.capacity >>> 6);
  }

  private evictOldest(): void {
    let excess = this.entries.size - this.capacity;
    // Entries moved to the end are visited again by this iterator (evicted then, if still needed).
    for (const [name, access] of this.entries) {
      if (excess <= 0) break;
      this.entries.delete(name);
      if (access.atime > access.placed) {
        access.placed = access.atime;
        this.entries.set(name, access);
        continue;
      }
      excess--;
      access.tracked = false;
      this.untrackedSince = Math.max(this.untrackedSince, access.atime);
    }
  }

  idleTime(name: string): number {
    return Math.max(0, nowSeconds() - this.get(name).atime);
  }

  /** Records an access of name; returns its entry, which touchTracked can update without a lookup while it is tracked. */
  touch(name: string): Access {
    const tracked = this.entries.get(name);
    if (tracked === undefined) return this.set(name, nowSeconds(), lfuState(LFU_INIT_VAL));
    tracked.atime = nowSeconds();
    return tracked;
  }

  /** touch() of the key whose entry an earlier touch returned; false (nothing done) when that entry is gone. */
  touchTracked(access: Access | null): boolean {
    if (access === null || !access.tracked) return false;
    access.atime = nowSeconds();
    return true;
  }

  setIdleTime(name: string, seconds: number): void {
    this.set(name, nowSeconds() - seconds, this.get(name).lfu);
  }

  lfuState(name: string): number {
    return this.get(name).lfu;
  }

  setLfuState(name: string, state: number): void {
    this.set(name, this.get(name).atime, state);
  }

  /** A key was created: accessed now, with the initial LFU state. Returns its entry (see touch). */
  created(name: string): Access {
    return this.set(name, nowSeconds(), lfuState(LFU_INIT_VAL));
  }

  forget(name: string): void {
    const access = this.entries.get(name);
    if (access === undefined) return;
    access.tracked = false;
    this.entries.delete(name);
  }

  clear(): void {
    for (const access of this.entries.values()) access.tracked = false;
    this.entries.clear();
  }
}
