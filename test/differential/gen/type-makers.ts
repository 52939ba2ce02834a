// Commands the harness mixes into every family's sequence so keys change type
// and WRONGTYPE paths get exercised. Each is used only once AiKv implements it.

import type { CommandSpec } from "./gen.ts";

export const TYPE_MAKERS: Record<string, CommandSpec> = {
  set: { gen: (g) => ["SET", g.key(), g.value()] },
  rpush: { gen: (g) => ["RPUSH", g.key(), g.value(), g.value()] },
  hset: { gen: (g) => ["HSET", g.key(), g.pick(["f1", "f2", "f3"]), g.value()] },
  sadd: { gen: (g) => ["SADD", g.key(), g.value(), g.value()] },
  zadd: { gen: (g) => ["ZADD", g.key(), String(g.int(-5, 5)), g.pick(["m1", "m2", "m3"])] },
};
