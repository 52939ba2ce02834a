// Number parsing and formatting with Redis 7.0's exact rules.

import { strToBytes } from "./bytes.ts";

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Parses a signed 64-bit integer like Redis's string2ll: no spaces, no '+',
 * no leading zeros, no overflow. Returns a number when it is a safe integer,
 * a bigint beyond 2^53, or null when malformed.
 */
export function parseInt64(b: Uint8Array): number | bigint | null {
  const n = b.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  const neg = b[0] === 45;
  if (neg) {
    i = 1;
    if (n === 1) return null;
  }
  if (b[i] === 48) return n === i + 1 && !neg ? 0 : null; // "0" only; "-0", "01" are rejected
  let v = 0;
  for (let j = i; j < n; j++) {
    const d = b[j] - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (n - i <= 15) return neg ? -v : v;
  let big = 0n;
  for (let j = i; j < n; j++) big = big * 10n + BigInt(b[j] - 48);
  if (neg) big = -big;
  if (big > INT64_MAX || big < INT64_MIN) return null;
  return Number.isSafeInteger(Number(big)) && BigInt(Number(big)) === big ? Number(big) : big;
}

/**
 * Decimal digits of non-negative safe integer n. Below 2^31 by int32
 * division ((t / 10) | 0), which JSC does in integer registers: Math.floor(t / 10)
 * made an 8-digit number cost ~100 ns to print instead of ~35.
 */
export function decimalDigits(n: number): number {
  let digits = 1;
  if (n <= 0x7fffffff) for (let t = n; t >= 10; t = (t / 10) | 0) digits++;
  else for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  return digits;
}

/** Writes the decimal digits of non-negative safe integer n into buf, ending just before `end` (see decimalDigits). */
export function writeDigits(buf: Uint8Array, end: number, n: number): void {
  let p = end;
  for (; n > 0x7fffffff; p--) {
    const q = Math.floor(n / 10);
    buf[p - 1] = 48 + (n - q * 10);
    n = q;
  }
  do {
    const q = (n / 10) | 0;
    buf[--p] = 48 + (n - q * 10);
    n = q;
  } while (n > 0);
}

/** Decimal ASCII bytes of an integer; safe integers are written digit by digit, without a string in between. */
export function int64Bytes(n: number | bigint): Uint8Array {
  if (typeof n === "bigint" || !Number.isSafeInteger(n)) return strToBytes(n.toString());
  const out = new Uint8Array(n < 0 ? decimalDigits(-n) + 1 : decimalDigits(n));
  writeDigits(out, out.length, n < 0 ? -n : n);
  if (n < 0) out[0] = 45; // '-'
  return out;
}

/** parseInt64 restricted to safe JS integers (counts, indexes, offsets): out of range is null. */
export function parseSafeInt(b: Uint8Array): number | null {
  const v = parseInt64(b);
  if (v === null) return null;
  if (typeof v === "bigint") {
    // Clamp: callers use these as indexes where anything beyond 2^53 behaves like infinity.
    return v > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
  }
  return v;
}

export function isInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

/** 64-bit addition with overflow detection; null on overflow. */
export function addInt64(a: number | bigint, b: number | bigint): number | bigint | null {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  const r = BigInt(a) + BigInt(b);
  if (!isInt64(r)) return null;
  return Number.isSafeInteger(Number(r)) && BigInt(Number(r)) === r ? Number(r) : r;
}

const DEC_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^[+-]?(?:inf|infinity)$/i;
const NAN_RE = /^[+-]?nan$/i;
const C_SPACE_RE = /^[ \t\n\v\f\r]+/;

export interface StrtodResult {
  value: number;
  /** errno == ERANGE: the value overflowed to infinity or underflowed to zero. */
  range: boolean;
}

/**
 * C's strtod applied to a whole byte string, as Redis calls it: leading
 * whitespace is skipped; decimal and hexadecimal forms, inf/infinity and nan
 * are accepted. Returns null unless the entire string is consumed. An empty
 * string converts nothing, which C callers checking only `*eptr == '\0'`
 * read as 0.
 */
export function strtod(b: Uint8Array): StrtodResult | null {
  const simple = simpleDecimal(b);
  if (simple !== null) return { value: simple, range: false };
  if (b.length > 5000) return null;
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  if (s === "") return { value: 0, range: false };
  const body = s.replace(C_SPACE_RE, "");
  if (INF_RE.test(body)) return { value: body[0] === "-" ? -Infinity : Infinity, range: false };
  if (NAN_RE.test(body)) return { value: NaN, range: false };
  let value: number;
  let nonZeroDigits: boolean;
  const hex = HEX_RE.exec(body);
  if (hex !== null) {
    const [, sign, intDigits, fracDigits = "", exp = "0"] = hex;
    if (intDigits === "" && fracDigits === "") return null;
    const mantissa = parseInt(intDigits + fracDigits || "0", 16);
    value = mantissa * 2 ** (parseInt(exp, 10) - 4 * fracDigits.length);
    if (sign === "-") value = -value;
    nonZeroDigits = /[1-9a-fA-F]/.test(intDigits + fracDigits);
  } else if (DEC_RE.test(body)) {
    value = Number(body);
    nonZeroDigits = /[1-9]/.test(body.replace(/[eE].*$/, ""));
  } else return null;
  const range = !Number.isFinite(value) || (value === 0 && nonZeroDigits);
  return { value, range };
}

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * The common case of strtod without building a string or running regexes
 * (they were 16% of a ZADD profile): [+-]digits[.digits] with at most 15
 * digits. The digits form an exact integer m and 10^k is exact, so m / 10^k
 * is the correctly rounded value, as strtod's (Clinger's fast path). Null
 * for anything else (exponents, hex, inf, spaces, more digits). Reads
 * b[from, to) (the look ahead parses ZADD's scores in the read buffer).
 */
export function simpleDecimal(b: Uint8Array, from = 0, to = b.length): number | null {
  let i = from;
  const sign = to > from ? b[from] : 0;
  if (sign === 45 || sign === 43) i++; // '-' '+'
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < to; i++) {
    const c = b[i];
    if (c === 46 && fraction < 0) fraction = 0; // '.'
    else {
      const d = c - 48;
      if (d < 0 || d > 9) return null;
      mantissa = mantissa * 10 + d;
      digits++;
      if (fraction >= 0) fraction++;
    }
  }
  if (digits === 0 || digits > 15) return null;
  const value = fraction > 0 ? mantissa / POWERS_OF_TEN[fraction] : mantissa;
  return sign === 45 ? -value : value;
}

