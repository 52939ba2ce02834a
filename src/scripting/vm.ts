// The scripting VM: one Lua state per server, the redis.* natives, and the
// run loop shared by EVAL scripts and FUNCTION libraries.
//
// A script runs to completion on the event loop (atomic like in Redis), with
// time frozen (Keyspace.frozenNow), through a connection-less Client whose
// commands never block. redis.call dispatches through the command table and
// Server.call like any client command; the reply the command writes into the
// shared ReplyBuffer is parsed onto the Lua stack and cut off again.
//
// Busy scripts, as in Redis: a script still running past busy-reply-threshold
// keeps running, but other clients are served meanwhile; their commands get
// -BUSY unless flagged allow_busy (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE,
// MULTI...). Scripts run in a coroutine whose count hook yields once past the
// threshold; the server is marked busy (Server.busy), the caller is parked
// like a blocked client (its pipelined commands wait), and the coroutine is
// resumed from setImmediate after the event loop read the sockets, until it
// returns and its reply is delivered. Nothing else touches the keyspace
// meanwhile (no cron, no serving of blocked clients), so scripts stay atomic.
// A script inside EXEC, or whose Lua code runs under a C call (a yield can't
// cross it), runs to the end without suspending. SCRIPT KILL / FUNCTION KILL
// make the hook raise an error, unless the script wrote (UNKILLABLE).

import { CommandError } from "../commands/errors.ts";
import { CMD, type Command } from "../commands/table.ts";
import { blockingOf } from "../keyspace/blocking.ts";
import { bytesToStr, strToBytes } from "../net/bytes.ts";
import { Client } from "../net/client.ts";
import type { Server } from "../server.ts";
import { REDIS_COMPAT_VERSION } from "../version.ts";
import { Converter, cString, errorText, luaIndex, numberArgText } from "./convert.ts";
import libsSource from "./lua/libs.lua" with { type: "text" };
import sandboxSource from "./lua/sandbox.lua" with { type: "text" };
import {
  LUA_MASKCOUNT, LUA_MASKLINE, LUA_OK, LUA_YIELD, LUA_REGISTRYINDEX, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, type LuaModule, LuaState,
} from "./lua-runtime.ts";
import { NOT_UNDOABLE_ERROR, UndoLog } from "./rollback.ts";

/** How a script runs: who called it, under which name errors report it, and what it may do. */
export interface RunOptions {
  caller: Client;
  /** "script: <name>" in error messages: the SHA1 for EVAL, the function name for FCALL. */
  name: string;
  /** EVAL_RO/FCALL_RO or a no-writes script: write commands are refused. */
  readOnly: boolean;
  /** The calling command's arguments (transient; FUNCTION STATS shows them while the script is suspended). */
  argv: Uint8Array[];
}

/** The function FUNCTION LOAD's redis.register_function reports to (set only while a library loads). */
export type RegisterHandler = (L: number) => void;

/** Instructions between two checks of the running time. */
const HOOK_INSTRUCTIONS = 100_000;
/** redis.call runs between two forced hook calls (see redisCall). */
const CALLS_PER_CHECK = 64;
/** FUNCTION LOAD aborts library code running longer than this (Redis's LOAD_TIMEOUT_MS). */
const LOAD_TIMEOUT_MS = 500;

const NOT_BUSY = "NOTBUSY No scripts in execution right now.";
const BUSY_EVAL = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
const BUSY_FUNCTION = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
const UNKILLABLE =
  "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
const KILLED = "ERR Script killed by user with SCRIPT KILL...";

