// DUMP/RESTORE payloads, byte-compatible with Redis 7.0: the RDB object type
// and value, then the RDB version (2 bytes LE) and the CRC-64/Jones of
// everything before it (8 bytes LE).
//
// Each value type contributes a codec (dump-<type>.ts, listed in CODECS
// below) that writes its value through the storage primitives and reads the
// RDB encodings Redis produces. Loading is split in two so RESTORE can reject
// bad data before it touches the keyspace: `load` decodes the payload into a
// transient value, `create` then writes it with the storage primitives.

import type { DbStore, KeyMeta, KeyType } from "../storage/engine.ts";
import { crc64 } from "./crc64.ts";
import { hashCodec } from "./dump-hash.ts";
import { listCodec } from "./dump-list.ts";
import { setCodec } from "./dump-set.ts";
import { stringCodec } from "./dump-string.ts";
import { streamCodec } from "./dump-stream.ts";
import { zsetCodec } from "./dump-zset.ts";
import { RDB_VERSION, RdbFormatError, RdbReader, RdbWriter } from "./rdb.ts";

export interface TypeCodec<V> {
  readonly type: KeyType;
  /** The RDB object types `load` accepts. */
  readonly rdbTypes: readonly number[];
  /** Writes the RDB object type byte, then the value of key. */
  save(store: DbStore, key: Uint8Array, meta: KeyMeta, w: RdbWriter): void;
  /** Decodes a value of RDB object type `rdbType`; throws RdbFormatError when malformed. */
  load(rdbType: number, r: RdbReader): V;
  /** Creates key (which does not exist) holding the decoded value. */
  create(store: DbStore, key: Uint8Array, value: V, expireAt: number): void;
}

// Every value type's codec.
const CODECS = [stringCodec, listCodec, hashCodec, setCodec, zsetCodec, streamCodec] as unknown as TypeCodec<unknown>[];
const codecsByType = new Map(CODECS.map((c) => [c.type, c]));
const codecsByRdbType = new Map(CODECS.flatMap((c) => c.rdbTypes.map((t) => [t, c] as const)));

/** DUMP: the serialized value of key. */
export function createDumpPayload(store: DbStore, key: Uint8Array, meta: KeyMeta): Uint8Array {
  const codec = codecsByType.get(meta.type);
  if (codec === undefined) throw new Error(`no DUMP codec for ${meta.type}`);
  const w = new RdbWriter();
  codec.save(store, key, meta, w);
  w.uintLE(RDB_VERSION, 2);
  w.uintLE(crc64(w.bytes()), 8);
  return w.bytes();
}

/** Whether the footer names an RDB version we can read and the checksum matches (verifyDumpPayload). */
export function verifyDumpPayload(payload: Uint8Array): boolean {
  if (payload.length < 10) return false;
  const footer = payload.length - 10;
  const version = payload[footer] | (payload[footer + 1] << 8);
  if (version > RDB_VERSION) return false;
  const expected = new RdbReader(payload, payload.length);
  expected.pos = footer + 2;
  return expected.uintLE(8) === crc64(payload.subarray(0, footer + 2));
}

/** A decoded payload, ready to be written under a key. */
export interface RestorableValue {
  create(store: DbStore, key: Uint8Array, expireAt: number): void;
}

/** Decodes a verified payload; throws RdbFormatError for unknown types or malformed data. */
export function loadDumpPayload(payload: Uint8Array): RestorableValue {
  const r = new RdbReader(payload, payload.length - 10);
  const rdbType = r.byte();
  const codec = codecsByRdbType.get(rdbType);
  if (codec === undefined) throw new RdbFormatError(`unsupported RDB object type ${rdbType}`);
  const value = codec.load(rdbType, r);
  return { create: (store, key, expireAt) => codec.create(store, key, value, expireAt) };
}
