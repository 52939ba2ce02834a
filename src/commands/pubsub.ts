// Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH
// SSUBSCRIBE SUNSUBSCRIBE SPUBLISH and PUBSUB's subcommands (the machinery is
// in src/pubsub/pubsub.ts).

import { globMatch } from "../keyspace/glob.ts";
import type { Client } from "../net/client.ts";
import { existingPubSub, pubSubOf, type SubscriptionKind } from "../pubsub/pubsub.ts";
import { replyHelp } from "./help.ts";
import { subcommandSyntaxError } from "./subcommand-error.ts";
import type { CommandDef, Handler } from "./table.ts";

function subscribeHandler(kind: SubscriptionKind): Handler {
  return (c, argv) => pubSubOf(c.server).subscribe(c, kind, argv.slice(1));
}

function unsubscribeHandler(kind: SubscriptionKind): Handler {
  return (c, argv) => pubSubOf(c.server).unsubscribe(c, kind, argv.slice(1));
}

function publish(c: Client, argv: Uint8Array[]): void {
  c.out.int(existingPubSub(c.server)?.publish(argv[1], argv[2]) ?? 0);
}

function spublish(c: Client, argv: Uint8Array[]): void {
  c.out.int(existingPubSub(c.server)?.publishShard(argv[1], argv[2]) ?? 0);
}

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern]: active channels matching the pattern. */
function channelsHandler(kind: SubscriptionKind): Handler {
  return (c, argv) => {
    if (argv.length > 3) subcommandSyntaxError(argv);
    const pattern = argv.length === 3 ? argv[2] : null;
    const names: Uint8Array[] = [];
    for (const s of existingPubSub(c.server)?.names(kind) ?? []) {
      if (pattern === null || globMatch(pattern, s.name)) names.push(s.name);
    }
    c.out.bulkArray(names);
  };
}

/** PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: channel, count pairs as a flat array. */
function numsubHandler(kind: SubscriptionKind): Handler {
  return (c, argv) => {
    const ps = existingPubSub(c.server);
    const out = c.out;
    out.array((argv.length - 2) * 2);
    for (let i = 2; i < argv.length; i++) {
      out.bulk(argv[i]);
      out.int(ps?.subscriberCount(kind, argv[i]) ?? 0);
    }
  };
}

const PUBSUB_HELP = [
  "CHANNELS [<pattern>]",
  "    Return the currently active channels matching a <pattern> (default: '*').",
  "NUMPAT",
  "    Return number of subscriptions to patterns.",
  "NUMSUB [<channel> ...]",
  "    Return the number of subscribers for the specified channels, excluding",
  "    pattern subscriptions(default: no channels).",
  "SHARDCHANNELS [<pattern>]",
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  "SHARDNUMSUB [<shardchannel> ...]",
  "    Return the number of subscribers for the specified shard level channel(s)",
];

export const pubsubCommands: CommandDef[] = [
  { name: "subscribe", summary: "Listens for messages published to channels.", run: subscribeHandler("channel") },
  { name: "unsubscribe", summary: "Stops listening to messages posted to channels.", run: unsubscribeHandler("channel") },
  { name: "psubscribe", summary: "Listens for messages published to channels that match patterns.", run: subscribeHandler("pattern") },
  { name: "punsubscribe", summary: "Stops listening to messages published to channels that match patterns.", run: unsubscribeHandler("pattern") },
  { name: "ssubscribe", summary: "Listens for messages published to shard channels.", run: subscribeHandler("shard") },
  { name: "sunsubscribe", summary: "Stops listening to messages posted to shard channels.", run: unsubscribeHandler("shard") },
  { name: "publish", summary: "Posts a message to a channel.", run: publish },
  { name: "spublish", summary: "Posts a message to a shard channel.", run: spublish },
  {
    name: "pubsub",
    summary: "A container for Pub/Sub commands.",
    subcommands: [
      { name: "channels", summary: "Returns the active channels.", run: channelsHandler("channel") },
      { name: "shardchannels", summary: "Returns the active shard channels.", run: channelsHandler("shard") },
      { name: "numsub", summary: "Returns a count of subscribers to channels.", run: numsubHandler("channel") },
      { name: "shardnumsub", summary: "Returns the count of subscribers of shard channels.", run: numsubHandler("shard") },
      { name: "numpat", summary: "Returns a count of unique pattern subscriptions.", run: (c) => c.out.int(existingPubSub(c.server)?.count("pattern") ?? 0) },
      { name: "help", summary: "Returns helpful text about the different subcommands.", run: (c) => replyHelp(c, "PUBSUB", PUBSUB_HELP) },
    ],
  },
];
