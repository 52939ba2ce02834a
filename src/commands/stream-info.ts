// XINFO STREAM [FULL [COUNT n]] / GROUPS / CONSUMERS (t_stream.c's
// xinfoCommand): maps in RESP3, flat field/value arrays in RESP2.

import { argIs, cString } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import type { ReplyBuffer } from "../net/reply.ts";
import type { KeyMeta } from "../storage/engine.ts";
import { MAX_ID } from "../storage/stream-id.ts";
import type { StreamGroup, StreamOps, StreamState } from "../storage/stream-ops.ts";
import { int64Arg } from "./args.ts";
import { fail, NO_SUCH_KEY } from "./errors.ts";
import { replyHelp } from "./help.ts";
import { nameArg, replyEntries, replyEntry, replyId } from "./stream-args.ts";
import { groupLag } from "./stream-lag.ts";
import { subcommandSyntaxError } from "./subcommand-error.ts";
import type { CommandDef } from "./table.ts";

function infoTarget(c: Client, key: Uint8Array): KeyMeta {
  const meta = c.db.readTyped(key, "stream");
  if (meta === null) fail(NO_SUCH_KEY);
  return meta;
}

function replyNullable(out: ReplyBuffer, n: number | null): void {
  if (n === null) out.nil();
  else out.int(n);
}

/** The fields XINFO STREAM starts with, in both forms. */
function streamHeader(out: ReplyBuffer, s: StreamState): void {
  out.bulkStr("length");
  out.int(s.length);
  // Radix-tree figures of Redis's encoding: our nodes mirror its listpack nodes; the inner node count is an estimate.
  out.bulkStr("radix-tree-keys");
  out.int(s.nodes);
  out.bulkStr("radix-tree-nodes");
  out.int(s.nodes + 1);
  out.bulkStr("last-generated-id");
  replyId(out, s.lastId);
  out.bulkStr("max-deleted-entry-id");
  replyId(out, s.maxDeletedId);
  out.bulkStr("entries-added");
  out.int(s.entriesAdded);
  out.bulkStr("recorded-first-entry-id");
  replyId(out, s.firstId);
}

function xinfoStream(c: Client, argv: Uint8Array[]): void {
  const meta = infoTarget(c, argv[2]);
  const extra = argv.length - 3;
  let full = false;
  let count = 10;
  if (extra > 0) {
    if ((extra !== 1 && extra !== 3) || !argIs(argv[3], "full")) subcommandSyntaxError(argv);
    if (extra === 3) {
      if (!argIs(argv[4], "count")) subcommandSyntaxError(argv);
      const v = int64Arg(argv[5]);
      count = v < 0 ? 10 : Number(v); // negative: the default
    }
    full = true;
  }
  const streams = c.db.store.streams;
  const s = streams.state(meta);
  const out = c.out;
  out.map(full ? 9 : 10);
  streamHeader(out, s);
  if (!full) {
    out.bulkStr("groups");
    out.int(streams.groups(meta).length);
    for (const [label, reverse] of [["first-entry", false], ["last-entry", true]] as const) {
      out.bulkStr(label);
      const e = streams.range(meta, 0n, MAX_ID, 1, reverse)[0];
      if (e === undefined) out.nil();
      else replyEntry(out, e);
    }
    return;
  }
  const limit = count === 0 ? -1 : count;
  out.bulkStr("entries");
  replyEntries(out, streams.range(meta, 0n, MAX_ID, limit, false));
  out.bulkStr("groups");
  const groups = streams.groups(meta);
  out.array(groups.length);
  for (const g of groups) replyFullGroup(out, streams, meta, s, g, limit);
}

