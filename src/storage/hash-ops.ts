// Hash primitives of a DbStore (see engine.ts). Implemented by each engine.
//
// Shaped for an LSM engine too: a hash there is a metadata record (size)
// plus one versioned sub-key per field, so each operation is a few point
// reads/writes or a prefix iteration. `meta` is a live hash key's metadata
// (type "hash") and is stale after any write. Fields and values passed in may
// be transient views (engines copy what they keep); values handed out must not
// be modified by the caller, and are valid until the hash's next write (the
// memory engine overwrites a value of the same length in place): whoever keeps
// one copies it.

import type { KeyMeta } from "./engine.ts";

export interface HashOps {
  /** Number of fields (HLEN), O(1). */
  length(meta: KeyMeta): number;
  /** The value of a field, or null. */
  get(meta: KeyMeta, field: Uint8Array): Uint8Array | null;
  /**
   * Sets fields from a flat [field, value, field, value...] list, creating
   * the key (no expiry) when meta is null. Returns how many fields were new.
   * `handedOver`: the values are fresh copies the engine may keep (see DbStore.setString).
   */
  set(key: Uint8Array, meta: KeyMeta | null, fieldValues: readonly Uint8Array[], handedOver?: boolean): number;
  /** Removes fields; returns how many existed. Deletes the key when emptied. */
  delete(key: Uint8Array, meta: KeyMeta, fields: readonly Uint8Array[]): number;
  /** Visits every field with its value (HGETALL, HKEYS, HVALS). */
  forEach(meta: KeyMeta, visit: (field: Uint8Array, value: Uint8Array) => void): void;
  /**
   * HSCAN step: visits fields at the cursor (at least `count` when that many
   * remain; compact encodings may return everything at once) and returns the
   * next cursor, 0 when done. A field present for the whole scan is returned
   * at least once, and not twice while the hash is unchanged.
   */
  scan(meta: KeyMeta, cursor: number, count: number, visit: (field: Uint8Array, value: Uint8Array) => void): number;
  /**
   * Visits `count` random fields: distinct ones (count <= length) when
   * `distinct`, else independent picks that may repeat (HRANDFIELD).
   */
  random(meta: KeyMeta, count: number, distinct: boolean, visit: (field: Uint8Array, value: Uint8Array) => void): void;
}
