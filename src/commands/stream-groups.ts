// Consumer groups (t_stream.c): XGROUP's subcommands, XACK, XPENDING, XCLAIM
// and XAUTOCLAIM.

import type { Db } from "../keyspace/keyspace.ts";
import { argIs, cString } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import type { KeyMeta } from "../storage/engine.ts";
import { MAX_ID } from "../storage/stream-id.ts";
import type { PendingEntry, StreamId } from "../storage/stream-ops.ts";
import { int64Arg } from "./args.ts";
import { fail, SYNTAX } from "./errors.ts";
import { replyHelp } from "./help.ts";
import { entryAt, intervalId, prependHeader, isToken, nameArg, noGroupError, notifyStream, parseIdArg, replyEntry, replyId, strictId } from "./stream-args.ts";
import { UNKNOWN_READS } from "./stream-lag.ts";
import { subcommandSyntaxError } from "./subcommand-error.ts";
import type { CommandDef } from "./table.ts";

const ENTRIES_READ_RANGE = "ERR value for ENTRIESREAD must be positive or -1";

function entriesReadArg(arg: Uint8Array): number {
  const v = int64Arg(arg);
  if (v < 0 && v !== -1) fail(ENTRIES_READ_RANGE);
  return Number(v);
}

/** The stream key every XGROUP subcommand but HELP names, with Redis's missing-key/group errors. */
function groupTarget(c: Client, argv: Uint8Array[], mkStream: boolean, needsGroup: boolean): { db: Db; meta: KeyMeta | null } {
  const db = c.db;
  const meta = db.writeTyped(argv[2], "stream");
  if (!mkStream) {
    if (meta === null) {
      fail(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
      );
    }
    if (needsGroup && db.store.streams.group(meta, nameArg(argv[3])) === null) {
      fail(`NOGROUP No such consumer group '${cString(argv[3])}' for key name '${cString(argv[2])}'`);
    }
  }
  return { db, meta };
}

/** CREATE's and SETID's options after the id, parsed before the key is looked up. */
function groupOptions(argv: Uint8Array[], allowMkStream: boolean): { mkStream: boolean; entriesRead: number } {
  const opts = { mkStream: false, entriesRead: UNKNOWN_READS };
  for (let i = 5; i < argv.length; i++) {
    if (allowMkStream && argIs(argv[i], "mkstream")) opts.mkStream = true;
    else if (argIs(argv[i], "entriesread") && i + 1 < argv.length) opts.entriesRead = entriesReadArg(argv[++i]);
    else subcommandSyntaxError(argv);
  }
  return opts;
}

function xgroupCreate(c: Client, argv: Uint8Array[]): void {
  const { mkStream, entriesRead } = groupOptions(argv, true);
  const { db, meta: found } = groupTarget(c, argv, mkStream, false);
  if (argv.length > 8) subcommandSyntaxError(argv);
  const streams = db.store.streams;
  const key = argv[2];
  let id: StreamId;
  if (isToken(argv[4], "$")) id = found === null ? 0n : streams.state(found).lastId;
  else id = strictId(argv[4]);
  let meta = found;
  if (meta === null) {
    meta = streams.create(key);
    db.modified(key);
  }
  if (!streams.createGroup(meta, nameArg(argv[3]), id, entriesRead)) fail("BUSYGROUP Consumer Group name already exists");
  c.server.keyspace.dirty++;
  notifyStream(c, db, "xgroup-create", key);
  c.out.ok();
}

function xgroupSetId(c: Client, argv: Uint8Array[]): void {
  const { entriesRead } = groupOptions(argv, false);
  const { db, meta } = groupTarget(c, argv, false, true);
  if (argv.length !== 5 && argv.length !== 7) subcommandSyntaxError(argv);
  const streams = db.store.streams;
  const id = isToken(argv[4], "$") ? streams.state(meta!).lastId : parseIdArg(argv[4], 0n, false).id;
  streams.setGroupCursor(meta!, nameArg(argv[3]), id, entriesRead);
  c.server.keyspace.dirty++;
  notifyStream(c, db, "xgroup-setid", argv[2]);
  c.out.ok();
}

