// Intset blobs (Redis's intset.c): how Redis 7.0 stores sets of integers in
// RDB payloads. Header: element width (2, 4 or 8) and count, both uint32 LE,
// then the values sorted ascending, little-endian.

import { RdbFormatError } from "./rdb.ts";

/** Encodes integers (any order, distinct) as an intset of the narrowest width that holds them all. */
export function encodeIntset(values: readonly bigint[]): Uint8Array {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const fits = (bits: number) => sorted.every((v) => BigInt.asIntN(bits, v) === v);
  const width = fits(16) ? 2 : fits(32) ? 4 : 8;
  const out = new Uint8Array(8 + width * sorted.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, width, true);
  view.setUint32(4, sorted.length, true);
  sorted.forEach((v, i) => {
    const at = 8 + i * width;
    if (width === 2) view.setInt16(at, Number(v), true);
    else if (width === 4) view.setInt32(at, Number(v), true);
    else view.setBigInt64(at, v, true);
  });
  return out;
}

/** Decodes an intset blob into its values; throws RdbFormatError when malformed or unsorted. */
export function decodeIntset(blob: Uint8Array): bigint[] {
  if (blob.length < 8) throw new RdbFormatError("intset too short");
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const width = view.getUint32(0, true);
  const count = view.getUint32(4, true);
  if ((width !== 2 && width !== 4 && width !== 8) || blob.length !== 8 + width * count) {
    throw new RdbFormatError("invalid intset header");
  }
  const values: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width;
    const v = width === 2 ? BigInt(view.getInt16(at, true)) : width === 4 ? BigInt(view.getInt32(at, true)) : view.getBigInt64(at, true);
    if (i > 0 && v <= values[i - 1]) throw new RdbFormatError("intset not sorted");
    values.push(v);
  }
  return values;
}