function replyFullGroup(out: ReplyBuffer, streams: StreamOps, meta: KeyMeta, s: StreamState, g: StreamGroup, limit: number): void {
  out.map(7);
  out.bulkStr("name");
  out.bulkStr(g.name);
  out.bulkStr("last-delivered-id");
  replyId(out, g.lastId);
  out.bulkStr("entries-read");
  replyNullable(out, g.entriesRead === -1 ? null : g.entriesRead);
  out.bulkStr("lag");
  replyNullable(out, groupLag(s, g));
  out.bulkStr("pel-count");
  out.int(g.pending);
  out.bulkStr("pending");
  const pel = streams.pendingRange(meta, g.name, null, 0n, MAX_ID, limit, false);
  out.array(pel.length);
  for (const p of pel) {
    out.array(4);
    replyId(out, p.id);
    out.bulkStr(p.consumer);
    out.int(p.deliveryTime);
    out.int(p.deliveryCount);
  }
  out.bulkStr("consumers");
  const consumers = streams.consumers(meta, g.name);
  out.array(consumers.length);
  for (const cons of consumers) {
    out.map(4);
    out.bulkStr("name");
    out.bulkStr(cons.name);
    out.bulkStr("seen-time");
    out.int(cons.seenTime);
    out.bulkStr("pel-count");
    out.int(cons.pending);
    out.bulkStr("pending");
    const own = streams.pendingRange(meta, g.name, cons.name, 0n, MAX_ID, limit, false);
    out.array(own.length);
    for (const p of own) {
      out.array(3);
      replyId(out, p.id);
      out.int(p.deliveryTime);
      out.int(p.deliveryCount);
    }
  }
}

function xinfoGroups(c: Client, argv: Uint8Array[]): void {
  const meta = infoTarget(c, argv[2]);
  const streams = c.db.store.streams;
  const s = streams.state(meta);
  const groups = streams.groups(meta);
  const out = c.out;
  out.array(groups.length);
  for (const g of groups) {
    out.map(6);
    out.bulkStr("name");
    out.bulkStr(g.name);
    out.bulkStr("consumers");
    out.int(g.consumers);
    out.bulkStr("pending");
    out.int(g.pending);
    out.bulkStr("last-delivered-id");
    replyId(out, g.lastId);
    out.bulkStr("entries-read");
    replyNullable(out, g.entriesRead === -1 ? null : g.entriesRead);
    out.bulkStr("lag");
    replyNullable(out, groupLag(s, g));
  }
}

function xinfoConsumers(c: Client, argv: Uint8Array[]): void {
  const meta = infoTarget(c, argv[2]);
  const streams = c.db.store.streams;
  const group = nameArg(argv[3]);
  if (streams.group(meta, group) === null) fail(`NOGROUP No such consumer group '${cString(argv[3])}' for key name '${cString(argv[2])}'`);
  const consumers = streams.consumers(meta, group);
  const now = Date.now();
  const out = c.out;
  out.array(consumers.length);
  for (const cons of consumers) {
    out.map(3);
    out.bulkStr("name");
    out.bulkStr(cons.name);
    out.bulkStr("pending");
    out.int(cons.pending);
    out.bulkStr("idle");
    out.int(Math.max(0, now - cons.seenTime));
  }
}

const XINFO_HELP = [
  "CONSUMERS <key> <groupname>",
  "    Show consumers of <groupname>.",
  "GROUPS <key>",
  "    Show the stream consumer groups.",
  "STREAM <key> [FULL [COUNT <count>]",
  "    Show information about the stream.",
];

export const streamInfoCommands: CommandDef[] = [
  {
    name: "xinfo",
    summary: "A container for stream introspection commands.",
    subcommands: [
      { name: "stream", summary: "Returns information about a stream.", run: xinfoStream },
      { name: "groups", summary: "Returns a list of the consumer groups of a stream.", run: xinfoGroups },
      { name: "consumers", summary: "Returns a list of the consumers in a consumer group.", run: xinfoConsumers },
      { name: "help", summary: "Returns helpful text about the different subcommands.", run: (c) => replyHelp(c, "XINFO", XINFO_HELP) },
    ],
  },
];
