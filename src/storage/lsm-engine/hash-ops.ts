// Hash primitives of the LSM engine: the metadata record holds the field
// count, each field is a sub-key `prefix(key, version) field` -> value.

import { bytesToStr } from "../../net/bytes.ts";
import type { KeyMeta } from "../engine.ts";
import type { HashOps } from "../hash-ops.ts";
import { WriteBatch } from "../lsm/index.ts";
import { FLAG_BIG, decodeExpireAt, encodeCollectionMeta, prefixEnd, subKey, subKeyPrefix } from "./encoding.ts";
import type { LsmDb, LsmMeta } from "./lsm-db.ts";

/** Redis's hash-max-listpack-entries / -value defaults: beyond them OBJECT ENCODING says "hashtable". */
const LISTPACK_MAX_ENTRIES = 512;
const LISTPACK_MAX_VALUE = 64;

export class LsmHashOps implements HashOps {
  constructor(private readonly db: LsmDb) {}

  private prefix(meta: LsmMeta): Uint8Array {
    return subKeyPrefix(this.db.slot, meta.key, meta.version);
  }

  length(meta: KeyMeta): number {
    return (meta as LsmMeta).size;
  }

  get(meta: KeyMeta, field: Uint8Array): Uint8Array | null {
    return this.db.engine.lsm.get(subKey(this.prefix(meta as LsmMeta), field)) ?? null;
  }

  set(key: Uint8Array, meta: KeyMeta | null, fieldValues: readonly Uint8Array[]): number {
    const old = meta as LsmMeta | null;
    const version = old === null ? this.db.engine.newVersion() : old.version;
    const prefix = subKeyPrefix(this.db.slot, key, version);
    const batch = new WriteBatch();
    const written = new Set<string>(); // a field repeated in one call counts once
    let flags = old === null ? 0 : old.flags & FLAG_BIG;
    let added = 0;
    for (let i = 0; i + 1 < fieldValues.length; i += 2) {
      const field = fieldValues[i];
      const value = fieldValues[i + 1];
      if (field.length > LISTPACK_MAX_VALUE || value.length > LISTPACK_MAX_VALUE) flags |= FLAG_BIG;
      const sub = subKey(prefix, field);
      const name = bytesToStr(field);
      if (!written.has(name) && (old === null || !this.db.engine.lsm.has(sub))) added++;
      written.add(name);
      batch.put(sub, value);
    }
    const size = (old === null ? 0 : old.size) + added;
    if (size > LISTPACK_MAX_ENTRIES) flags |= FLAG_BIG;
    const expireAt = old === null ? 0 : old.expireAt;
    this.db.putInBatch(batch, key, encodeCollectionMeta("hash", flags, expireAt, version, size), old);
    this.db.engine.write(batch);
    return added;
  }

  delete(key: Uint8Array, meta: KeyMeta, fields: readonly Uint8Array[]): number {
    const m = meta as LsmMeta;
    const prefix = this.prefix(m);
    const batch = new WriteBatch();
    const removed = new Set<string>();
    for (const field of fields) {
      const sub = subKey(prefix, field);
      const name = bytesToStr(field);
      if (removed.has(name) || !this.db.engine.lsm.has(sub)) continue;
      removed.add(name);
      batch.delete(sub);
    }
    if (removed.size === 0) return 0;
    const size = m.size - removed.size;
    if (size === 0) this.db.deleteInBatch(batch, m);
    else this.db.putInBatch(batch, key, encodeCollectionMeta("hash", m.flags & ~0x0f, decodeExpireAt(m.raw), m.version, size), m);
    this.db.engine.write(batch);
    return removed.size;
  }

  forEach(meta: KeyMeta, visit: (field: Uint8Array, value: Uint8Array) => void): void {
    this.iterate(meta as LsmMeta, undefined, Infinity, visit);
  }

  /**
   * Visits up to `max` fields in field order, after `from` when given;
   * returns the last field visited when fields remain, else null.
   */
  private iterate(
    meta: LsmMeta,
    from: Uint8Array | undefined,
    max: number,
    visit: (field: Uint8Array, value: Uint8Array) => void,
  ): Uint8Array | null {
    const prefix = this.prefix(meta);
    const it = this.db.engine.lsm.iterator({ gte: prefix, lt: prefixEnd(prefix) });
    try {
      if (from === undefined) it.seekToFirst();
      else {
        const start = subKey(prefix, from);
        it.seek(start);
        if (it.valid() && Buffer.compare(it.key(), start) === 0) it.next();
      }
      let last: Uint8Array | null = null;
      for (let n = 0; n < max && it.valid(); n++, it.next()) {
        last = it.key().slice(prefix.length);
        visit(last, it.value().slice());
      }
      return it.valid() ? last : null;
    } finally {
      it.close();
    }
  }

  scan(meta: KeyMeta, cursor: number, count: number, visit: (field: Uint8Array, value: Uint8Array) => void): number {
    const m = meta as LsmMeta;
    // Like Redis, a small (listpack-sized) hash is returned whole in one call.
    if ((m.flags & FLAG_BIG) === 0) {
      this.forEach(meta, visit);
      return 0;
    }
    const last = this.iterate(m, this.db.fieldCursors.take(cursor), count, visit);
    return last === null ? 0 : this.db.fieldCursors.remember(last);
  }

  random(meta: KeyMeta, count: number, distinct: boolean, visit: (field: Uint8Array, value: Uint8Array) => void): void {
    // O(size): the fields are read once, then picked (sub-keys have no rank index).
    const all: [Uint8Array, Uint8Array][] = [];
    this.forEach(meta, (field, value) => all.push([field, value]));
    if (!distinct) {
      for (let i = 0; i < count; i++) visit(...all[Math.floor(Math.random() * all.length)]);
      return;
    }
    count = Math.min(count, all.length);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (all.length - i));
      [all[i], all[j]] = [all[j], all[i]];
      visit(...all[i]);
    }
  }
}
