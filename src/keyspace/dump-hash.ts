// DUMP/RESTORE codec for hashes. Redis 7.0 writes HASH_LISTPACK (field,
// value pairs in insertion order) for listpack-encoded hashes and HASH (a
// count, then field and value strings) otherwise.

import { bytesToStr } from "../net/bytes.ts";
import type { TypeCodec } from "./dump.ts";
import { decodeListpack, encodeListpack } from "./listpack.ts";
import { RDB_TYPE, RdbFormatError, type RdbReader } from "./rdb.ts";

/** A decoded hash as a flat [field, value, ...] list with distinct fields. */
type FieldValues = Uint8Array[];

export const hashCodec: TypeCodec<FieldValues> = {
  type: "hash",
  rdbTypes: [RDB_TYPE.HASH, RDB_TYPE.HASH_LISTPACK],
  save(store, key, meta, w) {
    const flat: Uint8Array[] = [];
    store.hashes.forEach(meta, (field, value) => flat.push(field.slice(), value.slice()));
    if (store.encoding(key, meta) === "listpack") {
      w.byte(RDB_TYPE.HASH_LISTPACK);
      w.string(encodeListpack(flat));
      return;
    }
    w.byte(RDB_TYPE.HASH);
    w.length(flat.length / 2);
    for (const s of flat) w.string(s);
  },
  load(rdbType, r) {
    const flat = rdbType === RDB_TYPE.HASH_LISTPACK ? loadListpack(r) : loadPairs(r);
    if (flat.length === 0) throw new RdbFormatError("empty hash");
    return flat;
  },
  create(store, key, flat, expireAt) {
    store.hashes.set(key, null, flat);
    if (expireAt !== 0) store.setExpire(key, expireAt);
  },
};

function loadListpack(r: RdbReader): FieldValues {
  const items = decodeListpack(r.string());
  if (items.length % 2 !== 0) throw new RdbFormatError("odd hash listpack");
  // Like Redis without deep sanitization, a repeated field is not an error (the last value wins).
  return items;
}

function loadPairs(r: RdbReader): FieldValues {
  const n = r.length();
  const flat: Uint8Array[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const field = r.string();
    const value = r.string();
    const k = bytesToStr(field);
    if (seen.has(k)) throw new RdbFormatError("duplicate hash field");
    seen.add(k);
    flat.push(field, value);
  }
  return flat;
}
