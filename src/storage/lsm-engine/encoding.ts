// Key and value encoding of the LSM engine (see FORMAT.md): column byte,
// slot (the db), user key; metadata values with type, flags and expiry.

import type { KeyType } from "../engine.ts";
import { decimalDigits, writeDigits } from "../../net/format.ts";
import { putBytes } from "../lsm/coding.ts";

export const COL_ENGINE = 0x00;
export const COL_META = 0x01;
export const COL_SUBKEY = 0x02;
export const COL_EXPIRY = 0x03;
const COLUMNS_PER_SLOT = [COL_META, COL_SUBKEY, COL_EXPIRY];

export const SLOT_TABLE_KEY = new Uint8Array([COL_ENGINE, ...new TextEncoder().encode("slots")]);

const TYPE_CODES: Record<KeyType, number> = { string: 1, hash: 2, list: 3, set: 4, zset: 5, stream: 6 };
const TYPES_BY_CODE: KeyType[] = [];
for (const [name, code] of Object.entries(TYPE_CODES)) TYPES_BY_CODE[code] = name as KeyType;

export const ENCODING_VERSION = 1;
/** Flag bits of a metadata value (above the 4-bit encoding version). */
export const FLAG_RAW = 0x10;
export const FLAG_TEXT = 0x20;
/** type(1) flags(1) expireAt(8): the common head of every metadata value. */
export const META_HEAD = 10;

// Numbers are written and read byte by byte (doubles through one scratch
// DataView): a DataView over a fresh small Uint8Array makes JSC materialize
// its ArrayBuffer, about 10x the cost of the writes (14% of an LPUSH/RPOP profile).
const scratch = new DataView(new ArrayBuffer(8));
const scratchBytes = new Uint8Array(scratch.buffer);

export function putU32(out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24;
  out[at + 1] = n >>> 16;
  out[at + 2] = n >>> 8;
  out[at + 3] = n;
}

function getU32(raw: Uint8Array, at: number): number {
  return getI32(raw, at) >>> 0;
}

/** The 4 bytes at `at` as an int32 (getU32 is a double from 2^31 on). */
function getI32(raw: Uint8Array, at: number): number {
  return (raw[at] << 24) | (raw[at + 1] << 16) | (raw[at + 2] << 8) | raw[at + 3];
}

export function putF64(out: Uint8Array, at: number, x: number): void {
  scratch.setFloat64(0, x);
  for (let i = 0; i < 8; i++) out[at + i] = scratchBytes[i];
}

export function getF64(raw: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) scratchBytes[i] = raw[at + i];
  return scratch.getFloat64(0);
}

/** [column][slot u32] */
function slotPrefix(column: number, slot: number, extra: number): Uint8Array {
  const out = new Uint8Array(5 + extra);
  out[0] = column;
  putU32(out, 1, slot);
  return out;
}

/** The bytes before the user key in metaKey(slot, userKey). */
export function metaKeyHead(slot: number): Uint8Array {
  return slotPrefix(COL_META, slot, 0);
}

export function metaKey(slot: number, userKey: Uint8Array): Uint8Array {
  const out = slotPrefix(COL_META, slot, userKey.length);
  out.set(userKey, 5);
  return out;
}

/** The user key of a metadata key. */
export function userKeyOfMeta(key: Uint8Array): Uint8Array {
  return key.slice(5);
}

export function expiryKey(slot: number, expireAt: number, userKey: Uint8Array): Uint8Array {
  const out = slotPrefix(COL_EXPIRY, slot, 8 + userKey.length);
  putF64(out, 5, expireAt);
  out.set(userKey, 13);
  return out;
}

/** The user key of an expiry-index key. */
export function userKeyOfExpiry(key: Uint8Array): Uint8Array {
  return key.slice(13);
}

/** [start, end) of a column's keys in a slot. */
export function slotRange(column: number, slot: number): [Uint8Array, Uint8Array] {
  return [slotPrefix(column, slot, 0), slotPrefix(column, slot + 1, 0)];
}

