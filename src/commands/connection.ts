// Connection commands: PING ECHO SELECT QUIT RESET HELLO AUTH.

import type { Client } from "../net/client.ts";
import { EMPTY, argIs, bytesToStr } from "../net/bytes.ts";
import { isSubscribed } from "../pubsub/pubsub.ts";
import { intArg } from "./args.ts";
import { parseInt64 } from "../net/format.ts";
import { CommandError, fail, NOT_INTEGER } from "./errors.ts";
import type { CommandDef } from "./table.ts";
import { REDIS_COMPAT_VERSION } from "../server.ts";

function ping(c: Client, argv: Uint8Array[]): void {
  if (argv.length > 2) fail("ERR wrong number of arguments for 'ping' command");
  if (c.resp === 2 && isSubscribed(c)) {
    // A RESP2 subscriber can only read arrays: Redis answers ["pong", message or ""].
    c.out.array(2);
    c.out.bulkStr("pong");
    c.out.bulk(argv.length === 2 ? argv[1] : EMPTY);
    return;
  }
  if (argv.length === 2) c.out.bulk(argv[1]);
  else c.out.simple("PONG");
}

function echo(c: Client, argv: Uint8Array[]): void {
  c.out.bulk(argv[1]);
}

function select(c: Client, argv: Uint8Array[]): void {
  const idx = intArg(argv[1]);
  // getIntFromObjectOrReply: beyond a C int is "not an integer", inside it "out of range".
  if (idx > 2147483647 || idx < -2147483648) fail(NOT_INTEGER);
  if (idx < 0 || idx >= c.server.keyspace.dbs.length) fail("ERR DB index is out of range");
  c.db = c.server.keyspace.dbs[idx];
  c.out.ok();
}

function quit(c: Client): void {
  c.out.ok();
  c.closeAfterReply = true;
}

function checkPassword(c: Client, user: string, pass: string): void {
  const required = c.server.config.str("requirepass");
  // Without requirepass the default user is "nopass": any password is accepted.
  if (user !== "default" || (required !== "" && pass !== required)) {
    fail("WRONGPASS invalid username-password pair or user is disabled.");
  }
  c.authenticated = true;
  c.user = user;
}

function auth(c: Client, argv: Uint8Array[]): void {
  if (argv.length > 3) fail("ERR syntax error");
  if (argv.length === 2 && c.server.config.str("requirepass") === "") {
    fail("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
  }
  const user = argv.length === 3 ? bytesToStr(argv[1]) : "default";
  checkPassword(c, user, bytesToStr(argv[argv.length - 1]));
  c.out.ok();
}

function hello(c: Client, argv: Uint8Array[]): void {
  let proto = c.resp;
  let i = 1;
  if (argv.length >= 2) {
    const v = parseInt64(argv[1]);
    if (v === null) fail("ERR Protocol version is not an integer or out of range");
    if (v < 2 || v > 3) fail("NOPROTO unsupported protocol version");
    proto = Number(v) as 2 | 3;
    i = 2;
  }
  let name: string | null = null;
  for (; i < argv.length; i++) {
    const more = argv.length - i - 1;
    if (argIs(argv[i], "auth") && more >= 2) {
      checkPassword(c, bytesToStr(argv[i + 1]), bytesToStr(argv[i + 2]));
      i += 2;
    } else if (argIs(argv[i], "setname") && more >= 1) {
      name = bytesToStr(argv[i + 1]);
      if (/[\s]/.test(name) || /[^\x21-\x7e]/.test(name)) {
        fail("ERR Client names cannot contain spaces, newlines or special characters.");
      }
      i += 1;
    } else {
      fail(`ERR Syntax error in HELLO option '${bytesToStr(argv[i])}'`);
    }
  }
  if (!c.authenticated) throw new CommandError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
  if (name !== null) c.name = name;
  c.resp = proto;
  const out = c.out;
  out.resp = proto;
  out.map(7);
  out.bulkStr("server");
  out.bulkStr("redis");
  out.bulkStr("version");
  out.bulkStr(REDIS_COMPAT_VERSION);
  out.bulkStr("proto");
  out.int(proto);
  out.bulkStr("id");
  out.int(c.id);
  out.bulkStr("mode");
  out.bulkStr("standalone");
  out.bulkStr("role");
  out.bulkStr("master");
  out.bulkStr("modules");
  out.array(0);
}

function reset(c: Client): void {
  c.db = c.server.keyspace.dbs[0];
  c.resp = 2;
  c.out.resp = 2;
  c.name = "";
  c.replyMode = "on";
  c.skipNext = false;
  c.noEvict = false;
  c.noTouch = false;
  c.authenticated = c.server.config.str("requirepass") === "";
  c.user = "default";
  c.server.resetClient(c);
  c.out.simple("RESET");
}

export const connectionCommands: CommandDef[] = [
  { name: "ping", summary: "Returns PONG, or the given message.", run: ping },
  { name: "echo", summary: "Returns the given string.", run: echo },
  { name: "select", summary: "Changes the selected database of the connection.", run: select },
  { name: "quit", summary: "Closes the connection after replying OK.", run: quit },
  { name: "auth", summary: "Authenticates the connection.", run: auth },
  { name: "hello", summary: "Handshakes: selects the protocol version, optionally authenticates and names the connection.", run: hello },
  { name: "reset", summary: "Resets the connection to its initial state.", run: reset },
];
