// Seeded random generation of command arguments for the differential tests.
// Everything is a latin1 byte string (one char per byte), so binary values
// survive the round trip into regression JSON files.

import { render, type Reply } from "../resp-client.ts";

/** A command generator: one random argv (command name first). */
export interface CommandSpec {
  gen(g: Gen): string[];
  /** Relative frequency among the family's commands (default 1). */
  weight?: number;
  /** Makes a genuinely unordered reply comparable (e.g. sorts SMEMBERS). */
  normalize?: (reply: Reply) => Reply;
  /** Generated without asking AiKv whether it knows the command (unknown-command paths). */
  unprobed?: boolean;
  /** Replaces exact comparison (e.g. TTL within ±1); called on normalized replies. */
  equal?: (aikv: Reply, redis: Reply) => boolean;
}

/** A family of commands generated together (strings, keys, lists...). */
export interface Family {
  name: string;
  /** Command name (lower case) → generator. Commands AiKv answers "unknown command" to are dropped at start. */
  commands: Record<string, CommandSpec>;
  /** Implemented in AiKv but not to be generated yet (work in progress), with the reason. */
  pending?: Record<string, string>;
}

/** xoshiro128** seeded through splitmix32: fast, good, and identical everywhere. */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    this.s = new Uint32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  private nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)];
  }

  /** Picks by relative weight. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    let total = 0;
    for (const it of items) total += weight(it);
    let x = this.float() * total;
    for (const it of items) {
      x -= weight(it);
      if (x < 0) return it;
    }
    return items[items.length - 1];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Integer-looking arguments that hit parsing and overflow edges. */
const EDGE_INTS = [
  "0", "1", "-1", "2", "-2", "3", "10", "-10", "100", "1000",
  "9223372036854775807", "-9223372036854775808", "9223372036854775806", "-9223372036854775807",
  "9223372036854775808", "-9223372036854775809", "18446744073709551616",
  "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296",
  "1.5", "abc", "", "+1", " 1", "1 ", "0x10", "-0", "007", "1e3", "12a",
];

/** Float-looking arguments: specials, exponent forms, and junk. */
const EDGE_FLOATS = [
  "0", "1", "-1", "1.5", "-2.25", "0.1", "3.0e3", "1e308", "1e309", "-1e309", "5e-324",
  "inf", "-inf", "+inf", "Inf", "nan", "abc", "", "1.", ".5", " 1", "1 ", "0x10", "17.0000000000000001",
  "9223372036854775807", "-0", "1e-5", "123456789.123456789",
];

const WORDS = ["a", "foo", "bar", "hello world", "0", "1", "-5", "3.14", "10", "abc", "xyz", "Z", "aa", "ab", "b"];

export class Gen extends Rng {
  /** The small key space commands share, so they interact. */
  readonly keys: string[];

  /** keyPrefix isolates seeds from each other when FLUSHALL is not available. */
  constructor(seed: number, keyCount = 10, private readonly keyPrefix = "") {
    super(seed);
    this.keys = Array.from({ length: keyCount }, (_, i) => `${keyPrefix}k${i}`);
  }

  key(): string {
    return this.pick(this.keys);
  }

  /** A key outside the shared key space (e.g. LCS operands kept small), with the same prefix. */
  named(name: string): string {
    return this.keyPrefix + name;
  }

  /** 1..max distinct-or-not keys. */
  keyList(max = 4): string[] {
    return Array.from({ length: this.int(1, max) }, () => this.key());
  }

  /** A value: mostly short words and numbers, sometimes binary, empty or large. */
  value(): string {
    const r = this.float();
    if (r < 0.45) return this.pick(WORDS);
    if (r < 0.65) return String(this.int(-1000, 1000));
    if (r < 0.75) return this.pick(EDGE_INTS);
    if (r < 0.82) return this.pick(EDGE_FLOATS);
    if (r < 0.92) return this.binary(this.int(0, 16));
    if (r < 0.97) return "";
    return "x".repeat(this.int(100, 3000));
  }