/**
 * Parses a double like Redis's getDoubleFromObject: strtod over the whole
 * string, but no leading space, not empty, no NaN, and no overflow or
 * underflow to zero.
 */
export function parseDouble(b: Uint8Array): number | null {
  const simple = simpleDecimal(b);
  if (simple !== null) return simple;
  if (b.length === 0 || C_SPACE_RE.test(String.fromCharCode(b[0]))) return null;
  const r = strtod(b);
  if (r === null || Number.isNaN(r.value) || r.range) return null;
  return r.value;
}

/**
 * Formats a double as C's "%.17g" (Redis 7.0's addReplyDouble and score output).
 *
 * toExponential/toPrecision cost microseconds in JSC (45% of a ZRANGE WITHSCORES
 * profile), so the common cases take shortcuts that give identical text:
 * safe integers (below 2^53) print all their digits either way, and a dyadic value
 * k/1024 of moderate magnitude has a short exact decimal expansion, which the
 * shortest round-trip form (String) reproduces. Other values are cached.
 */
export function formatDouble(d: number): string {
  if (Number.isInteger(d)) {
    // Zero first: Map keys can't tell -0 from 0.
    if (d === 0) return Object.is(d, -0) ? "-0" : "0";
    if (Number.isSafeInteger(d)) return String(d);
  } else {
    const abs = Math.abs(d);
    if (abs >= 1e-4 && abs < 1e6 && Number.isInteger(d * 1024)) return String(d);
    if (abs >= 1e-4 && abs < 1e17) {
      // When the shortest round-trip form needs all 17 digits it is the correctly
      // rounded 17-digit value, i.e. %.17g's text (random scores mostly are).
      const shortest = String(d);
      if (significantDigits(shortest) === 17) return shortest;
    }
  }
  let s = formatCache.get(d);
  if (s === undefined) {
    if (formatCache.size >= FORMAT_CACHE_MAX) formatCache.clear();
    s = formatDoubleExact(d);
    formatCache.set(d, s);
  }
  return s;
}

