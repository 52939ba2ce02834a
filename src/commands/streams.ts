// Stream commands (t_stream.c): XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM,
// XSETID here; reads (XREAD, XREADGROUP), consumer groups and XINFO in the
// stream-*.ts modules. Argument checks happen in Redis's order, so errors
// match for invalid input.

import { argIs } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import { MAX_ID, idMs, streamId, U64_MAX } from "../storage/stream-id.ts";
import type { StreamId, TrimSpec } from "../storage/stream-ops.ts";
import { int64Arg } from "./args.ts";
import { fail, NO_SUCH_KEY, SYNTAX } from "./errors.ts";
import { intervalId, isToken, notifyStream, type ParsedId, parseIdArg, replyEntries, replyId, strictId } from "./stream-args.ts";
import { streamGroupCommands } from "./stream-groups.ts";
import { streamInfoCommands } from "./stream-info.ts";
import { streamReadCommands } from "./stream-read.ts";
import type { CommandDef } from "./table.ts";

/** LIMIT's default with `~`: 100 * stream-node-max-entries. */
const DEFAULT_APPROX_LIMIT = 10000;

interface AddTrimArgs {
  trim: TrimSpec | null;
  noMkStream: boolean;
  /** XADD's explicit id; null for `*`. */
  id: ParsedId | null;
  /** Index of the last option argument (XADD: the id). */
  last: number;
}

/** A non-negative 64-bit count; huge values act as "everything". */
function countArg(arg: Uint8Array, negativeMsg: string): number {
  const v = int64Arg(arg);
  if (v < 0) fail(negativeMsg);
  return Number(v);
}

/** streamParseAddOrTrimArgsOrReply: XADD's options up to the id, or XTRIM's. */
function parseAddTrimArgs(argv: Uint8Array[], xadd: boolean): AddTrimArgs {
  const args: AddTrimArgs = { trim: null, noMkStream: false, id: null, last: argv.length };
  let limit = 0;
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreArgs = argv.length - 1 - i;
    const opt = argv[i];
    if (xadd && isToken(opt, "*")) break;
    const isMaxLen = argIs(opt, "maxlen");
    if ((isMaxLen || argIs(opt, "minid")) && moreArgs > 0) {
      if (args.trim !== null) fail("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
      let approx = false;
      if (moreArgs >= 2 && isToken(argv[i + 1], "~")) {
        approx = true;
        i++;
      } else if (moreArgs >= 2 && isToken(argv[i + 1], "=")) i++;
      i++;
      args.trim = isMaxLen
        ? { maxLen: countArg(argv[i], "ERR The MAXLEN argument must be >= 0."), approx, limit: 0 }
        : { minId: strictId(argv[i]), approx, limit: 0 };
    } else if (argIs(opt, "limit") && moreArgs > 0) {
      limit = countArg(argv[++i], "ERR The LIMIT argument must be >= 0.");
      limitGiven = true;
    } else if (xadd && argIs(opt, "nomkstream")) {
      args.noMkStream = true;
    } else if (xadd) {
      args.id = parseIdArg(opt, 0n, true, true);
      break;
    } else fail(SYNTAX);
  }
  args.last = i;
  if (limit !== 0 && args.trim === null) fail("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
  if (!xadd && args.trim === null) fail("ERR syntax error, XTRIM must be called with a trimming strategy");
  if (args.trim !== null) {
    if (limitGiven && !args.trim.approx) fail("ERR syntax error, LIMIT cannot be used without the special ~ option");
    args.trim.limit = limitGiven ? limit : args.trim.approx ? DEFAULT_APPROX_LIMIT : 0;
  }
  return args;
}

const ID_TOO_SMALL = "ERR The ID specified in XADD is equal or smaller than the target stream top item";

/** The id XADD assigns after lastId (streamAppendItem): `*`, `<ms>-*` or explicit. */
function newEntryId(lastId: StreamId, given: ParsedId | null): StreamId {
  if (given === null) {
    const now = BigInt(Date.now());
    return now > idMs(lastId) ? streamId(now, 0n) : lastId + 1n;
  }
  if (given.seqGiven) {
    if (given.id <= lastId) fail(ID_TOO_SMALL);
    return given.id;
  }
  const ms = idMs(given.id);
  const lastMs = idMs(lastId);
  if (ms > lastMs) return given.id;
  if (ms < lastMs || (lastId & U64_MAX) === U64_MAX) fail(ID_TOO_SMALL);
  return lastId + 1n;
}

function xadd(c: Client, argv: Uint8Array[]): void {
  const args = parseAddTrimArgs(argv, true);
  const fieldPos = args.last + 1;
  const nFields = argv.length - fieldPos;
  if (nFields < 2 || nFields % 2 === 1) fail("ERR wrong number of arguments for 'xadd' command");
  if (args.id !== null && args.id.seqGiven && args.id.id === 0n) fail("ERR The ID specified in XADD must be greater than 0-0");
  const db = c.db;
  const key = argv[1];
  const streams = db.store.streams;
  let meta = db.writeTyped(key, "stream");
  if (meta === null) {
    if (args.noMkStream) {
      c.out.nil();
      return;
    }
    meta = streams.create(key);
  }
  const lastId = streams.state(meta).lastId;
  if (lastId === MAX_ID) fail("ERR The stream has exhausted the last possible ID, unable to add more items");
  const id = newEntryId(lastId, args.id);
  streams.append(meta, id, argv.slice(fieldPos));
  replyId(c.out, id);
  notifyStream(c, db, "xadd", key);
  db.modified(key);
  if (args.trim !== null && streams.trim(meta, args.trim) > 0) notifyStream(c, db, "xtrim", key);
}

function xtrim(c: Client, argv: Uint8Array[]): void {
  const args = parseAddTrimArgs(argv, false);
  const db = c.db;
  const key = argv[1];
  const meta = db.writeTyped(key, "stream");
  const removed = meta === null ? 0 : db.store.streams.trim(meta, args.trim!);
  if (removed > 0) {
    notifyStream(c, db, "xtrim", key);
    db.modified(key, removed);
  }
  c.out.int(removed);
}

function xrange(reverse: boolean) {
  return (c: Client, argv: Uint8Array[]): void => {
    const start = intervalId(reverse ? argv[3] : argv[2], true);
    const end = intervalId(reverse ? argv[2] : argv[3], false);
    let count = -1;
    for (let j = 4; j < argv.length; j++) {
      if (argIs(argv[j], "count") && j + 1 < argv.length) {
        const v = int64Arg(argv[++j]);
        count = v < 0 ? 0 : Number(v);
      } else fail(SYNTAX);
    }
    const meta = c.db.readTyped(argv[1], "stream");
    if (meta === null) c.out.array(0);
    else if (count === 0) c.out.nilArray();
    else replyEntries(c.out, c.db.store.streams.range(meta, start, end, count, reverse));
  };
}

function xlen(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "stream");
  c.out.int(meta === null ? 0 : c.db.store.streams.state(meta).length);
}

