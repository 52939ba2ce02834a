// Argument parsing shared by all commands, with Redis's error replies.

import { fail, NOT_FLOAT, NOT_INTEGER } from "./errors.ts";
import { parseDouble, parseInt64, parseSafeInt } from "../net/format.ts";
import { EMPTY } from "../net/bytes.ts";

/** An integer argument that must fit a JS safe integer (indexes, counts); else "not an integer or out of range". */
export function intArg(b: Uint8Array, message = NOT_INTEGER): number {
  const v = parseSafeInt(b);
  if (v === null) fail(message);
  return v;
}

/** A full signed 64-bit integer argument (INCRBY and friends). */
export function int64Arg(b: Uint8Array, message = NOT_INTEGER): number | bigint {
  const v = parseInt64(b);
  if (v === null) fail(message);
  return v;
}

/** argsFrom's reused arrays, by length (1 and 2). */
const argScratch: Uint8Array[][] = [[], [EMPTY], [EMPTY, EMPTY]];

/**
 * argv[from...] for a storage primitive that reads the array only while it
 * runs (SADD's members, HSET's field/value list, LPUSH's elements): one or two
 * arguments, the usual case, fill a reused array instead of a new one per command.
 */
export function argsFrom(argv: Uint8Array[], from: number): Uint8Array[] {
  const n = argv.length - from;
  if (n < 1 || n > 2) return argv.slice(from);
  const out = argScratch[n];
  out[0] = argv[from];
  if (n === 2) out[1] = argv[from + 1];
  return out;
}

export function floatArg(b: Uint8Array, message = NOT_FLOAT): number {
  const v = parseDouble(b);
  if (v === null) fail(message);
  return v;
}

/** Normalizes a Redis range (start, end may be negative) to [start, end] within 0..len-1, or null when empty. */
export function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

const LONG_MAX = 9223372036854775807n;

/** A random-member count in -LONG_MAX..LONG_MAX, with Redis's two error messages. */
export function rangedCount(arg: Uint8Array): number {
  const v = parseInt64(arg);
  if (v === null) fail(NOT_INTEGER);
  if (typeof v === "bigint" && (v <= -LONG_MAX || v >= LONG_MAX)) {
    fail("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
  }
  return Number(v);
}
