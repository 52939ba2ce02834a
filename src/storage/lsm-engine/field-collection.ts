// What hashes and sets share on the LSM engine: a metadata record holding
// the element count and one sub-key per field `prefix(key, version) field`
// -> value (sets store empty values). Writes are one WriteBatch each.

import { bytesToStr } from "../../net/bytes.ts";
import type { KeyMeta, KeyType } from "../engine.ts";
import { FLAG_BIG, SubKeyBuffer, encodeCollectionMeta, prefixEnd, rewriteCollectionMeta, subKey } from "./encoding.ts";
import type { LsmDb, LsmMeta } from "./lsm-db.ts";
import type { WriteBatch } from "../lsm/index.ts";
import { encodingLimits } from "../memory/encoding-limits.ts";

const EMPTY = new Uint8Array(0);

export type FieldVisitor = (field: Uint8Array, value: Uint8Array) => void;

export class FieldCollection {
  constructor(
    readonly db: LsmDb,
    private readonly type: KeyType,
    /** Whether a field/value pair makes the key leave its compact encoding (sticky FLAG_BIG). */
    private readonly isBig: (field: Uint8Array, value: Uint8Array) => boolean,
  ) {}

  /**
   * Element count beyond which the key leaves its compact encoding (read at
   * each write: CONFIG SET). Not a closure per collection: put() calling the
   * set's and the hash's in turn recompiled it at each switch of SADD/HSET.
   */
  private maxCompactSize(): number {
    return this.type === "set" ? encodingLimits.setMaxIntsetEntries : encodingLimits.hashMaxListpackEntries;
  }

  /** Where subKeyOf builds sub-keys. */
  private readonly subKeys = new SubKeyBuffer();

  /**
   * subKey(prefix, field) in a reused array (SubKeyBuffer): for a read or a
   * batch's put, which keep nothing of the key (the batch copies it), so
   * SADD and HSET of one field allocate no key. Valid until the next call.
   */
  private subKeyOf(prefix: Uint8Array, field: Uint8Array): Uint8Array {
    const out = this.subKeys.withPrefix(prefix, field.length);
    for (let i = 0, at = prefix.length; i < field.length; i++) out[at + i] = field[i];
    return out;
  }

  length(meta: KeyMeta): number {
    return (meta as LsmMeta).size;
  }

  get(meta: KeyMeta, field: Uint8Array): Uint8Array | null {
    return this.db.engine.lsm.get(subKey(this.db.prefixOf(meta as LsmMeta), field)) ?? null;
  }

  /**
   * Writes fields from a flat [field, value...] list, or fields with empty
   * values when `valueless` (set members, without a list of pairs made per
   * SADD), creating the key (no expiry) when meta is null, or replacing it
   * (new version) when `replace`. Returns how many fields were new. A field
   * already holding its value is not written again, and the metadata only
   * when its size or flags change: SADD of a member the set has writes nothing.
   */
  put(key: Uint8Array, meta: KeyMeta | null, fieldValues: readonly Uint8Array[], replace = false, valueless = false): number {
    const old = meta as LsmMeta | null;
    const fresh = old === null || replace;
    // An existing key's version is read only for a new record (below): its prefix is cached with it.
    const version = fresh ? this.db.engine.newVersion() : -1;
    const prefix = fresh ? this.db.subKeyPrefix(key, version) : this.db.prefixOf(old);
    // Taken at the first write: a batch taken and not written costs the next one a copy (DB.batch's loan of the WAL record).
    let batch: WriteBatch | null = null;
    const stride = valueless ? 1 : 2;
    // A field repeated in one call counts once (a single field needs no set).
    const written = fieldValues.length > stride ? new Set<string>() : null;
    const oldFlags = fresh ? 0 : old.flags & FLAG_BIG;
    let flags = oldFlags;
    let added = 0;
    for (let i = 0; i + stride - 1 < fieldValues.length; i += stride) {
      const field = fieldValues[i];
      const value = valueless ? EMPTY : fieldValues[i + 1];
      if (flags === 0 && this.isBig(field, value)) flags = FLAG_BIG;
      const sub = this.subKeyOf(prefix, field);
      let repeated = false;
      if (written !== null) {
        const name = bytesToStr(field);
        repeated = written.has(name);
        written.add(name);
      }
      if (!fresh && !repeated) {
        const stored = this.db.engine.lsm.compareValue(sub, value);
        if (stored === -1) added++;
        else if (stored === 1) continue;
      } else if (!repeated) added++;
      (batch ??= this.db.engine.batch()).put(sub, value);
    }
    // A big key (the flag is sticky) that gained no field keeps its record: its size is not even read (SADD of a member a large set has).
    if (!fresh && added === 0 && oldFlags === FLAG_BIG) {
      if (batch !== null) this.db.engine.write(batch);
      return 0;
    }
    const size = (fresh ? 0 : old.size) + added;
    if (size > this.maxCompactSize()) flags |= FLAG_BIG;
    if (fresh || added > 0 || flags !== oldFlags) {
      batch ??= this.db.engine.batch();
      // Only the size and flags change: the cached record is rewritten in place (LsmDb.recordToRewrite).
      const raw = fresh ? null : this.db.recordToRewrite(old);
      if (raw !== null) {
        rewriteCollectionMeta(raw, flags, size);
        this.db.putRewritten(batch, old!);
      } else {
        const expireAt = fresh ? 0 : old.expireAt;
        this.db.putInBatch(batch, key, encodeCollectionMeta(this.type, flags, expireAt, fresh ? version : old.version, size), old);
      }
    }
    if (batch !== null) this.db.engine.write(batch);
    return added;
  }

