// Transactions (multi.c) on one connection: MULTI/EXEC/DISCARD/WATCH/UNWATCH
// interleaved with writes and reads (queued or not), commands rejected while
// queuing (unknown, wrong arity) and runtime errors inside EXEC.
// The connection's own writes between WATCH and EXEC break the watch.

import type { Family } from "./gen.ts";

export const transactionsFamily: Family = {
  name: "transactions",
  commands: {
    multi: { weight: 3, gen: (g) => g.arity(["MULTI"]) },
    exec: { weight: 3, gen: (g) => g.arity(["EXEC"]) },
    discard: { gen: (g) => g.arity(["DISCARD"]) },
    watch: { weight: 2, gen: (g) => ["WATCH", ...g.keyList(3)] },
    unwatch: { gen: (g) => g.arity(["UNWATCH"]) },
    set: { weight: 3, gen: (g) => g.arity(["SET", g.key(), g.value()]) },
    get: { weight: 2, gen: (g) => g.arity(["GET", g.key()]) },
    incr: { weight: 2, gen: (g) => g.arity(["INCR", g.key()]) },
    del: { gen: (g) => ["DEL", ...g.keyList(2)] },
    rpush: { gen: (g) => g.arity(["RPUSH", g.key(), g.value()]) },
    // Inside MULTI a blocking command replies at once; outside, the short timeout keeps runs fast.
    blpop: { weight: 0.5, gen: (g) => ["BLPOP", g.key(), "0.01"] },
    flushdb: { weight: 0.3, gen: () => ["FLUSHDB"] },
    select: { weight: 0.5, gen: (g) => ["SELECT", g.pick(["0", "1"])] },
    ping: { weight: 0.5, gen: () => ["PING"] },
    // Rejected before queuing: flags the transaction. (No no_multi command here: the harness
    // probes every command name bare, and a bare SHUTDOWN would stop the server.)
    unknown: { weight: 0.5, unprobed: true, gen: (g) => [g.pick(["NOSUCH", "GETT"]), g.key()] },
  },
};
