// x87 80-bit extended precision ("long double") arithmetic, emulated exactly
// with BigInt, for INCRBYFLOAT and HINCRBYFLOAT. Redis parses with strtold,
// adds in long double and prints "%.17Lf" with trailing zeros trimmed; with
// plain doubles 0.1 + 0.2 would print 0.30000000000000004 where Redis prints
// 0.3, so the 64-bit mantissa, its rounding and its exponent range matter.

import { bytesToStr } from "./bytes.ts";

/** A finite long double: (-1)^neg * mant * 2^exp, mant < 2^64. Zero has mant 0. */
export interface LongDouble {
  readonly neg: boolean;
  readonly mant: bigint;
  readonly exp: number;
  /** Infinity (strtold accepts "inf"; any sum with it is an error). */
  readonly inf: boolean;
}

const MANT_BITS = 64;
const TWO_63 = 1n << 63n;
const TWO_64 = 1n << 64n;
/** Exponent of the mantissa's last bit for the smallest subnormal (2^-16445). */
const MIN_LSB_EXP = -16445;
/** Largest exponent of the mantissa's last bit (max value just under 2^16384). */
const MAX_LSB_EXP = 16383 - 63;
/** string2ld refuses inputs of MAX_LONG_DOUBLE_CHARS (5 KiB) or more. */
const MAX_CHARS = 5 * 1024;

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** num / den * 2^pow2 rounded to nearest-even long double; null when it overflows. */
function roundRational(neg: boolean, num: bigint, den: bigint, pow2: number): LongDouble | null {
  if (num === 0n) return { neg, mant: 0n, exp: 0, inf: false };
  let exp = pow2 + bitLength(num) - bitLength(den) - MANT_BITS;
  const quotient = (e: number): [bigint, bigint, bigint] => {
    // num * 2^(pow2 - e) / den as quotient, remainder, divisor.
    const shift = pow2 - e;
    const n = shift >= 0 ? num << BigInt(shift) : num;
    const d = shift >= 0 ? den : den << BigInt(-shift);
    return [n / d, n % d, d];
  };
  let [q, r, d] = quotient(exp);
  while (q >= TWO_64) [q, r, d] = quotient(++exp);
  while (q < TWO_63 && exp > MIN_LSB_EXP) [q, r, d] = quotient(--exp);
  if (exp < MIN_LSB_EXP) {
    exp = MIN_LSB_EXP; // subnormal range: fewer mantissa bits
    [q, r, d] = quotient(exp);
  }
  const twice = 2n * r;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  if (q === TWO_64) {
    q = TWO_63;
    exp++;
  }
  if (exp > MAX_LSB_EXP) return null;
  return { neg, mant: q, exp, inf: false };
}

/**
 * Parses like Redis's string2ld (strtold over the whole argument): decimal
 * and hex floats, inf/infinity; rejects NaN, spaces, overflow and values that
 * underflow to zero. Returns null when invalid.
 */
export function parseLongDouble(b: Uint8Array): LongDouble | null {
  if (b.length === 0 || b.length >= MAX_CHARS) return null;
  const s = bytesToStr(b);
  let m = DECIMAL_RE.exec(s);
  if (m !== null) {
    const intDigits = m[2];
    const fracDigits = m[3] ?? "";
    if (intDigits.length + fracDigits.length === 0) return null;
    const digits = BigInt(intDigits + fracDigits);
    const exp10 = Number(m[4] ?? "0") - fracDigits.length;
    return fromDecimal(m[1] === "-", digits, exp10);
  }
  m = HEX_RE.exec(s);
  if (m !== null) {
    const intDigits = m[2];
    const fracDigits = m[3] ?? "";
    if (intDigits.length + fracDigits.length === 0) return null;
    const digits = BigInt("0x" + intDigits + fracDigits);
    const pow2 = Number(m[4] ?? "0") - 4 * fracDigits.length;
    return fromBinary(m[1] === "-", digits, pow2);
  }
  m = INF_RE.exec(s);
  if (m !== null) return { neg: m[1] === "-", mant: 0n, exp: 0, inf: true };
  return null;
}

/** digits * 10^exp10, or null on overflow/underflow to zero (strtold's ERANGE). */
function fromDecimal(neg: boolean, digits: bigint, exp10: number): LongDouble | null {
  if (digits === 0n) return { neg, mant: 0n, exp: 0, inf: false };
  const magnitude = exp10 + digits.toString().length;
  if (magnitude > 5000) return null; // beyond ~1.19e4932
  if (magnitude < -5000) return null; // below the smallest subnormal (~3.6e-4951)
  const v =
    exp10 >= 0 ? roundRational(neg, digits * 10n ** BigInt(exp10), 1n, 0) : roundRational(neg, digits, 10n ** BigInt(-exp10), 0);
  return v === null || v.mant === 0n ? null : v;
}

function fromBinary(neg: boolean, digits: bigint, pow2: number): LongDouble | null {
  if (digits === 0n) return { neg, mant: 0n, exp: 0, inf: false };
  const magnitude = pow2 + bitLength(digits);
  if (magnitude > 16400) return null;
  if (magnitude < -16500) return null;
  const v = roundRational(neg, digits, 1n, pow2);
  return v === null || v.mant === 0n ? null : v;
}

/** a + b rounded to long double; null when the result is NaN or infinite. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) return null;
  if (a.mant === 0n) return b.mant === 0n ? { neg: a.neg && b.neg, mant: 0n, exp: 0, inf: false } : b;
  if (b.mant === 0n) return a;
  const base = Math.min(a.exp, b.exp);
  const sa = a.mant << BigInt(a.exp - base);
  const sb = b.mant << BigInt(b.exp - base);
  const sum = (a.neg ? -sa : sa) + (b.neg ? -sb : sb);
  if (sum === 0n) return { neg: false, mant: 0n, exp: 0, inf: false };
  return roundRational(sum < 0n, sum < 0n ? -sum : sum, 1n, base);
}

/**
 * Formats like Redis's ld2string(LD_STR_HUMAN): "%.17Lf" (exact value rounded
 * half-even to 17 decimals), trailing zeros and a bare '.' trimmed, "-0" as "0".
 */
export function formatLongDouble(v: LongDouble): string {
  if (v.inf) return v.neg ? "-inf" : "inf";
  const scale = 10n ** 17n;
  let scaled: bigint;
  if (v.exp >= 0) scaled = (v.mant << BigInt(v.exp)) * scale;
  else {
    const den = 1n << BigInt(-v.exp);
    const num = v.mant * scale;
    scaled = num / den;
    const twice = 2n * (num % den);
    if (twice > den || (twice === den && (scaled & 1n) === 1n)) scaled++;
  }
  let digits = scaled.toString().padStart(18, "0");
  let out = digits.slice(0, -17) + "." + digits.slice(-17);
  out = out.replace(/0+$/, "");
  if (out.endsWith(".")) out = out.slice(0, -1);
  digits = v.neg ? "-" + out : out;
  return digits === "-0" ? "0" : digits;
}
