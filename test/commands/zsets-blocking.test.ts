// BZPOPMIN/BZPOPMAX/BZMPOP with several real clients: wake-up on ZADD,
// first-come first-served, timeouts, and no wake-up for a key of another type.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ENGINES, startAikv, type RunningServer } from "../helpers/server.ts";

for (const engine of ENGINES) {
  describe(`blocking zset pops (${engine})`, () => {
    let srv: RunningServer;
    beforeAll(async () => {
      srv = await startAikv(["--engine", engine]);
    });
    afterAll(async () => {
      await srv.stop();
    });

    test("waiters are served first come, first served when members arrive", async () => {
      const [a, b, w] = [srv.client(), srv.client(), srv.client()];
      const first = a.bzpopmin("q1", 5);
      await Bun.sleep(50);
      const second = b.bzpopmax("q1", 5);
      await Bun.sleep(50);
      await w.zadd("q1", 1, "low", 2, "high");
      expect(await first).toEqual(["q1", "low", "1"]);
      expect(await second).toEqual(["q1", "high", "2"]);
      expect(await w.exists("q1")).toBe(0);
    });

    test("BZMPOP returns the key and the popped pairs", async () => {
      const [a, w] = [srv.client(), srv.client()];
      const pending = a.call("BZMPOP", "5", "2", "q2a", "q2b", "MAX", "COUNT", "2");
      await Bun.sleep(50);
      await w.zadd("q2b", 1, "x", 2, "y", 3, "z");
      expect(await pending).toEqual(["q2b", [["z", "3"], ["y", "2"]]]);
    });

    test("a timeout replies nil after about the given time", async () => {
      const a = srv.client();
      const t = Date.now();
      expect(await a.bzpopmin("q3", 0.2)).toBeNull();
      expect(Date.now() - t).toBeGreaterThanOrEqual(180);
    });

    test("a key recreated with another type does not wake a zset waiter", async () => {
      const [a, w] = [srv.client(), srv.client()];
      const pending = a.bzpopmin("q4", 1);
      await Bun.sleep(50);
      await w.rpush("q4", "not-a-zset");
      await w.del("q4");
      await w.zadd("q4", 7, "m");
      expect(await pending).toEqual(["q4", "m", "7"]);
    });
  });
}
