// Blocking stream reads with several clients, against AiKv and a real
// redis-server: who is served what, in which order, and what is left.

import { blocked, compareScenarios, type Scenario, settle } from "../helpers/blocking-scenarios.ts";
import { ENGINES } from "../helpers/server.ts";

const SCENARIOS: Record<string, Scenario> = {
  async "XREAD waiters on several streams each get what arrived on theirs"(client, log) {
    const admin = client();
    await admin.xadd("s1", "1-0", "f", "old");
    const p1 = settle(client().call("XREAD", "BLOCK", "0", "STREAMS", "s1", "s2", "$", "$"));
    await blocked(admin, 1);
    const p2 = settle(client().call("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s2", "0-0"));
    await blocked(admin, 2);
    log.push(await admin.xadd("s2", "5-0", "f", "a"), await admin.xadd("s2", "6-0", "f", "b"));
    log.push(await p1, await p2);
  },

  async "XREADGROUP waiters of one group share new entries in arrival order; NOACK leaves no PEL"(client, log) {
    const admin = client();
    await admin.xgroup("CREATE", "q", "g", "$", "MKSTREAM");
    const p1 = settle(client().call("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "q", ">"));
    await blocked(admin, 1);
    const p2 = settle(client().call("XREADGROUP", "GROUP", "g", "c2", "NOACK", "BLOCK", "0", "STREAMS", "q", ">"));
    await blocked(admin, 2);
    log.push(await admin.multi().xadd("q", "1-0", "n", "1").xadd("q", "2-0", "n", "2").exec());
    log.push(await p1, await admin.info("clients").then((s) => /blocked_clients:(\d+)/.exec(s)![1]));
    log.push(await admin.xadd("q", "3-0", "n", "3"));
    log.push(await p2, await admin.call("XPENDING", "q", "g"), await admin.call("XINFO", "GROUPS", "q"));
  },

  async "a transaction adding and deleting an entry: the blocked reader ends as in Redis"(client, log) {
    const admin = client();
    await admin.xadd("t", "1-0", "f", "v");
    const p = settle(client().call("XREAD", "BLOCK", "300", "STREAMS", "t", "$"));
    await blocked(admin, 1);
    log.push(await admin.multi().xadd("t", "2-0", "f", "w").xdel("t", "2-0").exec());
    log.push(await p);
  },

  async "a blocked XREADGROUP ends when its group or its stream goes (XGROUP DESTROY, DEL, FLUSHALL)"(client, log) {
    const admin = client();
    await admin.xgroup("CREATE", "d1", "g", "$", "MKSTREAM");
    await admin.xgroup("CREATE", "d2", "g", "$", "MKSTREAM");
    const p1 = settle(client().call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "d1", ">"));
    await blocked(admin, 1);
    const p2 = settle(client().call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "d2", ">"));
    await blocked(admin, 2);
    log.push(await admin.xgroup("DESTROY", "d1", "g"), await p1);
    log.push(await admin.del("d2"), await p2);
    await admin.xgroup("CREATE", "d3", "g", "$", "MKSTREAM");
    const p3 = settle(client().call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "d3", ">"));
    await blocked(admin, 1);
    log.push(await admin.flushall(), await p3);
  },

  async "XREAD BLOCK inside MULTI answers at once"(client, log) {
    const admin = client();
    log.push(await admin.multi().call("XREAD", "BLOCK", "0", "STREAMS", "none", "$").exec());
  },
};

compareScenarios("blocking stream reads", SCENARIOS, ENGINES);
