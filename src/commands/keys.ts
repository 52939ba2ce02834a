// Generic key commands (db.c, object.c): DEL UNLINK EXISTS TYPE RENAME
// RENAMENX COPY KEYS SCAN RANDOMKEY TOUCH OBJECT WAIT. Expiry, database and
// DUMP/RESTORE commands live in their own modules and are exported from here.

import type { Client } from "../net/client.ts";
import { argIs, bytesEqual, bytesToStr } from "../net/bytes.ts";
import { parseInt64 } from "../net/format.ts";
import { globMatch } from "../keyspace/glob.ts";
import { lfuCounter } from "../keyspace/lfu.ts";
import type { KeyMeta } from "../storage/engine.ts";
import { int64Arg } from "./args.ts";
import { databaseCommands, dbArg } from "./databases.ts";
import { dumpCommands } from "./dump.ts";
import { fail, NO_SUCH_KEY, SYNTAX } from "./errors.ts";
import { expireCommands } from "./expire.ts";
import { replyHelp } from "./help.ts";
import { parseScanOptions } from "./scan-options.ts";
import type { CommandDef } from "./table.ts";

export const SAME_OBJECT = "ERR source and destination objects are the same";

/** DEL and UNLINK (the memory engine frees in O(1) for the caller either way). */
function del(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    if (db.delete(argv[i])) {
      c.server.keyspace.notify("g", "del", argv[i], db.index);
      deleted++;
    }
  }
  c.out.int(deleted);
}

function exists(c: Client, argv: Uint8Array[]): void {
  let count = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.lookupRead(argv[i], false) !== null) count++;
  c.out.int(count);
}

function touch(c: Client, argv: Uint8Array[]): void {
  let count = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.lookupRead(argv[i]) !== null) count++;
  c.out.int(count);
}

function type(c: Client, argv: Uint8Array[]): void {
  c.out.simple(c.db.lookupRead(argv[1], false)?.type ?? "none");
}

function rename(c: Client, argv: Uint8Array[], nx: boolean): void {
  const db = c.db;
  const [src, dst] = [argv[1], argv[2]];
  const meta = db.lookupWrite(src);
  if (meta === null) fail(NO_SUCH_KEY);
  db.touch(meta);
  // Same name: nothing to do, but a missing key is still an error (checked above).
  if (bytesEqual(src, dst)) return nx ? c.out.int(0) : c.out.ok();
  if (db.lookupWrite(dst) !== null) {
    if (nx) return c.out.int(0);
    db.store.delete(dst);
  }
  // The value object moves in Redis, so it keeps its access frequency.
  const lfu = db.store.lfuState(meta);
  db.adding(dst);
  db.store.rename(src, dst);
  db.store.setLfuState(db.store.lookup(dst)!, lfu);
  db.modified(src);
  db.modified(dst, 0);
  const ks = c.server.keyspace;
  ks.notify("g", "rename_from", src, db.index);
  ks.notify("g", "rename_to", dst, db.index);
  if (nx) c.out.int(1);
  else c.out.ok();
}

function copy(c: Client, argv: Uint8Array[]): void {
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    if (argIs(argv[i], "replace")) replace = true;
    else if (argIs(argv[i], "db") && i + 1 < argv.length) dst = dbArg(c, argv[++i]);
    else fail(SYNTAX);
  }
  const [key, newKey] = [argv[1], argv[2]];
  if (src === dst && bytesEqual(key, newKey)) fail(SAME_OBJECT);
  if (src.lookupRead(key) === null) return c.out.int(0);
  if (dst.lookupWrite(newKey) !== null) {
    if (!replace) return c.out.int(0);
    dst.store.delete(newKey);
  }
  dst.adding(newKey);
  src.store.copy(key, dst.store, newKey);
  dst.modified(newKey);
  c.server.keyspace.notify("g", "copy_to", newKey, dst.index);
  c.out.int(1);
}

function keys(c: Client, argv: Uint8Array[]): void {
  const pattern = argv[1];
  const all = pattern.length === 1 && pattern[0] === 42;
  const now = c.server.keyspace.now();
  const found: Uint8Array[] = [];
  // A full SCAN with no writes in between visits every key exactly once.
  // Expired keys are skipped, not deleted, as in Redis.
  const store = c.db.store;
  let cursor = 0;
  do {
    cursor = store.scan(cursor, 1000, (key, meta) => {
      if ((all || globMatch(pattern, key)) && !isExpired(meta, now)) found.push(key);
    });
  } while (cursor !== 0);
  c.out.bulkArray(found);
}

function isExpired(meta: KeyMeta, now: number): boolean {
  return meta.expireAt !== 0 && meta.expireAt <= now;
}

/** A SCAN cursor: an unsigned 64-bit decimal as C's strtoul reads it, else "invalid cursor". */
export function parseScanCursor(arg: Uint8Array): number {
  const s = bytesToStr(arg);
  // strtoul: optional sign, digits; "" is 0; "-1" wraps around; no leading space, no trailing junk.
  const m = /^([+-]?)(\d*)$/.exec(s);
  if (m === null || (m[2] === "" && m[1] !== "")) fail("ERR invalid cursor");
  let v = m[2] === "" ? 0n : BigInt(m[2]);
  if (v > 0xffffffffffffffffn) fail("ERR invalid cursor");
  if (m[1] === "-") v = BigInt.asUintN(64, -v);
  // Engines see cursors as JS numbers: keep the low 53 bits (the memory
  // engine's bucket tables use far fewer, and Redis ignores bits above the table mask too).
  return Number(BigInt.asUintN(53, v));
}