/** The ranges holding everything of a slot (FLUSHDB drops them). */
export function allSlotRanges(slot: number): [Uint8Array, Uint8Array][] {
  return COLUMNS_PER_SLOT.map((column) => slotRange(column, slot));
}

export function encodeStringMeta(value: Uint8Array, expireAt: number, flags: number): Uint8Array {
  const out = stringMetaOf(value.length, expireAt, flags);
  out.set(value, META_HEAD);
  return out;
}

/** encodeStringMeta of safe integer n's decimal digits, written in place (INCR's counters: no digits array first). */
export function encodeIntegerMeta(n: number, expireAt: number): Uint8Array {
  const magnitude = n < 0 ? -n : n;
  const out = stringMetaOf((n < 0 ? 1 : 0) + decimalDigits(magnitude), expireAt, 0);
  putInteger(out, n, magnitude);
  return out;
}

/** n's decimal text as the value of raw, which has exactly its length. */
function putInteger(raw: Uint8Array, n: number, magnitude: number): void {
  writeDigits(raw, raw.length, magnitude);
  if (n < 0) raw[META_HEAD] = 45; // '-'
}

/** encodeIntegerMeta(n, the record's expiry) written over the string record raw; false, raw unchanged, when n's digits take another length. */
export function rewriteIntegerMeta(raw: Uint8Array, n: number): boolean {
  const magnitude = n < 0 ? -n : n;
  if (raw.length !== META_HEAD + (n < 0 ? 1 : 0) + decimalDigits(magnitude)) return false;
  raw[1] = ENCODING_VERSION;
  putInteger(raw, n, magnitude);
  return true;
}

/** A string's record of a valueLength-byte value, its head filled in. */
function stringMetaOf(valueLength: number, expireAt: number, flags: number): Uint8Array {
  const out = new Uint8Array(META_HEAD + valueLength);
  out[0] = TYPE_CODES.string;
  out[1] = ENCODING_VERSION | flags;
  putF64(out, 2, expireAt);
  return out;
}

/**
 * The safe integer an unchunked string's record holds as its canonical
 * decimal digits (no sign but '-', no leading zero, not "-0": what Redis's
 * string2ll and parseInt64 accept), read in place; null for any other value
 * (not an integer, or one that needs parseInt64's bigint).
 */
