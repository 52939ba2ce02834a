-- The scripting environment Redis 7.0 gives scripts, built on Lua 5.4.
-- Runs once in a fresh state; receives the natives table (redis.call & co.,
-- implemented in TypeScript) and the libraries (bit, cjson, cmsgpack, struct),
-- and returns what the host needs: the script environment, the error handler,
-- and the switch between the FUNCTION LOAD and run-time environments.
local natives, libs = ...

local math_type, string_format, rawtostring = math.type, string.format, tostring
local type, setmetatable, rawget, rawset = type, setmetatable, rawget, rawset
-- Errors of library functions name the script line that called them.
local error = libs.error

-- Lua 5.1's numbers were all doubles, printed with "%.14g": 10/2 is "5", not
-- "5.0", and integers of 15 digits or more print in exponent form too.
local function tostring51(v)
  if math_type(v) ~= nil then return string_format("%.14g", v) end
  return rawtostring(v)
end

-- Lua 5.1 converted strings with C's strtod, to doubles (integers beyond 2^53
-- lose precision), and strtod also reads "nan", "inf" and "infinity".
local rawtonumber = tonumber
local TWO_53 = 2 ^ 53
local function tonumber51(v, base)
  local n = rawtonumber(v, base)
  if n ~= nil then
    if math_type(n) == "integer" and (n > TWO_53 or n < -TWO_53) then return n + 0.0 end
    return n
  end
  if base ~= nil or type(v) ~= "string" then return nil end
  local sign, word = v:lower():match("^%s*([-+]?)(%a+)%s*$")
  if word == "nan" then return 0 / 0 end
  if word == "inf" or word == "infinity" then return sign == "-" and -math.huge or math.huge end
  return nil
end

-- Redis's PRNG (rand48 from its default state, shared by all scripts, as in
-- Redis 7) so math.random sequences match.
local rand_state = 0x1234ABCD330E
local function srand48(seed)
  seed = seed & 0xffffffff
  rand_state = 0x330E | ((seed & 0xffff) << 16) | (((seed >> 16) & 0xffff) << 32)
end
local function lrand48()
  rand_state = (rand_state * 0x5DEECE66D + 0xB) & 0xffffffffffff
  return rand_state >> 17
end
local RAND_MAX = 0x7fffffff
local function random(m, n)
  local r = (lrand48() % RAND_MAX) / RAND_MAX
  if m == nil then return r end
  if n == nil then
    if m < 1 then error("bad argument #1 to 'random' (interval is empty)") end
    return math.floor(r * m) + 1
  end
  if m > n then error("bad argument #2 to 'random' (interval is empty)") end
  return math.floor(r * (n - m + 1)) + m
end
local function randomseed(seed)
  seed = math.tointeger(seed) or math.floor(seed)
  srand48(seed)
end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local mathlib = copy(math)
mathlib.random, mathlib.randomseed = random, randomseed
mathlib.pow = function(x, y) return x ^ y end
mathlib.ldexp = function(m, e) return m * 2.0 ^ e end
mathlib.mod = math.fmod
mathlib.log10 = function(x) return math.log(x, 10) end
local tablelib = copy(table)
tablelib.getn = function(t) return #t end
tablelib.maxn = function(t)
  local max = 0
  for k in pairs(t) do if type(k) == "number" and k > max then max = k end end
  return max
end
local stringlib = copy(string)

-- Globals: everything a script may read. Unknown names raise an error.
local G = {
  assert = assert, collectgarbage = collectgarbage, error = _ENV.error, getmetatable = getmetatable,
  ipairs = ipairs, next = next, pairs = pairs, pcall = pcall, rawequal = rawequal, rawget = rawget,
  rawset = rawset, select = select, setmetatable = setmetatable, tonumber = tonumber51,
  tostring = tostring51, type = type, unpack = table.unpack, xpcall = xpcall, _VERSION = "Lua 5.1",
  gcinfo = function() return collectgarbage("count") // 1 end,
  coroutine = copy(coroutine), table = tablelib, string = stringlib, math = mathlib,
  bit = libs.bit, cjson = libs.cjson, cmsgpack = libs.cmsgpack, struct = libs.struct,
}

-- The environment scripts see: reads fall through to the current globals
-- (G at run time, the restricted FUNCTION LOAD globals while loading a library),
-- writes are refused like Redis's read-only globals.
local env = {}
local function readonly_write() error("Attempt to modify a readonly table") end
local env_meta = { __index = G, __newindex = readonly_write, __metatable = false }
setmetatable(env, env_meta)
local function missing_global(_, name)
  error("Script attempted to access nonexistent global variable '" .. tostring51(name) .. "'")
end
G._G = env