function scan(c: Client, argv: Uint8Array[]): void {
  const cursor = parseScanCursor(argv[1]);
  const { count, pattern, type: typeName } = parseScanOptions(argv, 2, true);
  const db = c.db;
  const candidates: Uint8Array[] = [];
  const next = db.store.scan(cursor, count, (key) => candidates.push(key));
  const found: Uint8Array[] = [];
  for (const key of candidates) {
    if (pattern !== null && !globMatch(pattern, key)) continue;
    // Both delete the key when expired; like Redis, the TYPE filter's lookup counts as a read (hit/miss stats).
    const meta = typeName !== null ? db.lookupRead(key, false) : db.lookupWrite(key);
    // Redis 7.0 quirk: an expired key has type "none" for the filter, so TYPE none returns it.
    if (meta === null ? typeName !== "none" : typeName !== null && meta.type !== typeName) continue;
    found.push(key);
  }
  c.out.array(2);
  c.out.bulkStr(String(next));
  c.out.bulkArray(found);
}

function randomKey(c: Client): void {
  const db = c.db;
  for (;;) {
    const key = db.store.randomKey();
    if (key === null) return c.out.nil();
    // An expired pick is deleted and we draw again, like dbRandomKey.
    if (db.lookupWrite(key) !== null) return c.out.bulk(key);
  }
}

const POLICY_NOTE =
  "Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/** The key OBJECT inspects; replies nil and returns null when missing. */
function objectTarget(c: Client, key: Uint8Array): KeyMeta | null {
  const meta = c.db.lookupRead(key, false, false);
  if (meta === null) c.out.nil();
  return meta;
}

/** Redis shares the integer objects 0..9999, whose refcount reads as INT_MAX. */
const SHARED_REFCOUNT = 2147483647;
const SHARED_INTEGERS = 10000;

function objectRefcount(c: Client, key: Uint8Array): void {
  const meta = objectTarget(c, key);
  if (meta === null) return;
  if (meta.type === "string" && c.db.store.encoding(key, meta) === "int") {
    const v = parseInt64(c.db.store.getString(meta));
    if (typeof v === "number" && v >= 0 && v < SHARED_INTEGERS) return c.out.int(SHARED_REFCOUNT);
  }
  c.out.int(1);
}

const OBJECT_HELP = [
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>.",
  "FREQ <key>",
  "    Return the access frequency index of the <key>. The returned integer is",
  "    proportional to the logarithm of the recent access frequency of the key.",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key.",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key>.",
];

const objectSubcommands: CommandDef[] = [
  {
    name: "encoding",
    summary: "Returns the internal encoding of a key's value.",
    run: (c, a) => {
      const meta = objectTarget(c, a[2]);
      if (meta !== null) c.out.bulkStr(c.db.store.encoding(a[2], meta));
    },
  },
  {
    name: "freq",
    summary: "Returns the logarithmic access frequency counter of a key's value.",
    run: (c, a) => {
      const meta = objectTarget(c, a[2]);
      if (meta === null) return;
      const ks = c.server.keyspace;
      if (!ks.lfuEnabled) fail(`ERR An LFU maxmemory policy is not selected, access frequency not tracked. ${POLICY_NOTE}`);
      c.out.int(lfuCounter(c.db.store.lfuState(meta), ks.lfuDecayTime));
    },
  },
  {
    name: "idletime",
    summary: "Returns the time since the last access to a key's value.",
    run: (c, a) => {
      const meta = objectTarget(c, a[2]);
      if (meta === null) return;
      if (c.server.keyspace.lfuEnabled) fail(`ERR An LFU maxmemory policy is selected, idle time not tracked. ${POLICY_NOTE}`);
      c.out.int(c.db.store.idleTime(meta));
    },
  },
  { name: "refcount", summary: "Returns the reference count of a value of a key.", run: (c, a) => objectRefcount(c, a[2]) },
  { name: "help", summary: "Returns helpful text about the different subcommands.", run: (c) => replyHelp(c, "OBJECT", OBJECT_HELP) },
];

/** WAIT: there are no replicas, so no write is ever acknowledged by one. */
function wait(c: Client, argv: Uint8Array[]): void {
  int64Arg(argv[1]);
  const timeout = int64Arg(argv[2], "ERR timeout is not an integer or out of range");
  if (timeout < 0) fail("ERR timeout is negative");
  c.out.int(0);
}

export const keyCommands: CommandDef[] = [
  { name: "del", summary: "Deletes one or more keys.", run: del },
  { name: "unlink", summary: "Deletes one or more keys (the memory is reclaimed without blocking).", run: del },
  { name: "exists", summary: "Counts how many of the given keys exist.", run: exists },
  { name: "touch", summary: "Updates the last access time of keys; returns how many exist.", run: touch },
  { name: "type", summary: "Returns the type of the value stored at a key.", run: type },
  { name: "rename", summary: "Renames a key, overwriting the destination.", run: (c, a) => rename(c, a, false) },
  { name: "renamenx", summary: "Renames a key only when the new name does not exist.", run: (c, a) => rename(c, a, true) },
  { name: "copy", summary: "Copies the value of a key to a new key, optionally in another database.", run: copy },
  { name: "keys", summary: "Returns all key names that match a pattern.", run: keys },
  { name: "scan", summary: "Iterates over the key names in the database.", run: scan },
  { name: "randomkey", summary: "Returns a random key name from the database.", run: randomKey },
  { name: "object", summary: "A container for object introspection commands.", subcommands: objectSubcommands },
  { name: "wait", summary: "Waits for the writes of the connection to reach replicas (there are none).", run: wait },
  ...expireCommands,
  ...databaseCommands,
  ...dumpCommands,
];
