// Set commands (t_set.c).

import type { Client } from "../net/client.ts";
import { argIs, bytesEqual, bytesToStr } from "../net/bytes.ts";
import { parseInt64 } from "../net/format.ts";
import type { KeyMeta } from "../storage/engine.ts";
import { argsFrom, intArg, rangedCount } from "./args.ts";
import { fail, SYNTAX, WRONGTYPE } from "./errors.ts";
import { scanCollection } from "./scan-options.ts";
import type { CommandDef } from "./table.ts";

function notify(c: Client, event: string, key: Uint8Array): void {
  c.server.keyspace.notify("s", event, key, c.db.index);
}

function notifyDel(c: Client, key: Uint8Array): void {
  c.server.keyspace.notify("g", "del", key, c.db.index);
}

function sadd(c: Client, argv: Uint8Array[]): void {
  const key = argv[1];
  const meta = c.db.writeTyped(key, "set");
  const added = c.db.store.sets.add(key, meta, argsFrom(argv, 2));
  if (added > 0) {
    c.db.modified(key, added);
    notify(c, "sadd", key);
  }
  c.out.int(added);
}

function srem(c: Client, argv: Uint8Array[]): void {
  const key = argv[1];
  const meta = c.db.writeTyped(key, "set");
  if (meta === null) return c.out.int(0);
  const sets = c.db.store.sets;
  const card = sets.card(meta);
  const removed = sets.remove(key, meta, argsFrom(argv, 2));
  if (removed > 0) {
    c.db.modified(key, removed);
    notify(c, "srem", key);
    if (removed === card) notifyDel(c, key);
  }
  c.out.int(removed);
}

function smove(c: Client, argv: Uint8Array[]): void {
  const [, src, dst, member] = argv;
  const db = c.db;
  const srcMeta = db.lookupWrite(src);
  const dstMeta = db.lookupWrite(dst);
  if (srcMeta === null) return c.out.int(0);
  if (srcMeta.type !== "set" || (dstMeta !== null && dstMeta.type !== "set")) fail(WRONGTYPE);
  const sets = db.store.sets;
  if (bytesEqual(src, dst)) return c.out.int(sets.has(srcMeta, member) ? 1 : 0);
  const srcCard = sets.card(srcMeta);
  if (sets.remove(src, srcMeta, [member]) === 0) return c.out.int(0);
  notify(c, "srem", src);
  if (srcCard === 1) notifyDel(c, src);
  db.modified(src);
  if (sets.add(dst, db.lookupWrite(dst), [member]) > 0) {
    db.modified(dst);
    notify(c, "sadd", dst);
  }
  c.out.int(1);
}

function sismember(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "set");
  c.out.int(meta !== null && c.db.store.sets.has(meta, argv[2]) ? 1 : 0);
}

function smismember(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "set");
  c.out.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.out.int(meta !== null && c.db.store.sets.has(meta, argv[i]) ? 1 : 0);
}

function scard(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "set");
  c.out.int(meta === null ? 0 : c.db.store.sets.card(meta));
}

function replySet(c: Client, members: Uint8Array[]): void {
  c.out.set(members.length);
  for (const m of members) c.out.bulk(m);
}

function smembers(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.readTyped(argv[1], "set");
  replySet(c, meta === null ? [] : c.db.store.sets.members(meta));
}

function spop(c: Client, argv: Uint8Array[]): void {
  const key = argv[1];
  if (argv.length > 3) fail(SYNTAX);
  const raw = argv.length === 3 ? parseInt64(argv[2]) : null;
  if (argv.length === 3 && (raw === null || raw < 0)) fail("ERR value is out of range, must be positive");
  const meta = c.db.writeTyped(key, "set");
  if (raw === null) {
    if (meta === null) return c.out.nil();
    // Indexed, not destructured: `const [m] =` runs the array iterator
    // protocol, which FTL inlines into spop and makes its compile longer.
    return c.out.bulk(popMembers(c, key, meta, 1)[0]);
  }
  const count = typeof raw === "bigint" ? Number.MAX_SAFE_INTEGER : raw;
  if (meta === null || count === 0) return replySet(c, []);
  replySet(c, popMembers(c, key, meta, count));
}

/** Pops up to count members and signals it (popping them all deleted the key). */
function popMembers(c: Client, key: Uint8Array, meta: KeyMeta, count: number): Uint8Array[] {
  const sets = c.db.store.sets;
  const card = sets.card(meta);
  const popped = sets.pop(key, meta, count);
  c.db.modified(key);
  notify(c, "spop", key);
  if (popped.length === card) notifyDel(c, key);
  return popped;
}

function srandmember(c: Client, argv: Uint8Array[]): void {
  if (argv.length > 3) fail(SYNTAX);
  const count = argv.length === 3 ? rangedCount(argv[2]) : null;
  const meta = c.db.readTyped(argv[1], "set");
  const sets = c.db.store.sets;
  if (count === null) {
    if (meta === null) return c.out.nil();
    return c.out.bulk(sets.randomDistinct(meta, 1)[0]);
  }
  if (meta === null || count === 0) return c.out.array(0);
  // Redis would try to build any reply size; we refuse a repeat count that
  // could not fit in memory instead of letting one client exhaust it.
  if (count < -MAX_REPEATED_REPLY) fail("ERR value is out of range");
  const picked = count < 0 ? sets.randomWithRepeats(meta, -count) : sets.randomDistinct(meta, Math.min(count, sets.card(meta)));
  c.out.bulkArray(picked);
}