export class ScriptVm {
  readonly lua: LuaState;
  private readonly conv: Converter;
  private readonly envRef: bigint;
  private readonly errorHandlerRef: bigint;
  private readonly prepareRef: bigint;
  private readonly setLoadingRef: bigint;
  private readonly scriptClient: Client;
  /** The script being run, or null between scripts. */
  private running: RunOptions | null = null;
  /** The coroutine scripts run in (kept alive by a registry reference), its body (sandbox.lua's run) and hook. */
  private readonly co: number;
  private readonly hook: number;
  private readonly runnerRef: bigint;
  /** Where lua_resume stores its result count (unused, but it must point somewhere). */
  private readonly nresultsCell: number;
  /** Whether the running script is an EVAL one (else a function): the kill command and -BUSY text depend on it. */
  private isEval = false;
  private startedAt = 0;
  /** Past busy-reply-threshold (logged once). */
  private slow = false;
  /** SCRIPT KILL / FUNCTION KILL or lua-script-max-time: the hook raises an error. */
  private killed = false;
  /** A write command was called: SCRIPT KILL refuses (UNKILLABLE). */
  private wrote = false;
  /** The caller can wait (a connection, not inside EXEC): the script may suspend (null: not asked yet). */
  private suspendable: boolean | null = null;
  /** redis.call runs since the hook last fired, and whether it is set to fire at the next instruction. */
  private callsSinceHook = 0;
  private hookArmed = false;
  /** FCALL's arguments while suspended (FUNCTION STATS shows them). */
  private suspendedArgv: Uint8Array[] | null = null;
  /** keyspace.frozenNow before the script froze time. */
  private frozenBefore = 0;
  /** The error a killed script ends with. */
  private killMessage = KILLED;
  private undo: UndoLog | null = null;
  /** Set while FUNCTION LOAD runs a library's code. */
  registerHandler: RegisterHandler | null = null;
  /** The last command looked up by redis.call and its name: scripts mostly repeat one command. */
  private lastName: Uint8Array = new Uint8Array(0);
  private lastCmd: Command | undefined;
  /** The C function behind natives.wrap (created once). */
  private trampoline = 0;

