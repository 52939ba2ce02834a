// CLIENT (networking.c): connection introspection and control.

import type { Client } from "../net/client.ts";
import { argIs, bytesToStr, lowerAscii } from "../net/bytes.ts";
import { parseInt64 } from "../net/format.ts";
import { clientInfoLine, clientType, parseClientType, type ClientType } from "../observability/client-info.ts";
import { intArg } from "./args.ts";
import { fail, SYNTAX } from "./errors.ts";
import { replyHelp } from "./help.ts";
import type { CommandDef } from "./table.ts";

function id(c: Client): void {
  c.out.int(c.id);
}

function info(c: Client): void {
  c.out.verbatim(clientInfoLine(c) + "\n");
}

function typeArg(arg: Uint8Array): ClientType {
  const name = bytesToStr(arg);
  const type = parseClientType(name);
  if (type === null) fail(`ERR Unknown client type '${name}'`);
  return type;
}

/** A client id argument: a positive integer, else `message`. */
function clientIdArg(arg: Uint8Array, message: string): number {
  const v = parseInt64(arg);
  if (v === null || v < 1) fail(message);
  return Number(v);
}

function list(c: Client, argv: Uint8Array[]): void {
  let text = "";
  if (argv.length === 4 && argIs(argv[2], "type")) {
    const type = typeArg(argv[3]);
    for (const other of c.server.clients.values()) {
      if (clientType(other) === type) text += clientInfoLine(other) + "\n";
    }
  } else if (argv.length > 3 && argIs(argv[2], "id")) {
    const ids = argv.slice(3).map((a) => clientIdArg(a, "ERR Invalid client ID"));
    for (const cid of ids) {
      const other = c.server.clients.get(cid);
      if (other !== undefined) text += clientInfoLine(other) + "\n";
    }
  } else if (argv.length !== 2) {
    fail(SYNTAX);
  } else {
    for (const other of c.server.clients.values()) text += clientInfoLine(other) + "\n";
  }
  c.out.verbatim(text);
}

/** Client names and library names: printable ASCII without spaces. */
function validName(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 0x21 || ch > 0x7e) return false;
  }
  return true;
}

function setname(c: Client, argv: Uint8Array[]): void {
  const name = bytesToStr(argv[2]);
  if (!validName(name)) fail("ERR Client names cannot contain spaces, newlines or special characters.");
  c.name = name;
  c.out.ok();
}

function getname(c: Client): void {
  if (c.name === "") c.out.nil();
  else c.out.bulkStr(c.name);
}

function setinfo(c: Client, argv: Uint8Array[]): void {
  const attr = lowerAscii(argv[2]);
  const value = bytesToStr(argv[3]);
  if (attr !== "lib-name" && attr !== "lib-ver") fail(`ERR Unrecognized option '${bytesToStr(argv[2])}'`);
  if (!validName(value)) fail(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
  if (attr === "lib-name") c.libName = value;
  else c.libVer = value;
  c.out.ok();
}

interface KillFilter {
  id?: number;
  type?: ClientType;
  user?: string;
  addr?: string;
  laddr?: string;
  maxAgeSec?: number;
  skipMe: boolean;
}

function parseKillFilter(argv: Uint8Array[]): KillFilter {
  const f: KillFilter = { skipMe: true };
  for (let i = 2; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) fail(SYNTAX);
    const opt = argv[i];
    const val = argv[i + 1];
    if (argIs(opt, "id")) f.id = clientIdArg(val, "ERR client-id should be greater than 0");
    else if (argIs(opt, "type")) f.type = typeArg(val);
    else if (argIs(opt, "user")) f.user = bytesToStr(val);
    else if (argIs(opt, "addr")) f.addr = bytesToStr(val);
    else if (argIs(opt, "laddr")) f.laddr = bytesToStr(val);
    else if (argIs(opt, "maxage")) f.maxAgeSec = intArg(val);
    else if (argIs(opt, "skipme")) {
      if (argIs(val, "yes")) f.skipMe = true;
      else if (argIs(val, "no")) f.skipMe = false;
      else fail(SYNTAX);
    } else fail(SYNTAX);
  }
  return f;
}

