// Memory-engine implementation of the hash primitives: a ScanMap from field
// to value (HSCAN guarantees, bucket sampling for HRANDFIELD), iterated in
// insertion order like Redis's listpack-encoded hashes.

import { bytesToStr, copyBytes, overwriteBytes } from "../../net/bytes.ts";
import type { KeyMeta } from "../engine.ts";
import type { HashOps } from "../hash-ops.ts";
import type { MemEntry, MemoryDb } from "./memory-engine.ts";
import { encodingLimits } from "./encoding-limits.ts";
import { keyHash, ScanMap, WordKeyNode } from "./scan-map.ts";
import { registerMemoryType } from "./value-types.ts";

class FieldNode extends WordKeyNode {
  constructor(
    field: string | Uint8Array,
    public value: Uint8Array,
  ) {
    super(field);
  }
}

export class MemHash {
  readonly fields = new ScanMap<FieldNode>();
  /** Sticky, as in Redis 7.0: once a hashtable, a hash never goes back to listpack. */
  hashtable = false;

  /**
   * ScanMap.prefetch of the fields of buf's ranges, their values' bytes
   * included: HSET writes an equal-length value over them and HGET copies
   * them, two dependent cache misses (the array, its storage) per field.
   */
  prefetchFields(buf: Uint8Array, starts: number[], ends: number[], count: number): void {
    this.fields.prefetch(buf, starts, ends, count, touchValue);
  }

  clone(): MemHash {
    const copy = new MemHash();
    // Values are overwritten in place (see MemoryHashOps.set): a copy has its own.
    // From the field's bytes, under its hash: no latin1 string made for either node (see WordKeyNode).
    for (const n of this.fields.values()) copy.fields.insertHashed(new FieldNode(n.keyBytes(), copyBytes(n.value)), n.hash);
    copy.hashtable = this.hashtable;
    return copy;
  }
}

function touchValue(n: FieldNode): number {
  const v = n.value;
  return v.length > 0 ? v[0] : 0;
}

function hashOf(meta: KeyMeta): MemHash {
  return (meta as MemEntry).value as MemHash;
}

export class MemoryHashOps implements HashOps {
  constructor(readonly db: MemoryDb) {}

  length(meta: KeyMeta): number {
    return hashOf(meta).fields.size;
  }

  get(meta: KeyMeta, field: Uint8Array): Uint8Array | null {
    return hashOf(meta).fields.getBytes(field)?.value ?? null;
  }

  set(key: Uint8Array, meta: KeyMeta | null, fieldValues: readonly Uint8Array[], handedOver = false): number {
    let hash: MemHash;
    if (meta === null) {
      hash = new MemHash();
      this.db.setValue(bytesToStr(key), "hash", hash, 0);
    } else hash = hashOf(meta);
    const fields = hash.fields;
    let added = 0;
    const maxValue = encodingLimits.hashMaxListpackValue;
    for (let i = 0; i + 1 < fieldValues.length; i += 2) {
      const field = fieldValues[i];
      const value = fieldValues[i + 1];
      if (field.length > maxValue || value.length > maxValue) hash.hashtable = true;
      // Looked up by the bytes; a new field is inserted by the hash code its
      // lookup computed, made from its bytes (see WordKeyNode: no string).
      const end = field.length;
      let node = fields.hinted(field, 0, end);
      if (node === undefined) {
        const fieldHash = keyHash(field, 0, end);
        node = fields.getHashed(field, 0, end, fieldHash);
        if (node === undefined) {
          fields.insertHashed(new FieldNode(field, handedOver ? value : copyBytes(value)), fieldHash);
          added++;
          continue;
        }
      }
      if (node.value.length === value.length) {
        // A value of the same length is written over the stored one: no new
        // array per update, and no pointer store for the GC to remember.
        // Stored values are the engine's own (whoever keeps one handed out copies it).
        overwriteBytes(node.value, value);
      } else node.value = handedOver ? value : copyBytes(value);
    }
    if (fields.size > encodingLimits.hashMaxListpackEntries) hash.hashtable = true;
    return added;
  }

  delete(key: Uint8Array, meta: KeyMeta, fields: readonly Uint8Array[]): number {
    const map = hashOf(meta).fields;
    let removed = 0;
    for (const f of fields) {
      const node = map.getBytes(f);
      if (node === undefined) continue;
      map.deleteNode(node);
      removed++;
    }
    if (map.size === 0) this.db.delete(key);
    return removed;
  }

  forEach(meta: KeyMeta, visit: (field: Uint8Array, value: Uint8Array) => void): void {
    for (const n of hashOf(meta).fields.values()) visit(n.keyBytes(), n.value);
  }

  scan(meta: KeyMeta, cursor: number, count: number, visit: (field: Uint8Array, value: Uint8Array) => void): number {
    const hash = hashOf(meta);
    if (!hash.hashtable) {
      // Like Redis, a listpack-encoded hash is returned whole in one call.
      this.forEach(meta, visit);
      return 0;
    }
    return hash.fields.scan(cursor, count, (n) => visit(n.keyBytes(), n.value));
  }

  random(meta: KeyMeta, count: number, distinct: boolean, visit: (field: Uint8Array, value: Uint8Array) => void): void {
    const fields = hashOf(meta).fields;
    const emit = (n: FieldNode) => visit(n.keyBytes(), n.value);
    if (!distinct) {
      for (let i = 0; i < count; i++) emit(fields.randomNode()!);
      return;
    }
    count = Math.min(count, fields.size);
    if (count * 3 > fields.size) {
      // Many of them: a partial Fisher-Yates shuffle of all fields.
      const all = [...fields.values()];
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(Math.random() * (all.length - i));
        [all[i], all[j]] = [all[j], all[i]];
        emit(all[i]);
      }
      return;
    }
    const seen = new Set<FieldNode>();
    while (seen.size < count) {
      const n = fields.randomNode()!;
      if (seen.has(n)) continue;
      seen.add(n);
      emit(n);
    }
  }
}

registerMemoryType(
  "hash",
  (v) => (v as MemHash).clone(),
  (v) => {
    let bytes = 64;
    for (const n of (v as MemHash).fields.values()) bytes += 48 + n.keyLength + n.value.length;
    return bytes;
  },
  (v) => ((v as MemHash).hashtable ? "hashtable" : "listpack"),
);
