// DEBUG (debug.c): the subcommands tests rely on. Other Redis DEBUG
// subcommands (RELOAD, DIGEST, LISTPACK...) reply an explicit "not
// supported" error; unknown ones get Redis's subcommand error.

import type { Client } from "../net/client.ts";
import { bytesToStr, lowerAscii } from "../net/bytes.ts";
import { fail, NO_SUCH_KEY } from "./errors.ts";
import { replyHelp } from "./help.ts";
import { DEBUG_COMPACT_HELP, debugCompact } from "./lsm-admin.ts";
import { subcommandSyntaxError } from "./subcommand-error.ts";
import type { CommandDef } from "./table.ts";

/** DEBUG subcommands of Redis 7.0 that AiKv does not implement. */
const UNSUPPORTED = new Set([
  "segfault", "panic", "restart", "crash-and-recover", "assert", "leak", "reload", "loadaof",
  "drop-cluster-packet-filter", "sdslen", "ziplist", "listpack", "quicklist", "quicklist-packed-threshold",
  "stringmatch-len", "digest", "digest-value", "protocol", "set-skip-checksum-validation", "aof-flush-sleep",
  "replicate", "script", "set-disable-deny-scripts", "config-rewrite-force-all", "client-eviction",
  "pause-cron", "replybuffer", "dict-resizing", "mallctl", "mallctl-str", "htstats", "htstats-key",
  "object-freq",
]);

const DEBUG_HELP = [
  "CHANGE-REPL-ID",
  "    Change the replication IDs of the instance.",
  "ERROR <string>",
  "    Return a Redis protocol error with <string> as message.",
  "LOG <message>",
  "    Write <message> to the server log.",
  "OBJECT <key>",
  "    Show low level info about the `key` and associated value.",
  "SET-ACTIVE-EXPIRE <0|1>",
  "    Setting it to 0 disables expiring keys in background when they are not",
  "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
  "    default.",
  "SLEEP <seconds>",
  "    Stop the server for <seconds>. Decimals allowed.",
];

/** C's atoi/strtod: the leading number of the text, 0 when there is none. */
function leadingNumber(b: Uint8Array): number {
  const m = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(bytesToStr(b));
  return m ? Number(m[0]) : 0;
}

/** enable-debug-command: yes, or local for loopback connections (allowProtectedAction). */
function debugAllowed(c: Client): boolean {
  const config = c.server.config;
  const mode = config.def("enable-debug-command") ? config.str("enable-debug-command") : "yes";
  return mode === "yes" || (mode === "local" && /^(127\.|::1$|::ffff:127\.)/.test(c.socket?.remoteAddress ?? "127."));
}

function debug(c: Client, argv: Uint8Array[]): void {
  if (!debugAllowed(c)) {
    fail('ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.');
  }
  const sub = lowerAscii(argv[1]);
  const n = argv.length;
  if (sub === "help" && n === 2) return replyHelp(c, "DEBUG", [...DEBUG_HELP, ...DEBUG_COMPACT_HELP]);
  if (sub === "compact" && n === 2) return debugCompact(c);
  if (sub === "sleep" && n === 3) {
    const ms = leadingNumber(argv[2]) * 1000;
    if (ms > 0) Bun.sleepSync(ms);
    return c.out.ok();
  }
  if (sub === "set-active-expire" && n === 3) {
    c.server.keyspace.activeExpireEnabled = Math.trunc(leadingNumber(argv[2])) !== 0;
    return c.out.ok();
  }
  if (sub === "object" && n === 3) return debugObject(c, argv[2]);
  if (sub === "log" && n === 3) {
    c.server.log("warning", `DEBUG LOG: ${bytesToStr(argv[2])}`);
    return c.out.ok();
  }
  if (sub === "error" && n === 3) fail(bytesToStr(argv[2]));
  if (sub === "change-repl-id" && n === 2) {
    c.server.observability.changeReplId();
    return c.out.ok();
  }
  if (UNSUPPORTED.has(sub)) fail(`ERR DEBUG ${sub.toUpperCase()} is not supported by AiKv`);
  subcommandSyntaxError(argv);
}

function debugObject(c: Client, key: Uint8Array): void {
  const meta = c.db.lookupWrite(key);
  if (meta === null) fail(NO_SUCH_KEY);
  const store = c.db.store;
  const idle = store.idleTime(meta);
  const lru = (Math.floor(Date.now() / 1000) - idle) & 0xffffff;
  // There is no C pointer to show: the address is a stable hash of the key, for format compatibility.
  const addr = `0x${(BigInt(Bun.hash(key)) & 0xffffffffffffn).toString(16)}`;
  c.out.simple(
    `Value at:${addr} refcount:1 encoding:${store.encoding(key, meta)} serializedlength:${store.memoryUsage(key, meta)} lru:${lru} lru_seconds_idle:${idle}`,
  );
}

export const debugCommands: CommandDef[] = [
  { name: "debug", summary: "Runs debugging commands (a subset of Redis's).", complexity: "Depends on subcommand.", run: debug },
];