function matchesKillFilter(f: KillFilter, other: Client, self: Client, now: number): boolean {
  if (f.id !== undefined && other.id !== f.id) return false;
  if (f.type !== undefined && clientType(other) !== f.type) return false;
  if (f.user !== undefined && other.user !== f.user) return false;
  if (f.addr !== undefined && other.addr !== f.addr) return false;
  if (f.laddr !== undefined && other.laddr !== f.laddr) return false;
  if (f.maxAgeSec !== undefined && now - other.createdAt < f.maxAgeSec * 1000) return false;
  return !(f.skipMe && other === self);
}

/** Closes a client; the one running the command is closed after its reply. */
function killClient(self: Client, victim: Client): void {
  if (victim === self) self.closeAfterReply = true;
  else self.server.closeClient(victim);
}

function kill(c: Client, argv: Uint8Array[]): void {
  if (argv.length === 3) {
    // Old form: CLIENT KILL ip:port, which may name the caller itself.
    const addr = bytesToStr(argv[2]);
    const victim = [...c.server.clients.values()].find((o) => o.addr === addr);
    if (victim === undefined) fail("ERR No such client");
    killClient(c, victim);
    return c.out.ok();
  }
  const f = parseKillFilter(argv);
  const now = Date.now();
  const victims = [...c.server.clients.values()].filter((o) => matchesKillFilter(f, o, c, now));
  for (const v of victims) killClient(c, v);
  c.out.int(victims.length);
}

function pause(c: Client, argv: Uint8Array[]): void {
  const timeout = parseInt64(argv[2]);
  if (timeout === null) fail("ERR timeout is not an integer or out of range");
  if (timeout < 0) fail("ERR timeout is negative");
  let writesOnly = false;
  if (argv.length === 4) {
    if (argIs(argv[3], "write")) writesOnly = true;
    else if (!argIs(argv[3], "all")) fail("ERR CLIENT PAUSE mode must be WRITE or ALL");
  } else if (argv.length > 4) fail(SYNTAX);
  const server = c.server;
  // Like pauseClients: a pause never shortens nor weakens one in effect.
  const until = Date.now() + Number(timeout);
  server.pauseWritesOnly = server.pausedUntil !== 0 ? server.pauseWritesOnly && writesOnly : writesOnly;
  server.pausedUntil = Math.max(server.pausedUntil, until);
  c.out.ok();
}

function unpause(c: Client): void {
  c.server.unpause();
  c.out.ok();
}

function reply(c: Client, argv: Uint8Array[]): void {
  const mode = argv[2];
  if (argIs(mode, "on")) {
    c.replyMode = "on";
    c.skipNext = false;
    c.out.ok();
  } else if (argIs(mode, "off")) {
    c.replyMode = "off";
  } else if (argIs(mode, "skip")) {
    if (c.replyMode === "on") c.replyMode = "skip";
  } else fail(SYNTAX);
}

/** ON|OFF argument of NO-EVICT and NO-TOUCH. */
function onOff(arg: Uint8Array): boolean {
  if (argIs(arg, "on")) return true;
  if (argIs(arg, "off")) return false;
  fail(SYNTAX);
}

