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
import { groupLag, UNKNOWN_READS } from "./stream-lag.ts";
import { subcommandSyntaxError } from "./subcommand-error.ts";
import type { CommandDef } from "./table.ts";

function infoTarget(c: Client, key: Uint8Array): KeyMeta {
  const meta = c.db.readTyped(key, "stream");
  if (meta === null) fail(NO_SUCH_KEY);
  return meta;
}

/** A field's value: an integer, a null, a bulk string, or written by a function (ids, nested replies). */
type FieldValue = number | null | { bulk: string } | (() => void);

/** A record reply: a map in RESP3, a flat field/value array in RESP2. */
function replyRecord(out: ReplyBuffer, fields: readonly (readonly [string, FieldValue])[]): void {
  out.map(fields.length);
  for (const [label, value] of fields) {
    out.bulkStr(label);
    if (value === null) out.nil();
    else if (typeof value === "number") out.int(value);
    else if (typeof value === "function") value();
    else out.bulkStr(value.bulk);
  }
}

/** The fields XINFO STREAM starts with, in both forms. */
function streamHeader(out: ReplyBuffer, s: StreamState): [string, FieldValue][] {
  return [
    ["length", s.length],
    // Radix-tree figures of Redis's encoding: our nodes mirror its listpack nodes; the inner node count is an estimate.
    ["radix-tree-keys", s.nodes],
    ["radix-tree-nodes", s.nodes + 1],
    ["last-generated-id", () => replyId(out, s.lastId)],
    ["max-deleted-entry-id", () => replyId(out, s.maxDeletedId)],
    ["entries-added", s.entriesAdded],
    ["recorded-first-entry-id", () => replyId(out, s.firstId)],
  ];
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
  const edge = (reverse: boolean) => () => {
    const e = streams.range(meta, 0n, MAX_ID, 1, reverse)[0];
    if (e === undefined) out.nil();
    else replyEntry(out, e);
  };
  if (!full) {
    replyRecord(out, [...streamHeader(out, s), ["groups", streams.groups(meta).length], ["first-entry", edge(false)], ["last-entry", edge(true)]]);
    return;
  }
  const limit = count === 0 ? -1 : count;
  replyRecord(out, [
    ...streamHeader(out, s),
    ["entries", () => replyEntries(out, streams.range(meta, 0n, MAX_ID, limit, false))],
    [
      "groups",
      () => {
        const groups = streams.groups(meta);
        out.array(groups.length);
        for (const g of groups) replyFullGroup(out, streams, meta, s, g, limit);
      },
    ],
  ]);
}

function entriesRead(g: StreamGroup): number | null {
  return g.entriesRead === UNKNOWN_READS ? null : g.entriesRead;
}

function replyFullGroup(out: ReplyBuffer, streams: StreamOps, meta: KeyMeta, s: StreamState, g: StreamGroup, limit: number): void {
  // A PEL as XINFO FULL lists it: [id, consumer, delivery time, count] for the group, without the consumer for one consumer.
  const pel = (consumer: string | null) => () => {
    const rows = streams.pendingRange(meta, g.name, consumer, 0n, MAX_ID, limit, false);
    out.array(rows.length);
    for (const p of rows) {
      out.array(consumer === null ? 4 : 3);
      replyId(out, p.id);
      if (consumer === null) out.bulkStr(p.consumer);
      out.int(p.deliveryTime);
      out.int(p.deliveryCount);
    }
  };
  const consumers = () => {
    const list = streams.consumers(meta, g.name);
    out.array(list.length);
    for (const cons of list) {
      replyRecord(out, [
        ["name", { bulk: cons.name }],
        ["seen-time", cons.seenTime],
        ["pel-count", cons.pending],
        ["pending", pel(cons.name)],
      ]);
    }
  };
  replyRecord(out, [
    ["name", { bulk: g.name }],
    ["last-delivered-id", () => replyId(out, g.lastId)],
    ["entries-read", entriesRead(g)],
    ["lag", groupLag(s, g)],
    ["pel-count", g.pending],
    ["pending", pel(null)],
    ["consumers", consumers],
  ]);
}

function xinfoGroups(c: Client, argv: Uint8Array[]): void {
  const meta = infoTarget(c, argv[2]);
  const streams = c.db.store.streams;
  const s = streams.state(meta);
  const groups = streams.groups(meta);
  const out = c.out;
  out.array(groups.length);
  for (const g of groups) {
    replyRecord(out, [
      ["name", { bulk: g.name }],
      ["consumers", g.consumers],
      ["pending", g.pending],
      ["last-delivered-id", () => replyId(out, g.lastId)],
      ["entries-read", entriesRead(g)],
      ["lag", groupLag(s, g)],
    ]);
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
    replyRecord(out, [
      ["name", { bulk: cons.name }],
      ["pending", cons.pending],
      ["idle", Math.max(0, now - cons.seenTime)],
    ]);
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