const MAX_REPEATED_REPLY = 1 << 24;

type SetOp = "union" | "inter" | "diff";

/**
 * Reads the sets named by keys (missing keys are null), WRONGTYPE on any other
 * type. Read lookups for the *STORE forms too, as Redis (misses, keymiss events).
 */
function readSets(c: Client, keys: Uint8Array[]): (KeyMeta | null)[] {
  return keys.map((k) => c.db.readTyped(k, "set"));
}

/** Computes union/intersection/difference of the given sets as latin1 strings. */
function combine(c: Client, metas: (KeyMeta | null)[], op: SetOp, limit = 0): Uint8Array[] {
  const sets = c.db.store.sets;
  if (op === "union") {
    const seen = new Map<string, Uint8Array>();
    for (const m of metas) if (m !== null) for (const v of sets.members(m)) seen.set(bytesToStr(v), v);
    return [...seen.values()];
  }
  if (op === "inter") {
    if (metas.some((m) => m === null)) return [];
    // Iterate the smallest set, probing the others (Redis sorts by cardinality).
    const sorted = [...(metas as KeyMeta[])].sort((a, b) => sets.card(a) - sets.card(b));
    const out: Uint8Array[] = [];
    for (const v of sets.members(sorted[0])) {
      if (sorted.every((m, i) => i === 0 || sets.has(m, v))) {
        out.push(v);
        if (limit > 0 && out.length >= limit) break;
      }
    }
    return out;
  }
  const [first, ...rest] = metas;
  if (first === null) return [];
  return sets.members(first).filter((v) => !rest.some((m) => m !== null && sets.has(m, v)));
}

function setOpCommand(op: SetOp, store: boolean) {
  return (c: Client, argv: Uint8Array[]): void => {
    const keys = argv.slice(store ? 2 : 1);
    const metas = readSets(c, keys);
    const result = combine(c, metas, op);
    if (!store) return replySet(c, result);
    const dst = argv[1];
    const existed = c.db.lookupWrite(dst) !== null;
    c.db.store.sets.store(dst, result);
    if (result.length > 0) notify(c, `s${op}store`, dst);
    else if (existed) notifyDel(c, dst);
    if (result.length > 0 || existed) c.db.modified(dst);
    c.out.int(result.length);
  };
}

function sintercard(c: Client, argv: Uint8Array[]): void {
  const numkeys = intArg(argv[1], "ERR numkeys should be greater than 0");
  if (numkeys <= 0) fail("ERR numkeys should be greater than 0");
  if (numkeys > argv.length - 2) fail("ERR Number of keys can't be greater than number of args");
  let limit = 0;
  for (let i = 2 + numkeys; i < argv.length; i++) {
    if (argIs(argv[i], "limit") && i + 1 < argv.length) {
      limit = intArg(argv[++i], "ERR LIMIT can't be negative");
      if (limit < 0) fail("ERR LIMIT can't be negative");
    } else fail(SYNTAX);
  }
  const metas = readSets(c, argv.slice(2, 2 + numkeys));
  c.out.int(combine(c, metas, "inter", limit).length);
}

function sscan(c: Client, argv: Uint8Array[]): void {
  scanCollection(c, argv, "set", (meta, cursor, count, emit) => c.db.store.sets.scan(meta, cursor, count, (m) => emit(m, m)));
}

export const setCommands: CommandDef[] = [
  { name: "sadd", summary: "Adds members to a set, creating it if needed.", run: sadd, memberArgs: { step: 1 } },
  { name: "srem", summary: "Removes members from a set.", run: srem, memberArgs: { step: 1 } },
  { name: "smove", summary: "Moves a member from one set to another.", run: smove },
  { name: "sismember", summary: "Tells whether a value is a member of a set.", run: sismember, memberArgs: { step: 1 } },
  { name: "smismember", summary: "Tells for each value whether it is a member of a set.", run: smismember, memberArgs: { step: 1 } },
  { name: "scard", summary: "Returns the number of members of a set.", run: scard },
  { name: "smembers", summary: "Returns every member of a set.", run: smembers },
  { name: "spop", summary: "Removes and returns random members of a set.", run: spop },
  { name: "srandmember", summary: "Returns random members of a set without removing them.", run: srandmember },
  { name: "sunion", summary: "Returns the union of sets.", run: setOpCommand("union", false) },
  { name: "sinter", summary: "Returns the intersection of sets.", run: setOpCommand("inter", false) },
  { name: "sdiff", summary: "Returns the members of the first set not in the others.", run: setOpCommand("diff", false) },
  { name: "sunionstore", summary: "Stores the union of sets in a key.", run: setOpCommand("union", true) },
  { name: "sinterstore", summary: "Stores the intersection of sets in a key.", run: setOpCommand("inter", true) },
  { name: "sdiffstore", summary: "Stores the difference of sets in a key.", run: setOpCommand("diff", true) },
  { name: "sintercard", summary: "Returns the size of the intersection of sets, optionally stopping at a limit.", run: sintercard },
  { name: "sscan", summary: "Iterates over the members of a set.", run: sscan },
];