function xdel(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  const key = argv[1];
  const meta = db.writeTyped(key, "stream");
  if (meta === null) {
    c.out.int(0);
    return;
  }
  const ids = argv.slice(2).map(strictId); // all parsed before any is deleted
  const removed = db.store.streams.remove(meta, ids);
  if (removed > 0) {
    notifyStream(c, db, "xdel", key);
    db.modified(key, removed);
  }
  c.out.int(removed);
}

function xsetid(c: Client, argv: Uint8Array[]): void {
  const id = strictId(argv[2]);
  let entriesAdded = -1;
  let maxDeleted = 0n;
  for (let i = 3; i < argv.length; i += 2) {
    const moreArgs = argv.length - 1 - i;
    if (argIs(argv[i], "entriesadded") && moreArgs > 0) {
      const v = int64Arg(argv[i + 1]);
      if (v < 0) fail("ERR entries_added must be positive");
      entriesAdded = Number(v);
    } else if (argIs(argv[i], "maxdeletedid") && moreArgs > 0) {
      maxDeleted = strictId(argv[i + 1]);
      if (id < maxDeleted) fail("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
    } else fail(SYNTAX);
  }
  const db = c.db;
  const key = argv[1];
  const meta = db.writeTyped(key, "stream");
  if (meta === null) fail(NO_SUCH_KEY);
  const streams = db.store.streams;
  const state = streams.state(meta);
  if (state.length > 0) {
    const top = streams.range(meta, 0n, MAX_ID, 1, true)[0].id;
    if (id < top) fail("ERR The ID specified in XSETID is smaller than the target stream top item");
    if (entriesAdded !== -1 && state.length > entriesAdded) {
      fail("ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  if (id < state.maxDeletedId) fail("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id");
  streams.setCounters(meta, id, entriesAdded === -1 ? state.entriesAdded : entriesAdded, maxDeleted === 0n ? state.maxDeletedId : maxDeleted);
  notifyStream(c, db, "xsetid", key);
  db.modified(key);
  c.out.ok();
}

export const streamCommands: CommandDef[] = [
  { name: "xadd", summary: "Appends a new message to a stream. Creates the key if it doesn't exist.", run: xadd },
  { name: "xtrim", summary: "Deletes messages from the beginning of a stream.", run: xtrim },
  { name: "xrange", summary: "Returns the messages from a stream within a range of IDs.", run: xrange(false) },
  { name: "xrevrange", summary: "Returns the messages from a stream within a range of IDs in reverse order.", run: xrange(true) },
  { name: "xlen", summary: "Return the number of messages in a stream.", run: xlen },
  { name: "xdel", summary: "Returns the number of messages after removing them from a stream.", run: xdel },
  { name: "xsetid", summary: "An internal command for replicating stream values.", run: xsetid },
  ...streamReadCommands,
  ...streamGroupCommands,
  ...streamInfoCommands,
];
