// XREAD and XREADGROUP (t_stream.c's xreadCommand), blocking through
// keyspace/blocking.ts like BLPOP: a write to a stream someone waits for
// (XADD, XGROUP DESTROY...) wakes its waiters after the whole command,
// transaction or script, in arrival order.

import { blockingOf } from "../keyspace/blocking.ts";
import type { Db } from "../keyspace/keyspace.ts";
import { argIs, bytesEqual, bytesToStr } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import type { ReplyBuffer } from "../net/reply.ts";
import type { KeyMeta } from "../storage/engine.ts";
import { MAX_ID } from "../storage/stream-id.ts";
import type { StreamId } from "../storage/stream-ops.ts";
import { int64Arg } from "./args.ts";
import { CommandError, fail, SYNTAX } from "./errors.ts";
import { entryAt, isToken, prependHeader, nameArg, noGroupError, notifyStream, replyEntries, replyEntry, replyId, strictId } from "./stream-args.ts";
import { readCounterAfter } from "./stream-lag.ts";
import type { CommandDef } from "./table.ts";

/** What a blocked read without COUNT gets at most (XREAD_BLOCKED_DEFAULT_COUNT). */
const BLOCKED_DEFAULT_COUNT = 1000;

interface ReadArgs {
  group: Uint8Array | null;
  consumer: Uint8Array | null;
  noAck: boolean;
  /** 0 = no limit. */
  count: number;
  /** Absolute deadline in ms, 0 = forever; null without BLOCK. */
  deadline: number | null;
  keys: Uint8Array[];
  /** Per key: read entries after this id; MAX_ID stands for XREADGROUP's `>`. */
  after: StreamId[];
}

/** BLOCK's milliseconds (getTimeoutFromObjectOrReply with UNIT_MILLISECONDS) as a deadline. */
function blockDeadline(arg: Uint8Array): number {
  const ms = int64Arg(arg, "ERR timeout is not an integer or out of range");
  if (ms < 0) fail("ERR timeout is negative");
  return ms === 0 || ms === 0n ? 0 : Date.now() + Number(ms);
}

