-- The C libraries Redis bundles with Lua 5.1 (LuaBitOp, lua-cjson,
-- lua-cmsgpack, struct), rewritten in Lua 5.4 on its native integers,
-- bitwise operators and string.pack. Returns { bit, cjson, cmsgpack, struct }.

local math_type, tointeger, floor, huge = math.type, math.tointeger, math.floor, math.huge
local sformat, sbyte, schar, ssub, spack, sunpack = string.format, string.byte, string.char, string.sub, string.pack, string.unpack
local concat, type, error, pairs, next, select = table.concat, type, error, pairs, next, select

-- Raises msg positioned at the script line that called into the library, as
-- luaL_error does from Redis's C libraries ("user_script:1: ..."). Library
-- functions reach scripts wrapped in a C function (sandbox.lua), so the
-- calling line is on the stack even when the script tail-calls them.
local getinfo = debug.getinfo
local function lib_error(msg)
  local level = 2
  while true do
    local info = getinfo(level, "S")
    if info == nil then error(msg, 0) end
    if info.what ~= "C" and info.source:sub(1, 1) ~= "=" then error(msg, level) end
    level = level + 1
  end
end

---------------------------------------------------------------- bit (LuaBitOp)
-- Numbers are taken modulo 2^32 and results are signed 32-bit integers.
local bit = {}
local bit_names = {}

-- LuaBitOp's error for a non-number argument names the bit function called.
local function bad_number(x, argn)
  local name = "?"
  for level = 2, 10 do
    local info = getinfo(level, "f")
    if info == nil then break end
    if bit_names[info.func] then name = bit_names[info.func] break end
  end
  lib_error(sformat("bad argument #%d to '%s' (number expected, got %s)", argn, name, x == nil and "no value" or type(x)))
end

local function tobit(x, argn)
  if type(x) ~= "number" then
    local n = type(x) == "string" and tonumber(x) or nil
    if n == nil then bad_number(x, argn or 1) end
    x = n
  end
  local i = math_type(x) == "integer" and x or nil
  if i == nil then
    -- LuaBitOp adds 2^52+2^51 and takes the low word of the double: rounding
    -- to nearest (ties to even), and modulo 2^32 for any magnitude.
    i = sunpack("<i4", spack("<d", x + 6755399441055744.0))
  end
  i = i & 0xffffffff
  if i >= 0x80000000 then i = i - 0x100000000 end
  return i
end
local function u32(x, argn) return tobit(x, argn) & 0xffffffff end
bit.tobit = function(x) return tobit(x, 1) end
bit.bnot = function(x) return tobit(~u32(x, 1)) end
local function fold(op)
  return function(x, ...)
    local r = u32(x, 1)
    for i = 1, select("#", ...) do r = op(r, u32((select(i, ...)), i + 1)) end
    return tobit(r)
  end
