// FUNCTION libraries: "#!lua name=<lib>" code whose top level registers
// functions with redis.register_function, loaded into the shared Lua VM.
//
// Loading runs the library code with FUNCTION LOAD's restricted globals (only
// redis.register_function, redis.log and the version fields); the registered
// callbacks later run with the normal script globals, like Redis 7.0.

import { CommandError } from "../commands/errors.ts";
import { crc64 } from "../keyspace/crc64.ts";
import { RDB_VERSION, RdbReader, RdbWriter } from "../keyspace/rdb.ts";
import { bytesToStr } from "../net/bytes.ts";
import { luaIndex } from "./convert.ts";
import { LUA_REGISTRYINDEX, LUA_TFUNCTION, LUA_TNIL, LUA_TSTRING, LUA_TTABLE } from "./lua-runtime.ts";
import type { ScriptVm } from "./vm.ts";

export const FUNCTION_FLAGS = ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"] as const;

export interface LuaFunction {
  name: string;
  library: Library;
  ref: bigint;
  flags: string[];
  description: string | null;
}

export interface Library {
  name: string;
  code: Uint8Array;
  functions: Map<string, LuaFunction>;
  /** The compiled library body (kept alive with its functions). */
  bodyRef: bigint;
}

/** RDB_OPCODE_FUNCTION2: one library in FUNCTION DUMP's payload. */
const RDB_OPCODE_FUNCTION2 = 245;
const NAME_RE = /^[A-Za-z0-9_]+$/;
const NAME_ERROR = "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

export class Libraries {
  readonly libraries = new Map<string, Library>();
  readonly functions = new Map<string, LuaFunction>();

  constructor(private readonly vm: ScriptVm) {}

  /** FUNCTION LOAD: compiles and registers a library; returns its name. */
  load(code: Uint8Array, replace: boolean): string {
    const name = parseLibraryHeader(code);
    const existing = this.libraries.get(name);
    if (existing !== undefined && !replace) throw new CommandError(`ERR Library '${name}' already exists`);
    const lib = this.compile(name, code);
    for (const fn of lib.functions.values()) {
      const other = this.functions.get(fn.name);
      if (other !== undefined && other.library !== existing) {
        this.release(lib);
        throw new CommandError(`ERR Function ${fn.name} already exists`);
      }
    }
    if (existing !== undefined) this.remove(existing);
    this.add(lib);
    return name;
  }

  private compile(name: string, code: Uint8Array): Library {
    const vm = this.vm;
    const compiled = vm.compile(shebangAsComment(code), "@user_function");
    if ("error" in compiled) throw new CommandError(`ERR Error compiling function: ${compiled.error}`);
    const lib: Library = { name, code: code.slice(), functions: new Map(), bodyRef: compiled.ref };
    vm.registerHandler = (L) => this.register(L, lib);
    vm.setLoading(true);
    let error: string | null;
    try {
      error = vm.runLoader(compiled.ref);
    } finally {
      vm.setLoading(false);
      vm.registerHandler = null;
    }
    if (error === null && lib.functions.size === 0) error = "ERR No functions registered";
    if (error !== null) {
      this.release(lib);
      throw new CommandError(error === "ERR No functions registered" ? error : `ERR Error registering functions: ${error}`);
    }
    return lib;
  }

