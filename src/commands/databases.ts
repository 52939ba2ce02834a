// Database-level commands (db.c): DBSIZE FLUSHDB FLUSHALL SWAPDB MOVE.

import type { Db } from "../keyspace/keyspace.ts";
import type { Client } from "../net/client.ts";
import { argIs } from "../net/bytes.ts";
import { parseInt64 } from "../net/format.ts";
import { fail, NOT_INTEGER, SYNTAX } from "./errors.ts";
import type { CommandDef } from "./table.ts";

/** A C int argument (getIntFromObjectOrReply): `message` replaces both of Redis's errors when given. */
function int32Arg(arg: Uint8Array, message?: string): number {
  const v = parseInt64(arg);
  if (v === null) fail(message ?? NOT_INTEGER);
  if (typeof v !== "number" || v < -2147483648 || v > 2147483647) {
    fail(message ?? "ERR value is out of range, value must between -2147483648 and 2147483647");
  }
  return v;
}

/** A database index argument (MOVE, COPY DB). */
export function dbArg(c: Client, arg: Uint8Array): Db {
  const index = int32Arg(arg);
  const db = c.server.keyspace.dbs[index];
  if (db === undefined) fail("ERR DB index is out of range");
  return db;
}

/** FLUSHDB/FLUSHALL's optional SYNC|ASYNC (both clear at once: the memory engine's clear is O(1)). */
function checkFlushArgs(argv: Uint8Array[]): void {
  if (argv.length === 1) return;
  if (argv.length === 2 && (argIs(argv[1], "sync") || argIs(argv[1], "async"))) return;
  fail(SYNTAX);
}

function flushdb(c: Client, argv: Uint8Array[]): void {
  checkFlushArgs(argv);
  c.server.keyspace.flush(c.db.index);
  c.out.ok();
}

function flushall(c: Client, argv: Uint8Array[]): void {
  checkFlushArgs(argv);
  const ks = c.server.keyspace;
  for (const db of ks.dbs) ks.flush(db.index);
  c.out.ok();
}

function swapdb(c: Client, argv: Uint8Array[]): void {
  const ks = c.server.keyspace;
  const a = int32Arg(argv[1], "ERR invalid first DB index");
  const b = int32Arg(argv[2], "ERR invalid second DB index");
  if (ks.dbs[a] === undefined || ks.dbs[b] === undefined) fail("ERR DB index is out of range");
  ks.swapDb(a, b);
  c.out.ok();
}

function move(c: Client, argv: Uint8Array[]): void {
  const src = c.db;
  const dst = dbArg(c, argv[2]);
  if (src === dst) fail("ERR source and destination objects are the same");
  const key = argv[1];
  const meta = src.lookupWrite(key);
  if (meta === null) return c.out.int(0);
  src.touch(meta);
  if (dst.lookupWrite(key) !== null) return c.out.int(0);
  // The value object moves in Redis, so it keeps its access frequency.
  const lfu = src.store.lfuState(meta);
  src.store.copy(key, dst.store, key);
  dst.store.setLfuState(dst.store.lookup(key)!, lfu);
  src.store.delete(key);
  src.modified(key);
  dst.modified(key, 0);
  const ks = c.server.keyspace;
  ks.notify("g", "move_from", key, src.index);
  ks.notify("g", "move_to", key, dst.index);
  c.out.int(1);
}

export const databaseCommands: CommandDef[] = [
  { name: "dbsize", summary: "Returns the number of keys in the database.", run: (c) => c.out.int(c.db.size()) },
  { name: "flushdb", summary: "Removes all keys from the current database.", run: flushdb },
  { name: "flushall", summary: "Removes all keys from all databases.", run: flushall },
  { name: "swapdb", summary: "Swaps two databases.", run: swapdb },
  { name: "move", summary: "Moves a key to another database.", run: move },
];
