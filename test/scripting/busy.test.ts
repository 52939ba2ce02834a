// Busy scripts: past busy-reply-threshold other clients get -BUSY, SCRIPT KILL
// / FUNCTION KILL stop a script that hasn't written, SHUTDOWN NOSAVE stops the
// server otherwise, and the script stays atomic. Every scenario runs against
// AiKv and the real redis-server, and both must answer the same.

import { afterAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { ENGINES, hasRedisServer, type RunningServer, startAikv, startRedis } from "../helpers/server.ts";

const THRESHOLD = ["--busy-reply-threshold", "100"];
const LOOP_FUNCTIONS = `#!lua name=busylib
redis.register_function('spin', function() while true do end end)`;

/** A reply or the error it raised, as text. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return await p;
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

/** Waits until the server answers -BUSY (the script passed the threshold). */
async function untilBusy(r: Redis): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (String(await outcome(r.ping())).includes("BUSY")) return;
    await Bun.sleep(10);
  }
  throw new Error("the server never became busy");
}

type Scenario = (srv: RunningServer) => Promise<unknown[]>;

const scenarios: Record<string, Scenario> = {
  async "SCRIPT KILL stops a script that hasn't written; only allow_busy commands run meanwhile"(srv) {
    const [caller, other] = [srv.client(), srv.client()];
    const script = outcome(caller.eval("while true do end", 0));
    await untilBusy(other);
    const during = await Promise.all([
      outcome(other.get("x")),
      outcome(other.set("x", "1")),
      outcome(other.eval("return 1", 0)),
      outcome(other.call("FUNCTION", "KILL")),
      outcome(other.call("FUNCTION", "STATS")),
      outcome(other.call("SHUTDOWN")),
      outcome(other.call("HELLO", "2").then((h) => (h as unknown[]).length)),
    ]);
    const kill = await outcome(other.call("SCRIPT", "KILL"));
    return [...during, kill, await script, await outcome(other.call("SCRIPT", "KILL")), await outcome(other.get("x"))];
  },

  async "the caller's pipelined commands wait for the script and keep their order"(srv) {
    const [caller, other] = [srv.client(), srv.client()];
    const pipeline = caller.pipeline().eval("while true do end", 0).set("after", "1").get("after").exec();
    await untilBusy(other);
    const busyGet = await outcome(other.get("after"));
    await other.call("SCRIPT", "KILL");
    const replies = (await pipeline)!.map(([err, value]) => (err ? `error: ${err.message}` : value));
    return [busyGet, ...replies];
  },

  async "a script finishing by itself returns its result, and nothing ran in between"(srv) {
    const [caller, other] = [srv.client(), srv.client()];
    // Spins for 1.5 s of real time (TIME is not frozen) between two writes.
    const body = `redis.call('INCR', KEYS[1])
      local t = redis.call('TIME'); local start = t[1] * 1000000 + t[2]
      repeat local n = redis.call('TIME') until n[1] * 1000000 + n[2] - start > 1500000
      return redis.call('INCR', KEYS[1])`;
    const script = outcome(caller.eval(body, 1, "n"));
    await untilBusy(other);
    const attempt = await outcome(other.incr("n"));
    const killed = await outcome(other.call("SCRIPT", "KILL"));
    return [attempt, killed, await script, await other.get("n")];
  },

  async "FUNCTION KILL stops a function; FUNCTION STATS shows it; SCRIPT KILL refuses"(srv) {
    const [caller, other] = [srv.client(), srv.client()];
    await caller.call("FUNCTION", "LOAD", "REPLACE", LOOP_FUNCTIONS);
    const fn = outcome(caller.call("FCALL", "spin", "0"));
    await untilBusy(other);
    const busy = await outcome(other.get("x"));
    const scriptKill = await outcome(other.call("SCRIPT", "KILL"));
    const stats = (await other.call("FUNCTION", "STATS")) as unknown[];
    const running = stats[1] as unknown[];
    expect(running[5]).toBeGreaterThanOrEqual(100); // duration_ms
    running[5] = "duration";
    const kill = await outcome(other.call("FUNCTION", "KILL"));
    return [busy, scriptKill, stats, kill, await fn, await outcome(other.call("FUNCTION", "KILL"))];
  },

  async "the script's own coroutines yield; the script itself can't"(srv) {
    const r = srv.client();
    return [
      await outcome(r.eval("local co = coroutine.wrap(function() coroutine.yield(5) end) return co()", 0)),
      await outcome(r.eval("coroutine.yield(1) return 2", 0)),
      await outcome(r.eval("return coroutine.isyieldable == nil", 0)),
    ];
  },

  async "a script that wrote is UNKILLABLE; SHUTDOWN NOSAVE stops the server"(srv) {
    const [caller, other] = [srv.client(), srv.client()];
    const script = outcome(caller.eval("redis.call('SET', 'w', '1') while true do end", 0));
    await untilBusy(other);
    const kill = await outcome(other.call("SCRIPT", "KILL"));
    const shutdown = await outcome(other.call("SHUTDOWN"));
    void other.call("SHUTDOWN", "NOSAVE").catch(() => {});
    const exit = await Promise.race([srv.proc.exited.then(() => "exited"), Bun.sleep(5000).then(() => "still running")]);
    return [kill, shutdown, exit, String(await script).startsWith("error: ")];
  },
};

const redisAvailable = hasRedisServer();

for (const engine of ENGINES) {
  describe(`busy scripts (${engine})`, () => {
    const servers: RunningServer[] = [];
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
    });

    /** A pair of servers: shared by the scenarios, except that SHUTDOWN gets its own (it stops them). */
    let shared: Promise<RunningServer[]> | null = null;
    const pair = async (): Promise<RunningServer[]> => {
      const started = await Promise.all([startAikv(["--engine", engine, ...THRESHOLD]), startRedis(THRESHOLD)]);
      servers.push(...started);
      return started;
    };

    for (const [name, scenario] of Object.entries(scenarios)) {
      test.skipIf(!redisAvailable)(name, async () => {
        const [aikv, redis] = name.includes("SHUTDOWN") ? await pair() : await (shared ??= pair());
        const [ours, theirs] = await Promise.all([scenario(aikv), scenario(redis)]);
        expect(ours).toEqual(theirs);
      }, 20000);
    }
  });
}
