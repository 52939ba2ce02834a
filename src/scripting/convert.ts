// Conversions between RESP replies and Lua values, with Redis 7.0's rules.
//
// Replies to Lua: a command called from a script writes its reply into the
// shared ReplyBuffer like any command; pushReply parses those RESP bytes
// straight onto the Lua stack (RESP2: status -> {ok=}, error -> {err=},
// nil -> false; RESP3 after redis.setresp(3): null -> nil, {map=}, {set=},
// {double=}, booleans, {big_number=}, {verbatim_string=}).
//
// Lua to replies: writeLuaReply walks the value returned by a script (number
// -> integer, truncated; true -> 1; false -> nil; tables -> arrays up to the
// first nil, or {ok=}/{err=}/RESP3 shapes), using raw table access only so no
// metamethod can raise an error outside a protected call.

import { formatDouble } from "../net/format.ts";
import type { ReplyBuffer } from "../net/reply.ts";
import { LUA_REGISTRYINDEX, LUA_TBOOLEAN, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, type LuaState } from "./lua-runtime.ts";

/** Integers as Lua's 64-bit lua_Integer arguments (the C API takes BigInt), precomputed for table indexes. */
const SMALL_BIG: bigint[] = Array.from({ length: 4096 }, (_, i) => BigInt(i));
export function luaIndex(i: number): bigint {
  return i < SMALL_BIG.length ? SMALL_BIG[i] : BigInt(i);
}

const INT64_MIN = -9223372036854775808n;
const TWO_53 = 2 ** 53;
const TWO_63 = 2 ** 63;
const MAX_DEPTH = 1000;

/** Field names used by the conversions, kept in the registry so pushing one is a single rawgeti. */
const KEY_NAMES = ["err", "ok", "double", "map", "set", "big_number", "verbatim_string", "format", "string", "ignore_error_stats_update"] as const;
type KeyName = (typeof KEY_NAMES)[number];

export class Converter {
  private readonly keyRefs = new Map<KeyName, bigint>();

  constructor(private readonly lua: LuaState) {
    for (const k of KEY_NAMES) {
      lua.pushStr(lua.L, k);
      this.keyRefs.set(k, BigInt(lua.ref()));
    }
  }

