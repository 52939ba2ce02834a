// Bitmap commands on string values (bitops.c): SETBIT GETBIT BITCOUNT BITPOS
// BITOP, plus BITFIELD from bitfield.ts. Bit 0 is the most significant bit of
// the first byte, as in Redis.

import type { Client } from "../net/client.ts";
import { argIs } from "../net/bytes.ts";
import { parseInt64 } from "../net/format.ts";
import { int64Arg } from "./args.ts";
import { bitfieldCommands } from "./bitfield.ts";
import { bitOffsetArg } from "./bit-offset.ts";
import { fail, SYNTAX } from "./errors.ts";
import type { CommandDef } from "./table.ts";

/** Scratch for one-byte writes: setStringRange copies what it is given. */
const oneByte = new Uint8Array(1);

function setbit(c: Client, argv: Uint8Array[]): void {
  const offset = bitOffsetArg(c, argv[2]);
  const on = parseInt64(argv[3]);
  if (on !== 0 && on !== 1) fail("ERR bit is not an integer or out of range");
  const key = argv[1];
  const db = c.db;
  const meta = db.writeTyped(key, "string");
  const value = meta === null ? null : db.store.getString(meta);
  const byte = Math.floor(offset / 8);
  const shift = 7 - (offset % 8);
  const grows = value === null || byte >= value.length;
  const oldByte = grows ? 0 : value[byte];
  const oldBit = (oldByte >> shift) & 1;
  // The byte is written even when unchanged: Redis makes the value a raw
  // string either way (OBJECT ENCODING). But like Redis, a write that changes
  // nothing (same bit, no growth) is not a modification.
  oneByte[0] = on ? oldByte | (1 << shift) : oldByte & ~(1 << shift);
  db.store.setStringRange(key, byte, oneByte);
  if (grows || oldBit !== on) {
    db.modified(key);
    c.server.keyspace.notify("$", "setbit", key, db.index);
  }
  c.out.int(oldBit);
}

function getbit(c: Client, argv: Uint8Array[]): void {
  const offset = bitOffsetArg(c, argv[2]);
  const meta = c.db.readTyped(argv[1], "string");
  const value = meta === null ? null : c.db.store.getString(meta);
  const byte = Math.floor(offset / 8);
  if (value === null || byte >= value.length) c.out.int(0);
  else c.out.int((value[byte] >> (7 - (offset % 8))) & 1);
}

/** BIT or BYTE unit argument of BITCOUNT/BITPOS: true for BIT. */
function unitIsBit(arg: Uint8Array): boolean {
  if (argIs(arg, "bit")) return true;
  if (argIs(arg, "byte")) return false;
  fail(SYNTAX);
}

/**
 * Clamps a BITCOUNT/BITPOS range like Redis: negative indexes count from the
 * end of `total` units; the result is [start, end] in bits, empty when start > end.
 */
function clampToBits(start: bigint, end: bigint, total: bigint, isBit: boolean): [number, number] {
  if (start < 0n) start += total;
  if (end < 0n) end += total;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= total) end = total - 1n;
  if (start > end) return [1, 0];
  return isBit ? [Number(start), Number(end)] : [Number(start) * 8, Number(end) * 8 + 7];
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, i) => {
  let n = 0;
  for (let v = i; v !== 0; v >>= 1) n += v & 1;
  return n;
});

