// The Lua 5.4 runtime (wasmoon's WebAssembly build) and a thin, binary-safe
// layer over its C API.
//
// Loading the WebAssembly module is asynchronous, so it happens once at start
// (loadLuaRuntime, awaited by main.ts before listening); everything after
// that is synchronous calls into the module's raw exports. wasmoon's own
// engine (doString, JS<->Lua value mapping) is not used: its conversions go
// through UTF-8 and per-call allocations, and repeated async evaluation is
// known to corrupt the VM. Strings cross as bytes copied in and out of the
// module's memory.

import { LuaFactory } from "wasmoon";
import wasmPath from "wasmoon/dist/glue.wasm" with { type: "file" };

/** The raw C API exports of the module we use (pointers and lua_State* are numbers). */
export interface LuaModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  addFunction(fn: (...args: number[]) => number | void, signature: string): number;
  _malloc(n: number): number;
  _free(p: number): void;
  _luaL_newstate(): number;
  _luaL_openlibs(L: number): void;
  _luaL_loadbufferx(L: number, buf: number, len: number, name: number, mode: number): number;
  _luaL_ref(L: number, t: number): number;
  _luaL_unref(L: number, t: number, ref: number): void;
  _lua_gettop(L: number): number;
  _lua_settop(L: number, idx: number): void;
  _lua_checkstack(L: number, n: number): number;
  _lua_pushvalue(L: number, idx: number): void;
  _lua_rotate(L: number, idx: number, n: number): void;
  _lua_type(L: number, idx: number): number;
  _lua_isinteger(L: number, idx: number): number;
  _lua_tonumberx(L: number, idx: number, isnum: number): number;
  _lua_tointegerx(L: number, idx: number, isnum: number): bigint;
  _lua_toboolean(L: number, idx: number): number;
  _lua_tolstring(L: number, idx: number, len: number): number;
  _lua_pushnil(L: number): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushlstring(L: number, s: number, len: number): number;
  _lua_pushcclosure(L: number, fn: number, n: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_rawgeti(L: number, idx: number, n: bigint): number;
  _lua_rawseti(L: number, idx: number, n: bigint): void;
  _lua_rawget(L: number, idx: number): number;
  _lua_rawset(L: number, idx: number): void;
  _lua_getfield(L: number, idx: number, k: number): number;
  _lua_setfield(L: number, idx: number, k: number): void;
  _lua_pcallk(L: number, nargs: number, nresults: number, msgh: number, ctx: number, k: number): number;
  _lua_callk(L: number, nargs: number, nresults: number, ctx: number, k: number): void;
  _lua_error(L: number): number;
  _lua_next(L: number, idx: number): number;
  _lua_setupvalue(L: number, funcidx: number, n: number): number;
  _lua_sethook(L: number, fn: number, mask: number, count: number): void;
  _lua_newthread(L: number): number;
  _lua_resume(L: number, from: number, nargs: number, nresults: number): number;
  _lua_yieldk(L: number, nresults: number, ctx: number, k: number): number;
  _lua_isyieldable(L: number): number;
  _lua_stringtonumber(L: number, s: number): number;
}

export const LUA_REGISTRYINDEX = -1001000;
export const LUA_TNIL = 0;
export const LUA_TBOOLEAN = 1;
export const LUA_TNUMBER = 3;
export const LUA_TSTRING = 4;
export const LUA_TTABLE = 5;
export const LUA_TFUNCTION = 6;
export const LUA_OK = 0;
export const LUA_MASKLINE = 4;
export const LUA_MASKCOUNT = 8;
export const LUA_YIELD = 1;

let runtime: LuaModule | null = null;

/**
 * Loads the Lua WebAssembly module (once; later calls reuse it).
 *
 * wasmoon's build wraps every export in an assertion shim that forwards with
 * Function.apply, which costs ~0.5-1 us per call: more than the Lua work of a
 * small script. So the instance's own exports are captured while emscripten
 * instantiates the module and called directly; the emscripten module object
 * still provides memory views (refreshed when memory grows), malloc and
 * addFunction.
 */
export async function loadLuaRuntime(): Promise<LuaModule> {
  if (runtime === null) {
    const instantiate = WebAssembly.instantiate;
    let exports: Record<string, unknown> | null = null;
    const capture = async (...args: Parameters<typeof WebAssembly.instantiate>) => {
      const result = await (instantiate as (...a: unknown[]) => Promise<WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource>)(...args);
      exports = (result instanceof WebAssembly.Instance ? result : result.instance).exports as Record<string, unknown>;
      return result;
    };
    WebAssembly.instantiate = capture as typeof WebAssembly.instantiate;
    let module: object;
    try {
      module = (await new LuaFactory(wasmPath).getLuaModule()).module;
    } finally {
      WebAssembly.instantiate = instantiate;
    }
    const direct: Record<string, unknown> = Object.create(module);
    for (const [name, fn] of Object.entries(exports ?? {})) {
      if (typeof fn === "function" && (name.startsWith("lua") || name === "malloc" || name === "free")) direct[`_${name}`] = fn;
    }
    // The raw exports carry no TypeScript types: LuaModule declares the subset we call.
    runtime = direct as unknown as LuaModule;
  }
  return runtime;
}

/** The loaded runtime, or null when loadLuaRuntime has not completed (scripting unavailable). */
export function luaRuntime(): LuaModule | null {
  return runtime;
}

/**
 * One Lua state with binary-safe string transfer: a reusable scratch area in
 * the module's memory for bytes going in, a length cell for bytes coming out,
 * and interned C strings for field names.
 */