function xgroupDestroy(c: Client, argv: Uint8Array[]): void {
  const { db, meta } = groupTarget(c, argv, false, false);
  if (!db.store.streams.destroyGroup(meta!, nameArg(argv[3]))) {
    c.out.int(0);
    return;
  }
  notifyStream(c, db, "xgroup-destroy", argv[2]);
  db.modified(argv[2]); // wakes XREADGROUP waiters with -NOGROUP
  c.out.int(1);
}

function xgroupCreateConsumer(c: Client, argv: Uint8Array[]): void {
  const { db, meta } = groupTarget(c, argv, false, true);
  const created = db.store.streams.createConsumer(meta!, nameArg(argv[3]), nameArg(argv[4]), c.server.keyspace.now());
  if (created) {
    c.server.keyspace.dirty++;
    notifyStream(c, db, "xgroup-createconsumer", argv[2]);
  }
  c.out.int(created ? 1 : 0);
}

function xgroupDelConsumer(c: Client, argv: Uint8Array[]): void {
  const { db, meta } = groupTarget(c, argv, false, true);
  const pending = db.store.streams.deleteConsumer(meta!, nameArg(argv[3]), nameArg(argv[4]));
  if (pending < 0) {
    c.out.int(0);
    return;
  }
  c.server.keyspace.dirty++;
  notifyStream(c, db, "xgroup-delconsumer", argv[2]);
  c.out.int(pending);
}

const XGROUP_HELP = [
  "CREATE <key> <groupname> <id|$> [option]",
  "    Create a new consumer group. Options are:",
  "    * MKSTREAM",
  "      Create the empty stream if it does not exist.",
  "    * ENTRIESREAD entries_read",
  "      Set the group's entries_read counter (internal use).",
  "CREATECONSUMER <key> <groupname> <consumer>",
  "    Create a new consumer in the specified group.",
  "DELCONSUMER <key> <groupname> <consumer>",
  "    Remove the specified consumer.",
  "DESTROY <key> <groupname>",
  "    Remove the specified group.",
  "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
  "    Set the current group ID and entries_read counter.",
];

/** A live stream with the named group, or the NOGROUP error of XPENDING/XCLAIM/XAUTOCLAIM. */
function streamWithGroup(c: Client, key: Uint8Array, group: Uint8Array): KeyMeta {
  const meta = c.db.readTyped(key, "stream");
  if (meta === null || c.db.store.streams.group(meta, nameArg(group)) === null) noGroupError(key, group);
  return meta;
}

function xack(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  const meta = db.readTyped(argv[1], "stream");
  const group = nameArg(argv[2]);
  if (meta === null || db.store.streams.group(meta, group) === null) {
    c.out.int(0);
    return;
  }
  const ids = argv.slice(3).map(strictId); // all or nothing: parse every id first
  let acked = 0;
  for (const id of ids) if (db.store.streams.ack(meta, group, id)) acked++;
  c.server.keyspace.dirty += acked;
  c.out.int(acked);
}

function xpending(c: Client, argv: Uint8Array[]): void {
  const summary = argv.length === 3;
  if (!summary && (argv.length < 6 || argv.length > 9)) fail(SYNTAX);
  let minIdle = 0;
  let count = 0;
  let start = 0n;
  let end = MAX_ID;
  let consumer: string | null = null;
  if (!summary) {
    let at = 3;
    if (argIs(argv[3], "idle")) {
      minIdle = Number(int64Arg(argv[4]));
      if (argv.length < 8) fail(SYNTAX);
      at += 2;
    }
    const n = int64Arg(argv[at + 2]);
    count = n < 0 ? 0 : Number(n);
    start = intervalId(argv[at], true);
    end = intervalId(argv[at + 1], false);
    if (at + 3 < argv.length) consumer = nameArg(argv[at + 3]);
  }
  const meta = streamWithGroup(c, argv[1], argv[2]);
  const streams = c.db.store.streams;
  const group = nameArg(argv[2]);
  const out = c.out;
  if (summary) {
    const g = streams.group(meta, group)!;
    out.array(4);
    out.int(g.pending);
    if (g.pending === 0) {
      out.nil();
      out.nil();
      out.nilArray();
      return;
    }
    replyId(out, streams.pendingRange(meta, group, null, 0n, MAX_ID, 1, false)[0].id);
    replyId(out, streams.pendingRange(meta, group, null, 0n, MAX_ID, 1, true)[0].id);
    const owners = streams.consumers(meta, group).filter((cons) => cons.pending > 0);
    out.array(owners.length);
    for (const cons of owners) {
      out.array(2);
      out.bulkStr(cons.name);
      out.bulkStr(String(cons.pending));
    }
    return;
  }
  if (consumer !== null && streams.consumer(meta, group, consumer) === null) {
    out.array(0);
    return;
  }
  const now = c.server.keyspace.now();
  const idleEnough = (p: PendingEntry): boolean => minIdle === 0 || now - p.deliveryTime >= minIdle;
  const rows = streams.pendingRange(meta, group, consumer, start, end, minIdle === 0 ? count : -1, false).filter(idleEnough).slice(0, count);
  out.array(rows.length);
  for (const p of rows) {
    out.array(4);
    replyId(out, p.id);
    out.bulkStr(p.consumer);
    out.int(Math.max(0, now - p.deliveryTime));
    out.int(p.deliveryCount);
  }
}

