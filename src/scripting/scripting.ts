// Per-server scripting state: the Lua VM, the EVAL script cache (SHA1 ->
// compiled function) and the FUNCTION libraries, created on first use once
// the Lua runtime is loaded (main.ts loads it before listening).

import { CommandError } from "../commands/errors.ts";
import { bytesEqual, bytesToStr } from "../net/bytes.ts";
import type { Server } from "../server.ts";
import { Libraries } from "./functions.ts";
import { luaRuntime } from "./lua-runtime.ts";
import { ScriptVm } from "./vm.ts";

export interface CachedScript {
  ref: bigint;
  /** From a "#!lua flags=..." shebang: write commands refused. */
  noWrites: boolean;
  bodyBytes: number;
}

export class Scripting {
  readonly vm: ScriptVm;
  /** EVAL scripts by lower-case hex SHA1. */
  readonly scripts = new Map<string, CachedScript>();
  readonly libraries: Libraries;

  constructor(server: Server) {
    const runtime = luaRuntime();
    if (runtime === null) throw new CommandError("ERR scripting is not available: the Lua runtime is not loaded");
    this.vm = new ScriptVm(server, runtime);
    this.libraries = new Libraries(this.vm);
  }

  /** The last script EVALSHA found and its SHA1 argument: clients mostly repeat one script. */
  private lastShaArg: Uint8Array = new Uint8Array(0);
  private lastScript: CachedScript | undefined;
  /** The lower-case SHA1 of the last lookupSha. */
  lastSha = "";

  /** The cached script an EVALSHA argument names (in any case), without a string conversion when repeated. */
  lookupSha(arg: Uint8Array): CachedScript | undefined {
    if (this.lastScript !== undefined && bytesEqual(arg, this.lastShaArg)) return this.lastScript;
    this.lastSha = bytesToStr(arg).toLowerCase();
    this.lastShaArg = arg.slice();
    this.lastScript = this.scripts.get(this.lastSha);
    return this.lastScript;
  }

  flushScripts(): void {
    for (const s of this.scripts.values()) this.vm.release(s.ref);
    this.scripts.clear();
    this.lastScript = undefined;
  }

  /** Bytes of cached script bodies (INFO used_memory_scripts_eval). */
  scriptsMemory(): number {
    let n = 0;
    for (const s of this.scripts.values()) n += s.bodyBytes;
    return n;
  }
}

const perServer = new WeakMap<Server, Scripting>();

/** INFO memory's scripting fields (all zero until scripting is first used). */
export interface ScriptingStats {
  cachedScripts: number;
  scriptsBytes: number;
  functions: number;
  libraries: number;
  /** The Lua runtime's memory (its WebAssembly memory: Lua heap and allocator). */
  vmBytes: number;
}

export function scriptingStats(server: Server): ScriptingStats {
  const s = perServer.get(server);
  if (s === undefined) return { cachedScripts: 0, scriptsBytes: 0, functions: 0, libraries: 0, vmBytes: 0 };
  return {
    cachedScripts: s.scripts.size,
    scriptsBytes: s.scriptsMemory(),
    functions: s.libraries.functions.size,
    libraries: s.libraries.libraries.size,
    vmBytes: s.vm.lua.m.HEAPU8.length,
  };
}

/** The server's scripting state (created on first use). */
export function scriptingOf(server: Server): Scripting {
  let s = perServer.get(server);
  if (s === undefined) {
    s = new Scripting(server);
    perServer.set(server, s);
  }
  return s;
}

export function sha1Hex(body: Uint8Array): string {
  const h = new Bun.CryptoHasher("sha1");
  h.update(body);
  return h.digest("hex");
}
