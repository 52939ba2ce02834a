// Pub/Sub: channel, pattern and shard-channel subscriptions and message
// delivery, like Redis 7.0's pubsub.c (shard channels behave as a separate
// channel namespace, as on a single-node cluster).
//
// - A message is encoded once per PUBLISH (per matching pattern for
//   pmessage) and the same bytes go to every subscriber (messages.ts).
// - A message to the client whose command is running goes into the shared
//   reply buffer, so it stays in order with that client's replies; others get
//   it on their socket when the current task ends (Client.cork: one write for
//   all the messages of a pipelined read). A subscriber that doesn't read is closed
//   at its output buffer limit (src/net/output-limits.ts, pubsub class).
// - RESP2 subscribers may only run (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING,
//   QUIT and RESET; RESP3 ones get push messages and may run anything.
// - Subscriptions end on UNSUBSCRIBE, RESET and disconnect.

import { CommandError } from "../commands/errors.ts";
import type { Command } from "../commands/table.ts";
import { globMatch } from "../keyspace/glob.ts";
import { bytesToStr } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import { addClientFlag, addClientInfo } from "../observability/client-info.ts";
import { addInfoFields } from "../observability/info.ts";
import type { Server } from "../server.ts";
import { MESSAGE, PMESSAGE, SMESSAGE, asPush, encodeFrame } from "./messages.ts";
import { KeyspaceNotifier } from "./notifications.ts";

/** Channels (SUBSCRIBE), patterns (PSUBSCRIBE) or shard channels (SSUBSCRIBE). */
export type SubscriptionKind = "channel" | "pattern" | "shard";

/** Reply names of each kind's (un)subscribe confirmations. */
const REPLY_NAMES: Record<SubscriptionKind, { subscribe: string; unsubscribe: string }> = {
  channel: { subscribe: "subscribe", unsubscribe: "unsubscribe" },
  pattern: { subscribe: "psubscribe", unsubscribe: "punsubscribe" },
  shard: { subscribe: "ssubscribe", unsubscribe: "sunsubscribe" },
};

/** Commands a RESP2 client may run while subscribed. */
const ALLOWED_WHEN_SUBSCRIBED = new Set([
  "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "ping", "quit", "reset",
]);

/** A channel's (or pattern's) name and its subscribers, in subscription order. */
export interface Subscribers {
  readonly name: Uint8Array;
  readonly clients: Set<Client>;
}

/** A client's subscriptions of each kind, by latin1 name (insertion order: UNSUBSCRIBE without arguments). */
type ClientSubscriptions = Record<SubscriptionKind, Map<string, Uint8Array>>;

/** The slot in Client.ext while a client has subscriptions (also keeps it from idle timeouts, like Redis). */
const EXT_SLOT = "pubsub";

function subscriptionsOf(c: Client): ClientSubscriptions | undefined {
  return c.ext.get(EXT_SLOT) as ClientSubscriptions | undefined;
}

/** Whether c has any subscription (Redis's CLIENT_PUBSUB flag: client type "pubsub", flag P). */
export function isSubscribed(c: Client): boolean {
  return c.ext.size !== 0 && c.ext.has(EXT_SLOT); // the size first: asked before every command
}

/** Count of c's subscriptions of one kind. */
function countOf(c: Client, kind: SubscriptionKind): number {
  return subscriptionsOf(c)?.[kind].size ?? 0;
}

export class PubSub {
  private readonly registry: Record<SubscriptionKind, Map<string, Subscribers>> = {
    channel: new Map(),
    pattern: new Map(),
    shard: new Map(),
  };
  readonly notifier: KeyspaceNotifier;

  constructor(private readonly server: Server) {
    server.intercept((c, cmd) => this.checkSubscribedMode(c, cmd));
    server.onClientCleanup((c) => this.unsubscribeAll(c));
    this.notifier = new KeyspaceNotifier(server, this);
  }

  /** Active channels (or patterns, or shard channels): those with at least one subscriber. */
  names(kind: SubscriptionKind): IterableIterator<Subscribers> {
    return this.registry[kind].values();
  }

  count(kind: SubscriptionKind): number {
    return this.registry[kind].size;
  }

  subscriberCount(kind: SubscriptionKind, name: Uint8Array): number {
    return this.registry[kind].get(bytesToStr(name))?.clients.size ?? 0;
  }

  /** (P|S)SUBSCRIBE: subscribes c to each name and confirms each with the subscription count. */
  subscribe(c: Client, kind: SubscriptionKind, names: readonly Uint8Array[]): void {
    let subs = subscriptionsOf(c);
    if (subs === undefined) c.ext.set(EXT_SLOT, (subs = { channel: new Map(), pattern: new Map(), shard: new Map() }));
    const mine = subs[kind];
    for (const name of names) {
      const id = bytesToStr(name);
      if (!mine.has(id)) {
        const copy = name.slice();
        mine.set(id, copy);
        const registry = this.registry[kind];
        let entry = registry.get(id);
        if (entry === undefined) registry.set(id, (entry = { name: copy, clients: new Set() }));
        entry.clients.add(c);
      }
      this.confirm(c, REPLY_NAMES[kind].subscribe, name, kind);
    }
  }

