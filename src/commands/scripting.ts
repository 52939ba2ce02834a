// Scripting commands: EVAL/EVALSHA (and _RO), SCRIPT, FUNCTION, FCALL (and
// _RO). The machinery lives in src/scripting/.

import { globMatch } from "../keyspace/glob.ts";
import { argIs, bytesToStr, strToBytes } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import { cacheScript, evalScript, parseNumKeys, splitKeys } from "../scripting/eval.ts";
import { scriptingOf } from "../scripting/scripting.ts";
import { fail, SYNTAX } from "./errors.ts";
import { replyHelp } from "./help.ts";
import type { CommandDef } from "./table.ts";

const SCRIPT_HELP = [
  "DEBUG (YES|SYNC|NO)",
  "    Set the debug mode for subsequent scripts executed.",
  "EXISTS <sha1> [<sha1> ...]",
  "    Return information about the existence of the scripts in the script cache.",
  "FLUSH [ASYNC|SYNC]",
  "    Flush the Lua scripts cache. Very dangerous on replicas.",
  "    When called without the optional mode argument, the behavior is determined by the",
  "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
  "    * ASYNC: Asynchronously flush the scripts cache.",
  "    * SYNC: Synchronously flush the scripts cache.",
  "KILL",
  "    Kill the currently executing Lua script.",
  "LOAD <script>",
  "    Load a script into the scripts cache without executing it.",
];

const FUNCTION_HELP = [
  "LOAD [REPLACE] <FUNCTION CODE>",
  "    Create a new library with the given library name and code.",
  "DELETE <LIBRARY NAME>",
  "    Delete the given library.",
  "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
  "    Return general information on all the libraries:",
  "    * Library name",
  "    * The engine used to run the Library",
  "    * Library description",
  "    * Functions list",
  "    * Library code (if WITHCODE is given)",
  "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
  "STATS",
  "    Return information about the current function running:",
  "    * Function name",
  "    * Command used to run the function",
  "    * Duration in MS that the function is running",
  "    If no function is running, return nil",
  "    In addition, returns a list of available engines.",
  "KILL",
  "    Kill the current running function.",
  "FLUSH [ASYNC|SYNC]",
  "    Delete all the libraries.",
  "    When called without the optional mode argument, the behavior is determined by the",
  "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
  "    * ASYNC: Asynchronously flush the libraries.",
  "    * SYNC: Synchronously flush the libraries.",
  "DUMP",
  "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
  "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
  "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
  "    control how to handle existing libraries (default APPEND):",
  "    * FLUSH: delete all existing libraries.",
  "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
  "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
  "      libraries with the new libraries (notice that even on this option there is a chance of failure",
  "      in case of functions name collision with another library).",
];

function evalCommand(bySha: boolean, readOnly: boolean) {
  return (c: Client, argv: Uint8Array[]): void => evalScript(scriptingOf(c.server), c, argv, bySha, readOnly);
}

/** FLUSH [ASYNC|SYNC] argument check, with the command's own error. */
function checkFlushMode(argv: Uint8Array[], message: string): void {
  if (argv.length > 3 || (argv.length === 3 && !argIs(argv[2], "sync") && !argIs(argv[2], "async"))) fail(message);
}

function fcall(readOnly: boolean) {
  return (c: Client, argv: Uint8Array[]): void => {
    const s = scriptingOf(c.server);
    const numKeys = parseNumKeys(argv, "ERR Bad number of keys provided");
    const fn = s.libraries.functions.get(bytesToStr(argv[1]));
    if (fn === undefined) fail("ERR Function not found");
    const { keys, args } = splitKeys(argv, numKeys);
    const noWrites = fn.flags.includes("no-writes");
    if (readOnly && !noWrites) fail("ERR Can not execute a script with write flag using *_ro command.");
    s.vm.run(fn.ref, keys, args, { caller: c, name: fn.name, readOnly: readOnly || noWrites, argv }, false);
  };
}

function functionList(c: Client, argv: Uint8Array[]): void {
  let pattern: Uint8Array | null = null;
  let withCode = false;
  for (let i = 2; i < argv.length; i++) {
    if (argIs(argv[i], "withcode")) withCode = true;
    else if (argIs(argv[i], "libraryname") && i + 1 < argv.length && pattern === null) pattern = argv[++i];
    else fail(argIs(argv[i], "libraryname") ? "ERR library name argument was not given" : `ERR Unknown argument ${bytesToStr(argv[i])}`);
  }
  const libs = [...scriptingOf(c.server).libraries.libraries.values()].filter(
    (lib) => pattern === null || globMatch(pattern, strToBytes(lib.name)),
  );
  const out = c.out;
  out.array(libs.length);
  for (const lib of libs) {
    out.map(withCode ? 4 : 3);
    out.bulkStr("library_name");
    out.bulkStr(lib.name);
    out.bulkStr("engine");
    out.bulkStr("LUA");
    out.bulkStr("functions");
    out.array(lib.functions.size);
    for (const fn of lib.functions.values()) {
      out.map(3);
      out.bulkStr("name");
      out.bulkStr(fn.name);
      out.bulkStr("description");
      if (fn.description === null) out.nil();
      else out.bulkStr(fn.description);
      out.bulkStr("flags");
      out.set(fn.flags.length);
      for (const f of fn.flags) out.simple(f);
    }
    if (withCode) {
      out.bulkStr("library_code");
      out.bulk(lib.code);
    }
  }
}