  /** redis.register_function(name, callback) or redis.register_function{function_name=..., callback=..., flags=..., description=...}. */
  private register(L: number, lib: Library): void {
    const lua = this.vm.lua;
    const m = lua.m;
    const n = m._lua_gettop(L);
    let nameIdx: number;
    let callbackIdx: number;
    let flags: string[] = [];
    let description: string | null = null;
    if (n === 1) {
      if (m._lua_type(L, 1) !== LUA_TTABLE) {
        throw new CommandError("ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
      }
      // Named arguments: copy them onto the stack (raw access, no metamethods).
      for (const field of ["function_name", "callback", "flags", "description"]) {
        lua.pushStr(L, field);
        m._lua_rawget(L, 1);
      }
      nameIdx = 2;
      callbackIdx = 3;
      const ft = m._lua_type(L, 4);
      if (ft === LUA_TSTRING) flags = [lua.str(L, 4)];
      else if (ft === LUA_TTABLE) {
        for (let i = 1; m._lua_rawgeti(L, 4, luaIndex(i)) !== LUA_TNIL; i++) {
          if (m._lua_type(L, -1) !== LUA_TSTRING) throw new CommandError("ERR unknown flag given");
          flags.push(lua.str(L, -1));
          m._lua_settop(L, -2);
        }
        m._lua_settop(L, 5);
      } else if (ft !== LUA_TNIL) throw new CommandError("ERR flags argument to redis.register_function must be a table representing function flags");
      if (m._lua_type(L, 5) === LUA_TSTRING) description = lua.str(L, 5);
      for (const f of flags) {
        if (!(FUNCTION_FLAGS as readonly string[]).includes(f)) throw new CommandError("ERR unknown flag given");
      }
    } else if (n === 2) {
      nameIdx = 1;
      callbackIdx = 2;
    } else {
      throw new CommandError("ERR wrong number of arguments to redis.register_function");
    }
    if (m._lua_type(L, nameIdx) !== LUA_TSTRING) throw new CommandError("ERR function_name argument given to redis.register_function must be a string");
    if (m._lua_type(L, callbackIdx) !== LUA_TFUNCTION) throw new CommandError("ERR callback argument given to redis.register_function must be a function");
    const name = lua.str(L, nameIdx);
    if (!NAME_RE.test(name)) throw new CommandError(NAME_ERROR);
    if (lib.functions.has(name)) throw new CommandError("ERR Function already exists in the library");
    m._lua_pushvalue(L, callbackIdx);
    const ref = BigInt(m._luaL_ref(L, LUA_REGISTRYINDEX));
    lib.functions.set(name, { name, library: lib, ref, flags, description });
  }

  private add(lib: Library): void {
    this.libraries.set(lib.name, lib);
    for (const fn of lib.functions.values()) this.functions.set(fn.name, fn);
  }

  /** FUNCTION DELETE (and REPLACE): unregisters a library and frees its functions. */
  remove(lib: Library): void {
    this.libraries.delete(lib.name);
    for (const fn of lib.functions.values()) this.functions.delete(fn.name);
    this.release(lib);
  }

  private release(lib: Library): void {
    for (const fn of lib.functions.values()) this.vm.release(fn.ref);
    this.vm.release(lib.bodyRef);
  }

  flush(): void {
    for (const lib of [...this.libraries.values()]) this.remove(lib);
  }

  /** FUNCTION DUMP: Redis's payload (one RDB_OPCODE_FUNCTION2 + code string per library, RDB version, CRC64). */
  dump(): Uint8Array {
    const w = new RdbWriter();
    for (const lib of this.libraries.values()) {
      w.byte(RDB_OPCODE_FUNCTION2);
      w.string(lib.code);
    }
    w.uintLE(RDB_VERSION, 2);
    w.uintLE(crc64(w.bytes()), 8);
    return w.bytes();
  }

  /** FUNCTION RESTORE with policy FLUSH, APPEND or REPLACE; all-or-nothing. */
  restore(payload: Uint8Array, policy: "flush" | "append" | "replace"): void {
    const codes = parseDump(payload);
    const loaded: Library[] = [];
    try {
      for (const code of codes) loaded.push(this.compile(parseLibraryHeader(code), code));
    } catch (e) {
      for (const lib of loaded) this.release(lib);
      throw e;
    }
    const fail = (msg: string): never => {
      for (const lib of loaded) this.release(lib);
      throw new CommandError(msg);
    };
    if (policy === "flush") this.flush();
    const replaced = new Set<Library>();
    for (const lib of loaded) {
      const existing = this.libraries.get(lib.name);
      if (existing !== undefined) {
        if (policy !== "replace") fail(`ERR Library ${lib.name} already exists`);
        replaced.add(existing);
      }
    }
    for (const lib of loaded) {
      for (const fn of lib.functions.values()) {
        const other = this.functions.get(fn.name);
        if (other !== undefined && !replaced.has(other.library)) fail(`ERR Function ${fn.name} already exists`);
      }
    }
    for (const lib of replaced) this.remove(lib);
    for (const lib of loaded) this.add(lib);
  }
}

/** The code with its "#!" first line turned into a Lua comment, keeping line numbers. */
export function shebangAsComment(code: Uint8Array): Uint8Array {
  if (code[0] !== 35 || code[1] !== 33) return code; // "#!"
  const source = code.slice();
  source[0] = 45;
  source[1] = 45; // "--"
  return source;
}

/** The library name from the "#!lua name=<lib>" first line, with Redis's errors. */
export function parseLibraryHeader(code: Uint8Array): string {
  const text = bytesToStr(code);
  const eol = text.indexOf("\n");
  const first = eol < 0 ? text : text.slice(0, eol);
  if (!first.startsWith("#!")) throw new CommandError("ERR Missing library metadata");
  const parts = first.slice(2).split(" ").filter((p) => p !== "");
  const engine = parts[0] ?? "";
  if (engine.toLowerCase() !== "lua") throw new CommandError(`ERR Engine '${engine}' not found`);
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (!part.startsWith("name=")) throw new CommandError(`ERR Invalid metadata value given: ${part}`);
    name = part.slice(5);
  }
  if (name === null) throw new CommandError("ERR Library name was not given");
  if (!NAME_RE.test(name)) throw new CommandError(NAME_ERROR);
  return name;
}

function parseDump(payload: Uint8Array): Uint8Array[] {
  const invalid = () => new CommandError("ERR DUMP payload version or checksum are wrong");
  if (payload.length < 10) throw invalid();
  const footer = payload.length - 10;
  const version = payload[footer] | (payload[footer + 1] << 8);
  const r = new RdbReader(payload, payload.length);
  r.pos = footer + 2;
  if (version > RDB_VERSION || r.uintLE(8) !== crc64(payload.subarray(0, footer + 2))) throw invalid();
  const body = new RdbReader(payload, footer);
  const codes: Uint8Array[] = [];
  try {
    while (body.pos < footer) {
      if (body.byte() !== RDB_OPCODE_FUNCTION2) throw new CommandError("ERR given type is not a function");
      codes.push(body.string().slice());
    }
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError("ERR function restore failed");
  }
  return codes;
}