  /** (P|S)UNSUBSCRIBE: from the names given, or from all of c's subscriptions of the kind. */
  unsubscribe(c: Client, kind: SubscriptionKind, names: readonly Uint8Array[]): void {
    const reply = REPLY_NAMES[kind].unsubscribe;
    const targets = names.length > 0 ? names : [...(subscriptionsOf(c)?.[kind].values() ?? [])];
    if (targets.length === 0) {
      this.confirm(c, reply, null, kind);
      return;
    }
    for (const name of targets) {
      this.remove(c, kind, bytesToStr(name));
      this.confirm(c, reply, name, kind);
    }
  }

  /** Disconnect and RESET: drops every subscription silently. */
  private unsubscribeAll(c: Client): void {
    const subs = subscriptionsOf(c);
    if (subs === undefined) return;
    for (const kind of ["channel", "pattern", "shard"] as const) {
      for (const id of [...subs[kind].keys()]) this.remove(c, kind, id);
    }
  }

  private remove(c: Client, kind: SubscriptionKind, id: string): void {
    const subs = subscriptionsOf(c);
    if (subs === undefined || !subs[kind].delete(id)) return;
    const registry = this.registry[kind];
    const entry = registry.get(id)!;
    entry.clients.delete(c);
    if (entry.clients.size === 0) registry.delete(id);
    if (subs.channel.size + subs.pattern.size + subs.shard.size === 0) c.ext.delete(EXT_SLOT);
  }

  /** A (un)subscribe confirmation: [kind, name or nil, count], a push in RESP3. */
  private confirm(c: Client, reply: string, name: Uint8Array | null, kind: SubscriptionKind): void {
    const out = c.out;
    if (c.resp === 3) out.push(3);
    else out.array(3);
    out.bulkStr(reply);
    if (name === null) out.nil();
    else out.bulk(name);
    // Shard subscriptions are counted apart from channels and patterns.
    out.int(kind === "shard" ? countOf(c, "shard") : countOf(c, "channel") + countOf(c, "pattern"));
  }

  /** PUBLISH: delivers to the channel's subscribers and matching patterns'; returns the number of receivers. */
  publish(channel: Uint8Array, message: Uint8Array): number {
    let receivers = 0;
    const direct = this.registry.channel.get(bytesToStr(channel));
    if (direct !== undefined) receivers += this.sendAll(direct.clients, encodeFrame(MESSAGE, [channel, message]));
    for (const p of this.registry.pattern.values()) {
      if (globMatch(p.name, channel)) receivers += this.sendAll(p.clients, encodeFrame(PMESSAGE, [p.name, channel, message]));
    }
    return receivers;
  }

  /** SPUBLISH: delivers to the shard channel's subscribers. */
  publishShard(channel: Uint8Array, message: Uint8Array): number {
    const subs = this.registry.shard.get(bytesToStr(channel));
    return subs === undefined ? 0 : this.sendAll(subs.clients, encodeFrame(SMESSAGE, [channel, message]));
  }

  /** Whether anyone subscribes to anything (keyspace notifications skip all work otherwise). */
  get idle(): boolean {
    return this.registry.channel.size === 0 && this.registry.pattern.size === 0;
  }

  private sendAll(clients: Set<Client>, frame: Uint8Array): number {
    const n = clients.size;
    let push: Uint8Array | null = null;
    const server = this.server;
    for (const c of clients) {
      const bytes = c.resp === 3 ? (push ??= asPush(frame)) : frame;
      // The running client's replies are still in the shared buffer: keep the message in line with them.
      if (c === server.executing) server.out.raw(bytes);
      else {
        c.cork();
        c.send(bytes, true);
        server.stats.netOutputBytes += bytes.length;
      }
    }
    return n;
  }

  /** The interceptor: RESP2 subscribers may only run the subscription commands, PING, QUIT and RESET. */
  private checkSubscribedMode(c: Client, cmd: Command): boolean {
    if (c.resp === 2 && isSubscribed(c) && !ALLOWED_WHEN_SUBSCRIBED.has(cmd.name)) {
      throw new CommandError(
        `ERR Can't execute '${cmd.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
    }
    return false;
  }
}

const registries = new WeakMap<Server, PubSub>();

/** The pub/sub state of a server, created on first use (it hooks itself into the server). */
export function pubSubOf(server: Server): PubSub {
  let reg = registries.get(server);
  if (reg === undefined) registries.set(server, (reg = new PubSub(server)));
  return reg;
}

/** The pub/sub state if anyone ever subscribed: PUBLISH and PUBSUB need not create it. */
export function existingPubSub(server: Server): PubSub | undefined {
  return registries.get(server);
}

addInfoFields("stats", (s) => {
  const ps = registries.get(s);
  return [
    ["pubsub_channels", ps?.count("channel") ?? 0],
    ["pubsub_patterns", ps?.count("pattern") ?? 0],
    ["pubsubshard_channels", ps?.count("shard") ?? 0],
  ];
});

addClientInfo((c, f) => {
  const subs = subscriptionsOf(c);
  if (subs === undefined) return;
  f.set("sub", subs.channel.size);
  f.set("psub", subs.pattern.size);
  f.set("ssub", subs.shard.size);
  addClientFlag(f, "P");
});