  private pushKey(L: number, k: KeyName): void {
    this.lua.m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.keyRefs.get(k)!);
  }

  /** Pushes t[k] (raw) for the table at idx (absolute) and returns its type. */
  private rawField(L: number, idx: number, k: KeyName): number {
    this.pushKey(L, k);
    return this.lua.m._lua_rawget(L, idx);
  }

  /** Sets field k of the table on top to the value pushed by push(). */
  private setField(L: number, k: KeyName, push: () => void): void {
    this.pushKey(L, k);
    push();
    this.lua.m._lua_rawset(L, -3);
  }

  /** Pushes {err=msg}. */
  pushErrorTable(L: number, msg: string): void {
    this.lua.m._lua_createtable(L, 0, 1);
    this.setField(L, "err", () => this.lua.pushStr(L, msg));
  }

  // ---------------------------------------------------------------- RESP -> Lua

  /**
   * Parses one RESP value at buf[pos] and pushes it; returns the position
   * after it. resp is the protocol the script asked for (redis.setresp).
   */
  pushReply(L: number, buf: Uint8Array, pos: number, resp: 2 | 3): number {
    const m = this.lua.m;
    // Lua guarantees only 20 free stack slots: nested replies need more (a reply nests at most a few levels).
    if (m._lua_checkstack(L, 4) === 0) throw new Error("Lua stack exhausted by a nested reply");
    const type = buf[pos];
    let end = pos + 1;
    while (buf[end] !== 13) end++;
    const next = end + 2;
    switch (type) {
      case 58: // ':' integer: via lua_stringtonumber, exact over the whole int64 range
        this.pushNumberText(L, buf, pos + 1, end);
        return next;
      case 36: {
        // '$' bulk
        const len = parseLen(buf, pos + 1, end);
        if (len < 0) {
          m._lua_pushboolean(L, 0);
          return next;
        }
        this.lua.pushRange(L, buf, next, next + len);
        return next + len + 2;
      }
      case 43: // '+' status
        m._lua_createtable(L, 0, 1);
        this.pushKey(L, "ok");
        this.lua.pushRange(L, buf, pos + 1, end);
        m._lua_rawset(L, -3);
        return next;
      case 45: // '-' error; the flag tells Redis's error stats the command already counted it
        m._lua_createtable(L, 0, 2);
        this.setField(L, "err", () => this.lua.pushRange(L, buf, pos + 1, end));
        this.setField(L, "ignore_error_stats_update", () => m._lua_pushboolean(L, 1));
        return next;
      case 42: // '*' array
      case 126: // '~' set
      case 62: {
        // '>' push
        const n = parseLen(buf, pos + 1, end);
        if (n < 0) {
          m._lua_pushboolean(L, 0);
          return next;
        }
        let p = next;
        if (type === 126) {
          m._lua_createtable(L, 0, 1);
          this.pushKey(L, "set");
          m._lua_createtable(L, 0, n);
          for (let i = 0; i < n; i++) {
            p = this.pushReply(L, buf, p, resp);
            m._lua_pushboolean(L, 1);
            m._lua_rawset(L, -3);
          }
          m._lua_rawset(L, -3);
          return p;
        }
        m._lua_createtable(L, n, 0);
        for (let i = 1; i <= n; i++) {
          p = this.pushReply(L, buf, p, resp);
          m._lua_rawseti(L, -2, luaIndex(i));
        }
        return p;
      }
      case 37: {
        // '%' map
        const n = parseLen(buf, pos + 1, end);
        m._lua_createtable(L, 0, 1);
        this.pushKey(L, "map");
        m._lua_createtable(L, 0, n);
        let p = next;
        for (let i = 0; i < n; i++) {
          p = this.pushReply(L, buf, p, resp);
          p = this.pushReply(L, buf, p, resp);
          m._lua_rawset(L, -3);
        }
        m._lua_rawset(L, -3);
        return p;
      }
      case 95: // '_' null
        m._lua_pushnil(L);
        return next;
      case 35: // '#' boolean
        m._lua_pushboolean(L, buf[pos + 1] === 116 ? 1 : 0);
        return next;
      case 44: // ',' double
        m._lua_createtable(L, 0, 1);
        this.setField(L, "double", () => m._lua_pushnumber(L, parseResp3Double(buf, pos + 1, end)));
        return next;
      case 40: // '(' big number
        m._lua_createtable(L, 0, 1);
        this.setField(L, "big_number", () => this.lua.pushRange(L, buf, pos + 1, end));
        return next;
      case 61: {
        // '=' verbatim: "txt:" + text
        const len = parseLen(buf, pos + 1, end);
        m._lua_createtable(L, 0, 1);
        this.pushKey(L, "verbatim_string");
        m._lua_createtable(L, 0, 2);
        this.setField(L, "format", () => this.lua.pushRange(L, buf, next, next + 3));
        this.setField(L, "string", () => this.lua.pushRange(L, buf, next + 4, next + len));
        m._lua_rawset(L, -3);
        return next + len + 2;
      }
      case 124: {
        // '|' attribute: skipped, the value follows
        const n = parseLen(buf, pos + 1, end);
        let p = next;
        for (let i = 0; i < 2 * n; i++) {
          p = this.pushReply(L, buf, p, resp);
          m._lua_settop(L, -2);
        }
        return this.pushReply(L, buf, p, resp);
      }
      default:
        throw new Error(`unexpected reply type ${String.fromCharCode(type)}`);
    }
  }

  /** Pushes the integer written in buf[from, to) (a byte loop: no view allocated on this hot path). */
  private pushNumberText(L: number, buf: Uint8Array, from: number, to: number): void {
    const p = this.lua.scratchFor(to - from + 1);
    const heap = this.lua.m.HEAPU8;
    let q = p;
    for (let i = from; i < to; i++) heap[q++] = buf[i];
    heap[q] = 0;
    this.lua.m._lua_stringtonumber(L, p);
  }

  // ---------------------------------------------------------------- Lua -> reply

  /** Writes the Lua value at idx (absolute) as a reply; resp is the script's protocol (redis.setresp). */
  writeLuaReply(L: number, idx: number, out: ReplyBuffer, resp: 2 | 3, depth = 0): void {
    const m = this.lua.m;
    switch (m._lua_type(L, idx)) {
      case LUA_TSTRING:
        out.bulk(this.lua.viewBytes(L, idx));
        return;
      case LUA_TBOOLEAN:
        if (resp === 3) out.bool(m._lua_toboolean(L, idx) !== 0);
        else if (m._lua_toboolean(L, idx) !== 0) out.int(1);
        else out.nil();
        return;
      case LUA_TNUMBER:
        writeLuaNumber(this.lua, L, idx, out);
        return;
      case LUA_TTABLE:
        if (depth >= MAX_DEPTH || m._lua_checkstack(L, 4) === 0) {
          out.error("ERR reached lua stack limit");
          return;
        }
        this.writeTable(L, idx, out, resp, depth);
        return;
      default:
        out.nil();
    }
  }

  private writeTable(L: number, idx: number, out: ReplyBuffer, resp: 2 | 3, depth: number): void {
    const m = this.lua.m;
    const top = m._lua_gettop(L);
    try {
      let t = this.rawField(L, idx, "err");
      if (t === LUA_TSTRING) {
        out.error(cString(this.lua.str(L, -1)));
        return;
      }
      m._lua_settop(L, top);
      t = this.rawField(L, idx, "ok");
      if (t === LUA_TSTRING) {
        out.simple(cString(this.lua.str(L, -1)).replace(/[\r\n]/g, " "));
        return;
      }
      m._lua_settop(L, top);
      t = this.rawField(L, idx, "double");
      if (t === LUA_TNUMBER) {
        out.double(m._lua_tonumberx(L, -1, 0));
        return;
      }
      m._lua_settop(L, top);
      t = this.rawField(L, idx, "big_number");
      if (t === LUA_TSTRING) {
        out.bigNumber(this.lua.str(L, -1));
        return;
      }
      m._lua_settop(L, top);
      t = this.rawField(L, idx, "map");
      if (t === LUA_TTABLE) {
        this.writePairs(L, top + 1, out, resp, depth, true);
        return;
      }
      m._lua_settop(L, top);
      t = this.rawField(L, idx, "set");
      if (t === LUA_TTABLE) {
        this.writePairs(L, top + 1, out, resp, depth, false);
        return;
      }
      m._lua_settop(L, top);
      t = this.rawField(L, idx, "verbatim_string");
      if (t === LUA_TTABLE) {
        const vt = top + 1;
        if (this.rawField(L, vt, "format") === LUA_TSTRING && this.rawField(L, vt, "string") === LUA_TSTRING) {
          out.verbatim(this.lua.str(L, -1), this.lua.str(L, -2));
          return;
        }
      }
      m._lua_settop(L, top);
      // An array up to the first nil.
      let n = 0;
      while (m._lua_rawgeti(L, idx, luaIndex(n + 1)) !== 0) {
        m._lua_settop(L, top);
        n++;
      }
      m._lua_settop(L, top);
      out.array(n);
      for (let i = 1; i <= n; i++) {
        m._lua_rawgeti(L, idx, luaIndex(i));
        this.writeLuaReply(L, top + 1, out, resp, depth + 1);
        m._lua_settop(L, top);
      }
    } finally {
      m._lua_settop(L, top);
    }
  }

  /** A {map=t} (keys and values) or {set=t} (keys) reply from the table at idx. */
  private writePairs(L: number, idx: number, out: ReplyBuffer, resp: 2 | 3, depth: number, withValues: boolean): void {
    const m = this.lua.m;
    let n = 0;
    m._lua_pushnil(L);
    while (m._lua_next(L, idx) !== 0) {
      m._lua_settop(L, -2);
      n++;
    }
    if (withValues) out.map(n);
    else out.set(n);
    m._lua_pushnil(L);
    while (m._lua_next(L, idx) !== 0) {
      const top = m._lua_gettop(L);
      this.writeLuaReply(L, top - 1, out, resp, depth + 1);
      if (withValues) this.writeLuaReply(L, top, out, resp, depth + 1);
      m._lua_settop(L, -2);
    }
  }
}

