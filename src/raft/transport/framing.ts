import { Decoder, Encoder } from "@msgpack/msgpack";

// Reused codec instances: constructing one per call dominated the cost of
// small frames.
const encoder = new Encoder();
const decoder = new Decoder();

export function decodePayload(p: Uint8Array): unknown {
  return decoder.decode(p);
}

// Length-prefixed msgpack frames: u32 big-endian payload length, payload.
export const MAX_FRAME = 256 << 20;

export function encodeFrame(value: unknown): Uint8Array {
  const payload = encoder.encode(value);
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

// Incremental frame splitter for a byte stream. Each payload is copied out
// of the receive buffer, so decoded binary fields (msgpack returns views)
// stay valid after the buffer is reused.
export class FrameDecoder {
  private buf = new Uint8Array(0);
  private len = 0;

  // Calls onFrame with each complete payload (a fresh copy).
  push(chunk: Uint8Array, onFrame: (payload: Uint8Array) => void): void {
    if (this.len + chunk.length > this.buf.length) {
      const nb = new Uint8Array(Math.max(this.buf.length * 2, this.len + chunk.length, 64 * 1024));
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    let off = 0;
    while (this.len - off >= 4) {
      const n = new DataView(this.buf.buffer, this.buf.byteOffset + off, 4).getUint32(0);
      if (n > MAX_FRAME) throw new Error(`frame too large: ${n}`);
      if (this.len - off - 4 < n) break;
      const payload = this.buf.slice(off + 4, off + 4 + n);
      off += 4 + n;
      onFrame(payload);
    }
    if (off > 0) {
      this.buf.copyWithin(0, off, this.len);
      this.len -= off;
    }
  }
}