  /** Random bytes (latin1 chars 0..255), including NUL, CR and LF. */
  binary(len: number): string {
    let s = "";
    for (let i = 0; i < len; i++) s += String.fromCharCode(this.int(0, 255));
    return s;
  }

  /** An integer argument: usually small, sometimes an edge or not an integer at all. */
  intArg(lo = -10, hi = 10): string {
    return this.chance(0.8) ? String(this.int(lo, hi)) : this.pick(EDGE_INTS);
  }

  /** A float argument: usually a plain number, sometimes a special or junk. */
  floatArg(): string {
    if (this.chance(0.6)) return (this.int(-2000, 2000) / 8).toString();
    return this.pick(EDGE_FLOATS);
  }

  /**
   * A relative expiry in seconds or ms: long enough never to fire during a run
   * (a key expiring mid-run would make the servers diverge by timing), or an
   * invalid / non-positive / overflowing edge.
   */
  ttl(unit: "s" | "ms"): string {
    if (this.chance(0.6)) return String(this.int(1000, 100000) * (unit === "ms" ? 1000 : 1));
    return this.pick(["0", "-1", "abc", "1.5", "", "9223372036854775807", "-9223372036854775808", "9223372036854775"]);
  }

  /** A range index (start/end): negatives, out of range, and edges. */
  index(): string {
    return this.intArg(-25, 25);
  }

  /** Either the option or a random variant of it (case flips, typos). */
  option(name: string): string {
    const r = this.float();
    if (r < 0.7) return name;
    if (r < 0.9) return name.toLowerCase();
    return this.pick([name + "X", "NOSUCHOPT", ""]);
  }

  /** Optional trailing options drawn from a list, in random order and count. */
  options(choices: readonly (() => string[])[], max = 2): string[] {
    const out: string[] = [];
    const n = this.int(0, max);
    for (let i = 0; i < n; i++) out.push(...this.pick(choices)());
    return out;
  }

  /** Mostly `argv`, sometimes with an argument dropped or one too many (arity paths). */
  arity(argv: string[]): string[] {
    const r = this.float();
    if (r < 0.03 && argv.length > 1) return argv.slice(0, this.int(1, argv.length - 1));
    // NUL-free: an extra argument often lands in "Unsupported option %s"-style
    // errors, where Redis stops at a NUL (regressions/*-nul-*.json track that).
    if (r < 0.06) return [...argv, this.value().replace(/\0/g, "")];
    return argv;
  }
}

/** Normalizer: sorts an array/set reply's elements (SMEMBERS, KEYS...). */
export function sortedElements(r: Reply): Reply {
  if (r.t !== "array" && r.t !== "set") return r;
  return { t: r.t, v: [...r.v].sort(compareReplies) };
}

/** Normalizer: sorts field/value pairs (HGETALL: a flat array in RESP2, a map in RESP3). */
export function sortedPairs(r: Reply): Reply {
  if (r.t === "map") return { t: "map", v: [...r.v].sort((a, b) => compareReplies(a[0], b[0])) };
  if (r.t !== "array") return r;
  const pairs: [Reply, Reply][] = [];
  for (let i = 0; i + 1 < r.v.length; i += 2) pairs.push([r.v[i], r.v[i + 1]]);
  pairs.sort((a, b) => compareReplies(a[0], b[0]));
  return { t: "array", v: pairs.flat() };
}

/** Equality for time-dependent integers (TTL, PTTL...): equal types, values within tolerance. */
export function withinTolerance(tolerance: number): (a: Reply, b: Reply) => boolean {
  return (a, b) => {
    if (a.t === "int" && b.t === "int") {
      const d = a.v - b.v;
      return (d < 0n ? -d : d) <= BigInt(tolerance);
    }
    return render(a) === render(b);
  };
}

function compareReplies(a: Reply, b: Reply): number {
  const x = render(a);
  const y = render(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
