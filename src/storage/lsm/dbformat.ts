/**
 * Key ordering and internal keys.
 * Internal key on disk = userKey ++ 8-byte LE trailer, trailer = seq * 256 + kind.
 * Order: user key ascending (bytewise), then trailer descending, so the newest
 * version of a key comes first and a seek for (key, snapshotSeq) lands on the
 * newest version visible to the snapshot.
 */
import { getFixed32, putFixed32 } from './coding.ts';

export const KIND_DELETE = 0;
export const KIND_PUT = 1;
/** Only in write batches / WAL; range tombstones live outside tables (see FORMAT.md). */
export const KIND_RANGE_DELETE = 2;
/** Seek kind: larger than every stored kind so (k, seq, SEEK) sorts before (k, seq, any). */
export const KIND_SEEK = 0xff;

/** Sequence numbers must fit the 56-bit trailer and JS's exact integer range. */
export const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER;

/**
 * A view of buf[start, end). \`new Uint8Array(buffer, ...)\` is about twice as
 * fast as \`subarray\` on Bun, and views are made on hot paths.
 */
export function view(buf: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
}

/** Result slot of point lookups (avoids an object per get). */
export const lookupOut: { seq: number; kind: number; buf: Uint8Array; voff: number; vlen: number } = { seq: 0, kind: 0, buf: new Uint8Array(0), voff: 0, vlen: 0 };

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compare user key a[0,alen) with b[0,blen) without creating subarrays. */
export function compareBytesN(a: Uint8Array, alen: number, b: Uint8Array, blen: number): number {
  const n = alen < blen ? alen : blen;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d;
  }
  return alen - blen;
}

export function trailerLo(seq: number, kind: number): number {
  return ((seq % 16777216) * 256 + kind) >>> 0;
}
export function trailerHi(seq: number): number {
  return Math.floor(seq / 16777216) >>> 0;
}

export function encodeInternalKey(userKey: Uint8Array, seq: number, kind: number): Uint8Array {
  const out = new Uint8Array(userKey.length + 8);
  out.set(userKey, 0);
  putFixed32(out, userKey.length, trailerLo(seq, kind));
  putFixed32(out, userKey.length + 4, trailerHi(seq));
  return out;
}

export function ikeyUserKey(ikey: Uint8Array): Uint8Array {
  return ikey.subarray(0, ikey.length - 8);
}
export function ikeySeq(ikey: Uint8Array, len = ikey.length): number {
  const lo = getFixed32(ikey, len - 8);
  const hi = getFixed32(ikey, len - 4);
  return hi * 16777216 + Math.floor(lo / 256);
}
export function ikeyKind(ikey: Uint8Array, len = ikey.length): number {
  return ikey[len - 8];
}

/** Compare two encoded internal keys a[0,alen), b[0,blen). */
export function compareInternalN(a: Uint8Array, alen: number, b: Uint8Array, blen: number): number {
  const c = compareBytesN(a, alen - 8, b, blen - 8);
  if (c !== 0) return c;
  // Trailer descending: compare hi words, then lo words, reversed.
  const ah = getFixed32(a, alen - 4);
  const bh = getFixed32(b, blen - 4);
  if (ah !== bh) return ah > bh ? -1 : 1;
  const al = getFixed32(a, alen - 8);
  const bl = getFixed32(b, blen - 8);
  if (al !== bl) return al > bl ? -1 : 1;
  return 0;
}
export function compareInternal(a: Uint8Array, b: Uint8Array): number {
  return compareInternalN(a, a.length, b, b.length);
}

/** Compare internal key parts (userKey, seq, kind) — used by in-memory structures. */
export function compareParts(ak: Uint8Array, aseq: number, akind: number, bk: Uint8Array, bseq: number, bkind: number): number {
  const c = compareBytes(ak, bk);
  if (c !== 0) return c;
  if (aseq !== bseq) return aseq > bseq ? -1 : 1;
  if (akind !== bkind) return akind > bkind ? -1 : 1;
  return 0;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

export function fileName(dir: string, number: number, ext: 'sst' | 'log'): string {
  return `${dir}/${String(number).padStart(6, '0')}.${ext}`;
}
export function manifestName(dir: string, number: number): string {
  return `${dir}/MANIFEST-${String(number).padStart(6, '0')}`;
}

/** Output slot for getSeqKind (avoids allocating per decode). */
export const seqKindOut = { seq: 0, kind: 0 };
export function getSeqKind(ikey: Uint8Array): void {
  const len = ikey.length;
  const lo = getFixed32(ikey, len - 8);
  const hi = getFixed32(ikey, len - 4);
  seqKindOut.seq = hi * 16777216 + (lo >>> 8);
  seqKindOut.kind = lo & 0xff;
}
