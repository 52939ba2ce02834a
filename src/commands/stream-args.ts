// Stream ids as arguments and replies (t_stream.c's streamParse*IDOrReply,
// addReplyStreamID), shared by the stream command modules.

import type { Db } from "../keyspace/keyspace.ts";
import { bytesToStr, cString } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import type { ReplyBuffer } from "../net/reply.ts";
import type { KeyMeta } from "../storage/engine.ts";
import { formatId, MAX_ID, streamId, U64_MAX } from "../storage/stream-id.ts";
import type { StreamEntry, StreamId } from "../storage/stream-ops.ts";
import { fail } from "./errors.ts";

export const INVALID_ID = "ERR Invalid stream ID specified as stream command argument";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Redis's string2ull: string2ll's strict form, else strtoull (leading
 * whitespace, a sign, base 10, whole string; a minus negates modulo 2^64).
 */
function parseU64(s: string): bigint | null {
  if (/^(0|-?[1-9][0-9]*)$/.test(s)) {
    const v = BigInt(s);
    if (v >= INT64_MIN && v <= INT64_MAX) return v < 0n ? null : v;
  }
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s);
  if (m === null) return null;
  const v = BigInt(m[2]);
  if (v > U64_MAX) return null;
  return m[1] === "-" && v !== 0n ? (1n << 64n) - v : v;
}

/** A parsed id, and whether its sequence was given (false for XADD's `<ms>-*`). */
export interface ParsedId {
  id: StreamId;
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply: `-`/`+` (unless strict), `<ms>`, `<ms>-<seq>`,
 * and with `allowSeqAuto` `<ms>-*`. A missing sequence is `missingSeq`.
 */
export function parseIdArg(arg: Uint8Array, missingSeq: bigint, strict: boolean, allowSeqAuto = false): ParsedId {
  if (arg.length > 127) fail(INVALID_ID);
  const s = cString(arg);
  if (s === "-" || s === "+") {
    if (strict) fail(INVALID_ID);
    return { id: s === "-" ? 0n : MAX_ID, seqGiven: true };
  }
  const dash = s.indexOf("-");
  const ms = parseU64(dash < 0 ? s : s.slice(0, dash));
  if (ms === null) fail(INVALID_ID);
  if (dash < 0) return { id: streamId(ms, missingSeq), seqGiven: true };
  const seqPart = s.slice(dash + 1);
  if (allowSeqAuto && seqPart === "*") return { id: streamId(ms, 0n), seqGiven: false };
  const seq = parseU64(seqPart);
  if (seq === null) fail(INVALID_ID);
  return { id: streamId(ms, seq), seqGiven: true };
}

/** A strict id (no `-`/`+`): XDEL, XACK, XCLAIM, XSETID... */
export function strictId(arg: Uint8Array): StreamId {
  return parseIdArg(arg, 0n, true).id;
}

/** Whether arg is exactly `token` as C compares it (up to a NUL). */
export function isToken(arg: Uint8Array, token: string): boolean {
  return cString(arg) === token;
}

/**
 * A range bound (streamParseIntervalIDOrReply): `(` makes it exclusive, which
 * moves a start up or an end down by one id, with Redis's errors at the edges.
 */
export function intervalId(arg: Uint8Array, isStart: boolean): StreamId {
  const exclusive = arg.length > 1 && arg[0] === 0x28; // "("
  const id = exclusive ? parseIdArg(arg.subarray(1), isStart ? 0n : U64_MAX, true).id : parseIdArg(arg, isStart ? 0n : U64_MAX, false).id;
  if (!exclusive) return id;
  if (isStart) {
    if (id === MAX_ID) fail("ERR invalid start ID for the interval");
    return id + 1n; // one 128-bit number: a sequence overflow carries into ms, as streamIncrID does
  }
  if (id === 0n) fail("ERR invalid end ID for the interval");
  return id - 1n;
}

export function replyId(out: ReplyBuffer, id: StreamId): void {
  out.bulkStr(formatId(id));
}

/** An entry as Redis replies it: [id, [field, value, ...]] (an array in RESP3 too). */
export function replyEntry(out: ReplyBuffer, e: StreamEntry): void {
  out.array(2);
  replyId(out, e.id);
  out.bulkArray(e.fields);
}

export function replyEntries(out: ReplyBuffer, entries: readonly StreamEntry[]): void {
  out.array(entries.length);
  for (const e of entries) replyEntry(out, e);
}

/** One entry by id, or null when it is not in the stream. */
export function entryAt(db: Db, meta: KeyMeta, id: StreamId): StreamEntry | null {
  return db.store.streams.range(meta, id, id, 1, false)[0] ?? null;
}

/** A group name argument as the storage interface takes it. */
export function nameArg(arg: Uint8Array): string {
  return bytesToStr(arg);
}

export function notifyStream(c: Client, db: Db, event: string, key: Uint8Array): void {
  c.server.keyspace.notify("t", event, key, db.index);
}

/** "NOGROUP No such key '<key>' or consumer group '<group>'" plus a command-specific tail. */
export function noGroupError(key: Uint8Array, group: Uint8Array, tail = ""): never {
  fail(`NOGROUP No such key '${cString(key)}' or consumer group '${cString(group)}'${tail}`);
}

/**
 * Writes a header (an array or map length, a cursor...) before what was
 * written since `mark`: for replies whose length is known only at the end.
 */
export function prependHeader(out: ReplyBuffer, mark: number, header: () => void): void {
  const body = out.buf.slice(mark, out.len);
  out.truncate(mark);
  header();
  out.raw(body);
}
