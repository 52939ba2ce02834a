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

// Outgoing frames of one connection, in one reused buffer: a payload (which
// may be an encoder's shared buffer) is copied in once with its length
// prefix, and writeTo hands the socket everything queued in one write,
// keeping at the front whatever it did not accept. No frame and no joined
// copy is allocated per write.
export class FrameBuffer {
  private static readonly INITIAL = 16 * 1024;
  private buf = new Uint8Array(FrameBuffer.INITIAL);
  private len = 0;

  get size(): number {
    return this.len;
  }

  push(payload: Uint8Array): void {
    const need = this.len + 4 + payload.length;
    if (need > this.buf.length) {
      const nb = new Uint8Array(Math.max(this.buf.length * 2, need));
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    writeU32(this.buf, this.len, payload.length);
    this.buf.set(payload, this.len + 4);
    this.len = need;
  }

  // Returns false if the socket is closed (the queue is kept).
  writeTo(sock: { write(data: Uint8Array): number }): boolean {
    if (this.len === 0) return true;
    const n = sock.write(this.buf.subarray(0, this.len));
    if (n < 0) return false;
    if (n < this.len) this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    // A backlog (a slow or dead peer) may have grown the buffer a lot.
    if (this.len === 0 && this.buf.length > 64 * FrameBuffer.INITIAL) this.buf = new Uint8Array(FrameBuffer.INITIAL);
    return true;
  }

  clear(): void {
    this.len = 0;
  }
}

// Incremental frame splitter for a byte stream. With keepFrames, the
// complete frames of a chunk are copied out of the receive buffer together,
// so decoded binary fields (msgpack returns views) stay valid after the
// buffer is reused, and the copy's ArrayBuffer is materialised once per
// chunk rather than once per frame (the msgpack Decoder reads `.buffer` of
// every payload). Without it (a reader that decodes or copies whatever it
// keeps during onFrame: the KV client and service), payloads are views into
// the receive buffer itself, valid only during onFrame: no copy and no
// allocation per chunk.
export class FrameDecoder {
  private buf = new Uint8Array(0);
  private len = 0;

  constructor(private readonly keepFrames = true) {}

  // Calls onFrame with each complete payload.
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
    const frames = this.keepFrames ? this.buf.slice(0, end) : this.buf;
    try {
      for (let off = 0; off < end; ) {
        const n = readU32(frames, off);
        onFrame(frames.subarray(off + 4, off + 4 + n));
        off += 4 + n;
      }
    } finally {
      // Also when onFrame throws: those frames are never handed out again.
      this.buf.copyWithin(0, end, this.len);
      this.len -= end;
    }
  }
}
