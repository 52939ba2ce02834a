// Parsing and printing of configuration values with Redis 7.0's exact rules:
// what CONFIG SET and the config file accept for each parameter type, the
// form CONFIG GET prints, and the form CONFIG REWRITE writes.

import { parseInt64 } from "../net/format.ts";
import { strToBytes } from "../net/bytes.ts";
import { ConfigError } from "./errors.ts";
import type { ParamDef } from "./params.ts";

const ULLONG_MAX = 18446744073709551615n;
const ULLONG_WRAP = 18446744073709551616n;

const MEMORY_UNITS: Record<string, bigint> = {
  "": 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n,
};

/**
 * A memory value ("100", "1k", "10mb", "1GB") like Redis 7.0's memtoull: digits
 * then an optional case-insensitive unit; the number saturates at 2^64-1 and
 * the product wraps modulo 2^64 as the C code does. Null when malformed.
 */
export function parseMemory(s: string): bigint | null {
  const m = /^([0-9]*)([a-zA-Z]*)$/.exec(s);
  if (m === null) return null;
  const unit = MEMORY_UNITS[m[2].toLowerCase()];
  if (unit === undefined) return null;
  let n = m[1] === "" ? 0n : BigInt(m[1]);
  if (n > ULLONG_MAX) n = ULLONG_MAX;
  return (n * unit) % ULLONG_WRAP;
}

/** A signed 64-bit integer like Redis's string2ll (strict: no spaces, '+' or leading zeros). */
export function parseLongLong(s: string): bigint | null {
  const v = parseInt64(strToBytes(s));
  return v === null ? null : BigInt(v);
}

/**
 * C's strtoll(s, &end, base) where the whole string must be consumed: leading
 * spaces and a sign are allowed, an empty number is 0, overflow saturates.
 */
export function parseStrtoll(s: string, base: 8 | 10 = 10): bigint | null {
  const digits = base === 8 ? "[0-7]" : "[0-9]";
  const m = new RegExp(`^[ \\t\\n\\v\\f\\r]*([+-]?)(${digits}*)$`).exec(s);
  if (m === null) return null;
  if (m[2] === "") return m[1] === "" ? 0n : null;
  let v = 0n;
  for (const ch of m[2]) v = v * BigInt(base) + BigInt(ch.charCodeAt(0) - 48);
  if (m[1] === "-") v = -v;
  if (v > 9223372036854775807n) return 9223372036854775807n;
  if (v < -9223372036854775808n) return -9223372036854775808n;
  return v;
}

/** Bytes as CONFIG REWRITE writes them: the largest exact unit of gb, mb, kb. */
export function formatMemory(bytes: bigint): string {
  for (const [unit, size] of [["gb", 1024n ** 3n], ["mb", 1024n ** 2n], ["kb", 1024n]] as const) {
    if (bytes !== 0n && bytes % size === 0n) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** A string quoted and escaped like Redis's sdscatrepr, for config file lines. */
export function reprString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === "\\" || ch === '"') out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c < 32 || c >= 127) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Splits a CONFIG SET value of a multi-argument parameter at single spaces, like sdssplitlen. */
export function splitSetValue(value: string): string[] {
  return value === "" ? [] : value.split(" ");
}

/** Whether the parameter takes several arguments (on a config-file line, or space-separated in CONFIG SET). */
export function isMultiArg(p: ParamDef): boolean {
  return p.type === "special" ? p.format!.multiArg : p.type === "enum" && p.multi === true;
}

/**
 * Validates the arguments given for a parameter and returns its new value in
 * the form CONFIG GET prints. `current` is the value before (formats such as
 * client-output-buffer-limit change only part of it). Throws ConfigError with
 * Redis's reason on invalid input.
 */
export function parseValue(p: ParamDef, args: string[], current: string): string {
  switch (p.type) {
    case "bool": {
      const v = args[0].toLowerCase();
      if (v !== "yes" && v !== "no") throw new ConfigError("argument must be 'yes' or 'no'");
      return v;
    }
    case "int":
    case "memory":
      return parseNumeric(p, args[0]);
    case "enum":
      return parseEnum(p, args);
    case "string": {
      const err = p.validate?.(args[0]) ?? null;
      if (err !== null) throw new ConfigError(err);
      return args[0];
    }
    case "special":
      return p.format!.parse(args, current);
  }
}

function parseNumeric(p: ParamDef, s: string): string {
  let n: bigint | null = null;
  let percent = false;
  if (p.type === "memory") n = parseMemory(s);
  if (n === null && p.percent && s.length > 1 && s.endsWith("%")) {
    const v = parseLongLong(s.slice(0, -1));
    if (v !== null && v >= 0n) {
      n = v;
      percent = true;
    }
  }
  if (n === null && p.octal) n = parseStrtoll(s, 8);
  if (n === null && p.type === "int" && !p.octal) n = parseLongLong(s);
  if (n === null) {
    throw new ConfigError(
      p.percent ? "argument must be a memory or percent value"
        : p.type === "memory" ? "argument must be a memory value"
        : p.octal ? "argument couldn't be parsed as an octal number"
        : "argument couldn't be parsed into an integer",
    );
  }
  // "0%" is stored as 0, which reads back as plain 0 bytes.
  if (percent && n !== 0n) {
    // Redis stores percentages as negative numbers bounded by the negative minimum.
    if (p.min !== undefined && -n < p.min) throw new ConfigError(`percentage argument must be less or equal to ${-p.min}`);
    return `${n}%`;
  }
  const min = p.min ?? 0n;
  const max = p.max ?? ULLONG_MAX;
  if (n < min || n > max) {
    const fmt = (v: bigint) => (p.octal ? v.toString(8) : String(v));
    throw new ConfigError(`argument must be between ${fmt(min)} and ${fmt(max)} inclusive`);
  }
  if (p.clamp) n = n < p.clamp[0] ? p.clamp[0] : n > p.clamp[1] ? p.clamp[1] : n;
  return p.octal ? n.toString(8) : String(n);
}

function parseEnum(p: ParamDef, args: string[]): string {
  const values = p.values!;
  const picked = args.map((a) => a.toLowerCase());
  if (picked.length === 0 || (!p.multi && picked.length > 1) || picked.some((v) => !values.includes(v))) {
    throw new ConfigError(`argument(s) must be one of the following: ${values.join(", ")}`);
  }
  if (!p.multi) return picked[0];
  // A flag set: the first value names the empty set and is dropped beside others.
  const flags = values.filter((v, i) => picked.includes(v) && (i > 0 || picked.every((x) => x === v)));
  const value = flags.join(" ");
  const err = p.validate?.(value) ?? null;
  if (err !== null) throw new ConfigError(err);
  return value;
}

/** A parameter's value as a number: bytes for memory values, -N for "N%" (Redis's convention). */
export function numericValue(p: ParamDef, value: string): number {
  if (value.endsWith("%")) return -Number(value.slice(0, -1));
  return p.octal ? parseInt(value, 8) : Number(value);
}