export function decodeIntegerValue(raw: Uint8Array): number | null {
  const negative = raw[META_HEAD] === 45;
  const first = negative ? META_HEAD + 1 : META_HEAD;
  const digits = raw.length - first;
  // 15 digits are always safe; a 16th may not be, and such counters are rare.
  if (digits < 1 || digits > 15 || (raw[first] === 48 && (digits > 1 || negative))) return null;
  let n = 0;
  for (let i = first; i < raw.length; i++) {
    const d = raw[i] - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

export function decodeType(raw: Uint8Array): KeyType {
  const type = TYPES_BY_CODE[raw[0]];
  if (type === undefined) throw new Error(`lsm engine: unknown type code ${raw[0]}`);
  return type;
}

export function decodeExpireAt(raw: Uint8Array): number {
  return getF64(raw, 2);
}

/** A copy of a metadata value with another expiry. */
export function withExpireAt(raw: Uint8Array, expireAt: number): Uint8Array {
  const out = raw.slice();
  putF64(out, 2, expireAt);
  return out;
}

/** Slot table: count(u32) slot[count](u32) nextSlot(u32). */
export function encodeSlotTable(slots: number[], nextSlot: number): Uint8Array {
  const out = new Uint8Array(4 * (slots.length + 2));
  const view = new DataView(out.buffer);
  view.setUint32(0, slots.length);
  slots.forEach((slot, i) => view.setUint32(4 * (i + 1), slot));
  view.setUint32(4 * (slots.length + 1), nextSlot);
  return out;
}

export function decodeSlotTable(raw: Uint8Array): { slots: number[]; nextSlot: number } {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = view.getUint32(0);
  const slots = Array.from({ length: count }, (_, i) => view.getUint32(4 * (i + 1)));
  return { slots, nextSlot: view.getUint32(4 * (count + 1)) };
}

/** Flag of a hash that outgrew listpack limits once (OBJECT ENCODING "hashtable", sticky as in Redis 7.0). */
export const FLAG_BIG = 0x40;
/** Flag of a string stored in chunks (collection layout: version, size = length in bytes). */
export const FLAG_CHUNKED = 0x80;
/** type(1) flags(1) expireAt(8) version(8) size(8): the metadata of a collection (and of a chunked string). */
export const COLLECTION_META_SIZE = META_HEAD + 16;

// putU32 gets int32s of the same low 32 bits (| 0), never doubles: mixing
// both deoptimized it and the code it is inlined into.
function putU64(out: Uint8Array, at: number, n: number): void {
  putU32(out, at, Math.floor(n / 2 ** 32) | 0);
  putU32(out, at + 4, n | 0);
}

function getU64(raw: Uint8Array, at: number): number {
  return getU32(raw, at) * 2 ** 32 + getU32(raw, at + 4);
}

/** `typeBytes`: room after the common part for type-specific fields (lists: head and tail). */
export function encodeCollectionMeta(type: KeyType, flags: number, expireAt: number, version: number, size: number, typeBytes = 0): Uint8Array {
  const out = new Uint8Array(COLLECTION_META_SIZE + typeBytes);
  out[0] = TYPE_CODES[type];
  out[1] = ENCODING_VERSION | flags;
  putF64(out, 2, expireAt);
  putU64(out, META_HEAD, version);
  rewriteCollectionMeta(out, flags, size);
  return out;
}

export function decodeVersion(raw: Uint8Array): number {
  return getU64(raw, META_HEAD);
}

export function decodeSize(raw: Uint8Array): number {
  return getU64(raw, META_HEAD + 8);
}

/** [0x02][slot][len(userKey)][userKey][version]: every sub-key of one key version starts with it. */
export function subKeyPrefix(slot: number, userKey: Uint8Array, version: number): Uint8Array {
  const out = slotPrefix(COL_SUBKEY, slot, 4 + userKey.length + 8);
  putU32(out, 5, userKey.length);
  out.set(userKey, 9);
  putU64(out, 9 + userKey.length, version);
  return out;
}

/** Whether prefix is subKeyPrefix(slot, userKey, version). */
export function isSubKeyPrefix(prefix: Uint8Array, slot: number, userKey: Uint8Array, version: number): boolean {
  const n = userKey.length;
  if (prefix.length !== 17 + n || getU32(prefix, 1) !== slot || getU64(prefix, 9 + n) !== version) return false;
  for (let i = 0; i < n; i++) if (prefix[9 + i] !== userKey[i]) return false;
  return true;
}

export function subKey(prefix: Uint8Array, field: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + field.length);
  putBytes(out, putBytes(out, 0, prefix), field);
  return out;
}

/**
 * An array for sub-keys (a prefix, then a suffix the caller writes from
 * prefix.length on), reused while they keep their length, the prefix copied
 * again only when it changes: for a read or a batch op, which copies the key,
 * so a command on one field or element makes no key array.
 */
export class SubKeyBuffer {
  private bytes = new Uint8Array(0);
  /** The prefix the array's first bytes hold (null: none). */
  private prefix: Uint8Array | null = null;

  /** The array with prefix in place and room for suffixLength bytes after it; valid until the next call. */
  withPrefix(prefix: Uint8Array, suffixLength: number): Uint8Array {
    const length = prefix.length + suffixLength;
    let out = this.bytes;
    if (out.length !== length) {
      out = this.bytes = new Uint8Array(length);
      this.prefix = null;
    }
    if (this.prefix !== prefix) {
      for (let i = 0; i < prefix.length; i++) out[i] = prefix[i];
      this.prefix = prefix;
    }
    return out;
  }
}

/** The smallest key after every key starting with prefix (prefixes here never end in 0xff...ff: they end in a version < 2^53). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const out = prefix.slice();
  let i = out.length - 1;
  while (out[i] === 0xff) out[i--] = 0;
  out[i]++;
  return out;
}

/** A copy of a collection's metadata value with another version. */
export function withVersion(raw: Uint8Array, version: number): Uint8Array {
  const out = raw.slice();
  putU64(out, META_HEAD, version);
  return out;
}

/** A list's metadata: the collection head, then head(u64) and tail(u64) positions (FORMAT.md). */
export const LIST_META_SIZE = COLLECTION_META_SIZE + 16;

/** The bias 2^63 of a list position's u64 (putPosition) is this bit of its high word. */
const SIGN_BIT = -0x80000000;

/**
 * A list position (a signed safe integer: pushes go both ways from 0) as a
 * u64 biased by 2^63, so the big-endian bytes sort in numeric order.
 */
export function putPosition(out: Uint8Array, at: number, position: number): void {
  // An int32 position (all but lists of 2^31 pushes one way) is written in
  // int32 arithmetic: its high word is its sign. The general form's doubles
  // (a negative high word times 2^32) deoptimized the code it is inlined into
  // when a list's positions went from one sign to the other.
  if ((position | 0) === position) {
    putU32(out, at, (position >> 31) ^ SIGN_BIT);
    putU32(out, at + 4, position);
  } else {
    const high = Math.floor(position / 2 ** 32);
    putU32(out, at, high ^ SIGN_BIT);
    putU32(out, at + 4, (position - high * 2 ** 32) | 0);
  }
}

/** positionBytes's result, reused. */
const position8 = new Uint8Array(8);

/** What positionKey(prefix, position) adds to prefix, valid until the next call (for WriteBatch.putJoined, which copies it). */
export function positionBytes(position: number): Uint8Array {
  putPosition(position8, 0, position);
  return position8;
}

function getPosition(raw: Uint8Array, at: number): number {
  const high = getI32(raw, at) ^ SIGN_BIT;
  const low = getI32(raw, at + 4);
  // An int32 position comes back as an int32, not a double of integer value:
  // ListKey's position arithmetic, compiled for ints, deoptimized on doubles.
  return high === low >> 31 ? low : high * 2 ** 32 + (low >>> 0);
}

/** head = position of the first element, tail = position after the last one. */
export function encodeListMeta(flags: number, expireAt: number, version: number, size: number, head: number, tail: number): Uint8Array {
  const out = encodeCollectionMeta("list", flags, expireAt, version, size, LIST_META_SIZE - COLLECTION_META_SIZE);
  putListEnds(out, head, tail);
  return out;
}

function putListEnds(raw: Uint8Array, head: number, tail: number): void {
  putPosition(raw, COLLECTION_META_SIZE, head);
  putPosition(raw, COLLECTION_META_SIZE + 8, tail);
}

/** encodeCollectionMeta's flags and size written over a collection's record raw (type, version and expiry stay). */
export function rewriteCollectionMeta(raw: Uint8Array, flags: number, size: number): void {
  raw[1] = ENCODING_VERSION | flags;
  putU64(raw, META_HEAD + 8, size);
}

/** encodeListMeta(0, ...) of a list's new size and ends written over its record raw (type, version and expiry stay). */
export function rewriteListMeta(raw: Uint8Array, size: number, head: number, tail: number): void {
  rewriteCollectionMeta(raw, 0, size);
  putListEnds(raw, head, tail);
}

export function decodeListHead(raw: Uint8Array): number {
  return getPosition(raw, COLLECTION_META_SIZE);
}

export function decodeListTail(raw: Uint8Array): number {
  return getPosition(raw, COLLECTION_META_SIZE + 8);
}

/** The sub-key of a list element: the key version's prefix, then the position. */
export function positionKey(prefix: Uint8Array, position: number): Uint8Array {
  const out = new Uint8Array(prefix.length + 8);
  out.set(prefix);
  putPosition(out, prefix.length, position);
  return out;
}