/** Significant digits of a number printed in fixed notation ("-0.00120" has 3). */
function significantDigits(fixed: string): number {
  let n = 0;
  let leading = true;
  for (let i = 0; i < fixed.length; i++) {
    const c = fixed.charCodeAt(i);
    if (c < 48 || c > 57) continue; // sign, point
    if (leading && c === 48) continue;
    leading = false;
    n++;
  }
  return n;
}

const FORMAT_CACHE_MAX = 4096;
const formatCache = new Map<number, string>();

function formatDoubleExact(d: number): string {
  if (d === Infinity) return "inf";
  if (d === -Infinity) return "-inf";
  if (Number.isNaN(d)) return "nan";
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  // 17 significant digits of the exact binary value, correctly rounded (half to
  // even) as glibc's printf does; JSC's toExponential(16) is not (it printed
  // 999999999999998.12 as ...13).
  let { digits, exp } = exactDecimal(Math.abs(d));
  if (digits.length > 17) {
    const rest = digits.slice(17);
    let head = digits.slice(0, 17);
    const half = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || (head.charCodeAt(16) & 1) === 1));
    if (half) {
      head = (BigInt(head) + 1n).toString();
      if (head.length > 17) {
        head = head.slice(0, 17);
        exp++;
      }
    }
    digits = head;
  }
  digits = digits.replace(/0+$/, "") || "0";
  const sign = d < 0 ? "-" : "";
  if (exp < -4 || exp >= 17) {
    const mant = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
    const ae = Math.abs(exp);
    return sign + mant + "e" + (exp < 0 ? "-" : "+") + (ae < 10 ? "0" + ae : String(ae));
  }
  if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return sign + (frac.length > 0 ? intPart + "." + frac : intPart);
}

const bitsView = new DataView(new ArrayBuffer(8));

/**
 * The exact decimal expansion of a positive finite double: all its digits
 * (no leading zeros) and the power of ten of the first one.
 */
function exactDecimal(d: number): { digits: string; exp: number } {
  bitsView.setFloat64(0, d);
  const bits = bitsView.getBigUint64(0);
  const field = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = field === 0 ? fraction : fraction | (1n << 52n);
  const e = field === 0 ? -1074 : field - 1075;
  // d = mantissa * 2^e = mantissa * 5^-e / 10^-e when e < 0.
  const scaled = e >= 0 ? mantissa << BigInt(e) : mantissa * 5n ** BigInt(-e);
  const digits = scaled.toString();
  return { digits, exp: digits.length - 1 - (e >= 0 ? 0 : -e) };
}

/**
 * Formats an INCRBYFLOAT/HINCRBYFLOAT result. Redis uses long double with
 * "%.17Lf" and trims trailing zeros (never an exponent); JS has only doubles,
 * so we print the shortest round-trip digits in fixed notation.
 */
export function formatFixedDouble(d: number): string {
  if (d === 0) return "0";
  let s = String(d);
  if (s.includes("e")) {
    s = d.toFixed(Math.abs(d) >= 1 ? 0 : 17);
    if (s.includes(".")) s = s.replace(/\.?0+$/, "");
  }
  return s;
}
