// Hash primitives of the LSM engine: a FieldCollection of field -> value.

import type { KeyMeta } from "../engine.ts";
import type { HashOps } from "../hash-ops.ts";
import { FieldCollection, type FieldVisitor } from "./field-collection.ts";
import type { LsmDb } from "./lsm-db.ts";
import { encodingLimits } from "../memory/encoding-limits.ts";

export class LsmHashOps implements HashOps {
  private readonly fields: FieldCollection;

  constructor(db: LsmDb) {
    // hash-max-listpack-entries / -value: beyond them OBJECT ENCODING says "hashtable".
    const isBig = (field: Uint8Array, value: Uint8Array) => field.length > encodingLimits.hashMaxListpackValue || value.length > encodingLimits.hashMaxListpackValue;
    this.fields = new FieldCollection(db, "hash", isBig);
  }

  length(meta: KeyMeta): number {
    return this.fields.length(meta);
  }

  get(meta: KeyMeta, field: Uint8Array): Uint8Array | null {
    return this.fields.get(meta, field);
  }

  set(key: Uint8Array, meta: KeyMeta | null, fieldValues: readonly Uint8Array[]): number {
    return this.fields.put(key, meta, fieldValues);
  }

  delete(key: Uint8Array, meta: KeyMeta, fields: readonly Uint8Array[]): number {
    return this.fields.remove(key, meta, fields);
  }

  forEach(meta: KeyMeta, visit: FieldVisitor): void {
    this.fields.forEach(meta, visit);
  }

  scan(meta: KeyMeta, cursor: number, count: number, visit: FieldVisitor): number {
    return this.fields.scan(meta, cursor, count, visit);
  }

  random(meta: KeyMeta, count: number, distinct: boolean, visit: FieldVisitor): void {
    this.fields.random(meta, count, distinct, visit);
  }
}