  constructor(
    readonly server: Server,
    m: LuaModule,
  ) {
    const lua = new LuaState(m);
    this.lua = lua;
    const L = lua.L;
    this.conv = new Converter(lua);
    this.scriptClient = new Client(server, null, 0);
    this.scriptClient.name = "lua";
    this.scriptClient.isScript = true;

    // libs.lua returns the libraries; sandbox.lua receives natives and libraries and returns its internals.
    this.runChunk(libsSource, "=libs", 0);
    const libsIdx = m._lua_gettop(L);
    m._lua_createtable(L, 0, 8);
    const nativesIdx = m._lua_gettop(L);
    lua.setFunction(nativesIdx, "call", (l) => this.redisCall(l, true));
    lua.setFunction(nativesIdx, "pcall", (l) => this.redisCall(l, false));
    lua.setFunction(nativesIdx, "sha1hex", (l) => this.sha1hex(l));
    lua.setFunction(nativesIdx, "log", (l) => this.log(l));
    lua.setFunction(nativesIdx, "setresp", (l) => this.setResp(l));
    lua.setFunction(nativesIdx, "register_function", (l) => this.registerFunction(l));
    lua.setFunction(nativesIdx, "wrap", (l) => this.wrap(l));
    lua.pushStr(L, REDIS_COMPAT_VERSION);
    lua.setField(nativesIdx, "version");
    const [maj, min, patch] = REDIS_COMPAT_VERSION.split(".").map(Number);
    m._lua_pushinteger(L, BigInt((maj << 16) | (min << 8) | patch));
    lua.setField(nativesIdx, "version_num");
    // sandbox(natives, libs)
    this.loadChunk(sandboxSource, "=sandbox");
    m._lua_pushvalue(L, nativesIdx);
    m._lua_pushvalue(L, libsIdx);
    this.check(m._lua_pcallk(L, 2, 1, 0, 0, 0));
    const internals = m._lua_gettop(L);
    this.envRef = this.fieldRef(internals, "env");
    this.errorHandlerRef = this.fieldRef(internals, "error_handler");
    this.prepareRef = this.fieldRef(internals, "prepare");
    this.setLoadingRef = this.fieldRef(internals, "set_loading");
    this.runnerRef = this.fieldRef(internals, "run");
    m._lua_settop(L, 0);

    this.co = m._lua_newthread(L);
    lua.ref(); // the registry keeps the thread alive
    this.nresultsCell = m._malloc(4);
    this.hook = m.addFunction((l: number) => this.onHook(l), "vii");
    m._lua_sethook(L, this.hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    m._lua_sethook(this.co, this.hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
  }

  private fieldRef(idx: number, name: string): bigint {
    this.lua.getField(idx, name);
    return BigInt(this.lua.ref());
  }

  private loadChunk(source: string, name: string): void {
    this.check(this.lua.load(this.lua.L, strToBytes(source), name));
  }

  private runChunk(source: string, name: string, nargs: number): void {
    this.loadChunk(source, name);
    this.check(this.lua.m._lua_pcallk(this.lua.L, nargs, 1, 0, 0, 0));
  }

  /** Setting up the state can't fail unless our own Lua code is broken. */
  private check(rc: number): void {
    if (rc !== LUA_OK) throw new Error(`Lua setup failed: ${this.lua.str(this.lua.L, -1)}`);
  }

  /**
   * Compiles source with a chunk name ("@user_script") into a function whose
   * globals are the sandbox; returns its registry reference, or the compiler's
   * message (e.g. "user_script:1: unexpected symbol near '+'").
   */
  compile(source: Uint8Array, chunkName: string): { ref: bigint } | { error: string } {
    const { lua } = this;
    const L = lua.L;
    if (lua.load(L, source, chunkName) !== LUA_OK) {
      const error = lua.str(L, -1);
      lua.m._lua_settop(L, 0);
      return { error };
    }
    lua.pushRef(L, Number(this.envRef));
    lua.m._lua_setupvalue(L, -2, 1);
    return { ref: BigInt(lua.ref()) };
  }

  release(ref: bigint): void {
    this.lua.unref(Number(ref));
  }

  /**
   * Runs a compiled function and writes its result (or error) as the reply to
   * the caller. EVAL passes KEYS/ARGV as globals (asGlobals); functions get
   * them as arguments. A script still running past busy-reply-threshold is
   * suspended instead (see the file comment): its reply comes later.
   */
  run(fnRef: bigint, keys: Uint8Array[], args: Uint8Array[], opts: RunOptions, asGlobals: boolean): void {
    const { lua, server } = this;
    const m = lua.m;
    const co = this.co;
    const ks = server.keyspace;
    const sc = this.scriptClient;
    sc.db = opts.caller.db;
    sc.resp = 2;
    sc.user = opts.caller.user;
    this.frozenBefore = ks.frozenNow;
    if (this.frozenBefore === 0) ks.frozenNow = Date.now();
    this.running = opts;
    this.isEval = asGlobals;
    this.startedAt = performance.now();
    this.slow = false;
    this.killed = false;
    this.wrote = false;
    this.suspendable = null;
    this.undo = server.config.bool("lua-atomic-rollback") ? new UndoLog() : null;
    let finished = true;
    try {
      m._lua_settop(co, 0);
      m._lua_rawgeti(co, LUA_REGISTRYINDEX, this.runnerRef);
      if (asGlobals) {
        const L = lua.L;
        m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.prepareRef);
        this.pushArray(L, keys);
        this.pushArray(L, args);
        m._lua_callk(L, 2, 0, 0, 0);
        m._lua_rawgeti(co, LUA_REGISTRYINDEX, fnRef);
        finished = this.step(1);
      } else {
        m._lua_rawgeti(co, LUA_REGISTRYINDEX, fnRef);
        this.pushArray(co, keys);
        this.pushArray(co, args);
        finished = this.step(3);
      }
    } finally {
      if (finished) this.end();
    }
    if (!finished) this.suspend(opts);
  }

  /** Runs the script until it returns (writing the reply) or yields; returns whether it returned. */
  private step(nargs: number): boolean {
    const rc = this.lua.m._lua_resume(this.co, this.lua.L, nargs, this.nresultsCell);
    if (rc === LUA_YIELD) return false;
    this.writeResult(rc);
    return true;
  }

  /** The suspended script's caller waits (its later commands too) while others get -BUSY. */
  private suspend(opts: RunOptions): void {
    const server = this.server;
    this.suspendedArgv = opts.argv.map((a) => a.slice());
    server.busy = { error: this.isEval ? BUSY_EVAL : BUSY_FUNCTION };
    opts.caller.blocked = true;
    setImmediate(() => this.resume());
  }

  /** Continues a suspended script after the event loop had its turn. */
  private resume(): void {
    const server = this.server;
    if (server.shuttingDown) return; // SHUTDOWN NOSAVE: the script dies with the server
    const caller = this.running!.caller;
    const prev = server.executing;
    server.executing = caller;
    server.markClock();
    const rc = this.lua.m._lua_resume(this.co, this.lua.L, 0, this.nresultsCell);
    server.executing = prev;
    if (rc === LUA_YIELD) {
      setImmediate(() => this.resume());
      return;
    }
    try {
      if (caller.replyMode !== "off") server.deliver(caller, () => this.writeResult(rc));
    } finally {
      this.end();
      server.busy = null;
      this.suspendedArgv = null;
      caller.blocked = false;
      blockingOf(server).serveReady();
      server.resumeClient(caller);
    }
  }

  /** Restores what run() changed for the script's duration. */
  private end(): void {
    const { lua, server } = this;
    lua.m._lua_settop(this.co, 0);
    this.restoreHook(this.co);
    server.out.resp = this.running!.caller.resp;
    server.keyspace.frozenNow = this.frozenBefore;
    this.running = null;
    this.undo = null;
  }

  /**
   * Writes the script's result, or its error (undoing its writes under
   * lua-atomic-rollback): the runner returned xpcall's (ok, value).
   */
  private writeResult(rc: number): void {
    const m = this.lua.m;
    const co = this.co;
    const out = this.server.out;
    out.resp = this.running!.caller.resp;
    if (rc === LUA_OK) {
      // (ok, value): extra values are dropped and a missing one is nil, as with one result.
      m._lua_settop(co, m._lua_gettop(co) - m.HEAPU32[this.nresultsCell >> 2] + 2);
      if (m._lua_toboolean(co, -2) !== 0) {
        this.conv.writeLuaReply(co, m._lua_gettop(co), out, this.scriptClient.resp);
        return;
      }
    }
    if (this.undo !== null && !this.undo.empty) this.undo.restore(this.server.keyspace.dbs);
    out.error(this.errorMessage(co, this.running!.name));
  }

  /** Redis 7.0's script error: "<err> script: <name>, on <source>:<line>." from the handler's table. */
  private errorMessage(L: number, name: string): string {
    const { lua } = this;
    const m = lua.m;
    if (m._lua_type(L, -1) !== LUA_TTABLE) {
      const what = m._lua_type(L, -1) === LUA_TSTRING ? lua.str(L, -1) : "execution failure";
      return `ERR Error running script (call to ${name}): ${what}`;
    }
    const tbl = m._lua_gettop(L);
    const err = this.tableString(L, tbl, "err") ?? "ERR unknown error";
    const source = this.tableString(L, tbl, "source");
    const line = this.tableString(L, tbl, "line");
    const msg = cString(errorText(err));
    return source !== null && line !== null ? `${msg} script: ${name}, on ${source}:${line}.` : msg;
  }

  private tableString(L: number, tbl: number, field: string): string | null {
    const { lua } = this;
    lua.pushStr(L, field);
    const t = lua.m._lua_rawget(L, tbl);
    const s = t === LUA_TSTRING || t === LUA_TNUMBER ? lua.str(L, -1) : null;
    lua.m._lua_settop(L, -2);
    return s;
  }

  /** Pushes a Lua array of byte strings. */
  pushArray(L: number, items: Uint8Array[]): void {
    const m = this.lua.m;
    m._lua_createtable(L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      this.lua.pushBytes(L, items[i]);
      m._lua_rawseti(L, -2, luaIndex(i + 1));
    }
  }

  /** Raises {err=msg} as a Lua error from a native (does not return). */
  raise(L: number, msg: string): number {
    this.conv.pushErrorTable(L, msg);
    return this.lua.m._lua_error(L);
  }

  // ---------------------------------------------------------------- natives

  /** redis.call (raise=true) and redis.pcall: runs a command from the script. */
  private redisCall(L: number, raise: boolean): number {
    const m = this.lua.m;
    // A loop of calls runs few Lua instructions: every CALLS_PER_CHECK calls, the hook fires at the next one.
    if (++this.callsSinceHook === CALLS_PER_CHECK) {
      this.callsSinceHook = 0;
      this.hookArmed = true;
      m._lua_sethook(L, this.hook, LUA_MASKCOUNT, 1);
    }
    let failure: string;
    // lua_error unwinds by throwing a JS exception: it must not run inside the try below.
    try {
      const result = this.callCommand(L);
      if (typeof result === "boolean") {
        // An error reply was pushed as {err=...}: redis.call raises it.
        if (!result || !raise) return 1;
        failure = "";
      } else failure = result;
    } catch (e) {
      // A bug of ours: never let a JS exception unwind through the Lua VM.
      if (e instanceof CommandError) failure = e.message;
      else {
        this.server.log("warning", `internal error in redis.call: ${e instanceof Error ? e.stack : String(e)}`);
        failure = `ERR internal error: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    if (failure !== "") this.conv.pushErrorTable(L, failure);
    return raise ? m._lua_error(L) : 1;
  }

  /**
   * Validates and runs the command given as arguments, pushing its reply.
   * Returns whether the reply is an error when it ran, or the message of an
   * error that kept it from running.
   */
  private callCommand(L: number): string | boolean {
    const { lua, server } = this;
    const m = lua.m;
    const n = m._lua_gettop(L);
    if (n === 0) return "ERR Please specify at least one argument for this redis lib call";
    const argv: Uint8Array[] = new Array(n);
    let numbers = false;
    for (let i = 1; i <= n; i++) {
      const t = m._lua_type(L, i);
      // The command name: scripts mostly repeat one, kept as lastName.
      if (t === LUA_TSTRING) argv[i - 1] = i === 1 && lua.equals(L, 1, this.lastName) ? this.lastName : lua.argBytes(L, i);
      else if (t === LUA_TNUMBER) {
        numbers = true;
        const text = numberArgText(lua, L, i);
        argv[i - 1] = text === null ? lua.viewBytes(L, i) : strToBytes(text);
      } else return "ERR Lua redis lib command arguments must be strings or integers";
    }
    // Converting numbers may have grown the module's memory, detaching earlier views (long arguments): take them again.
    if (numbers) {
      for (let i = 1; i <= n; i++) if (m._lua_type(L, i) === LUA_TSTRING && argv[i - 1].length > 16) argv[i - 1] = lua.viewBytes(L, i);
    }
    const cmd = this.lookup(argv);
    if (cmd === undefined) return "ERR Unknown Redis command called from script";
    const arity = cmd.arity;
    if ((arity > 0 && n !== arity) || n < -arity) return "ERR Wrong number of args calling Redis command from script";
    if (cmd.has(CMD.NOSCRIPT)) return "ERR This Redis command is not allowed from script";
    const running = this.running!;
    if (cmd.has(CMD.WRITE)) {
      if (running.readOnly) return "ERR Write commands are not allowed from read-only scripts.";
      if (this.undo !== null) {
        if (!UndoLog.allows(cmd)) return NOT_UNDOABLE_ERROR;
        this.undo.beforeWrite(this.scriptClient.db, cmd, argv);
      }
      this.wrote = true;
    }
    const out = server.out;
    const sc = this.scriptClient;
    const mark = out.len;
    const resp = out.resp;
    out.resp = sc.resp;
    try {
      server.call(sc, cmd, argv);
      this.conv.pushReply(L, out.buf, mark, sc.resp);
      return out.buf[mark] === 45; // '-'
    } finally {
      out.truncate(mark);
      out.resp = resp;
    }
  }

  /** The command (or subcommand) argv names, like the dispatcher resolves it. */
  private lookup(argv: Uint8Array[]): Command | undefined {
    let cmd: Command | undefined;
    if (argv[0] === this.lastName) cmd = this.lastCmd;
    else {
      cmd = this.server.commands.get(bytesToStr(argv[0]));
      this.lastName = argv[0].slice();
      this.lastCmd = cmd;
    }
    if (cmd === undefined || cmd.subcommands === null || (argv.length === 1 && cmd.run)) return cmd;
    if (argv.length === 1) return undefined;
    return cmd.subcommands.get(bytesToStr(argv[1]).toLowerCase());
  }

  private sha1hex(L: number): number {
    const m = this.lua.m;
    if (m._lua_gettop(L) !== 1) return this.raise(L, "ERR wrong number of arguments");
    const hasher = new Bun.CryptoHasher("sha1");
    hasher.update(m._lua_type(L, 1) === LUA_TSTRING || m._lua_type(L, 1) === LUA_TNUMBER ? this.lua.viewBytes(L, 1) : new Uint8Array(0));
    this.lua.pushStr(L, hasher.digest("hex"));
    return 1;
  }

  private log(L: number): number {
    const m = this.lua.m;
    const n = m._lua_gettop(L);
    if (n < 2) return this.raise(L, "ERR redis.log() requires two arguments or more.");
    if (m._lua_type(L, 1) !== LUA_TNUMBER) return this.raise(L, "ERR First argument must be a number (log level).");
    const level = Number(m._lua_tointegerx(L, 1, 0));
    const levels = ["debug", "verbose", "notice", "warning"] as const;
    if (level < 0 || level > 3) return this.raise(L, "ERR Invalid debug level.");
    const parts: string[] = [];
    for (let i = 2; i <= n; i++) {
      const t = m._lua_type(L, i);
      if (t === LUA_TSTRING || t === LUA_TNUMBER) parts.push(this.lua.str(L, i));
    }
    this.server.log(levels[level], parts.join(" "));
    return 0;
  }

  private setResp(L: number): number {
    const m = this.lua.m;
    if (m._lua_gettop(L) !== 1) return this.raise(L, "ERR redis.setresp() requires one argument.");
    const v = m._lua_type(L, 1) === LUA_TNUMBER ? Number(m._lua_tointegerx(L, 1, 0)) : 0;
    if (v !== 2 && v !== 3) return this.raise(L, "ERR RESP version must be 2 or 3.");
    this.scriptClient.resp = v;
    return 0;
  }

  private registerFunction(L: number): number {
    if (this.registerHandler === null) return this.raise(L, "ERR redis.register_function can only be called on FUNCTION LOAD command");
    let failure: string;
    try {
      this.registerHandler(L);
      return 0;
    } catch (e) {
      failure = e instanceof CommandError ? e.message : `ERR ${String(e)}`;
    }
    return this.raise(L, failure);
  }

  /** natives.wrap(f): f behind a C function, so errors raised in f can name the line that called it. */
  private wrap(L: number): number {
    const m = this.lua.m;
    if (this.trampoline === 0) {
      this.trampoline = m.addFunction((l: number) => {
        const n = m._lua_gettop(l);
        m._lua_pushvalue(l, LUA_REGISTRYINDEX - 1); // upvalue 1: the wrapped function
        m._lua_rotate(l, 1, 1);
        m._lua_callk(l, n, -1, 0, 0);
        return m._lua_gettop(l);
      }, "ii");
    }
    m._lua_settop(L, 1);
    m._lua_pushcclosure(L, this.trampoline, 1);
    return 1;
  }

  /** Switches the globals library code sees between FUNCTION LOAD's and run time's. */
  setLoading(loading: boolean): void {
    const m = this.lua.m;
    const L = this.lua.L;
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.setLoadingRef);
    m._lua_pushboolean(L, loading ? 1 : 0);
    m._lua_callk(L, 1, 0, 0, 0);
  }

  /** Runs a compiled library body (FUNCTION LOAD); returns the error message or null. */
  runLoader(fnRef: bigint): string | null {
    const m = this.lua.m;
    const L = this.lua.L;
    m._lua_settop(L, 0);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.errorHandlerRef);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, fnRef);
    this.startedAt = performance.now();
    this.killed = false;
    const rc = m._lua_pcallk(L, 0, 0, 1, 0, 0);
    const error = rc === LUA_OK ? null : (this.tableString(L, m._lua_gettop(L), "err") ?? this.lua.str(L, -1));
    m._lua_settop(L, 0);
    this.restoreHook(L);
    this.killed = false;
    return error;
  }

  /**
   * Count hook (every HOOK_INSTRUCTIONS Lua instructions): past
   * busy-reply-threshold, logs once and yields so the event loop serves other
   * clients (-BUSY); raises the kill error once killed. Also bounds FUNCTION
   * LOAD's library code like Redis (500 ms).
   */
  private onHook(L: number): void {
    if (this.hookArmed) {
      this.hookArmed = false;
      this.lua.m._lua_sethook(L, this.hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    }
    if (this.killed) {
      // From now on at every line, like Redis, so the script's own pcall can't swallow the error for good.
      this.lua.m._lua_sethook(L, this.hook, LUA_MASKLINE, 0);
      this.raise(L, this.running === null ? "ERR FUNCTION LOAD timeout" : this.killMessage);
      return;
    }
    const elapsed = performance.now() - this.startedAt;
    const config = this.server.config;
    if (this.running === null) {
      if (elapsed > LOAD_TIMEOUT_MS) this.kill(L);
      return;
    }
    const max = config.num("lua-script-max-time");
    if (max > 0 && elapsed > max) {
      this.killMessage = `ERR Script killed after ${max} ms (lua-script-max-time)`;
      this.kill(L);
      return;
    }
    if (!this.slow) {
      if (elapsed < config.num("busy-reply-threshold")) return;
      this.slow = true;
      this.server.log(
        "warning",
        `Slow script detected: still in execution after ${Math.round(elapsed)} milliseconds. You can try killing the script using the ${this.isEval ? "SCRIPT KILL" : "FUNCTION KILL"} command.`,
      );
    }
    // Not from the script's own coroutines (their resume would return instead), nor under a C call,
    // nor when the caller can't wait (inside EXEC, or connection-less).
    if (L !== this.co || this.lua.m._lua_isyieldable(L) === 0) return;
    if (this.suspendable === null) this.suspendable = blockingOf(this.server).canBlock(this.running.caller);
    if (this.suspendable) this.lua.m._lua_yieldk(L, 0, 0, 0);
  }

  /** Raises the kill error now (and at every line from here on). */
  private kill(L: number): void {
    this.killed = true;
    this.onHook(L);
  }

  /** Back to the count hook after a kill switched L to a line hook. */
  private restoreHook(L: number): void {
    if (this.killed) this.lua.m._lua_sethook(L, this.hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
  }

  /**
   * SCRIPT KILL (isEval) / FUNCTION KILL: marks the suspended script killed
   * (it ends with an error at its next hook); returns the error reply that
   * refuses, or null.
   */
  requestKill(isEval: boolean): string | null {
    if (this.running === null) return NOT_BUSY;
    if (this.wrote) return UNKILLABLE;
    if (isEval !== this.isEval) return this.isEval ? BUSY_EVAL : BUSY_FUNCTION;
    this.killMessage = KILLED;
    this.killed = true;
    this.server.log("warning", "Lua script killed by user with SCRIPT KILL.");
    return null;
  }

  /** FUNCTION STATS' running_script: the suspended function, or an error for a suspended EVAL script. */
  runningFunction(): { name: string; argv: Uint8Array[]; millis: number } | { error: string } | null {
    if (this.running === null || this.suspendedArgv === null) return null;
    if (this.isEval) return { error: BUSY_EVAL };
    return { name: this.running.name, argv: this.suspendedArgv, millis: Math.floor(performance.now() - this.startedAt) };
  }

  /** Whether a script is running right now (only observable from its own commands). */
  get isRunning(): boolean {
    return this.running !== null;
  }
}
