// Stream entry ids as one 128-bit bigint (ms << 64 | seq): compares like
// Redis's streamID and keeps both u64 halves exact.

import type { StreamId } from "./stream-ops.ts";

const U64_MASK = (1n << 64n) - 1n;
export const U64_MAX = U64_MASK;

export const MIN_ID: StreamId = 0n;
export const MAX_ID: StreamId = (U64_MASK << 64n) | U64_MASK;

export function streamId(ms: bigint, seq: bigint): StreamId {
  return (ms << 64n) | seq;
}

export function idMs(id: StreamId): bigint {
  return id >> 64n;
}

export function idSeq(id: StreamId): bigint {
  return id & U64_MASK;
}

/** "ms-seq", as Redis prints ids. */
export function formatId(id: StreamId): string {
  return `${id >> 64n}-${id & U64_MASK}`;
}