/**
 * Moves a pending entry to `consumer` (created on first use) with a new
 * delivery time; bumps its delivery count unless JUSTID (or sets it to
 * retryCount >= 0). Replies with the id (JUSTID) or the entry.
 */
interface ClaimTarget {
  c: Client;
  db: Db;
  key: Uint8Array;
  meta: KeyMeta;
  group: string;
  consumer: string;
  justId: boolean;
  consumerReady: boolean;
}

function claim(t: ClaimTarget, id: StreamId, previous: PendingEntry | null, deliveryTime: number, retryCount: number): void {
  const streams = t.db.store.streams;
  if (!t.consumerReady) {
    const now = t.c.server.keyspace.now();
    if (streams.createConsumer(t.meta, t.group, t.consumer, now)) notifyStream(t.c, t.db, "xgroup-createconsumer", t.key);
    else streams.setConsumerSeen(t.meta, t.group, t.consumer, now);
    t.consumerReady = true;
  }
  // A FORCE-created entry starts as delivered once, like streamCreateNACK.
  const count = previous?.deliveryCount ?? 1;
  const deliveryCount = retryCount >= 0 ? retryCount : t.justId ? count : count + 1;
  streams.setPending(t.meta, t.group, { id, consumer: t.consumer, deliveryTime, deliveryCount });
  if (t.justId) replyId(t.c.out, id);
  else replyEntry(t.c.out, entryAt(t.db, t.meta, id)!);
  t.c.server.keyspace.dirty++;
}

