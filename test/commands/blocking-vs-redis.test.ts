// Multi-client blocking scenarios run against AiKv and a real redis-server:
// the transcripts (who got what, what is left) must be identical.

import { blocked, compareScenarios, type Scenario, settle } from "../helpers/blocking-scenarios.ts";
import { ENGINES } from "../helpers/server.ts";

const SCENARIOS: Record<string, Scenario> = {
  async "waiters on shared keys are served in arrival order across keys and ends"(client, log) {
    const admin = client();
    const p1 = settle(client().blpop("a", "b", 0));
    await blocked(admin, 1);
    const p2 = settle(client().blpop("b", 0));
    await blocked(admin, 2);
    const p3 = settle(client().brpop("a", 0));
    await blocked(admin, 3);
    log.push(await admin.rpush("b", "1", "2", "3"));
    log.push(await p1, await p2, await admin.lrange("b", 0, -1));
    log.push(await admin.rpush("a", "x", "y"));
    log.push(await p3, await admin.lrange("a", 0, -1));
  },

  async "BLMOVE into a destination of another type fails and leaves the element"(client, log) {
    const admin = client();
    const p = settle(client().blmove("src", "dst", "LEFT", "RIGHT", 0));
    await blocked(admin, 1);
    await admin.set("dst", "string");
    log.push(await admin.rpush("src", "v"));
    log.push(await p, await admin.lrange("src", 0, -1));
  },

  async "BRPOPLPUSH onto its own key rotates the pushed list"(client, log) {
    const admin = client();
    const p = settle(client().brpoplpush("k", "k", 0));
    await blocked(admin, 1);
    log.push(await admin.rpush("k", "x", "y", "z"));
    log.push(await p, await admin.lrange("k", 0, -1));
  },

  async "a chain of BLMOVEs ends at a BLPOP"(client, log) {
    const admin = client();
    const p1 = settle(client().blmove("c1", "c2", "RIGHT", "LEFT", 0));
    await blocked(admin, 1);
    const p2 = settle(client().blmove("c2", "c3", "LEFT", "LEFT", 0));
    await blocked(admin, 2);
    const p3 = settle(client().blpop("c3", 0));
    await blocked(admin, 3);
    log.push(await admin.rpush("c1", "v", "w"));
    log.push(await p1, await p2, await p3);
    log.push(await admin.lrange("c1", 0, -1), await admin.exists("c2", "c3"));
  },

  async "a zset on the awaited key is ignored, a later list is served"(client, log) {
    const admin = client();
    const p = settle(client().blpop("z", 0));
    await blocked(admin, 1);
    await admin.zadd("z", 1, "m");
    await Bun.sleep(20);
    log.push(await admin.info("clients").then((s) => /blocked_clients:(\d+)/.exec(s)![1]));
    await admin.del("z");
    await admin.lpush("z", "l");
    log.push(await p);
  },

  async "waiters are served after EXEC: a push undone inside MULTI wakes nobody"(client, log) {
    const admin = client();
    const p1 = settle(client().blpop("tx", 0.3));
    await blocked(admin, 1);
    log.push(await admin.multi().rpush("tx", "a").lpop("tx").exec());
    log.push(await p1);
    const p2 = settle(client().blpop("tx", 0));
    await blocked(admin, 1);
    log.push(await admin.multi().rpush("tx", "x", "y").lpop("tx").exec());
    log.push(await p2, await admin.lrange("tx", 0, -1));
  },

  async "blocking commands inside MULTI answer like their non-blocking forms"(client, log) {
    const admin = client();
    log.push(await admin.multi().blpop("none", 0).brpoplpush("none", "x", 0).blmove("none", "x", "LEFT", "LEFT", 0).blmpop(0, 1, "none", "LEFT").exec());
    await admin.rpush("some", "v");
    log.push(await admin.multi().blpop("none", "some", 0).exec());
  },

  async "BLMPOP serves up to COUNT; a second waiter gets nothing and times out"(client, log) {
    const admin = client();
    const p1 = settle(client().blmpop(0, 2, "m1", "m2", "LEFT", "COUNT", 10));
    await blocked(admin, 1);
    const p2 = settle(client().blmpop(0.2, 1, "m2", "RIGHT"));
    await blocked(admin, 2);
    log.push(await admin.rpush("m2", "a", "b", "c"));
    log.push(await p1, await p2, await admin.exists("m2"));
  },
};

compareScenarios("blocking scenarios", SCENARIOS, ENGINES);