function unblock(c: Client, argv: Uint8Array[]): void {
  const cid = intArg(argv[2]);
  let withError = false;
  if (argv.length === 4) {
    if (argIs(argv[3], "error")) withError = true;
    else if (!argIs(argv[3], "timeout")) fail("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
  } else if (argv.length > 4) fail(SYNTAX);
  const target = c.server.clients.get(cid);
  const hook = c.server.unblockClient;
  c.out.int(target !== undefined && hook !== null && hook(target, withError) ? 1 : 0);
}

function trackinginfo(c: Client): void {
  // Client-side caching is not implemented: tracking is always off.
  const out = c.out;
  out.map(3);
  out.bulkStr("flags");
  out.set(1);
  out.bulkStr("off");
  out.bulkStr("redirect");
  out.int(-1);
  out.bulkStr("prefixes");
  out.array(0);
}

const CLIENT_HELP = [
  "GETREDIR",
  "    Return the client ID we are redirecting to when tracking is enabled.",
  "GETNAME",
  "    Return the name of the current connection.",
  "ID",
  "    Return the ID of the current connection.",
  "INFO",
  "    Return information about the current client connection.",
  "KILL <ip:port>",
  "    Kill connection made from <ip:port>.",
  "KILL <option> <value> [<option> <value> [...]]",
  "    Kill connections. Options are:",
  "    * ADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made from the specified address",
  "    * LADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made to specified local address",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Kill connections by type.",
  "    * USER <username>",
  "      Kill connections authenticated by <username>.",
  "    * SKIPME (YES|NO)",
  "      Skip killing current connection (default: yes).",
  "    * ID <client-id>",
  "      Kill connections by client id.",
  "    * MAXAGE <maxage>",
  "      Kill connections older than the specified age.",
  "LIST [options ...]",
  "    Return information about client connections. Options:",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Return clients of specified type.",
  "UNPAUSE",
  "    Stop the current client pause, resuming traffic.",
  "PAUSE <timeout> [WRITE|ALL]",
  "    Suspend all, or just write, clients for <timeout> milliseconds.",
  "REPLY (ON|OFF|SKIP)",
  "    Control the replies sent to the current connection.",
  "SETNAME <name>",
  "    Assign the name <name> to the current connection.",
  "SETINFO <option> <value>",
  "    Set client meta attr. Options are:",
  "    * LIB-NAME: the client lib name.",
  "    * LIB-VER: the client lib version.",
  "UNBLOCK <clientid> [TIMEOUT|ERROR]",
  "    Unblock the specified blocked client.",
  "TRACKINGINFO",
  "    Report tracking status for the current connection.",
  "NO-EVICT (ON|OFF)",
  "    Protect current client connection from eviction.",
  "NO-TOUCH (ON|OFF)",
  "    Will not touch LRU/LFU stats when this mode is on.",
];

export const clientCommands: CommandDef[] = [
  {
    name: "client",
    summary: "A container for client connection commands.",
    complexity: "Depends on subcommand.",
    subcommands: [
      { name: "id", summary: "Returns the unique client ID of the connection.", complexity: "O(1)", run: id },
      { name: "info", summary: "Returns information about the connection.", complexity: "O(1)", run: info },
      { name: "list", summary: "Lists open connections.", complexity: "O(N) where N is the number of client connections", run: list },
      { name: "setname", summary: "Sets the connection name.", complexity: "O(1)", run: setname },
      { name: "getname", summary: "Returns the name of the connection.", complexity: "O(1)", run: getname },
      { name: "setinfo", summary: "Sets information specific to the client or connection.", complexity: "O(1)", run: setinfo },
      { name: "kill", summary: "Terminates open connections.", complexity: "O(N) where N is the number of client connections", run: kill },
      { name: "pause", summary: "Suspends commands processing.", complexity: "O(1)", run: pause },
      { name: "unpause", summary: "Resumes processing commands from paused clients.", complexity: "O(N) Where N is the number of paused clients", run: unpause },
      { name: "reply", summary: "Instructs the server whether to reply to commands.", complexity: "O(1)", run: reply },
      {
        name: "no-evict",
        summary: "Sets the client eviction mode of the connection.",
        complexity: "O(1)",
        run: (c, argv) => {
          c.noEvict = onOff(argv[2]);
          c.out.ok();
        },
      },
      {
        name: "no-touch",
        summary: "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
        complexity: "O(1)",
        run: (c, argv) => {
          c.noTouch = onOff(argv[2]);
          c.out.ok();
        },
      },
      { name: "unblock", summary: "Unblocks a client blocked by a blocking command from a different connection.", complexity: "O(log N) where N is the number of client connections", run: unblock },
      { name: "trackinginfo", summary: "Returns information about server-assisted client-side caching for the connection.", complexity: "O(1)", run: trackinginfo },
      { name: "getredir", summary: "Returns the client ID to which the connection's tracking notifications are redirected.", complexity: "O(1)", run: (c) => c.out.int(-1) },
      { name: "help", summary: "Returns helpful text about the different subcommands.", complexity: "O(1)", run: (c) => replyHelp(c, "CLIENT", CLIENT_HELP) },
    ],
  },
];