function xclaim(c: Client, argv: Uint8Array[]): void {
  const meta = streamWithGroup(c, argv[1], argv[2]);
  const minIdleArg = int64Arg(argv[4], "ERR Invalid min-idle-time argument for XCLAIM");
  const minIdle = minIdleArg < 0 ? 0 : Number(minIdleArg);
  let j = 5;
  const ids: StreamId[] = [];
  for (; j < argv.length; j++) {
    let id: StreamId;
    try {
      id = strictId(argv[j]);
    } catch {
      break; // not an id: the options start here
    }
    ids.push(id);
  }
  const now = c.server.keyspace.now();
  let force = false;
  let justId = false;
  let deliveryTime = -1;
  let retryCount = -1;
  let lastId = 0n;
  for (; j < argv.length; j++) {
    const moreArgs = argv.length - 1 - j;
    const opt = argv[j];
    if (argIs(opt, "force")) force = true;
    else if (argIs(opt, "justid")) justId = true;
    else if (argIs(opt, "idle") && moreArgs > 0) deliveryTime = now - Number(int64Arg(argv[++j], "ERR Invalid IDLE option argument for XCLAIM"));
    else if (argIs(opt, "time") && moreArgs > 0) deliveryTime = Number(int64Arg(argv[++j], "ERR Invalid TIME option argument for XCLAIM"));
    else if (argIs(opt, "retrycount") && moreArgs > 0) retryCount = Number(int64Arg(argv[++j], "ERR Invalid RETRYCOUNT option argument for XCLAIM"));
    else if (argIs(opt, "lastid") && moreArgs > 0) lastId = strictId(argv[++j]);
    else fail(`ERR Unrecognized XCLAIM option '${cString(opt)}'`);
  }
  const db = c.db;
  const streams = db.store.streams;
  const group = nameArg(argv[2]);
  const g = streams.group(meta, group)!;
  if (lastId > g.lastId) streams.setGroupCursor(meta, group, lastId, g.entriesRead);
  if (deliveryTime === -1 || deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  const target: ClaimTarget = { c, db, key: argv[1], meta, group, consumer: nameArg(argv[3]), justId, consumerReady: false };
  const out = c.out;
  // The reply's length is known only at the end: build it aside.
  const mark = out.len;
  let claimed = 0;
  for (const id of ids) {
    const previous = streams.pending(meta, group, id);
    if (entryAt(db, meta, id) === null) {
      if (previous !== null) streams.ack(meta, group, id); // pending for a deleted entry: dropped
      continue;
    }
    if (previous === null && !force) continue;
    if (previous !== null && minIdle !== 0 && now - previous.deliveryTime < minIdle) continue;
    claim(target, id, previous, deliveryTime, retryCount);
    claimed++;
  }
  prependHeader(c.out, mark, () => c.out.array(claimed));
}


function xautoclaim(c: Client, argv: Uint8Array[]): void {
  const minIdleArg = int64Arg(argv[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM");
  const minIdle = minIdleArg < 0 ? 0 : Number(minIdleArg);
  const start = intervalId(argv[5], true);
  let count = 100;
  let justId = false;
  const ATTEMPTS_FACTOR = 10;
  const maxCount = Math.floor(Number(2n ** 63n - 1n) / 16);
  for (let j = 6; j < argv.length; j++) {
    const moreArgs = argv.length - 1 - j;
    if (argIs(argv[j], "count") && moreArgs > 0) {
      const v = int64Arg(argv[++j], "ERR COUNT must be > 0");
      if (v < 1 || v > maxCount) fail("ERR COUNT must be > 0");
      count = Number(v);
    } else if (argIs(argv[j], "justid")) justId = true;
    else fail(SYNTAX);
  }
  const meta = streamWithGroup(c, argv[1], argv[2]);
  const db = c.db;
  const streams = db.store.streams;
  const group = nameArg(argv[2]);
  const now = c.server.keyspace.now();
  let attempts = count * ATTEMPTS_FACTOR;
  // Enough of the PEL for every attempt plus the next id, which is the cursor.
  const candidates = streams.pendingRange(meta, group, null, start, MAX_ID, Math.min(attempts, 1e6) + 1, false);
  const target: ClaimTarget = { c, db, key: argv[1], meta, group, consumer: nameArg(argv[3]), justId, consumerReady: false };
  const out = c.out;
  out.array(3);
  const cursorMark = out.len;
  const deleted: StreamId[] = [];
  let claimed = 0;
  let next = 0;
  while (attempts-- > 0 && count > 0 && next < candidates.length) {
    const p = candidates[next++];
    if (entryAt(db, meta, p.id) === null) {
      streams.ack(meta, group, p.id);
      deleted.push(p.id);
      count--;
      c.server.keyspace.dirty++;
      continue;
    }
    if (minIdle !== 0 && now - p.deliveryTime < minIdle) continue;
    claim(target, p.id, p, now, -1);
    claimed++;
    count--;
  }
  prependHeader(out, cursorMark, () => out.array(claimed));
  prependHeader(out, cursorMark, () => replyId(out, next < candidates.length ? candidates[next].id : 0n));
  out.array(deleted.length);
  for (const id of deleted) replyId(out, id);
}

export const streamGroupCommands: CommandDef[] = [
  {
    name: "xgroup",
    summary: "A container for consumer groups commands.",
    subcommands: [
      { name: "create", summary: "Creates a consumer group.", run: xgroupCreate },
      { name: "setid", summary: "Sets the last-delivered ID of a consumer group.", run: xgroupSetId },
      { name: "destroy", summary: "Destroys a consumer group.", run: xgroupDestroy },
      { name: "createconsumer", summary: "Creates a consumer in a consumer group.", run: xgroupCreateConsumer },
      { name: "delconsumer", summary: "Deletes a consumer from a consumer group.", run: xgroupDelConsumer },
      { name: "help", summary: "Returns helpful text about the different subcommands.", run: (c) => replyHelp(c, "XGROUP", XGROUP_HELP) },
    ],
  },
  { name: "xack", summary: "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.", run: xack },
  { name: "xpending", summary: "Returns the information and entries from a stream consumer group's pending entries list.", run: xpending },
  { name: "xclaim", summary: "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.", run: xclaim },
  { name: "xautoclaim", summary: "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.", run: xautoclaim },
];
