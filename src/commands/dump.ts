// DUMP and RESTORE (cluster.c), with payloads Redis 7.0 reads and writes.

import type { Client } from "../net/client.ts";
import { argIs } from "../net/bytes.ts";
import { createDumpPayload, loadDumpPayload, type RestorableValue, verifyDumpPayload } from "../keyspace/dump.ts";
import { lfuState } from "../keyspace/lfu.ts";
import { RdbFormatError } from "../keyspace/rdb.ts";
import { int64Arg } from "./args.ts";
import { fail, SYNTAX } from "./errors.ts";
import type { CommandDef } from "./table.ts";

function dump(c: Client, argv: Uint8Array[]): void {
  const meta = c.db.lookupRead(argv[1]);
  if (meta === null) return c.out.nil();
  c.out.bulk(createDumpPayload(c.db.store, argv[1], meta));
}

interface RestoreOptions {
  replace: boolean;
  absTtl: boolean;
  idleSeconds: number | null;
  freq: number | null;
}

function parseRestoreOptions(argv: Uint8Array[]): RestoreOptions {
  const opts: RestoreOptions = { replace: false, absTtl: false, idleSeconds: null, freq: null };
  for (let i = 4; i < argv.length; i++) {
    const hasValue = i + 1 < argv.length;
    if (argIs(argv[i], "replace")) opts.replace = true;
    else if (argIs(argv[i], "absttl")) opts.absTtl = true;
    else if (argIs(argv[i], "idletime") && hasValue && opts.freq === null) {
      const idle = Number(int64Arg(argv[++i]));
      if (idle < 0) fail("ERR Invalid IDLETIME value, must be >= 0");
      opts.idleSeconds = idle;
    } else if (argIs(argv[i], "freq") && hasValue && opts.idleSeconds === null) {
      const freq = Number(int64Arg(argv[++i]));
      if (freq < 0 || freq > 255) fail("ERR Invalid FREQ value, must be >= 0 and <= 255");
      opts.freq = freq;
    } else fail(SYNTAX);
  }
  return opts;
}

function restore(c: Client, argv: Uint8Array[]): void {
  const opts = parseRestoreOptions(argv);
  const db = c.db;
  const key = argv[1];
  if (!opts.replace && db.lookupWrite(key) !== null) fail("BUSYKEY Target key name already exists.");
  const ttl = int64Arg(argv[2]);
  if (ttl < 0) fail("ERR Invalid TTL value, must be >= 0");
  const payload = argv[3];
  if (!verifyDumpPayload(payload)) fail("ERR DUMP payload version or checksum are wrong");
  let value: RestorableValue;
  try {
    value = loadDumpPayload(payload);
  } catch (e) {
    if (e instanceof RdbFormatError) fail("ERR Bad data format");
    throw e;
  }

  const ks = c.server.keyspace;
  const deleted = opts.replace && db.delete(key);
  const expireAt = ttl === 0 ? 0 : Number(ttl) + (opts.absTtl ? 0 : ks.now());
  if (expireAt !== 0 && expireAt <= ks.now()) {
    // Already expired: the key is not created, only the replaced one is gone.
    if (deleted) ks.notify("g", "del", key, db.index);
    return c.out.ok();
  }
  value.create(db.store, key, expireAt);
  // Like objectSetLRUOrLFU: FREQ counts under an LFU policy, IDLETIME otherwise.
  const created = db.store.lookup(key)!;
  if (ks.lfuEnabled && opts.freq !== null) db.store.setLfuState(created, lfuState(opts.freq));
  if (!ks.lfuEnabled && opts.idleSeconds !== null) db.store.setIdleTime(created, opts.idleSeconds);
  db.modified(key);
  ks.notify("g", "restore", key, db.index);
  c.out.ok();
}

export const dumpCommands: CommandDef[] = [
  { name: "dump", summary: "Returns a serialized representation of the value stored at a key.", run: dump },
  { name: "restore", summary: "Creates a key from the serialized representation of a value.", run: restore },
];
