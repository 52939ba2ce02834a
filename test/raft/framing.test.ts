import { expect, test } from "bun:test";
import { FrameBuffer, FrameDecoder } from "../../src/raft/transport/framing.ts";

test("FrameBuffer: partial socket writes keep the rest in order; FrameDecoder splits it back", () => {
  const q = new FrameBuffer();
  const payloads = Array.from({ length: 50 }, (_, i) => new Uint8Array(i * 997).fill(i));
  const wire: number[] = [];
  let accept = 0; // bytes the fake socket takes per write
  const sock = {
    write(d: Uint8Array): number {
      const n = Math.min(d.length, accept);
      wire.push(...d.subarray(0, n));
      return n;
    },
  };
  for (const [i, p] of payloads.entries()) {
    q.push(p);
    accept = (i * 7919) % 30_000; // sometimes nothing, sometimes everything
    expect(q.writeTo(sock)).toBe(true);
  }
  accept = Infinity;
  q.writeTo(sock);
  expect(q.size).toBe(0);
  const got: Uint8Array[] = [];
  new FrameDecoder().push(new Uint8Array(wire), (p) => got.push(p.slice()));
  expect(got).toEqual(payloads);
  expect(q.writeTo({ write: () => -1 })).toBe(true); // nothing queued: no write at all
  q.push(new Uint8Array([1]));
  expect(q.writeTo({ write: () => -1 })).toBe(false); // closed: kept
  expect(q.size).toBe(5);
});

test("FrameDecoder: frames split across chunks arrive whole, kept or as views valid during onFrame; a throwing onFrame does not see them again", () => {
  const q = new FrameBuffer();
  const payloads = Array.from({ length: 40 }, (_, i) => new Uint8Array((i * 389) % 5000).fill(i + 1));
  for (const p of payloads) q.push(p);
  const wire: number[] = [];
  q.writeTo({ write: (d: Uint8Array) => (wire.push(...d), d.length) });
  for (const keepFrames of [true, false]) {
    const dec = new FrameDecoder(keepFrames);
    const got: Uint8Array[] = [];
    const kept: Uint8Array[] = [];
    for (let at = 0, i = 0; at < wire.length; i++) {
      const n = (i * 7919) % 3000; // sometimes empty, sometimes several frames
      dec.push(new Uint8Array(wire.slice(at, at + n)), (p) => {
        got.push(p.slice());
        kept.push(p);
      });
      at += n;
    }
    expect(got).toEqual(payloads);
    // Kept payloads stay valid; views may since have been overwritten.
    if (keepFrames) expect(kept).toEqual(payloads);
  }
  const dec = new FrameDecoder(false);
  const frame = (b: number) => [0, 0, 0, 1, b];
  expect(() =>
    dec.push(new Uint8Array([...frame(1), ...frame(2)]), () => {
      throw new Error("bad frame");
    }),
  ).toThrow("bad frame");
  const after: number[] = [];
  dec.push(new Uint8Array(frame(3)), (p) => after.push(...p));
  expect(after).toEqual([3]);
});
