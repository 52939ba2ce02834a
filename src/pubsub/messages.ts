// Pub/Sub message frames, encoded once per PUBLISH and sent as the same bytes
// to every subscriber: RESP2 and RESP3 frames differ only in their first
// byte ('*' array vs '>' push), so the RESP3 frame is a copy with that byte
// changed, made only if a RESP3 subscriber exists.

import { strToBytes } from "../net/bytes.ts";

const CRLF_DOLLAR = strToBytes("\r\n$");
const CRLF = strToBytes("\r\n");

/** The kinds of message a subscriber receives, each with its frame's header. */
export const MESSAGE = strToBytes("*3\r\n$7\r\nmessage\r\n$");
export const PMESSAGE = strToBytes("*4\r\n$8\r\npmessage\r\n$");
export const SMESSAGE = strToBytes("*3\r\n$8\r\nsmessage\r\n$");

/**
 * A message frame: `header` (one of the constants above, ending at the first
 * element's `$`) followed by the bulk strings `parts`.
 */
export function encodeFrame(header: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
  const lens = parts.map((p) => strToBytes(String(p.length)));
  let size = header.length;
  for (let i = 0; i < parts.length; i++) size += lens[i].length + 2 + parts[i].length + (i + 1 < parts.length ? 3 : 2);
  const frame = new Uint8Array(size);
  frame.set(header, 0);
  let at = header.length;
  for (let i = 0; i < parts.length; i++) {
    frame.set(lens[i], at);
    at += lens[i].length;
    frame.set(CRLF, at);
    at += 2;
    frame.set(parts[i], at);
    at += parts[i].length;
    const sep = i + 1 < parts.length ? CRLF_DOLLAR : CRLF;
    frame.set(sep, at);
    at += sep.length;
  }
  return frame;
}

/** The same frame as a RESP3 push. */
export function asPush(frame: Uint8Array): Uint8Array {
  const push = frame.slice();
  push[0] = 0x3e; // '>'
  return push;
}
