// Scripting through a real client (ioredis): EVAL/EVALSHA and defineCommand,
// binary safety, 64-bit integers, atomicity and frozen time, blocking
// commands, FUNCTION/FCALL, and AiKv's lua-atomic-rollback and
// lua-script-max-time.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { ENGINES, type RunningServer, startAikv } from "../helpers/server.ts";

for (const engine of ENGINES) {
  describe(`scripting (${engine})`, () => {
    let srv: RunningServer;
    let r: Redis;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
      r = srv.client();
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("EVAL, EVALSHA and ioredis defineCommand (EVALSHA falling back to EVAL)", async () => {
      expect(await r.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, "k", "v")).toBe("OK");
      expect(await r.eval("return redis.call('GET', KEYS[1])", 1, "k")).toBe("v");
      const sha = (await r.script("LOAD", "return redis.call('INCR', KEYS[1])")) as string;
      expect(sha).toBe(new Bun.CryptoHasher("sha1").update("return redis.call('INCR', KEYS[1])").digest("hex"));
      expect(await r.evalsha(sha, 1, "n")).toBe(1);
      expect(await r.evalsha(sha.toUpperCase(), 1, "n")).toBe(2);
      r.defineCommand("addTwice", { numberOfKeys: 1, lua: "redis.call('INCRBY', KEYS[1], ARGV[1]); return redis.call('INCRBY', KEYS[1], ARGV[1])" });
      await r.script("FLUSH");
      // ioredis sends EVALSHA first and falls back to EVAL on NOSCRIPT.
      expect(await (r as unknown as { addTwice(k: string, n: number): Promise<number> }).addTwice("m", 5)).toBe(10);
      expect(await (r as unknown as { addTwice(k: string, n: number): Promise<number> }).addTwice("m", 5)).toBe(20);
    });

    test("binary-safe keys, values and script bodies", async () => {
      const key = Buffer.from([0, 255, 128, 10, 13]);
      const val = Buffer.from([1, 2, 0, 200, 250, 0xe9]);
      await r.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, key, val);
      expect(Buffer.compare((await r.getBuffer(key))!, val)).toBe(0);
      const back = (await r.callBuffer("EVAL", "return redis.call('GET', KEYS[1])", 1, key)) as Buffer;
      expect(Buffer.compare(back, val)).toBe(0);
      const body = Buffer.concat([Buffer.from("return '"), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from("'")]);
      expect(Buffer.compare((await r.callBuffer("EVAL", body, 0)) as Buffer, Buffer.from([0xff, 0xfe, 0x80]))).toBe(0);
    });

    test("64-bit integers cross the bridge exactly", async () => {
      // Inside Lua integer replies are exact 64-bit integers, visible with %d (tostring and
      // replies back to the client go through a double, as in Redis: see vs-redis.test.ts).
      await r.set("big", "9223372036854775806");
      expect(await r.eval("return string.format('%d', redis.call('INCR', 'big'))", 0)).toBe("9223372036854775807");
      expect(await r.eval("return string.format('%d', redis.call('DECRBY', 'big', 2))", 0)).toBe("9223372036854775805");
      expect(await r.eval("return tostring(redis.call('INCR', 'big'))", 0)).toBe("9.2233720368548e+18");
      await r.set("small", "-9007199254740993");
      expect(await r.eval("return string.format('%d', redis.call('INCRBY', 'small', 0))", 0)).toBe("-9007199254740993");
    });

    test("time is frozen during a script; blocking commands don't block", async () => {
      const t = (await r.eval(
        "redis.call('SET', 'exp', 'x', 'PX', 1); local t0 = redis.call('TIME'); local n = 0; for i = 1, 2000000 do n = n + i end; return {redis.call('EXISTS', 'exp'), t0[1]}",
        0,
      )) as [number, string];
      expect(t[0]).toBe(1);
      // BLMPOP and BZMPOP are the blocking commands scripts may call: they answer at once.
      expect(await r.eval("return redis.call('BLMPOP', 0, 1, 'nolist', 'LEFT')", 0)).toBeNull();
      expect(await r.eval("return redis.call('BZMPOP', 0, 1, 'nozset', 'MIN')", 0)).toBeNull();
    });

    test("scripts are atomic: another client's command waits for the script", async () => {
      const other = srv.client();
      const slow = r.eval("redis.call('SET', 'atom', 'a'); local n = 0; for i = 1, 3000000 do n = n + 1 end; redis.call('SET', 'atom', 'b'); return n", 0);
      const seen = other.get("atom");
      await slow;
      expect(await seen).toBe("b");
      other.disconnect();
    });

    test("FUNCTION LOAD, FCALL, FCALL_RO, DUMP and RESTORE", async () => {
      const code = "#!lua name=counters\nredis.register_function('bump', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)\nredis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}";
      expect(await r.function("LOAD", code)).toBe("counters");
      expect(await r.fcall("bump", 1, "c", 3)).toBe(3);
      expect(await r.fcall_ro("peek", 1, "c")).toBe("3");
      await expect(r.fcall_ro("bump", 1, "c", 1)).rejects.toThrow("Can not execute a script with write flag");
      const dump = (await r.callBuffer("FUNCTION", "DUMP")) as Buffer;
      expect(await r.function("FLUSH")).toBe("OK");
      await expect(r.fcall("bump", 1, "c", 1)).rejects.toThrow("Function not found");
      expect(await r.call("FUNCTION", "RESTORE", dump)).toBe("OK");
      expect(await r.fcall("bump", 1, "c", 1)).toBe(4);
      await expect(r.call("FUNCTION", "RESTORE", dump)).rejects.toThrow("Library counters already exists");
      expect(await r.call("FUNCTION", "RESTORE", dump, "REPLACE")).toBe("OK");
    });

    test("INFO memory counts cached scripts, functions and libraries", async () => {
      await r.script("FLUSH");
      await r.function("FLUSH");
      await r.script("LOAD", "return 'info 1'");
      await r.script("LOAD", "return 'info 2'");
      await r.function("LOAD", "#!lua name=infolib\nredis.register_function('i1', function() end)\nredis.register_function('i2', function() end)");
      const info = await r.info("memory");
      const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(info)?.[1]);
      expect(field("number_of_cached_scripts")).toBe(2);
      expect(field("used_memory_scripts_eval")).toBe(2 * "return 'info 1'".length);
      expect(field("number_of_functions")).toBe(2);
      expect(field("number_of_libraries")).toBe(1);
      expect(field("used_memory_lua")).toBeGreaterThan(0);
    });

    test("a script's SELECT doesn't change the caller's database", async () => {
      await r.eval("redis.call('SELECT', 1); return redis.call('SET', 'in1', 'x')", 0);
      expect(await r.get("in1")).toBeNull();
      await r.select(1);
      expect(await r.get("in1")).toBe("x");
      await r.select(0);
    });
  });

  describe(`lua-atomic-rollback and lua-script-max-time (${engine})`, () => {
    let srv: RunningServer;
    let r: Redis;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine, "--lua-atomic-rollback", "yes", "--lua-script-max-time", "300"]);
      r = srv.client();
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("a failing script's writes are undone, values and TTLs restored", async () => {
      await r.set("a", "1");
      await r.rpush("l", "x", "y");
      await r.set("ttl", "v", "EX", 1000);
      await expect(
        r.eval("redis.call('SET', 'a', '2'); redis.call('DEL', 'l'); redis.call('SET', 'new', 'n'); redis.call('SET', 'ttl', 'w'); redis.call('RPUSH', 'l', 'z'); error('fail')", 0),
      ).rejects.toThrow("fail");
      expect(await r.get("a")).toBe("1");
      expect(await r.lrange("l", 0, -1)).toEqual(["x", "y"]);
      expect(await r.exists("new")).toBe(0);
      expect(await r.get("ttl")).toBe("v");
      expect(await r.ttl("ttl")).toBeGreaterThan(900);
      // Successful scripts keep their writes; a caught error (pcall) doesn't undo anything.
      expect(await r.eval("redis.call('SET', 'a', '3'); redis.pcall('INCR', 'l'); return 1", 0)).toBe(1);
      expect(await r.get("a")).toBe("3");
      await expect(r.eval("return redis.call('FLUSHALL')", 0)).rejects.toThrow("can't be undone");
    });

    test("a runaway script is aborted after lua-script-max-time, and its writes undone", async () => {
      await r.set("runaway", "before");
      const started = Date.now();
      await expect(r.eval("redis.call('SET', 'runaway', 'during'); while true do pcall(function() end) end", 0)).rejects.toThrow("lua-script-max-time");
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await r.get("runaway")).toBe("before");
      expect(await r.ping()).toBe("PONG");
    });
  });
}
