// BITFIELD and BITFIELD_RO (bitops.c bitfieldGeneric): signed and unsigned
// integers of 1..64 bits (u63 at most) at arbitrary bit offsets of a string,
// with WRAP/SAT/FAIL overflow. Field values are BigInts: 64-bit math is exact.

import type { Client } from "../net/client.ts";
import { argIs } from "../net/bytes.ts";
import { parseInt64 } from "../net/format.ts";
import { int64Arg } from "./args.ts";
import { bitOffsetArg } from "./bit-offset.ts";
import { fail, SYNTAX } from "./errors.ts";
import type { CommandDef } from "./table.ts";

const enum Overflow {
  Wrap,
  Sat,
  Fail,
}

const enum Opcode {
  Get,
  Set,
  IncrBy,
}

interface FieldOp {
  opcode: Opcode;
  signed: boolean;
  bits: number;
  offset: number;
  /** SET value or INCRBY increment. */
  arg: bigint;
  overflow: Overflow;
}

const TYPE_ERR = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

/** A type argument: i1..i64 or u1..u63 (read as a C string, up to a NUL, like Redis). */
function fieldType(arg: Uint8Array): { signed: boolean; bits: number } {
  const nul = arg.indexOf(0);
  if (nul >= 0) arg = arg.subarray(0, nul);
  const first = arg.length > 0 ? arg[0] : 0;
  if (first !== 105 && first !== 117) fail(TYPE_ERR); // 'i' or 'u', lower case only as in Redis 7.0
  const signed = first === 105;
  const bits = parseInt64(arg.subarray(1));
  if (bits === null || bits < 1 || bits > (signed ? 64 : 63)) fail(TYPE_ERR);
  return { signed, bits: Number(bits) };
}

function parseOps(c: Client, argv: Uint8Array[]): FieldOp[] {
  const ops: FieldOp[] = [];
  let overflow = Overflow.Wrap;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const sub = argv[j];
    let opcode: Opcode;
    if (argIs(sub, "get") && remaining >= 2) opcode = Opcode.Get;
    else if (argIs(sub, "set") && remaining >= 3) opcode = Opcode.Set;
    else if (argIs(sub, "incrby") && remaining >= 3) opcode = Opcode.IncrBy;
    else if (argIs(sub, "overflow") && remaining >= 1) {
      const kind = argv[++j];
      if (argIs(kind, "wrap")) overflow = Overflow.Wrap;
      else if (argIs(kind, "sat")) overflow = Overflow.Sat;
      else if (argIs(kind, "fail")) overflow = Overflow.Fail;
      else fail("ERR Invalid OVERFLOW type specified");
      continue;
    } else fail(SYNTAX);
    const { signed, bits } = fieldType(argv[j + 1]);
    const offset = bitOffsetArg(c, argv[j + 2], bits);
    const arg = opcode === Opcode.Get ? 0n : BigInt(int64Arg(argv[j + 3]));
    ops.push({ opcode, signed, bits, offset, arg, overflow });
    j += opcode === Opcode.Get ? 2 : 3;
  }
  return ops;
}

/** The field at [offset, offset+bits) of value, bytes past its end reading as zero. */
function readField(value: Uint8Array, offset: number, bits: number, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i++) {
    const pos = offset + i;
    const byte = Math.floor(pos / 8);
    const bit = byte < value.length ? (value[byte] >> (7 - (pos % 8))) & 1 : 0;
    v = (v << 1n) | BigInt(bit);
  }
  return signed ? BigInt.asIntN(bits, v) : v;
}

/** Scratch for a field's bytes: a 64-bit field spans at most 9 bytes. */
const fieldBytes = new Uint8Array(9);

/** Writes the low `bits` bits of v at offset; value must already reach that far. */
function writeField(c: Client, key: Uint8Array, value: Uint8Array, offset: number, bits: number, v: bigint): void {
  const first = Math.floor(offset / 8);
  const last = Math.floor((offset + bits - 1) / 8);
  const bytes = fieldBytes.subarray(0, last - first + 1);
  bytes.set(value.subarray(first, last + 1));
  for (let i = 0; i < bits; i++) {
    const pos = offset + i - first * 8;
    const mask = 1 << (7 - (pos % 8));
    const set = (v >> BigInt(bits - 1 - i)) & 1n;
    if (set) bytes[pos >> 3] |= mask;
    else bytes[pos >> 3] &= ~mask;
  }
  c.db.store.setStringRange(key, first, bytes);
}