export class LuaState {
  readonly L: number;
  private scratch = 0;
  private scratchSize = 0;
  private readonly lenCell: number;
  private readonly cstrings = new Map<string, number>();

  constructor(readonly m: LuaModule) {
    this.L = m._luaL_newstate();
    m._luaL_openlibs(this.L);
    this.lenCell = m._malloc(8);
  }

  /** A pointer to n bytes of scratch memory (valid until the next call). */
  scratchFor(n: number): number {
    if (n > this.scratchSize) {
      if (this.scratch !== 0) this.m._free(this.scratch);
      this.scratchSize = Math.max(n, 256, this.scratchSize * 2);
      this.scratch = this.m._malloc(this.scratchSize);
    }
    return this.scratch;
  }

  /** A NUL-terminated C string that lives as long as the state (names of fields and globals). */
  cstr(s: string): number {
    let p = this.cstrings.get(s);
    if (p === undefined) {
      p = this.m._malloc(s.length + 1);
      const heap = this.m.HEAPU8;
      for (let i = 0; i < s.length; i++) heap[p + i] = s.charCodeAt(i);
      heap[p + s.length] = 0;
      this.cstrings.set(s, p);
    }
    return p;
  }

  pushBytes(L: number, b: Uint8Array): void {
    const p = this.scratchFor(b.length);
    this.m.HEAPU8.set(b, p);
    this.m._lua_pushlstring(L, p, b.length);
  }

  /** Pushes buf[from, to) as a string without creating a view of it (short ones copied by hand). */
  pushRange(L: number, buf: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n > 16) return this.pushBytes(L, buf.subarray(from, to));
    const p = this.scratchFor(n);
    const heap = this.m.HEAPU8;
    for (let i = 0; i < n; i++) heap[p + i] = buf[from + i];
    this.m._lua_pushlstring(L, p, n);
  }

  /** Pushes a byte string (latin1 JS string). */
  pushStr(L: number, s: string): void {
    const p = this.scratchFor(s.length);
    const heap = this.m.HEAPU8;
    for (let i = 0; i < s.length; i++) heap[p + i] = s.charCodeAt(i);
    this.m._lua_pushlstring(L, p, s.length);
  }

  /**
   * The string at idx as a view into the module's memory: valid only until
   * Lua runs again (the caller copies what it keeps). Numbers are converted in place.
   */
  viewBytes(L: number, idx: number): Uint8Array {
    const p = this.m._lua_tolstring(L, idx, this.lenCell);
    return this.m.HEAPU8.subarray(p, p + this.m.HEAPU32[this.lenCell >> 2]);
  }

  /**
   * The string at idx as a command argument: short ones (names, keys, small
   * values) copied by hand, cheaper than a typed-array view (~80 ns in JSC
   * against ~10 ns for 16 bytes); longer ones as views, valid until Lua runs again.
   */
  argBytes(L: number, idx: number): Uint8Array {
    const p = this.m._lua_tolstring(L, idx, this.lenCell);
    const heap = this.m.HEAPU8;
    const n = this.m.HEAPU32[this.lenCell >> 2];
    if (n > 16) return heap.subarray(p, p + n);
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = heap[p + i];
    return bytes;
  }

  /** Whether the string at idx equals bytes, without creating a view. */
  equals(L: number, idx: number, bytes: Uint8Array): boolean {
    const p = this.m._lua_tolstring(L, idx, this.lenCell);
    if (this.m.HEAPU32[this.lenCell >> 2] !== bytes.length) return false;
    const heap = this.m.HEAPU8;
    for (let i = 0; i < bytes.length; i++) if (heap[p + i] !== bytes[i]) return false;
    return true;
  }

  /** The string at idx as a latin1 JS string. */
  str(L: number, idx: number): string {
    const view = this.viewBytes(L, idx);
    let s = "";
    for (let i = 0; i < view.length; i += 4096) {
      s += String.fromCharCode.apply(null, view.subarray(i, i + 4096) as unknown as number[]);
    }
    return s;
  }

  /** Compiles source under a chunk name ("@user_script"); leaves the function or the error message on the stack. */
  load(L: number, source: Uint8Array, chunkName: string): number {
    const name = this.cstr(chunkName);
    const p = this.scratchFor(source.length);
    this.m.HEAPU8.set(source, p);
    return this.m._luaL_loadbufferx(L, p, source.length, name, this.cstr("t"));
  }

  /** Registers a JS function as a Lua C function (in a table at idx under name). */
  setFunction(tableIdx: number, name: string, fn: (L: number) => number): void {
    const ptr = this.m.addFunction(fn, "ii");
    this.m._lua_pushcclosure(this.L, ptr, 0);
    this.m._lua_setfield(this.L, tableIdx < 0 ? tableIdx - 1 : tableIdx, this.cstr(name));
  }

  getField(idx: number, name: string): number {
    return this.m._lua_getfield(this.L, idx, this.cstr(name));
  }

  setField(idx: number, name: string): void {
    this.m._lua_setfield(this.L, idx, this.cstr(name));
  }

  /** Pops the top value into the registry and returns its reference. */
  ref(): number {
    return this.m._luaL_ref(this.L, LUA_REGISTRYINDEX);
  }

  unref(ref: number): void {
    this.m._luaL_unref(this.L, LUA_REGISTRYINDEX, ref);
  }

  pushRef(L: number, ref: number): void {
    this.m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(ref));
  }
}
