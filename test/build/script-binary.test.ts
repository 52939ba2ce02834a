// Scripting inside the compiled executable: the Lua WebAssembly module and
// the Lua sources are embedded in dist/aikv, which runs EVAL without
// node_modules or the sources.

import { expect, test } from "bun:test";
import { BINARY, ensureBinary } from "../helpers/binary.ts";
import { startAikv } from "../helpers/server.ts";

test("dist/aikv runs EVAL, EVALSHA and FCALL", async () => {
  expect(await ensureBinary()).toBe("");
  const srv = await startAikv([], { binary: BINARY });
  try {
    const r = srv.client();
    expect(await r.eval("return redis.call('INCR', KEYS[1])", 1, "n")).toBe(1);
    expect(await r.eval("return cjson.encode({1, 'x'})", 0)).toBe('[1,"x"]');
    const sha = (await r.script("LOAD", "return ARGV[1]")) as string;
    expect(await r.evalsha(sha, 0, "arg")).toBe("arg");
    expect(await r.function("LOAD", "#!lua name=l\nredis.register_function('f', function() return 7 end)")).toBe("l");
    expect(await r.fcall("f", 0)).toBe(7);
  } finally {
    await srv.stop();
  }
}, 120000);
