/** Little-endian fixed-width ints and LEB128 varints (LevelDB coding). */

export function putFixed32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}
export function getFixed32(buf: Uint8Array, off: number): number {
  return (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
}
/** 64-bit values are JS numbers: callers keep them below 2^53. */
export function putFixed64(buf: Uint8Array, off: number, v: number): void {
  putFixed32(buf, off, v >>> 0);
  putFixed32(buf, off + 4, Math.floor(v / 4294967296) >>> 0);
}
export function getFixed64(buf: Uint8Array, off: number): number {
  return getFixed32(buf, off + 4) * 4294967296 + getFixed32(buf, off);
}

export function varintLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes v (0 <= v < 2^53) at off; returns new offset. */
export function putVarint(buf: Uint8Array, off: number, v: number): number {
  while (v >= 128) {
    buf[off++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[off++] = v;
  return off;
}

/** Result slot for getVarint to avoid allocating a tuple per decode. */
export const varintOut = { value: 0, offset: 0 };

/** Decodes a varint at off into varintOut; returns false when truncated/overlong. */
export function getVarint(buf: Uint8Array, off: number, limit = buf.length): boolean {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 8 && off < limit; i++) {
    const b = buf[off++];
    result += (b & 0x7f) * mul;
    if (b < 128) {
      varintOut.value = result;
      varintOut.offset = off;
      return true;
    }
    mul *= 128;
  }
  return false;
}

/** Parts shorter than this are copied by a loop. */
const SHORT_COPY = 64;
/** ByteWriter.bytes copies up to this many bytes past a part's end to avoid a subarray view or a loop. */
const SPARE_COPY_BYTES = 1024;
/** ... and this many before its start (a batch's header), over bytes it then puts back. */
const SPARE_HEAD_BYTES = 16;

/**
 * Copies src[start, end) into dst at `at`: set() for a whole array, a loop
 * for a short part (a subarray view costs more than the copy). Callers keep
 * the loop here, in a small function: inlined into addRecord's loop, the
 * same byte loop ran ~10x slower (1.1 us for 80 bytes).
 */
export function copyRange(dst: Uint8Array, at: number, src: Uint8Array, start: number, end: number): void {
  if (start === 0 && end === src.length) dst.set(src, at);
  else if (end - start < SHORT_COPY) for (let i = start, o = at - start; i < end; i++) dst[o + i] = src[i];
  else dst.set(src.subarray(start, end), at);
}

/** WordCopier copies through DataViews only from arrays at least this long (JSC keeps shorter ones without an ArrayBuffer: see WordCopier). */
const WORD_COPY_SOURCE_MIN = 1024;
/** ... and ranges at least this long (shorter ones: copyRange's loop, as fast). */
const WORD_COPY_MIN = 8;
const NO_VIEW = new DataView(new ArrayBuffer(0));

/**
 * copyRange four bytes at a time, through DataViews of the last
 * destination and source it was given (a memtable's arena; the WAL record
 * a batch's ops are in): a byte loop costs ~1.5 ns a byte on this VM (a
 * bounds check per load and per store), so a 31-byte key took ~50 ns and a
 * 42-byte list metadata record ~65, about a third of that this way. Only
 * for a destination that stays the same from one call to the next; a
 * source shorter than WORD_COPY_SOURCE_MIN (a command's own small arrays)
 * goes through copyRange, as a DataView of it would make JSC give it an
 * ArrayBuffer, which costs far more than the copy.
 */
export class WordCopier {
  private dst: Uint8Array | null = null;
  private dstView: DataView<ArrayBufferLike> = NO_VIEW;
  private src: Uint8Array | null = null;
  private srcView: DataView<ArrayBufferLike> = NO_VIEW;

  copy(dst: Uint8Array, at: number, src: Uint8Array, start: number, end: number): void {
    if (end - start < WORD_COPY_MIN || src.length < WORD_COPY_SOURCE_MIN) {
      copyRange(dst, at, src, start, end);
      return;
    }
    if (dst !== this.dst) {
      this.dst = dst;
      this.dstView = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    }
    if (src !== this.src) {
      this.src = src;
      this.srcView = new DataView(src.buffer, src.byteOffset, src.byteLength);
    }
    const to = this.dstView;
    const from = this.srcView;
    const shift = at - start;
    let i = start;
    for (; i + 4 <= end; i += 4) to.setInt32(shift + i, from.getInt32(i));
    for (; i < end; i++) dst[shift + i] = src[i];
  }
}

/** putBytes copies parts shorter than this by a loop: TypedArray set() cost ~3x more for 5-16 bytes. */
const SHORT_PART = 24;

/** Copies all of part into buf at `at` (room there); returns the offset after it. */
export function putBytes(buf: Uint8Array, at: number, part: Uint8Array): number {
  const n = part.length;
  if (n < SHORT_PART) for (let i = 0; i < n; i++) buf[at + i] = part[i];
  else buf.set(part, at);
  return at + n;
}

/** Growable byte buffer used by builders (avoids many small allocations). */
export class ByteWriter {
  buf: Uint8Array;
  len = 0;
  /** bytes(): the written bytes a whole-array copy lands on, put back after it. */
  private readonly kept = new Uint8Array(SPARE_HEAD_BYTES);
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }
  ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  varint(v: number): void {
    this.ensure(10);
    this.len = putVarint(this.buf, this.len, v);
  }
  fixed32(v: number): void {
    this.ensure(4);
    putFixed32(this.buf, this.len, v);
    this.len += 4;
  }
  fixed64(v: number): void {
    this.ensure(8);
    putFixed64(this.buf, this.len, v);
    this.len += 8;
  }
  bytes(b: Uint8Array, start = 0, end = b.length): void {
    const n = end - start;
    if (start <= this.len && start <= SPARE_HEAD_BYTES && b.length - end <= SPARE_COPY_BYTES) {
      // A buffer's bytes but a few at each end (a batch's encoding, maybe
      // without its header): a whole-array set() needs no subarray view, an
      // allocation that was 3-6% of a write command's profile, nor
      // copyRange's byte loop, 3.4% of SET's for its ~60 bytes (11% when
      // appending batches to a WAL record). The bytes after end land in the
      // free space past len; those before start land on the last bytes
      // written, which are put back.
      this.ensure(b.length - start);
      const buf = this.buf;
      const at = this.len - start;
      const kept = this.kept;
      for (let i = 0; i < start; i++) kept[i] = buf[at + i];
      buf.set(b, at);
      for (let i = 0; i < start; i++) buf[at + i] = kept[i];
    } else {
      this.ensure(n);
      copyRange(this.buf, this.len, b, start, end);
    }
    this.len += n;
  }
  /** Length-prefixed slice. */
  lenBytes(b: Uint8Array): void {
    this.varint(b.length);
    this.bytes(b);
  }
  reset(): void {
    this.len = 0;
  }
  /** A copy of the written bytes. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** Sequential decoder for manifest/properties records; throws on truncation. */
export class ByteReader {
  off: number;
  constructor(
    readonly buf: Uint8Array,
    off = 0,
    readonly limit = buf.length,
  ) {
    this.off = off;
  }
  eof(): boolean {
    return this.off >= this.limit;
  }
  byte(): number {
    if (this.off >= this.limit) throw new RangeError('truncated');
    return this.buf[this.off++];
  }
  varint(): number {
    if (!getVarint(this.buf, this.off, this.limit)) throw new RangeError('bad varint');
    this.off = varintOut.offset;
    return varintOut.value;
  }
  fixed32(): number {
    if (this.off + 4 > this.limit) throw new RangeError('truncated');
    const v = getFixed32(this.buf, this.off);
    this.off += 4;
    return v;
  }
  fixed64(): number {
    if (this.off + 8 > this.limit) throw new RangeError('truncated');
    const v = getFixed64(this.buf, this.off);
    this.off += 8;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (this.off + n > this.limit) throw new RangeError('truncated');
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  lenBytes(): Uint8Array {
    return this.bytes(this.varint());
  }
}
