// The CLIENT LIST / CLIENT INFO line of a client, with Redis 7.0's fields
// (plus lib-name and lib-ver from 7.2). Subsystems that own per-client state
// (MULTI, pub/sub, blocking...) register a contributor that fills in their
// fields and flag letters:
//
//   addClientInfo((c, f) => { if (inMulti(c)) { f.set("multi", n); f.set("flags", f.get("flags") + "x"); } });

import type { Client } from "../net/client.ts";

export type ClientInfoFields = Map<string, string | number>;
export type ClientInfoContributor = (c: Client, fields: ClientInfoFields) => void;

const contributors: ClientInfoContributor[] = [];

export function addClientInfo(fn: ClientInfoContributor): void {
  contributors.push(fn);
}

/** Redis's order of CLIENT LIST flag letters. */
const FLAG_ORDER = "OSMPxbtRBdcuAUreT";

/** Adds a flag letter to the fields at the position Redis prints it. */
export function addClientFlag(fields: ClientInfoFields, letter: string): void {
  const flags = String(fields.get("flags"));
  const rank = FLAG_ORDER.indexOf(letter);
  let at = 0;
  while (at < flags.length && FLAG_ORDER.indexOf(flags[at]) < rank) at++;
  fields.set("flags", flags.slice(0, at) + letter + flags.slice(at));
}

/** The client's fields in Redis's order, after contributors adjusted them. */
export function clientInfoFields(c: Client): ClientInfoFields {
  const now = Date.now();
  const f: ClientInfoFields = new Map<string, string | number>([
    ["id", c.id],
    ["addr", c.addr],
    ["laddr", c.laddr],
    // Bun doesn't expose socket descriptors; the id is unique per connection like an fd.
    ["fd", c.socket ? c.id : -1],
    ["name", c.name],
    ["age", Math.floor((now - c.createdAt) / 1000)],
    ["idle", Math.floor((now - c.lastInteraction) / 1000)],
    ["flags", ""],
    ["db", c.db.index],
    ["sub", 0],
    ["psub", 0],
    ["ssub", 0],
    ["multi", -1],
    ["qbuf", c.parser.buffered],
    ["qbuf-free", 0],
    ["argv-mem", 0],
    ["multi-mem", 0],
    ["rbs", 0],
    ["rbp", 0],
    ["obl", 0],
    ["oll", c.hasPendingOutput ? 1 : 0],
    ["omem", c.outQueueBytes],
    ["tot-mem", c.outQueueBytes],
    ["events", c.hasPendingOutput ? "rw" : "r"],
    ["cmd", c.lastCommand],
    ["user", c.user],
    ["redir", -1],
    ["resp", c.resp],
    ["lib-name", c.libName],
    ["lib-ver", c.libVer],
  ]);
  let flags = "";
  if (c.monitor) flags += "O";
  if (c.closeAfterReply) flags += "c";
  if (c.noEvict) flags += "e";
  if (c.noTouch) flags += "T";
  f.set("flags", flags);
  for (const fn of contributors) fn(c, f);
  if (f.get("flags") === "") f.set("flags", "N");
  return f;
}

export function clientInfoLine(c: Client): string {
  let line = "";
  for (const [k, v] of clientInfoFields(c)) line += `${line ? " " : ""}${k}=${v}`;
  return line;
}

/** Redis's client types for CLIENT LIST/KILL TYPE: a pub/sub client shows flag P. */
export type ClientType = "normal" | "master" | "replica" | "pubsub";

export function parseClientType(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case "normal": return "normal";
    case "master": return "master";
    case "replica":
    case "slave": return "replica";
    case "pubsub": return "pubsub";
    default: return null;
  }
}

export function clientType(c: Client): ClientType {
  return String(clientInfoFields(c).get("flags")).includes("P") ? "pubsub" : "normal";
}