  /** Removes fields; deletes the key when emptied. Returns how many existed. */
  remove(key: Uint8Array, meta: KeyMeta, fields: readonly Uint8Array[]): number {
    const m = meta as LsmMeta;
    const prefix = this.db.prefixOf(m);
    const removed = new Set<string>();
    // Taken at the first delete (see put).
    let batch: WriteBatch | null = null;
    for (const field of fields) {
      const sub = this.subKeyOf(prefix, field);
      const name = bytesToStr(field);
      if (removed.has(name) || !this.db.engine.lsm.has(sub)) continue;
      removed.add(name);
      (batch ??= this.db.engine.batch()).delete(sub);
    }
    if (batch === null) return 0;
    const size = m.size - removed.size;
    if (size === 0) this.db.deleteInBatch(batch, m);
    else this.db.putInBatch(batch, key, encodeCollectionMeta(this.type, m.flags & FLAG_BIG, m.expireAt, m.version, size), m);
    this.db.engine.write(batch);
    return removed.size;
  }

  forEach(meta: KeyMeta, visit: FieldVisitor): void {
    iteratePrefix(this.db, this.db.prefixOf(meta as LsmMeta), undefined, Infinity, visit);
  }

  /** Ordered-cursor scan (see cursor-table.ts); a compact key is returned whole, as Redis does. */
  scan(meta: KeyMeta, cursor: number, count: number, visit: FieldVisitor): number {
    const m = meta as LsmMeta;
    if ((m.flags & FLAG_BIG) === 0) {
      this.forEach(meta, visit);
      return 0;
    }
    return scanPrefix(this.db, this.db.prefixOf(m), cursor, count, visit);
  }

  /** `count` random fields, distinct ones (at most all) or independent picks. O(size): sub-keys have no rank index. */
  random(meta: KeyMeta, count: number, distinct: boolean, visit: FieldVisitor): void {
    const all: [Uint8Array, Uint8Array][] = [];
    this.forEach(meta, (field, value) => all.push([field, value]));
    pickRandom(all, count, distinct, (pair) => visit(...pair));
  }
}

/** Visits `count` random items of all: distinct ones (at most all, shuffling `all`) or independent picks. */
export function pickRandom<T>(all: T[], count: number, distinct: boolean, visit: (item: T) => void): void {
  if (!distinct) {
    for (let i = 0; i < count; i++) visit(all[Math.floor(Math.random() * all.length)]);
    return;
  }
  count = Math.min(count, all.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (all.length - i));
    [all[i], all[j]] = [all[j], all[i]];
    visit(all[i]);
  }
}

/**
 * Visits up to `max` sub-keys starting with prefix in key order (field =
 * the rest of the key), after the field `from` when given; returns the last
 * field visited when more remain, else null.
 */
function iteratePrefix(db: LsmDb, prefix: Uint8Array, from: Uint8Array | undefined, max: number, visit: FieldVisitor): Uint8Array | null {
  const it = db.engine.lsm.iterator({ gte: prefix, lt: prefixEnd(prefix) });
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

/** One ordered-cursor SCAN step (see cursor-table.ts) over the fields under prefix. */
export function scanPrefix(db: LsmDb, prefix: Uint8Array, cursor: number, count: number, visit: FieldVisitor): number {
  const last = iteratePrefix(db, prefix, db.fieldCursors.take(cursor), count, visit);
  return last === null ? 0 : db.fieldCursors.remember(last);
}
