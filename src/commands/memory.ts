// MEMORY (object.c): USAGE STATS DOCTOR MALLOC-STATS PURGE HELP. Sizes come
// from the storage engine's estimates and the JS runtime's memory counters.

import type { Client } from "../net/client.ts";
import { argIs } from "../net/bytes.ts";
import { usedMemory } from "../observability/info-sections.ts";
import { int64Arg } from "./args.ts";
import { fail, SYNTAX } from "./errors.ts";
import { replyHelp } from "./help.ts";
import type { CommandDef } from "./table.ts";

function usage(c: Client, argv: Uint8Array[]): void {
  for (let j = 3; j < argv.length; j++) {
    if (argIs(argv[j], "samples") && j + 1 < argv.length) {
      // The engines size values exactly or by their own estimate: SAMPLES is validated, not needed.
      if (BigInt(int64Arg(argv[++j])) < 0n) fail(SYNTAX);
    } else fail(SYNTAX);
  }
  const meta = c.db.lookupWrite(argv[2]);
  if (meta === null) return c.out.nil();
  c.out.int(c.db.store.memoryUsage(argv[2], meta));
}

function stats(c: Client): void {
  const server = c.server;
  const obs = server.observability;
  const mem = process.memoryUsage();
  const used = usedMemory();
  const startup = obs.startupMemory;
  const dbs = server.keyspace.dbs.filter((db) => db.size() > 0);
  const keys = dbs.reduce((n, db) => n + db.size(), 0);
  const dataset = Math.max(0, used - startup);
  const peak = Math.max(obs.peakMemory, used);
  const active = mem.heapTotal + mem.external;
  const out = c.out;
  const int = (name: string, v: number) => {
    out.bulkStr(name);
    out.int(Math.round(v));
  };
  const dbl = (name: string, v: number) => {
    out.bulkStr(name);
    out.double(Number.isFinite(v) ? v : 0);
  };
  out.map(27 + dbs.length);
  int("peak.allocated", peak);
  int("total.allocated", used);
  int("startup.allocated", startup);
  for (const name of ["replication.backlog", "clients.slaves", "clients.normal", "cluster.links", "aof.buffer", "lua.caches", "functions.caches"]) {
    int(name, 0);
  }
  for (const db of dbs) {
    out.bulkStr(`db.${db.index}`);
    out.map(3);
    int("overhead.hashtable.main", 0);
    int("overhead.hashtable.expires", 0);
    int("overhead.hashtable.slot-to-keys", 0);
  }
  int("overhead.total", startup);
  int("keys.count", keys);
  int("keys.bytes-per-key", keys === 0 ? 0 : (used - startup) / keys);
  int("dataset.bytes", dataset);
  dbl("dataset.percentage", used === 0 ? 0 : (dataset * 100) / used);
  dbl("peak.percentage", (used * 100) / peak);
  int("allocator.allocated", used);
  int("allocator.active", active);
  int("allocator.resident", mem.rss);
  dbl("allocator-fragmentation.ratio", active / used);
  int("allocator-fragmentation.bytes", active - used);
  dbl("allocator-rss.ratio", mem.rss / active);
  int("allocator-rss.bytes", mem.rss - active);
  dbl("rss-overhead.ratio", 1);
  int("rss-overhead.bytes", 0);
  dbl("fragmentation", mem.rss / used);
  int("fragmentation.bytes", mem.rss - used);
}

function doctor(c: Client): void {
  const empty = c.server.keyspace.dbs.every((db) => db.size() === 0);
  c.out.verbatim(
    empty
      ? "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting."
      : "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.",
  );
}

function mallocStats(c: Client): void {
  c.out.verbatim("Stats not supported for the current allocator");
}

function purge(c: Client): void {
  Bun.gc(false);
  c.out.ok();
}

const MEMORY_HELP = [
  "DOCTOR",
  "    Return memory problems reports.",
  "MALLOC-STATS",
  "    Return internal statistics report from the memory allocator.",
  "PURGE",
  "    Attempt to purge dirty pages for reclamation by the allocator.",
  "STATS",
  "    Return information about the memory usage of the server.",
  "USAGE <key> [SAMPLES <count>]",
  "    Return memory in bytes used by <key> and its value. Nested values are",
  "    sampled up to <count> times (default: 5, 0 means sample all).",
];

export const memoryCommands: CommandDef[] = [
  {
    name: "memory",
    summary: "A container for memory diagnostics commands.",
    complexity: "Depends on subcommand.",
    subcommands: [
      { name: "usage", summary: "Estimates the memory usage of a key.", complexity: "O(N) where N is the number of samples.", run: usage },
      { name: "stats", summary: "Returns details about memory usage.", complexity: "O(1)", run: stats },
      { name: "doctor", summary: "Outputs a memory problems report.", complexity: "O(1)", run: doctor },
      { name: "malloc-stats", summary: "Returns the allocator statistics.", complexity: "Depends on how much memory is allocated, could be slow", run: mallocStats },
      { name: "purge", summary: "Asks the runtime to release memory.", complexity: "Depends on how much memory is allocated, could be slow", run: purge },
      { name: "help", summary: "Returns helpful text about the different subcommands.", complexity: "O(1)", run: (c) => replyHelp(c, "MEMORY", MEMORY_HELP) },
    ],
  },
];