end
bit.band = fold(function(a, b) return a & b end)
bit.bor = fold(function(a, b) return a | b end)
bit.bxor = fold(function(a, b) return a ~ b end)
bit.lshift = function(x, n) return tobit(u32(x, 1) << (u32(n, 2) & 31)) end
bit.rshift = function(x, n) return tobit(u32(x, 1) >> (u32(n, 2) & 31)) end
bit.arshift = function(x, n) return tobit(tobit(x, 1) // (1 << (u32(n, 2) & 31))) end
bit.rol = function(x, n)
  n = u32(n, 2) & 31
  local v = u32(x, 1)
  return tobit((v << n) | (v >> (32 - n)))
end
bit.ror = function(x, n)
  n = u32(n, 2) & 31
  local v = u32(x, 1)
  return tobit((v >> n) | (v << (32 - n)))
end
bit.bswap = function(x)
  local v = u32(x, 1)
  return tobit(((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24))
end
bit.tohex = function(x, n)
  n = n == nil and 8 or tobit(n, 2)
  local upper = n < 0
  if upper then n = -n end
  if n > 8 then n = 8 end
  local s = sformat(upper and "%08X" or "%08x", u32(x, 1))
  return ssub(s, 9 - n)
end
for name, f in pairs(bit) do bit_names[f] = name end

---------------------------------------------------------------- cjson
local cjson = {}
local null = setmetatable({}, { __tostring = function() return "userdata: NULL" end, __metatable = false })
cjson.null = null

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["/"] = "\\/", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function escape_char(c) return escapes[c] or sformat("\\u%04x", sbyte(c)) end
local function encode_string(s) return '"' .. s:gsub('[%c"\\/]', escape_char) .. '"' end
local function encode_number(n)
  if n ~= n or n == huge or n == -huge then lib_error("Cannot serialise number: must not be NaN or Inf") end
  if math_type(n) == "integer" then return sformat("%d", n) end
  return sformat("%.14g", n)
end

-- Like lua-cjson: a table is an array when all its keys are positive integers
-- and not excessively sparse; returns its length or nil.
local function array_length(t)
  local max, count = 0, 0
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or floor(k) ~= k then return nil end
    if k > max then max = k end
    count = count + 1
  end
  if max > 10 and max > count * 2 then lib_error("Cannot serialise table: excessively sparse array") end
  return max
end

local encode_value
local function encode_table(t, depth, out)
  if depth > 1000 then lib_error("Cannot serialise, excessive nesting (1001)") end
  local n = array_length(t)
  if n ~= nil and n > 0 then
    out[#out + 1] = "["
    for i = 1, n do
      if i > 1 then out[#out + 1] = "," end
      encode_value(t[i], depth + 1, out)
    end
    out[#out + 1] = "]"
    return
  end
  out[#out + 1] = "{"
  local first = true
  for k, v in pairs(t) do
    if not first then out[#out + 1] = "," end
    first = false
    local tk = type(k)
    if tk == "string" then out[#out + 1] = encode_string(k)
    elseif tk == "number" then out[#out + 1] = '"' .. encode_number(k) .. '"'
    else lib_error("Cannot serialise " .. tk .. ": table key must be a number or string") end
    out[#out + 1] = ":"
    encode_value(v, depth + 1, out)
  end
  out[#out + 1] = "}"
end
encode_value = function(v, depth, out)
  local tv = type(v)
  if tv == "string" then out[#out + 1] = encode_string(v)
  elseif tv == "number" then out[#out + 1] = encode_number(v)
  elseif tv == "boolean" then out[#out + 1] = v and "true" or "false"
  elseif v == nil or v == null then out[#out + 1] = "null"
  elseif tv == "table" then encode_table(v, depth, out)
  else lib_error("Cannot serialise " .. tv .. ": type not supported") end
end
cjson.encode = function(v)
  local out = {}
  encode_value(v, 0, out)
  return concat(out)
end

-- Decoding: a small recursive-descent parser with lua-cjson's error messages.
local function token_name(s, pos)
  local c = ssub(s, pos, pos)
  if c == "" then return "T_END" end
  return "invalid token"
end
local function decode_error(what, s, pos)
  lib_error(sformat("Expected %s but found %s at character %d", what, token_name(s, pos), pos))
end
local function skip(s, pos)
  return (s:find("[^ \t\r\n]", pos)) or #s + 1
end
local unescapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }
local function utf8_char(cp)
  if cp < 0x80 then return schar(cp) end
  if cp < 0x800 then return schar(0xC0 | (cp >> 6), 0x80 | (cp & 0x3F)) end
  if cp < 0x10000 then return schar(0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)) end
  return schar(0xF0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3F), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F))
end
local decode_value
local function decode_string(s, pos)
  local parts, i = {}, pos + 1
  while true do
    local j = s:find('["\\]', i)
    if j == nil then lib_error(sformat("Expected value but found invalid token at character %d", pos)) end
    parts[#parts + 1] = ssub(s, i, j - 1)
    if sbyte(s, j) == 34 then return concat(parts), j + 1 end
    local e = ssub(s, j + 1, j + 1)
    if e == "u" then
      local hex = ssub(s, j + 2, j + 5)
      local cp = tonumber(hex, 16)
      if cp == nil or #hex < 4 then lib_error(sformat("Expected value but found invalid unicode escape code at character %d", pos)) end
      local consumed = 6
      if cp >= 0xD800 and cp <= 0xDBFF and ssub(s, j + 6, j + 7) == "\\u" then
        local lo = tonumber(ssub(s, j + 8, j + 11), 16)
        if lo and lo >= 0xDC00 and lo <= 0xDFFF then
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
          consumed = 12
        end
      end
      parts[#parts + 1] = utf8_char(cp)
      i = j + consumed
    else
      local u = unescapes[e]
      if u == nil then lib_error(sformat("Expected value but found invalid escape code at character %d", pos)) end
      parts[#parts + 1] = u
      i = j + 2
    end
  end
end
local function decode_number(s, pos)
  local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
  if num == nil or num == "" or num == "-" then decode_error("value", s, pos) end
  local v = tonumber(num)
  if v == nil then decode_error("value", s, pos) end
  -- Lua 5.1 numbers are doubles: keep integral values exact integers only where a double is exact.
  if math_type(v) == "integer" and (v > 2 ^ 53 or v < -2 ^ 53) then v = v + 0.0 end
  if math_type(v) == "float" then v = tointeger(v) or v end
  return v, pos + #num
end
decode_value = function(s, pos, depth)
  if depth > 1000 then lib_error(sformat("Found too many nested data structures (1001) at character %d", pos)) end
  pos = skip(s, pos)
  local c = ssub(s, pos, pos)
  if c == "{" then
    local obj = {}
    pos = skip(s, pos + 1)
    if ssub(s, pos, pos) == "}" then return obj, pos + 1 end
    while true do
      pos = skip(s, pos)
      if ssub(s, pos, pos) ~= '"' then decode_error("object key string", s, pos) end
      local key
      key, pos = decode_string(s, pos)
      pos = skip(s, pos)
      if ssub(s, pos, pos) ~= ":" then decode_error("colon", s, pos) end
      obj[key], pos = decode_value(s, pos + 1, depth + 1)
      pos = skip(s, pos)
      c = ssub(s, pos, pos)
      if c == "}" then return obj, pos + 1 end
      if c ~= "," then decode_error("comma or object end", s, pos) end
      pos = pos + 1
    end
  elseif c == "[" then
    local arr, n = {}, 0
    pos = skip(s, pos + 1)
    if ssub(s, pos, pos) == "]" then return arr, pos + 1 end
    while true do
      n = n + 1
      arr[n], pos = decode_value(s, pos, depth + 1)
      pos = skip(s, pos)
      c = ssub(s, pos, pos)
      if c == "]" then return arr, pos + 1 end
      if c ~= "," then decode_error("comma or array end", s, pos) end
      pos = pos + 1
    end
  elseif c == '"' then return decode_string(s, pos)
  elseif ssub(s, pos, pos + 3) == "true" then return true, pos + 4
  elseif ssub(s, pos, pos + 4) == "false" then return false, pos + 5
  elseif ssub(s, pos, pos + 3) == "null" then return null, pos + 4
  elseif c:match("[-%d]") then return decode_number(s, pos)
  end
  decode_error("value", s, pos)
end
cjson.decode = function(s)
  if type(s) ~= "string" then error("bad argument #1 to 'decode' (string expected, got " .. type(s) .. ")", 2) end
  local v, pos = decode_value(s, 1, 0)
  pos = skip(s, pos)
  if pos <= #s then decode_error("the end", s, pos) end
  return v
end
local function noop_setting() end
cjson.encode_keep_buffer, cjson.encode_max_depth, cjson.decode_max_depth = noop_setting, noop_setting, noop_setting
cjson.encode_number_precision, cjson.encode_sparse_array, cjson.encode_invalid_numbers = noop_setting, noop_setting, noop_setting
cjson.decode_invalid_numbers = noop_setting

---------------------------------------------------------------- cmsgpack
local cmsgpack = {}
local function is_array(t)
  local n = 0
  for k in pairs(t) do
    if math_type(k) ~= "integer" and not (type(k) == "number" and floor(k) == k) then return nil end
    if k < 1 then return nil end
    n = n + 1
  end
  for i = 1, n do if t[i] == nil then return nil end end
  return n
end
local pack_value
local function pack_int(n)
  if n >= 0 then
    if n < 128 then return schar(n) end
    if n < 0x100 then return "\204" .. spack(">I1", n) end
    if n < 0x10000 then return "\205" .. spack(">I2", n) end
    if n < 0x100000000 then return "\206" .. spack(">I4", n) end
    return "\207" .. spack(">i8", n)
  end
  if n >= -32 then return spack(">i1", n) end
  if n >= -128 then return "\208" .. spack(">i1", n) end
  if n >= -32768 then return "\209" .. spack(">i2", n) end
  if n >= -2147483648 then return "\210" .. spack(">i4", n) end
  return "\211" .. spack(">i8", n)
end
pack_value = function(v, depth, out)
  local tv = type(v)
  if v == nil or v == null then out[#out + 1] = "\192"
  elseif tv == "boolean" then out[#out + 1] = v and "\195" or "\194"
  elseif tv == "number" then
    local i = tointeger(v)
    if i ~= nil and (math_type(v) == "integer" or (v >= -2 ^ 63 and v < 2 ^ 63)) then out[#out + 1] = pack_int(i)
    elseif sunpack("<f", spack("<f", v)) == v then out[#out + 1] = "\202" .. spack(">f", v)
    else out[#out + 1] = "\203" .. spack(">d", v) end
  elseif tv == "string" then
    local n = #v
    if n < 32 then out[#out + 1] = schar(0xa0 | n)
    elseif n < 0x100 then out[#out + 1] = "\217" .. spack(">I1", n)
    elseif n < 0x10000 then out[#out + 1] = "\218" .. spack(">I2", n)
    else out[#out + 1] = "\219" .. spack(">I4", n) end
    out[#out + 1] = v
  elseif tv == "table" then
    if depth >= 16 then out[#out + 1] = "\192" return end
    local n = is_array(v)
    if n ~= nil then
      if n < 16 then out[#out + 1] = schar(0x90 | n)
      elseif n < 0x10000 then out[#out + 1] = "\220" .. spack(">I2", n)
      else out[#out + 1] = "\221" .. spack(">I4", n) end
      for i = 1, n do pack_value(v[i], depth + 1, out) end
    else
      local count = 0
      for _ in pairs(v) do count = count + 1 end
      if count < 16 then out[#out + 1] = schar(0x80 | count)
      elseif count < 0x10000 then out[#out + 1] = "\222" .. spack(">I2", count)
      else out[#out + 1] = "\223" .. spack(">I4", count) end
      for k, val in pairs(v) do
        pack_value(k, depth + 1, out)
        pack_value(val, depth + 1, out)
      end
    end
  else
    out[#out + 1] = "\192"
  end
end
cmsgpack.pack = function(...)
  local n = select("#", ...)
  if n == 0 then error("MessagePack pack needs input.", 2) end
  local out = {}
  for i = 1, n do pack_value((select(i, ...)), 0, out) end
  return concat(out)
end

local unpack_value
local function unpack_n(s, pos, n, fmt)
  local v
  v, pos = sunpack(fmt, s, pos)
  return v, pos
end
local function unpack_seq(s, pos, n, asmap)
  local t = {}
  for i = 1, n do
    if asmap then
      local k
      k, pos = unpack_value(s, pos)
      t[k], pos = unpack_value(s, pos)
    else
      t[i], pos = unpack_value(s, pos)
    end
  end
  return t, pos
end
unpack_value = function(s, pos)
  local c = sbyte(s, pos)
  if c == nil then lib_error("Missing bytes in input.") end
  pos = pos + 1
  if c < 0x80 then return c, pos end
  if c >= 0xe0 then return c - 256, pos end
  if c >= 0xa0 and c < 0xc0 then return ssub(s, pos, pos + (c & 31) - 1), pos + (c & 31) end
  if c >= 0x90 and c < 0xa0 then return unpack_seq(s, pos, c & 15, false) end
  if c >= 0x80 and c < 0x90 then return unpack_seq(s, pos, c & 15, true) end
  if c == 0xc0 then return nil, pos end
  if c == 0xc2 then return false, pos end
  if c == 0xc3 then return true, pos end
  if c == 0xca then return unpack_n(s, pos, 4, ">f") end
  if c == 0xcb then return unpack_n(s, pos, 8, ">d") end
  if c == 0xcc then return unpack_n(s, pos, 1, ">I1") end
  if c == 0xcd then return unpack_n(s, pos, 2, ">I2") end
  if c == 0xce then return unpack_n(s, pos, 4, ">I4") end
  if c == 0xcf then return unpack_n(s, pos, 8, ">i8") end
  if c == 0xd0 then return unpack_n(s, pos, 1, ">i1") end
  if c == 0xd1 then return unpack_n(s, pos, 2, ">i2") end
  if c == 0xd2 then return unpack_n(s, pos, 4, ">i4") end
  if c == 0xd3 then return unpack_n(s, pos, 8, ">i8") end
  if c == 0xd9 or c == 0xc4 then local n; n, pos = sunpack(">I1", s, pos) return ssub(s, pos, pos + n - 1), pos + n end
  if c == 0xda or c == 0xc5 then local n; n, pos = sunpack(">I2", s, pos) return ssub(s, pos, pos + n - 1), pos + n end
  if c == 0xdb or c == 0xc6 then local n; n, pos = sunpack(">I4", s, pos) return ssub(s, pos, pos + n - 1), pos + n end
  if c == 0xdc then local n; n, pos = sunpack(">I2", s, pos) return unpack_seq(s, pos, n, false) end
  if c == 0xdd then local n; n, pos = sunpack(">I4", s, pos) return unpack_seq(s, pos, n, false) end
  if c == 0xde then local n; n, pos = sunpack(">I2", s, pos) return unpack_seq(s, pos, n, true) end
  if c == 0xdf then local n; n, pos = sunpack(">I4", s, pos) return unpack_seq(s, pos, n, true) end
  lib_error("Bad data format in input.")
end
-- Decodes up to limit objects (0: all) starting at offset; returns the next offset (-1 at the end) and the objects.
local function unpack_limited(s, limit, offset)
  if type(s) ~= "string" then error("bad argument #1 to 'unpack' (string expected)", 3) end
  local pos, out, n = (offset or 0) + 1, {}, 0
  while pos <= #s and (limit == 0 or n < limit) do
    local v, nextpos = unpack_value(s, pos)
    n = n + 1
    out[n] = v
    pos = nextpos
  end
  return pos > #s and -1 or pos - 1, out, n
end
cmsgpack.unpack = function(s)
  local _, out, n = unpack_limited(s, 0, 0)
  return table.unpack(out, 1, n)
end
cmsgpack.unpack_one = function(s, offset)
  local nextoff, out, n = unpack_limited(s, 1, offset)
  return nextoff, table.unpack(out, 1, n)
end
cmsgpack.unpack_limit = function(s, limit, offset)
  local nextoff, out, n = unpack_limited(s, limit, offset)
  return nextoff, table.unpack(out, 1, n)
end

---------------------------------------------------------------- struct
-- Roberto Ierusalimschy's struct library maps onto string.pack: 's' (a
-- zero-terminated string) is 'z', 'c' without a size is one char, and 'l'/'L'
-- are 8 bytes and 'i'/'I' 4 bytes by default, as on Redis's 64-bit builds.
local function struct_format(fmt)
  if type(fmt) ~= "string" then error("bad argument #1 (string expected)", 3) end
  return (fmt:gsub("([sc])(%d*)", function(o, n)
    if o == "s" then return "z" end
    if n == "" then return "c1" end
    return "c" .. n
  end))
end
local struct = {}
struct.pack = function(fmt, ...)
  local args = { ... }
  for i = 1, select("#", ...) do
    local v = args[i]
    if type(v) == "number" and math_type(v) == "float" then args[i] = tointeger(v) or v end
  end
  return spack(struct_format(fmt), table.unpack(args, 1, select("#", ...)))
end
struct.unpack = function(fmt, s, pos)
  return sunpack(struct_format(fmt), s, pos)
end
struct.size = function(fmt)
  return string.packsize(struct_format(fmt))
end

return { bit = bit, cjson = cjson, cmsgpack = cmsgpack, struct = struct, error = lib_error }