/** SCRIPT KILL (isEval) and FUNCTION KILL. */
function killScript(isEval: boolean) {
  return (c: Client): void => {
    const error = scriptingOf(c.server).vm.requestKill(isEval);
    if (error !== null) fail(error);
    c.out.ok();
  };
}

function functionStats(c: Client): void {
  const s = scriptingOf(c.server);
  const running = s.vm.runningFunction();
  if (running !== null && "error" in running) fail(running.error);
  const libs = s.libraries;
  const out = c.out;
  out.map(2);
  out.bulkStr("running_script");
  if (running === null) out.nil();
  else {
    out.map(3);
    out.bulkStr("name");
    out.bulkStr(running.name);
    out.bulkStr("command");
    out.array(running.argv.length);
    for (const a of running.argv) out.bulk(a);
    out.bulkStr("duration_ms");
    out.int(running.millis);
  }
  out.bulkStr("engines");
  out.map(1);
  out.bulkStr("LUA");
  out.map(2);
  out.bulkStr("libraries_count");
  out.int(libs.libraries.size);
  out.bulkStr("functions_count");
  out.int(libs.functions.size);
}

function functionRestore(c: Client, argv: Uint8Array[]): void {
  let policy: "flush" | "append" | "replace" = "append";
  if (argv.length > 4) fail(SYNTAX);
  if (argv.length === 4) {
    const p = bytesToStr(argv[3]).toLowerCase();
    if (p !== "flush" && p !== "append" && p !== "replace") fail("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    policy = p;
  }
  scriptingOf(c.server).libraries.restore(argv[2], policy);
  c.out.ok();
}

export const scriptingCommands: CommandDef[] = [
  { name: "eval", summary: "Run a Lua script", run: evalCommand(false, false) },
  { name: "eval_ro", summary: "Run a read-only Lua script", run: evalCommand(false, true) },
  { name: "evalsha", summary: "Run a cached Lua script by its SHA1", run: evalCommand(true, false) },
  { name: "evalsha_ro", summary: "Run a cached read-only Lua script by its SHA1", run: evalCommand(true, true) },
  { name: "fcall", summary: "Call a function", run: fcall(false) },
  { name: "fcall_ro", summary: "Call a read-only function", run: fcall(true) },
  {
    name: "script",
    summary: "Manage the Lua script cache",
    subcommands: [
      {
        name: "load",
        summary: "Compile and cache a script",
        run: (c, argv) => c.out.bulkStr(cacheScript(scriptingOf(c.server), argv[2]).sha),
      },
      {
        name: "exists",
        summary: "Whether scripts are cached",
        run: (c, argv) => {
          const scripts = scriptingOf(c.server).scripts;
          c.out.array(argv.length - 2);
          for (let i = 2; i < argv.length; i++) c.out.int(scripts.has(bytesToStr(argv[i]).toLowerCase()) ? 1 : 0);
        },
      },
      {
        name: "flush",
        summary: "Empty the script cache",
        run: (c, argv) => {
          checkFlushMode(argv, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
          scriptingOf(c.server).flushScripts();
          c.out.ok();
        },
      },
      { name: "kill", summary: "Kill the running script", run: killScript(true) },
      { name: "help", summary: "Show SCRIPT help", run: (c) => replyHelp(c, "SCRIPT", SCRIPT_HELP) },
    ],
  },
  {
    name: "function",
    summary: "Manage function libraries",
    subcommands: [
      {
        name: "load",
        summary: "Load a library",
        run: (c, argv) => {
          if (argv.length > 4 || (argv.length === 4 && !argIs(argv[2], "replace"))) {
            fail(`ERR Unknown option given: ${bytesToStr(argv[2])}`);
          }
          const name = scriptingOf(c.server).libraries.load(argv[argv.length - 1], argv.length === 4);
          c.out.bulkStr(name);
        },
      },
      {
        name: "delete",
        summary: "Delete a library",
        run: (c, argv) => {
          const libs = scriptingOf(c.server).libraries;
          const lib = libs.libraries.get(bytesToStr(argv[2]));
          if (lib === undefined) fail("ERR Library not found");
          libs.remove(lib);
          c.out.ok();
        },
      },
      {
        name: "flush",
        summary: "Delete all libraries",
        run: (c, argv) => {
          checkFlushMode(argv, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
          scriptingOf(c.server).libraries.flush();
          c.out.ok();
        },
      },
      { name: "list", summary: "List libraries", run: functionList },
      { name: "stats", summary: "Function engine statistics", run: functionStats },
      { name: "dump", summary: "Serialize the libraries", run: (c) => c.out.bulk(scriptingOf(c.server).libraries.dump()) },
      { name: "restore", summary: "Restore libraries from a FUNCTION DUMP payload", run: functionRestore },
      { name: "kill", summary: "Kill the running function", run: killScript(false) },
      { name: "help", summary: "Show FUNCTION help", run: (c) => replyHelp(c, "FUNCTION", FUNCTION_HELP) },
    ],
  },
];