/** Status and error texts are C strings in Redis: they end at a NUL byte. */
export function cString(s: string): string {
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
}

/** A script's error text as an error reply: Redis strips a leading '-' and never adds a code. */
export function errorText(msg: string): string {
  return msg.startsWith("-") ? msg.slice(1) : msg;
}

/**
 * A Lua number as an integer reply, like Redis's (long long)lua_tonumber():
 * through a double (Lua 5.1 had no integers), truncated, and INT64_MIN where
 * the x86 conversion overflows.
 */
function writeLuaNumber(lua: LuaState, L: number, idx: number, out: ReplyBuffer): void {
  const d = lua.m._lua_tonumberx(L, idx, 0);
  if (!Number.isFinite(d) || Math.abs(d) >= TWO_63) {
    out.int(INT64_MIN);
  } else {
    const t = Math.trunc(d);
    out.int(Math.abs(t) < TWO_53 ? t + 0 : BigInt(t));
  }
}

/** A number argument of redis.call as Redis sends it: integers in decimal, other numbers as "%.17g". */
export function numberArgText(lua: LuaState, L: number, idx: number): string | null {
  if (lua.m._lua_isinteger(L, idx) !== 0) return null;
  return formatDouble(lua.m._lua_tonumberx(L, idx, 0));
}

function parseLen(buf: Uint8Array, from: number, to: number): number {
  if (buf[from] === 45) return -1;
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + buf[i] - 48;
  return n;
}

function parseResp3Double(buf: Uint8Array, from: number, to: number): number {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(buf[i]);
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  if (s === "nan") return NaN;
  return Number(s);
}
