// Large strings edited in place (APPEND, SETRANGE, SETBIT) are stored in
// fixed-size chunks, one sub-key each, so an edit rewrites only the chunks it
// touches instead of the whole value (FORMAT.md, "Chunked strings").

import { bytesToStr } from "../../net/bytes.ts";
import { WriteBatch } from "../lsm/index.ts";
import { FLAG_CHUNKED, FLAG_RAW, encodeCollectionMeta, encodeStringMeta, prefixEnd, subKey, subKeyPrefix } from "./encoding.ts";
import type { LsmDb, LsmMeta } from "./lsm-db.ts";

export const CHUNK_SIZE = 2048;

function chunkField(index: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, index);
  return out;
}

/**
 * The chunked string edited last, assembled, with spare room to grow: APPEND
 * reads the value's length through getString, so without it every APPEND to
 * a large string would reassemble all its chunks. Versions are unique, and
 * every edit of a chunked string goes through writeRange, so a matching
 * (slot, key, version) means the cached bytes are current.
 */
export class ChunkCache {
  private slot = -1;
  private key = "";
  private version = -1;
  private buf = new Uint8Array(0);
  private length = 0;

  get(db: LsmDb, meta: LsmMeta): Uint8Array | null {
    if (this.slot !== db.slot || this.version !== meta.version || this.key !== bytesToStr(meta.key)) return null;
    return this.buf.subarray(0, this.length);
  }

  /**
   * Applies an edit (bytes written at offset, the value now `length` long)
   * to `current`, the value before it, and caches the result, which it returns.
   */
  update(db: LsmDb, key: Uint8Array, version: number, current: Uint8Array, length: number, offset: number, bytes: Uint8Array): Uint8Array {
    const keyStr = bytesToStr(key);
    const hit = this.slot === db.slot && this.version === version && this.key === keyStr;
    if (length > this.buf.length || !hit) {
      const grown = new Uint8Array(Math.max(length, Math.min(length * 2, length + 1024 * 1024)));
      grown.set(current);
      this.buf = grown;
    }
    this.buf.fill(0, current.length, length);
    this.buf.set(bytes, offset);
    [this.slot, this.key, this.version, this.length] = [db.slot, keyStr, version, length];
    return this.buf.subarray(0, length);
  }
}

/** The whole value of a chunked string (its chunks in order; missing tails are zeros). */
export function readChunked(db: LsmDb, meta: LsmMeta): Uint8Array {
  const cached = db.chunkCache.get(db, meta);
  if (cached !== null) return cached;
  const value = new Uint8Array(meta.size);
  const prefix = subKeyPrefix(db.slot, meta.key, meta.version);
  const it = db.engine.lsm.iterator({ gte: prefix, lt: prefixEnd(prefix) });
  for (it.seekToFirst(); it.valid(); it.next()) {
    const index = new DataView(it.key().buffer, it.key().byteOffset + prefix.length, 4).getUint32(0);
    value.set(it.value().subarray(0, Math.max(0, meta.size - index * CHUNK_SIZE)), index * CHUNK_SIZE);
  }
  it.close();
  return value;
}

/**
 * setStringRange for the LSM engine: small results stay inline; larger
 * ones become (or stay) chunked, and only the chunks from the edit's start
 * (or the old end, when zero-filling a gap) to its end are rewritten.
 */
export function writeRange(db: LsmDb, key: Uint8Array, old: LsmMeta | null, offset: number, bytes: Uint8Array): number {
  const oldLength = old === null ? 0 : old.stringLength;
  const newLength = Math.max(oldLength, offset + bytes.length);
  const expireAt = old === null ? 0 : old.expireAt;
  const batch = new WriteBatch();
  if (newLength <= CHUNK_SIZE) {
    const value = new Uint8Array(newLength);
    if (old !== null) value.set(db.getString(old));
    value.set(bytes, offset);
    db.putInBatch(batch, key, encodeStringMeta(value, expireAt, FLAG_RAW), old);
    db.engine.write(batch);
    return newLength;
  }
  const chunked = old !== null && (old.flags & FLAG_CHUNKED) !== 0;
  const version = chunked ? old.version : db.engine.newVersion();
  const prefix = subKeyPrefix(db.slot, key, version);
  const current = old === null ? new Uint8Array(0) : db.getString(old);
  const value = db.chunkCache.update(db, key, version, current, newLength, offset, bytes);
  // An inline value is rewritten as chunks once; a chunked one from the first touched chunk.
  const first = chunked ? Math.floor(Math.min(offset, oldLength) / CHUNK_SIZE) : 0;
  for (let index = first; index * CHUNK_SIZE < newLength; index++) {
    batch.put(subKey(prefix, chunkField(index)), value.subarray(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE));
  }
  db.putInBatch(batch, key, encodeCollectionMeta("string", FLAG_RAW | FLAG_CHUNKED, expireAt, version, newLength), old);
  db.engine.write(batch);
  return newLength;
}
