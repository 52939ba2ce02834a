// Per-type hooks of the memory engine: how to copy (COPY), size (MEMORY
// USAGE) and name (OBJECT ENCODING) a value. Each collection module registers
// its type here; kept apart from memory-engine.ts so modules can register at
// load time without an import cycle.

import { bytesToStr } from "../../net/bytes.ts";
import type { KeyType } from "../engine.ts";

/** Deep copy of a value for COPY; each collection type registers how to clone itself. */
export type ValueCloner = (value: unknown) => unknown;
// A string value is its bytes or a safe integer (INCR's counters: see MemEntry).
// Bytes are mutated in place (setStringRange), so a copy must not share them.
export const cloners = new Map<KeyType, ValueCloner>([["string", (v) => (typeof v === "number" ? v : cloneString(v as Uint8Array))]]);
/** Memory usage estimators per type (bytes, approximate). */
export type ValueSizer = (value: unknown) => number;
export const sizers = new Map<KeyType, ValueSizer>([["string", (v) => (typeof v === "number" ? String(v).length : (v as Uint8Array).length)]]);
/** OBJECT ENCODING per type. */
export type ValueEncoding = (value: unknown) => string;
export const encodings = new Map<KeyType, ValueEncoding>([["string", (v) => (typeof v === "number" ? "int" : stringEncoding(v as Uint8Array))]]);

/** Lets a collection module teach the memory engine how to copy, size and name its values. */
export function registerMemoryType(type: KeyType, clone: ValueCloner, size: ValueSizer, encoding: ValueEncoding): void {
  cloners.set(type, clone);
  sizers.set(type, size);
  encodings.set(type, encoding);
}

/**
 * How a string value was built, where its OBJECT ENCODING doesn't follow from
 * its content as for SET: "raw" once edited in place (APPEND, SETRANGE, SETBIT,
 * BITFIELD, BITOP build raw strings in Redis), "text" when never int-encoded
 * (INCRBYFLOAT's formatted result: embstr or raw by length).
 */
export const stringForms = new WeakMap<Uint8Array, "raw" | "text">();

function cloneString(v: Uint8Array): Uint8Array {
  const copy = v.slice();
  const form = stringForms.get(v);
  if (form !== undefined) stringForms.set(copy, form);
  return copy;
}

export function stringEncoding(v: Uint8Array): string {
  const form = stringForms.get(v);
  if (form === "raw") return "raw";
  // Redis: integers that fit a long are "int", short strings "embstr" (<= 44 bytes), else "raw".
  if (form === undefined && v.length > 0 && v.length <= 20 && /^(0|-?[1-9][0-9]*)$/.test(bytesToStr(v))) {
    const n = BigInt(bytesToStr(v));
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return "int";
  }
  return v.length <= 44 ? "embstr" : "raw";
}
