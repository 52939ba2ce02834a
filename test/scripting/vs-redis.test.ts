// Scripting replies and error messages compared byte for byte (RESP type and
// value) with a real redis-server 7.0.15: conversions both ways, error
// formats, the sandbox, the bundled libraries, FUNCTION and SCRIPT.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { render, RespClient } from "../differential/resp-client.ts";
import { ENGINES, hasRedisServer, type RunningServer, startAikv, startRedis } from "../helpers/server.ts";

const ev = (script: string, ...rest: string[]): string[] => ["EVAL", script, String(rest.length > 0 ? rest[0] : 0), ...rest.slice(1)];

/** Sequences run in order on both servers (state carries over inside a group). */
const GROUPS: Record<string, string[][]> = {
  conversions: [
    ev("return 1"),
    ev("return 3.99"),
    ev("return -3.99"),
    ev("return 9223372036854775807"),
    ev("return 'x'"),
    ev("return true"),
    ev("return false"),
    ev("return nil"),
    ev("return {1, 2, nil, 3}"),
    ev("return {true, false, 'x', {1, {2}}}"),
    ev("return {ok='fine'}"),
    ev("return {err='MY x'}"),
    ev("return {err='-MY dash'}"),
    ev("return redis.error_reply('FOO bar')"),
    ev("return redis.error_reply('foo bar')"),
    ev("return redis.status_reply('HI')"),
    ev("return tostring(10/2)"),
    ev("return tostring(2^53)"),
    ev("return tostring(0.1)"),
    ev("return 10/2"),
    ev("return {1.5, 2.5}"),
    ["SET", "s", "abc"],
    ["SET", "big", "9223372036854775806"],
    ev("return redis.call('incr', 'big')"),
    ev("return tostring(redis.call('incr', 'big'))"),
    ev("return redis.call('get', 'nokey')"),
    ev("return type(redis.call('get', 'nokey'))"),
    ev("return redis.call('ping')"),
    ev("return type(redis.call('ping'))"),
    ev("return redis.call('ping').ok"),
    ["HSET", "h", "a", "1"],
    ev("return redis.call('hgetall', 'h')"),
    ev("redis.call('set', 'f', 0.1); redis.call('set', 'g', 3.0); redis.call('set', 'i', 1e20); return redis.call('mget', 'f', 'g', 'i')"),
    ev("return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"),
    ev("return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}", "2", "a", "b", "c"),
    ev("return redis.call('lrange', 'nolist', 0, -1)"),
  ],
  resp3: [
    ["HSET", "h", "a", "1"],
    ["SADD", "st", "m"],
    ev("redis.setresp(3); return redis.call('hgetall', 'h')"),
    ev("redis.setresp(3); local r = redis.call('hgetall', 'h'); return r.map.a"),
    ev("redis.setresp(3); local r = redis.call('smembers', 'st'); return tostring(r.set.m)"),
    ev("redis.setresp(3); return redis.call('get', 'nokey') == nil"),
    ev("redis.setresp(3); return true"),
    ev("redis.setresp(3); return false"),
    ev("return {double=3.5}"),
    ev("return {map={a=1}}"),
    ev("return {set={a=true}}"),
    ev("return redis.setresp(4)"),
    ["HELLO", "3"],
    ev("redis.setresp(3); return redis.call('hgetall', 'h')"),
    ev("return {double=3.5}"),
    ev("return {map={a=1}}"),
    ev("redis.setresp(3); return true"),
    ev("return true"),
    ev("return false"),
    ev("return nil"),
  ],
  errors: [
    ["SET", "s", "abc"],
    ev("return redis.call('incr', 's')"),
    ev("return redis.pcall('incr', 's')"),
    ev("local r = redis.pcall('incr', 's'); return type(r) .. ' ' .. r.err"),
    ev("return redis.call('nosuch')"),
    ev("return redis.call('get')"),
    ev("return redis.call()"),
    ev("return redis.call(1)"),
    ev("return redis.call('set', 'x', {})"),
    ev("return redis.call('subscribe', 'x')"),
    ev("return redis.call('blpop', 'nolist', 0)"),
    ev("return redis.call('eval', 'return 1', 0)"),
    ["EVAL_RO", "return redis.call('set', 'x', 1)", "0"],
    ev("return x"),
    ev("x = 1"),
    ev("error('boom')"),
    ev("error({err='MY boom'})"),
    ev("\n\nerror('line three')"),
    ev("return +"),
    ["SCRIPT", "LOAD", "return +"],
    ev("return 1", "-1"),
    ev("return 1", "5"),
    ev("return 1", "x"),
    ["EVALSHA", "0000000000000000000000000000000000000000", "0"],
    ev("#!lua flags=no-writes\nreturn redis.call('set', 'a', 1)"),
    ev("#!lua name=x\nreturn 1"),
    ev("#!lua flags=bad\nreturn 1"),
    ev("#!py\nreturn 1"),
    ev("#!lua\nreturn 1"),
    ev("return cjson.decode('[1,')"),
    ev("return cjson.decode('{a}')"),
    ev("return redis.log(redis.LOG_WARNING)"),
    ["SCRIPT", "FLUSH", "bad"],
    ["SCRIPT", "KILL"],
    ["FUNCTION", "KILL"],
  ],
  sandbox: [
    ev("return type(os)"),
    ev("return type(io)"),
    ev("return type(debug)"),
    ev("return type(print)"),
    ev("return type(require)"),
    ev("return type(loadfile)"),
    ev("return type(dofile)"),
    ev("return type(setfenv)"),
    ev("return {type(coroutine), type(load), type(gcinfo), type(rawset), type(unpack), type(loadstring)}"),
    ev("return _VERSION"),
    ev("return loadstring('return 1')()"),
    ev("return unpack({1, 2})"),
    ev("redis.call = nil"),
    ev("string.x = 1"),
    ev("return tostring(math.random())"),
    ev("return {math.random(100), math.random(1, 10)}"),
    ev("math.randomseed(42); return math.random(1000)"),
    ev("return redis.sha1hex('')"),
    ev("return redis.sha1hex('abc')"),
    ev("return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}"),
    ev("return string.format('%d %s %5.2f', 3, 'x', 1.5)"),
    ev("return table.concat({1, 2, 3}, ',')"),
  ],
  libraries: [
    ev("return cjson.encode({1, 2, {a=1.5}})"),
    ev("return cjson.encode(cjson.decode('[1,2.5,null,\"x\",{\"a\":true}]'))"),
    ev("return cjson.encode({a='x/y\\n\\1'})"),
    ev("return cjson.encode({})"),
    ev("return cjson.encode(1/3)"),
    ev("return cjson.encode(cjson.decode('{\"a\":1e3}'))"),
    ev("return cjson.decode('\"\\\\u00e9\"')"),
    ev("return cjson.encode(cjson.null)"),
    ev("return cmsgpack.pack({1, 2, 3})"),
    ev("return cmsgpack.pack(1.5, 'abc', {a=1}, -1, 300, 70000, nil, true, 0.1, -200, 2^40)"),
    ev("return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}))}"),
    ev("return bit.tohex(65535)"),
    ev("return bit.tohex(-1, -4) .. ' ' .. bit.band(0xffffffff, 3) .. ' ' .. bit.bnot(0) .. ' ' .. bit.lshift(1, 31) .. ' ' .. bit.tobit(2^32+5)"),
    ev("return {bit.bor(1, 2, 4), bit.bxor(5, 3), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(1, 33), bit.ror(1, 1), bit.bswap(0x12345678)}"),
    ev("return struct.pack('>I2', 258)"),
    ev("return {struct.unpack('<i4', struct.pack('<i4', -5))}"),
    ev("return struct.size('>iH')"),
  ],
  functions: [
    ["FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return keys[1] end)\nredis.register_function{function_name='f2', callback=function(keys, args) return redis.call('set', keys[1], 1) end, flags={'no-writes'}}"],
    ["FCALL", "f1", "1", "a"],
    ["FCALL", "f2", "1", "a"],
    ["FCALL", "f3", "0"],
    ["FCALL_RO", "f1", "1", "a"],
    ["FCALL", "f1", "x"],
    ["FCALL", "nope", "5"],
    ["FUNCTION", "LOAD", "#!lua name=mylib\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua name=other\nerror('x')"],
    ["FUNCTION", "LOAD", "#!lua\nx"],
    ["FUNCTION", "LOAD", "#!lua name=bad\nlocal x = 1"],
    ["FUNCTION", "LOAD", "#!lua name=x2\n+"],
    ["FUNCTION", "LOAD", "#!lua name=x3\nredis.register_function('f1', function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=x4 foo=bar\n"],
    ["FUNCTION", "LOAD", "#!py name=x5\n"],
    ["FUNCTION", "LOAD", "lua name=x5\n"],
    ["FUNCTION", "LOAD", "#!lua name=x6\nredis.register_function('f 1', function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=x7\nredis.register_function{function_name='g', callback=function() end, flags={'bad'}}"],
    ["FUNCTION", "LOAD", "#!lua name=x8\nredis.register_function('g')"],
    ["FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\nredis.register_function('f9', function(keys, args) return redis.call('ping') end)"],
    ["FCALL", "f9", "0"],
    // Listed and dumped with one library holding one function: Redis walks both in hash order.
    ["FUNCTION", "LIST"],
    ["FUNCTION", "LIST", "WITHCODE"],
    ["FUNCTION", "LIST", "LIBRARYNAME", "my*"],
    ["FUNCTION", "LIST", "LIBRARYNAME", "zz*"],
    ["FUNCTION", "DUMP"],
    ["FCALL", "f1", "0"],
    ["FUNCTION", "STATS"],
    ["FUNCTION", "DELETE", "nope"],
    ["FUNCTION", "DELETE", "mylib"],
    ["FUNCTION", "LIST"],
    ["FUNCTION", "LOAD", "#!lua name=second\nredis.register_function{function_name='g1', callback=function() return 1 end, flags={'no-writes', 'allow-stale'}, description='about g1'}"],
    ["FUNCTION", "LIST"],
    ["FCALL_RO", "g1", "0"],
    ["FUNCTION", "RESTORE", "bad payload"],
    ["FUNCTION", "FLUSH"],
  ],
  scripts: [
    ["SCRIPT", "LOAD", "return 'loaded'"],
    ["EVALSHA", "c5c4dca50e2ba9d4dfb1ef3a40b2fcb9c9e0a2ab", "0"],
    ["SCRIPT", "EXISTS", "c5c4dca50e2ba9d4dfb1ef3a40b2fcb9c9e0a2ab", "0000000000000000000000000000000000000000"],
    ev("return 'cached by eval'"),
    ["SCRIPT", "FLUSH"],
    ["SCRIPT", "EXISTS", "c5c4dca50e2ba9d4dfb1ef3a40b2fcb9c9e0a2ab"],
    ["SCRIPT", "HELP"],
    ["FUNCTION", "HELP"],
  ],
};

for (const engine of ENGINES) {
  describe.skipIf(!hasRedisServer())(`scripting vs redis-server (${engine})`, () => {
    let aikv: RunningServer;
    let redis: RunningServer;
    beforeAll(async () => {
      [aikv, redis] = await Promise.all([startAikv(["--engine", engine]), startRedis()]);
    });
    afterAll(async () => {
      await Promise.all([aikv?.stop(), redis?.stop()]);
    });

    for (const [group, cmds] of Object.entries(GROUPS)) {
      test(group, async () => {
        const [a, r] = await Promise.all([RespClient.connect(aikv.port), RespClient.connect(redis.port)]);
        const [ra, rr] = await Promise.all([a.pipeline(cmds), r.pipeline(cmds)]);
        // HELLO's reply carries the connection id, which differs.
        const diffs = cmds.flatMap((cmd, i) =>
          cmd[0] === "HELLO" || render(ra[i]) === render(rr[i]) ? [] : [`${JSON.stringify(cmd)}\n  aikv:  ${render(ra[i])}\n  redis: ${render(rr[i])}`],
        );
        expect(diffs).toEqual([]);
      });
    }
  });
}
