// Server commands (server.c): INFO TIME LASTSAVE SHUTDOWN MONITOR SLOWLOG.
// MEMORY, LATENCY and DEBUG live in their own modules and are exported from here.

import type { Client } from "../net/client.ts";
import { argIs, bytesToStr } from "../net/bytes.ts";
import { renderInfo } from "../observability/info.ts";
import { nowMicros } from "../observability/monitor.ts";
import { intArg } from "./args.ts";
import { debugCommands } from "./debug.ts";
import { fail, SYNTAX } from "./errors.ts";
import { replyHelp } from "./help.ts";
import { latencyCommands } from "./latency.ts";
import { memoryCommands } from "./memory.ts";
import { subcommandSyntaxError } from "./subcommand-error.ts";
import type { CommandDef } from "./table.ts";

function info(c: Client, argv: Uint8Array[]): void {
  c.out.verbatim(renderInfo(c.server, argv.slice(1).map(bytesToStr)));
}

function time(c: Client): void {
  const micros = nowMicros();
  c.out.array(2);
  c.out.bulkStr(String(Math.floor(micros / 1e6)));
  c.out.bulkStr(String(micros % 1e6));
}

function lastsave(c: Client): void {
  c.out.int(Math.floor(c.server.lastSaveAt / 1000));
}

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. There is no shutdown delay
 * to wait for (no replicas), so NOW changes nothing and ABORT finds nothing
 * to abort; SAVE/NOSAVE/FORCE are passed to the shutdown hooks (a checkpoint,
 * persistence.ts: its failure aborts the shutdown unless FORCE).
 */
function shutdown(c: Client, argv: Uint8Array[]): void {
  let nosave = false;
  let save = false;
  let force = false;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (argIs(a, "nosave")) nosave = true;
    else if (argIs(a, "save")) save = true;
    else if (argIs(a, "force")) force = true;
    else if (argIs(a, "now")) continue;
    else if (argIs(a, "abort")) abort = true;
    else fail(SYNTAX);
  }
  if ((nosave && save) || (abort && argv.length !== 2)) fail(SYNTAX);
  if (abort) fail("ERR No shutdown in progress.");
  const server = c.server;
  // A busy script may have written half of its changes: only NOSAVE may stop it.
  if (!nosave && server.busy !== null) fail(server.busy.error);
  server.log("warning", "User requested shutdown...");
  // The caller waits: it gets no reply when the server exits, an error when the save fails.
  c.blocked = true;
  server.shutdown({ save: save ? true : nosave ? false : undefined, force }).then(
    () => {
      server.log("warning", "Redis is now ready to exit, bye bye...");
      process.exit(0);
    },
    () => {
      c.blocked = false;
      if (!c.closed) server.deliver(c, () => c.out.error("ERR Errors trying to SHUTDOWN. Check logs."));
      server.resumeClient(c);
    },
  );
}

function monitor(c: Client): void {
  // Like Redis: a second MONITOR is ignored without a reply.
  if (c.server.observability.monitors.add(c)) c.out.ok();
}

function slowlogGet(c: Client, argv: Uint8Array[]): void {
  const log = c.server.observability.slowlog;
  let count = 10;
  if (argv.length > 3) subcommandSyntaxError(argv);
  if (argv.length === 3) {
    count = intArg(argv[2], "ERR count should be greater than or equal to -1");
    if (count < -1) fail("ERR count should be greater than or equal to -1");
    if (count === -1) count = log.length;
  }
  const entries = log.newest(count);
  const out = c.out;
  out.array(entries.length);
  for (const e of entries) {
    out.array(6);
    out.int(e.id);
    out.int(e.time);
    out.int(e.micros);
    out.bulkArray(e.args);
    out.bulkStr(e.addr);
    out.bulkStr(e.name);
  }
}

function slowlogLen(c: Client): void {
  c.out.int(c.server.observability.slowlog.length);
}

function slowlogReset(c: Client): void {
  c.server.observability.slowlog.reset();
  c.out.ok();
}

const SLOWLOG_HELP = [
  "GET [<count>]",
  "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
  "    Entries are made of:",
  "    id, timestamp, time in microseconds, arguments array, client IP and port,",
  "    client name",
  "LEN",
  "    Return the length of the slowlog.",
  "RESET",
  "    Reset the slowlog.",
];

export const serverCommands: CommandDef[] = [
  { name: "info", summary: "Returns information and statistics about the server.", complexity: "O(1)", run: info },
  { name: "time", summary: "Returns the server time.", complexity: "O(1)", run: time },
  { name: "lastsave", summary: "Returns the Unix timestamp of the last successful save to disk.", complexity: "O(1)", run: lastsave },
  { name: "shutdown", summary: "Synchronously saves the database(s) to disk and shuts down the server.", complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", run: shutdown },
  { name: "monitor", summary: "Listens for all requests received by the server in real-time.", run: monitor },
  {
    name: "slowlog",
    summary: "A container for slow log commands.",
    complexity: "Depends on subcommand.",
    subcommands: [
      { name: "get", summary: "Returns the slow log's entries.", complexity: "O(N) where N is the number of entries returned", run: slowlogGet },
      { name: "len", summary: "Returns the number of entries in the slow log.", complexity: "O(1)", run: slowlogLen },
      { name: "reset", summary: "Clears all entries from the slow log.", complexity: "O(N) where N is the number of entries in the slowlog", run: slowlogReset },
      { name: "help", summary: "Shows helpful text about the different subcommands.", complexity: "O(1)", run: (c) => replyHelp(c, "SLOWLOG", SLOWLOG_HELP) },
    ],
  },
  ...memoryCommands,
  ...latencyCommands,
  ...debugCommands,
];