/** Set bits in value[start, end): byte by byte up to 4-byte alignment, then 32 bits at a time. */
function popcount(value: Uint8Array, start: number, end: number): number {
  let count = 0;
  let i = start;
  while (i < end && (value.byteOffset + i) % 4 !== 0) count += POPCOUNT[value[i++]];
  const words = Math.floor((end - i) / 4);
  if (words > 0) {
    const view = new Uint32Array(value.buffer, value.byteOffset + i, words);
    for (let w = 0; w < words; w++) {
      // SWAR popcount of a 32-bit word.
      let v = view[w];
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      count += (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
    }
    i += words * 4;
  }
  while (i < end) count += POPCOUNT[value[i++]];
  return count;
}

/** Number of set bits in bit positions [from, to] of value (all in range). */
function countBits(value: Uint8Array, from: number, to: number): number {
  const first = Math.floor(from / 8);
  const last = Math.floor(to / 8);
  let count = popcount(value, first, last + 1);
  // Take back the bits of the edge bytes that lie outside the range.
  count -= POPCOUNT[value[first] & ~(0xff >> (from % 8)) & 0xff];
  count -= POPCOUNT[value[last] & (0xff >> ((to % 8) + 1))];
  return count;
}

function bitcount(c: Client, argv: Uint8Array[]): void {
  // Redis looks the key up before parsing the range: a missing key is 0 whatever follows.
  const meta = c.db.readTyped(argv[1], "string");
  if (meta === null) {
    c.out.int(0);
    return;
  }
  const value = c.db.store.getString(meta);
  let range: [number, number];
  if (argv.length === 4 || argv.length === 5) {
    const start = BigInt(int64Arg(argv[2]));
    const end = BigInt(int64Arg(argv[3]));
    if (start < 0n && end < 0n && start > end) {
      c.out.int(0);
      return;
    }
    const isBit = argv.length === 5 && unitIsBit(argv[4]);
    range = clampToBits(start, end, BigInt(value.length * (isBit ? 8 : 1)), isBit);
  } else if (argv.length === 2) range = [0, value.length * 8 - 1];
  else fail(SYNTAX);
  c.out.int(range[0] > range[1] ? 0 : countBits(value, range[0], range[1]));
}

/** First bit equal to `bit` in bit positions [from, to] of value, or -1. */
function findBit(value: Uint8Array, bit: number, from: number, to: number): number {
  const skip = bit === 1 ? 0x00 : 0xff; // bytes that cannot contain the bit
  let pos = from;
  while (pos <= to) {
    if (pos % 8 === 0 && pos + 7 <= to && value[pos / 8] === skip) {
      pos += 8;
      continue;
    }
    if (((value[Math.floor(pos / 8)] >> (7 - (pos % 8))) & 1) === bit) return pos;
    pos++;
  }
  return -1;
}

function bitpos(c: Client, argv: Uint8Array[]): void {
  const bit = int64Arg(argv[2]);
  if (bit !== 0 && bit !== 1) fail("ERR The bit argument must be 1 or 0.");
  const meta = c.db.readTyped(argv[1], "string");
  // A missing key is an infinite run of zeros.
  if (meta === null) {
    c.out.int(bit === 1 ? -1 : 0);
    return;
  }
  const value = c.db.store.getString(meta);
  let range: [number, number];
  let endGiven = false;
  if (argv.length >= 4 && argv.length <= 6) {
    const start = BigInt(int64Arg(argv[3]));
    const isBit = argv.length === 6 && unitIsBit(argv[5]);
    let end = BigInt(value.length - 1);
    if (argv.length >= 5) {
      end = BigInt(int64Arg(argv[4]));
      endGiven = true;
    }
    range = clampToBits(start, end, BigInt(value.length * (isBit ? 8 : 1)), isBit);
  } else if (argv.length === 3) range = [0, value.length * 8 - 1];
  else fail(SYNTAX);
  const [from, to] = range;
  if (from > to) {
    c.out.int(-1);
    return;
  }
  const pos = findBit(value, bit, from, to);
  // Without an explicit end, the string counts as padded with zeros on the right.
  if (pos === -1 && bit === 0 && !endGiven) c.out.int(to + 1);
  else c.out.int(pos);
}

const BITOP_NAMES = ["and", "or", "xor", "not"] as const;

function bitop(c: Client, argv: Uint8Array[]): void {
  const op = BITOP_NAMES.find((name) => argIs(argv[1], name));
  if (op === undefined) fail(SYNTAX);
  if (op === "not" && argv.length !== 4) fail("ERR BITOP NOT must be called with a single source key.");
  const db = c.db;
  const sources: Uint8Array[] = [];
  let maxLen = 0;
  for (let i = 3; i < argv.length; i++) {
    const meta = db.readTyped(argv[i], "string");
    const v = meta === null ? EMPTY : db.store.getString(meta);
    sources.push(v);
    if (v.length > maxLen) maxLen = v.length;
  }
  const dest = argv[2];
  if (maxLen === 0) {
    if (db.delete(dest)) c.server.keyspace.notify("g", "del", dest, db.index);
    c.out.int(0);
    return;
  }
  // Shorter sources count as padded with zero bytes.
  const result = new Uint8Array(maxLen);
  result.set(sources[0]);
  if (op === "not") {
    for (let i = 0; i < maxLen; i++) result[i] = ~result[i];
  }
  for (let s = 1; s < sources.length; s++) {
    const src = sources[s];
    if (op === "and") {
      for (let i = 0; i < src.length; i++) result[i] &= src[i];
      result.fill(0, src.length);
    } else if (op === "or") {
      for (let i = 0; i < src.length; i++) result[i] |= src[i];
    } else {
      for (let i = 0; i < src.length; i++) result[i] ^= src[i];
    }
  }
  // Overwrites whatever dest held (type, TTL) with a raw string, as Redis's setKey does.
  if (db.store.expiresCount() !== 0) db.lookupWrite(dest);
  db.store.delete(dest);
  db.store.setStringRange(dest, 0, result);
  db.modified(dest);
  c.server.keyspace.notify("$", "set", dest, db.index);
  c.out.int(maxLen);
}

const EMPTY = new Uint8Array(0);

export const bitmapCommands: CommandDef[] = [
  { name: "setbit", summary: "Sets or clears the bit at offset of the string value; creates the key if needed.", run: setbit },
  { name: "getbit", summary: "Returns a bit value by offset.", run: getbit },
  { name: "bitcount", summary: "Counts the set bits in a string, optionally in a byte or bit range.", run: bitcount },
  { name: "bitpos", summary: "Finds the first set or clear bit in a string.", run: bitpos },
  { name: "bitop", summary: "Performs a bitwise AND, OR, XOR or NOT between strings and stores the result.", run: bitop },
  ...bitfieldCommands,
];
