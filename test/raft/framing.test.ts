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
