// Generated Lua scripts: EVAL bodies built from a small typed grammar of
// expressions (literals, KEYS/ARGV, redis.call/pcall on the shared key space,
// conversions, tables, status/error tables, library calls), so conversions
// both ways and error replies are compared with redis-server's.
//
// The grammar avoids what legitimately differs between Lua 5.1 and 5.4:
// runtime error messages of the VM itself, `..` on floats, integer overflow,
// and anything iterating a hash part (pairs order, cjson objects).

import type { Family, Gen } from "./gen.ts";

const KEY_COUNT = 3;

function keyRef(g: Gen): string {
  return `KEYS[${g.int(1, KEY_COUNT)}]`;
}

function argRef(g: Gen): string {
  return `ARGV[${g.int(1, 3)}]`;
}

function num(g: Gen, depth: number): string {
  const leaf = (): string =>
    g.pick([
      () => String(g.int(-100, 100)),
      () => g.pick(["1.5", "-0.25", "10/4", "7/2", "10/2", "2^53", "-2^31", "1e15", "0.1"]),
      () => `#${argRef(g)}`,
      // Not ARGV: Lua 5.4's tonumber rejects "nan"/"inf" and reads "-0" as an integer.
      () => `(tonumber('${g.pick(["12", "3.5", "-7", "1e3", "0x10", "abc", " 5 "])}') or 0)`,
    ])();
  if (depth <= 0 || g.chance(0.5)) return leaf();
  return g.pick([
    () => `(${num(g, depth - 1)} + ${num(g, depth - 1)})`,
    () => `(${num(g, depth - 1)} * 3)`,
    () => `math.floor(${num(g, depth - 1)})`,
    () => `bit.band(${num(g, depth - 1)}, 255)`,
    () => `bit.bxor(${num(g, depth - 1)}, 7)`,
    () => `string.len(${str(g, depth - 1)})`,
    // tonumber: under EVAL_RO a write returns an {err=...} table, whose tostring is an address.
    () => `(tonumber(redis.pcall('EXISTS', ${keyRef(g)})) or -2)`,
    () => `(tonumber(redis.pcall('DEL', ${keyRef(g)})) or -2)`,
    () => `(tonumber(redis.pcall('GET', ${keyRef(g)})) or -1)`,
  ])();
}

function str(g: Gen, depth: number): string {
  const leaf = (): string => g.pick([() => argRef(g), () => `'${g.pick(["abc", "", "x y", "123", "-7", "3.5"])}'`])();
  if (depth <= 0 || g.chance(0.4)) return leaf();
  return g.pick([
    () => `tostring(${num(g, depth - 1)})`,
    () => `string.upper(${str(g, depth - 1)})`,
    () => `string.rep(${str(g, depth - 1)}, 2)`,
    () => `(${str(g, depth - 1)} .. ${str(g, depth - 1)})`,
    () => `type(${any(g, depth - 1)})`,
    () => `redis.sha1hex(${str(g, depth - 1)})`,
    // Leaves only: a pcall result may be an {err=...} table, which cjson encodes in hash order.
    () => `cjson.encode({${num(g, 0)}, ${str(g, 0)}})`,
    () => `bit.tohex(${num(g, depth - 1)})`,
    () => `(redis.pcall('GET', ${keyRef(g)}) or 'none')`,
    () => `redis.pcall('TYPE', ${keyRef(g)}).ok`,
  ])();
}

/** Commands whose replies scripts see (writes on the shared keys, errors on wrong types). */
function call(g: Gen, depth: number): string {
  const fn = g.pick(["redis.pcall", "redis.pcall", "redis.call"]);
  const k = keyRef(g);
  return g.pick([
    () => `${fn}('SET', ${k}, ${g.chance(0.5) ? num(g, depth - 1) : str(g, depth - 1)})`,
    () => `${fn}('GET', ${k})`,
    () => `${fn}('INCR', ${k})`,
    () => `${fn}('INCRBYFLOAT', ${k}, '1.5')`,
    () => `${fn}('LPUSH', ${k}, ${str(g, depth - 1)})`,
    () => `${fn}('LRANGE', ${k}, 0, -1)`,
    () => `${fn}('HSET', ${k}, 'f', ${str(g, depth - 1)})`,
    () => `${fn}('HGET', ${k}, 'f')`,
    () => `${fn}('ZADD', ${k}, ${num(g, depth - 1)}, 'm')`,
    () => `${fn}('ZRANGE', ${k}, 0, -1, 'WITHSCORES')`,
    () => `${fn}('PING')`,
    () => `${fn}('EXPIRE', ${k}, 1000)`,
    // Capped: a remaining TTL of 1000 s reads 999 once 500 ms have passed, which a loaded machine can take.
    () => `math.min(${fn}('TTL', ${k}), 900)`,
    () => `${fn}('GETRANGE', ${k}, 0, 2)`,
    () => `${fn}('NOSUCHCMD')`,
    () => `${fn}('GET')`,
  ])();
}

function any(g: Gen, depth: number): string {
  const options: (() => string)[] = [
    () => num(g, depth),
    () => str(g, depth),
    () => g.pick(["true", "false", "nil"]),
    () => call(g, depth),
  ];
  if (depth > 0) {
    options.push(
      () => `{${Array.from({ length: g.int(0, 4) }, () => any(g, depth - 1)).join(", ")}}`,
      () => `{ok=${str(g, depth - 1)}}`,
      () => `{err=${str(g, depth - 1)}}`,
      () => `redis.status_reply(${str(g, depth - 1)})`,
      () => `redis.error_reply(${str(g, depth - 1)})`,
      () => `cjson.decode(cjson.encode({${num(g, 0)}, ${str(g, 0)}}))`,
      () => `{cmsgpack.unpack(cmsgpack.pack(${num(g, depth - 1)}, ${str(g, depth - 1)}))}`,
    );
  }
  return g.pick(options)();
}

function script(g: Gen): string {
  const lines: string[] = [];
  for (let i = g.int(0, 3); i > 0; i--) lines.push(g.chance(0.15) ? `if ${any(g, 1)} then error(${str(g, 1)}) end` : call(g, 2));
  lines.push(`return ${any(g, 3)}`);
  return lines.join("\n");
}

export const scriptingFamily: Family = {
  name: "scripting",
  commands: {
    eval: {
      gen: (g) => ["EVAL", script(g), String(KEY_COUNT), g.key(), g.key(), g.key(), g.value(), g.value(), String(g.int(-5, 5))],
    },
    eval_ro: {
      weight: 0.2,
      gen: (g) => ["EVAL_RO", script(g), String(KEY_COUNT), g.key(), g.key(), g.key(), g.value(), g.value(), g.value()],
    },
  },
};