/**
 * The value to store for value + incr (SET passes its value with incr 0), or
 * null when it overflows under FAIL. A port of Redis's
 * checkSignedBitfieldOverflow/checkUnsignedBitfieldOverflow including their
 * 64-bit wrap-arounds: e.g. SET i32 with a value near INT64_MIN counts as a
 * positive overflow and saturates to the maximum.
 */
function fitField(op: FieldOp, value: bigint, incr: bigint): bigint | null {
  const { signed, bits } = op;
  const width = BigInt(bits);
  let direction: 1 | -1 | 0 = 0;
  let max: bigint;
  let min: bigint;
  if (signed) {
    max = (1n << (width - 1n)) - 1n;
    min = -max - 1n;
    const maxIncr = BigInt.asIntN(64, max - value);
    const minIncr = BigInt.asIntN(64, min - value);
    if (value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) direction = 1;
    else if (value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)) direction = -1;
  } else {
    max = (1n << width) - 1n;
    min = 0n;
    if (value > max || (incr > 0n && incr > BigInt.asIntN(64, max - value))) direction = 1;
    else if (incr < 0n && incr < BigInt.asIntN(64, -value)) direction = -1;
  }
  if (direction === 0) return value + incr;
  if (op.overflow === Overflow.Fail) return null;
  if (op.overflow === Overflow.Sat) return direction === 1 ? max : min;
  return signed ? BigInt.asIntN(bits, value + incr) : BigInt.asUintN(bits, value + incr);
}

function bitfieldGeneric(c: Client, argv: Uint8Array[], readOnlyCommand: boolean): void {
  const ops = parseOps(c, argv);
  const key = argv[1];
  const db = c.db;
  let highestBit = -1;
  for (const op of ops) {
    if (op.opcode !== Opcode.Get) highestBit = Math.max(highestBit, op.offset + op.bits - 1);
  }
  let grew = false;
  if (highestBit < 0) db.readTyped(key, "string");
  else {
    if (readOnlyCommand) fail("ERR BITFIELD_RO only supports the GET subcommand");
    // Like lookupStringForBitCommand: create or zero-extend up front to the
    // farthest bit written (rewriting its byte also makes the value raw, as in Redis).
    const meta = db.writeTyped(key, "string");
    const have = meta === null ? null : db.store.getString(meta);
    const lastByte = Math.floor(highestBit / 8);
    grew = have === null || have.length <= lastByte;
    fieldBytes[0] = have !== null && lastByte < have.length ? have[lastByte] : 0;
    db.store.setStringRange(key, lastByte, fieldBytes.subarray(0, 1));
  }

  let changes = 0;
  const out = c.out;
  out.array(ops.length);
  for (const op of ops) {
    // Looked up per operation: writes may replace the value.
    const meta = db.store.lookup(key);
    const value = meta === null || meta.type !== "string" ? EMPTY : db.store.getString(meta);
    const old = readField(value, op.offset, op.bits, op.signed);
    if (op.opcode === Opcode.Get) {
      out.int(old);
      continue;
    }
    const next =
      op.opcode === Opcode.IncrBy ? fitField(op, old, op.arg) : fitField(op, op.signed ? op.arg : BigInt.asUintN(64, op.arg), 0n);
    if (next === null) {
      out.nil();
      continue;
    }
    out.int(op.opcode === Opcode.IncrBy ? next : old);
    writeField(c, key, value, op.offset, op.bits, next);
    if (grew || next !== old) changes++;
  }
  if (changes > 0) {
    db.modified(key, changes);
    c.server.keyspace.notify("$", "setbit", key, db.index);
  }
}

const EMPTY = new Uint8Array(0);

export const bitfieldCommands: CommandDef[] = [
  {
    name: "bitfield",
    summary: "Performs arbitrary bitfield integer operations on strings.",
    run: (c, argv) => bitfieldGeneric(c, argv, false),
  },
  {
    name: "bitfield_ro",
    summary: "Performs arbitrary read-only bitfield integer operations on strings.",
    run: (c, argv) => bitfieldGeneric(c, argv, true),
  },
];
