// Listpack blobs (Redis's listpack.c), the compact encoding small hashes,
// sorted sets and list nodes take inside RDB payloads. Encoding follows
// lpAppend exactly (canonical integers use the smallest integer encoding),
// so DUMPs of small collections match Redis byte for byte.

import { parseInt64 } from "../net/format.ts";
import { RdbFormatError } from "./rdb.ts";

const HEADER_SIZE = 6;
/** Size of an empty listpack: header and terminator. */
export const LISTPACK_EMPTY_SIZE = HEADER_SIZE + 1;
const EOF = 0xff;

/** Encodes entries (strings; canonical integers are stored as integers) as a listpack. */
export function encodeListpack(entries: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = HEADER_SIZE + 1;
  for (const e of entries) {
    const enc = encodeEntry(e);
    const back = encodeBacklen(enc.length);
    parts.push(enc, back);
    total += enc.length + back.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, total, true);
  view.setUint16(4, Math.min(entries.length, 65535), true);
  let pos = HEADER_SIZE;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  out[pos] = EOF;
  return out;
}

/** Bytes an entry takes in a listpack, backlen included. */
export function listpackEntrySize(e: Uint8Array): number {
  const v = e.length <= 20 ? parseInt64(e) : null;
  const len = v !== null ? encodeInteger(BigInt(v)).length : e.length + (e.length < 64 ? 1 : e.length < 4096 ? 2 : 5);
  return len + encodeBacklen(len).length;
}

function encodeEntry(e: Uint8Array): Uint8Array {
  const v = e.length <= 20 ? parseInt64(e) : null;
  if (v !== null) return encodeInteger(BigInt(v));
  const len = e.length;
  let head: number[];
  if (len < 64) head = [0x80 | len];
  else if (len < 4096) head = [0xe0 | (len >>> 8), len & 0xff];
  else head = [0xf0, len & 0xff, (len >>> 8) & 0xff, (len >>> 16) & 0xff, (len >>> 24) & 0xff];
  const out = new Uint8Array(head.length + len);
  out.set(head);
  out.set(e, head.length);
  return out;
}

/** lpEncodeIntegerGetType: the smallest of 7-bit uint, 13/16/24/32/64-bit signed. */
function encodeInteger(v: bigint): Uint8Array {
  if (v >= 0n && v <= 127n) return Uint8Array.of(Number(v));
  if (v >= -4096n && v <= 4095n) {
    const u = Number(BigInt.asUintN(13, v));
    return Uint8Array.of(0xc0 | (u >>> 8), u & 0xff);
  }
  const [tag, bytes] =
    v >= -32768n && v <= 32767n ? [0xf1, 2] : v >= -8388608n && v <= 8388607n ? [0xf2, 3] : v >= -2147483648n && v <= 2147483647n ? [0xf3, 4] : [0xf4, 8];
  const out = new Uint8Array(1 + bytes);
  out[0] = tag;
  let u = BigInt.asUintN(bytes * 8, v);
  for (let i = 1; i <= bytes; i++) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

/** The entry length written after it, for backward traversal (7 bits per byte). */
function encodeBacklen(l: number): Uint8Array {
  if (l <= 127) return Uint8Array.of(l);
  if (l < 16383) return Uint8Array.of(l >>> 7, (l & 127) | 128);
  if (l < 2097151) return Uint8Array.of(l >>> 14, ((l >>> 7) & 127) | 128, (l & 127) | 128);
  if (l < 268435455) return Uint8Array.of(l >>> 21, ((l >>> 14) & 127) | 128, ((l >>> 7) & 127) | 128, (l & 127) | 128);
  return Uint8Array.of(l >>> 28, ((l >>> 21) & 127) | 128, ((l >>> 14) & 127) | 128, ((l >>> 7) & 127) | 128, (l & 127) | 128);
}

/** Decodes a listpack into its entries; integers come back as their decimal text. */
export function decodeListpack(blob: Uint8Array): Uint8Array[] {
  if (blob.length < HEADER_SIZE + 1) throw new RdbFormatError("listpack too short");
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (view.getUint32(0, true) !== blob.length || blob[blob.length - 1] !== EOF) {
    throw new RdbFormatError("listpack size mismatch");
  }
  const declared = view.getUint16(4, true);
  const entries: Uint8Array[] = [];
  let pos = HEADER_SIZE;
  const need = (n: number) => {
    if (pos + n > blob.length - 1) throw new RdbFormatError("listpack entry out of bounds");
  };
  while (blob[pos] !== EOF) {
    const start = pos;
    const b = blob[pos];
    let value: Uint8Array;
    if (b < 0x80) {
      value = text(BigInt(b));
      pos += 1;
    } else if (b < 0xc0) {
      const len = b & 0x3f;
      need(1 + len);
      value = blob.slice(pos + 1, pos + 1 + len);
      pos += 1 + len;
    } else if (b < 0xe0) {
      need(2);
      value = text(BigInt.asIntN(13, BigInt(((b & 0x1f) << 8) | blob[pos + 1])));
      pos += 2;
    } else if (b < 0xf0) {
      need(2);
      const len = ((b & 0x0f) << 8) | blob[pos + 1];
      need(2 + len);
      value = blob.slice(pos + 2, pos + 2 + len);
      pos += 2 + len;
    } else if (b === 0xf0) {
      need(5);
      const len = view.getUint32(pos + 1, true);
      need(5 + len);
      value = blob.slice(pos + 5, pos + 5 + len);
      pos += 5 + len;
    } else {
      const bytes = { 0xf1: 2, 0xf2: 3, 0xf3: 4, 0xf4: 8 }[b];
      if (bytes === undefined) throw new RdbFormatError("invalid listpack encoding");
      need(1 + bytes);
      let u = 0n;
      for (let i = bytes; i >= 1; i--) u = (u << 8n) | BigInt(blob[pos + i]);
      value = text(BigInt.asIntN(bytes * 8, u));
      pos += 1 + bytes;
    }
    const backlen = encodeBacklen(pos - start).length;
    need(backlen);
    pos += backlen;
    entries.push(value);
  }
  if (pos !== blob.length - 1) throw new RdbFormatError("listpack data after EOF");
  if (declared !== 65535 && declared !== entries.length) throw new RdbFormatError("listpack count mismatch");
  return entries;
}

function text(v: bigint): Uint8Array {
  const s = v.toString();
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