-- A read-only view of a library table, whose Lua functions are wrapped in C
-- functions (as they are C functions in Redis: a tail call keeps the caller's line).
local getinfo = debug.getinfo
local function protect(t)
  for k, v in pairs(t) do
    if type(v) == "table" and k ~= "null" then t[k] = protect(v)
    elseif type(v) == "function" and getinfo(v, "S").what == "Lua" then t[k] = natives.wrap(v) end
  end
  return setmetatable({}, { __index = t, __newindex = readonly_write, __metatable = false })
end

G.load = function(chunk, name, mode, fenv)
  return load(chunk, name, "t", fenv or env)
end
G.loadstring = function(s, name) return load(s, name, "t", env) end

-- The redis library.
local redis = {
  call = natives.call, pcall = natives.pcall, sha1hex = natives.sha1hex, log = natives.log,
  setresp = natives.setresp,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_SLAVE = 1, REPL_REPLICA = 1, REPL_AOF = 2, REPL_ALL = 3,
  REDIS_VERSION = natives.version, REDIS_VERSION_NUM = natives.version_num,
}
-- Like luaPushErrorBuff: "-CODE msg" keeps its code, anything else gets "ERR".
local BAD_ARGS = { err = "ERR wrong number or type of arguments" }
function redis.error_reply(msg, ...)
  if select("#", ...) > 0 or (type(msg) ~= "string" and type(msg) ~= "number") then return { err = BAD_ARGS.err } end
  msg = tostring51(msg)
  if msg:sub(1, 1) ~= "-" then msg = "-" .. msg end
  local space = msg:find(" ", 1, true)
  if space == nil then return { err = "ERR " .. msg:sub(2) } end
  return { err = msg:sub(2, space - 1) .. " " .. msg:sub(space + 1) }
end
function redis.status_reply(msg, ...)
  if select("#", ...) > 0 or (type(msg) ~= "string" and type(msg) ~= "number") then return { err = BAD_ARGS.err } end
  return { ok = tostring51(msg) }
end
function redis.set_repl(flags)
  if type(flags) ~= "number" or flags < 0 or flags > 3 then
    error("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
  end
end
function redis.replicate_commands() return true end
function redis.breakpoint() return false end
function redis.debug() end
G.redis = protect(redis)

-- While FUNCTION LOAD runs a library's code, only this is visible.
local load_redis = {
  register_function = natives.register_function, log = natives.log,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = natives.version, REDIS_VERSION_NUM = natives.version_num,
}
local load_globals = setmetatable({ redis = protect(load_redis) },
  { __index = missing_global, __newindex = readonly_write, __metatable = false })

local coroutinelib = G.coroutine
for _, name in ipairs({ "coroutine", "table", "string", "math", "bit", "cjson", "cmsgpack", "struct" }) do
  G[name] = protect(G[name])
end

-- Scripts run as the body of a coroutine, so a busy one can be suspended (vm.ts).
-- To the script that thread is the main one, as under Redis's lua_pcall: it
-- can't yield, and only coroutines the script creates can.
local running, yield = coroutine.running, coroutine.yield
local script_thread
coroutinelib.yield = function(...)
  -- Lua's own error, raised without a position like the C one.
  if running() == script_thread then _ENV.error("attempt to yield across metamethod/C-call boundary", 0) end
  return yield(...)
end
coroutinelib.isyieldable = nil -- Lua 5.1 has none
setmetatable(G, { __index = missing_global, __newindex = readonly_write, __metatable = false })

-- Redis's error handler: turns any error into {err=..., source=..., line=...}
-- naming the script line that raised it (the caller of a failing C function).
local function error_handler(err)
  -- Skip C functions and our own chunks ("=sandbox", "=libs"), which are C code in Redis.
  local level = 2
  local info = getinfo(level, "nSl")
  while info and (info.what == "C" or info.source:sub(1, 1) == "=") do
    level = level + 1
    info = getinfo(level, "nSl")
  end
  if type(err) ~= "table" then err = { err = "ERR " .. tostring51(err) } end
  if info then
    err.source = info.source
    err.line = info.currentline
  end
  return err
end

-- Sets KEYS and ARGV before each EVAL script.
local function prepare(keys, argv)
  rawset(G, "KEYS", keys)
  rawset(G, "ARGV", argv)
end

-- The coroutine body: runs a script with its arguments, returning xpcall's (ok, result).
local function run(fn, ...)
  script_thread = script_thread or running()
  return xpcall(fn, error_handler, ...)
end

local function set_loading(loading)
  env_meta.__index = loading and load_globals or G
end

return { env = env, error_handler = error_handler, prepare = prepare, set_loading = set_loading, run = run,
  tostring = tostring51 }
