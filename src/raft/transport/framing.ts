// Length-prefixed frames: u32 big-endian payload length, payload.
export const MAX_FRAME = 256 << 20;

// Big-endian u32 by hand: `new DataView(arr.buffer)` per call made JSC
// materialise an ArrayBuffer for every small array (~9% of the leader's
// profile).
export function readU32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

export function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = v >>> 16;
  b[off + 2] = v >>> 8;
  b[off + 3] = v;
}

// A frame around an encoded payload (which may be the encoder's shared
// buffer: it is copied here).
export function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  writeU32(out, 0, payload.length);
  out.set(payload, 4);
  return out;
}

// Incremental frame splitter for a byte stream. The complete frames of a
// chunk are copied out of the receive buffer together, so decoded binary
// fields (msgpack returns views) stay valid after the buffer is reused, and
// the copy's ArrayBuffer is materialised once per chunk rather than once per
// frame (the msgpack Decoder reads `.buffer` of every payload).
export class FrameDecoder {
  private buf = new Uint8Array(0);
  private len = 0;

  // Calls onFrame with each complete payload (a view into a fresh copy).
  push(chunk: Uint8Array, onFrame: (payload: Uint8Array) => void): void {
    if (this.len + chunk.length > this.buf.length) {
      const nb = new Uint8Array(Math.max(this.buf.length * 2, this.len + chunk.length, 64 * 1024));
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    let end = 0;
    while (this.len - end >= 4) {
      const n = readU32(this.buf, end);
      if (n > MAX_FRAME) throw new Error(`frame too large: ${n}`);
      if (this.len - end - 4 < n) break;
      end += 4 + n;
    }
    if (end === 0) return;
    const frames = this.buf.slice(0, end);
    this.buf.copyWithin(0, end, this.len);
    this.len -= end;
    for (let off = 0; off < end; ) {
      const n = readU32(frames, off);
      onFrame(frames.subarray(off + 4, off + 4 + n));
      off += 4 + n;
    }
  }
}