function parseReadArgs(c: Client, argv: Uint8Array[], grouped: boolean): ReadArgs {
  const args: ReadArgs = { group: null, consumer: null, noAck: false, count: 0, deadline: null, keys: [], after: [] };
  let streamsAt = 0;
  for (let i = 1; i < argv.length; i++) {
    const moreArgs = argv.length - i - 1;
    const opt = argv[i];
    if (argIs(opt, "block") && moreArgs > 0) {
      if (c.isScript) fail(`ERR ${bytesToStr(argv[0])} command is not allowed with BLOCK option from scripts`);
      args.deadline = blockDeadline(argv[++i]);
    } else if (argIs(opt, "count") && moreArgs > 0) {
      const v = int64Arg(argv[++i]);
      args.count = v < 0 ? 0 : Number(v);
    } else if (argIs(opt, "streams") && moreArgs > 0) {
      streamsAt = i + 1;
      if ((argv.length - streamsAt) % 2 !== 0) {
        fail("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      break;
    } else if (argIs(opt, "group") && moreArgs >= 2) {
      if (!grouped) fail("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
      args.group = argv[i + 1];
      args.consumer = argv[i + 2];
      i += 2;
    } else if (argIs(opt, "noack")) {
      if (!grouped) fail("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
      args.noAck = true;
    } else fail(SYNTAX);
  }
  if (streamsAt === 0) fail(SYNTAX);
  if (grouped && args.group === null) fail("ERR Missing GROUP option for XREADGROUP");
  const n = (argv.length - streamsAt) / 2;
  const db = c.db;
  for (let k = 0; k < n; k++) {
    const key = argv[streamsAt + k];
    const idArg = argv[streamsAt + n + k];
    const meta = db.readTyped(key, "stream");
    if (args.group !== null) {
      if (meta === null || db.store.streams.group(meta, nameArg(args.group)) === null) {
        noGroupError(key, args.group, " in XREADGROUP with GROUP option");
      }
    }
    let after: StreamId;
    if (isToken(idArg, "$")) {
      if (grouped) {
        fail(
          "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
        );
      }
      after = meta === null ? 0n : db.store.streams.state(meta).lastId;
    } else if (isToken(idArg, ">")) {
      if (!grouped) fail("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
      after = MAX_ID;
    } else after = strictId(idArg);
    args.keys.push(key);
    args.after.push(after);
  }
  return args;
}

/** The consumer, created (with its notification) when new; its seen-time is now. */
function touchConsumer(c: Client, db: Db, key: Uint8Array, meta: KeyMeta, group: string, consumer: string): void {
  const streams = db.store.streams;
  const now = c.server.keyspace.now();
  if (streams.createConsumer(meta, group, consumer, now)) notifyStream(c, db, "xgroup-createconsumer", key);
  else streams.setConsumerSeen(meta, group, consumer, now);
}

/**
 * streamReplyWithRange for a group reading new entries: replies the entries
 * after `after`, advancing the group's cursor and (unless NOACK) adding
 * each to the consumer's pending list.
 */
function deliverNew(c: Client, db: Db, meta: KeyMeta, group: string, consumer: string, after: StreamId, count: number, noAck: boolean): void {
  const streams = db.store.streams;
  const entries = streams.range(meta, after + 1n, MAX_ID, count === 0 ? -1 : count, false);
  const now = c.server.keyspace.now();
  const state = streams.state(meta);
  let { lastId, entriesRead } = streams.group(meta, group)!;
  for (const e of entries) {
    if (e.id > lastId) {
      entriesRead = readCounterAfter(state, entriesRead, e.id);
      lastId = e.id;
    }
    if (!noAck) streams.setPending(meta, group, { id: e.id, consumer, deliveryTime: now, deliveryCount: 1 });
  }
  if (entries.length > 0) streams.setGroupCursor(meta, group, lastId, entriesRead);
  replyEntries(c.out, entries);
}

/** streamReplyWithRangeFromConsumerPEL: the consumer's pending entries after `after`, redelivered. */
function deliverHistory(c: Client, db: Db, meta: KeyMeta, group: string, consumer: string, after: StreamId, count: number): void {
  const streams = db.store.streams;
  const pending = streams.pendingRange(meta, group, consumer, after + 1n, MAX_ID, count === 0 ? -1 : count, false);
  const now = c.server.keyspace.now();
  const out = c.out;
  out.array(pending.length);
  for (const p of pending) {
    const entry = entryAt(db, meta, p.id);
    if (entry === null) {
      // Deleted since delivery: the id with null fields.
      out.array(2);
      replyId(out, p.id);
      out.nilArray();
      continue;
    }
    streams.setPending(meta, group, { ...p, deliveryTime: now, deliveryCount: p.deliveryCount + 1 });
    replyEntry(out, entry);
  }
}

/** Opens the reply for `n` served streams: an array of [key, entries] pairs, a map in RESP3. */
function openStreamsReply(out: ReplyBuffer, n: number): void {
  if (out.resp === 2) out.array(n);
  else out.map(n);
}

function openStreamItem(out: ReplyBuffer, key: Uint8Array): void {
  if (out.resp === 2) out.array(2);
  out.bulk(key);
}

/** One stream a read can serve now, and from where. */
interface Servable {
  index: number;
  meta: KeyMeta;
  after: StreamId;
  history: boolean;
}

/** Where stream `index` can be served from now, or null (Redis checks each stream just before serving it). */
function servableNow(c: Client, args: ReadArgs, index: number): Servable | null {
  const db = c.db;
  const streams = db.store.streams;
  const meta = db.lookupRead(args.keys[index]);
  if (meta === null) return null;
  const state = streams.state(meta);
  const after = args.after[index];
  if (args.group !== null) {
    if (after !== MAX_ID) return { index, meta, after, history: true };
    if (state.length === 0) return null;
    const lastDelivered = streams.group(meta, nameArg(args.group))!.lastId;
    return lastEntryId(c, meta) > lastDelivered ? { index, meta, after: lastDelivered, history: false } : null;
  }
  return state.length > 0 && lastEntryId(c, meta) > after ? { index, meta, after, history: false } : null;
}

function lastEntryId(c: Client, meta: KeyMeta): StreamId {
  return c.db.store.streams.range(meta, 0n, MAX_ID, 1, true)[0].id;
}

function serveOne(c: Client, db: Db, args: ReadArgs, s: Servable, key: Uint8Array, count: number): void {
  openStreamItem(c.out, key);
  if (args.group === null) {
    replyEntries(c.out, db.store.streams.range(s.meta, s.after + 1n, MAX_ID, count === 0 ? -1 : count, false));
    return;
  }
  const group = nameArg(args.group);
  const consumer = nameArg(args.consumer!);
  touchConsumer(c, db, key, s.meta, group, consumer);
  if (s.history) deliverHistory(c, db, s.meta, group, consumer, s.after, count);
  else deliverNew(c, db, s.meta, group, consumer, s.after, count, args.noAck);
  c.server.keyspace.dirty++; // like Redis, a group read is no key modification (no WATCH or waiter wake-up)
}

function xread(grouped: boolean) {
  return (c: Client, argv: Uint8Array[]): void => {
    const args = parseReadArgs(c, argv, grouped);
    const out = c.out;
    const mark = out.len;
    let served = 0;
    for (let i = 0; i < args.keys.length; i++) {
      const s = servableNow(c, args, i);
      if (s === null) continue;
      serveOne(c, c.db, args, s, args.keys[i], args.count);
      served++;
    }
    if (served > 0) {
      prependHeader(out, mark, () => openStreamsReply(out, served));
      return;
    }
    if (args.deadline === null) {
      c.out.nilArray();
      return;
    }
    const blocking = blockingOf(c.server);
    if (!blocking.canBlock(c)) {
      c.out.nilArray();
      return;
    }
    const keys = args.keys.map((k) => k.slice());
    const saved: ReadArgs = { ...args, group: args.group?.slice() ?? null, consumer: args.consumer?.slice() ?? null, keys };
    blocking.block(c, {
      keys,
      type: "stream",
      deadline: args.deadline,
      serve: (db, key) => serveBlocked(c, db, saved, key),
      // A group reader's stream deleted or overwritten: Redis 7.0 ends the wait with an error; XREAD keeps waiting.
      keyGone: saved.group === null ? undefined : () => fail("UNBLOCKED the stream key no longer exists"),
    });
  };
}

/** serveClientsBlockedOnStreamKey: serves a waiter once the stream moved past what it waits for. */
function serveBlocked(c: Client, db: Db, args: ReadArgs, key: Uint8Array): boolean {
  const index = args.keys.findIndex((k) => bytesEqual(k, key));
  const meta = db.lookupWrite(key);
  if (index < 0 || meta === null) return false;
  const streams = db.store.streams;
  let after = args.after[index];
  if (args.group !== null) {
    const g = streams.group(meta, nameArg(args.group));
    if (g === null) throw new CommandError("NOGROUP the consumer group this client was blocked on no longer exists");
    after = g.lastId;
  }
  if (streams.state(meta).lastId <= after) return false;
  openStreamsReply(c.out, 1);
  serveOne(c, db, args, { index, meta, after, history: false }, key, args.count === 0 ? BLOCKED_DEFAULT_COUNT : args.count);
  return true;
}

export const streamReadCommands: CommandDef[] = [
  { name: "xread", summary: "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.", run: xread(false) },
  {
    name: "xreadgroup",
    summary: "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.",
    run: xread(true),
  },
];
