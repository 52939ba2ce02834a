// Connection commands and dispatcher paths: PING/ECHO/SELECT/AUTH/RESET,
// HELLO's error forms, unknown commands and wrong arity.

import type { Family, Gen } from "./gen.ts";

/** Names that are not commands, some long enough to hit the 128-byte truncation. */
function bogusName(g: Gen): string {
  return g.pick(["foo", "GETT", "", "x".repeat(200), g.binary(4).replace(/\0/g, "0"), "config|get", "get|x"]);
}

const unknownArgs = (g: Gen): string[] => g.options([() => [g.value().replace(/\0/g, "0")], () => ["x".repeat(g.int(100, 300))]], 3);

export const connectionFamily: Family = {
  name: "connection",
  commands: {
    ping: { weight: 2, gen: (g) => ["PING", ...g.options([() => [g.value()]], 2)] },
    echo: { weight: 2, gen: (g) => g.arity(["ECHO", g.value()]) },
    select: { gen: (g) => g.arity(["SELECT", g.pick(["0", "1", "15", "16", "-1", "abc", "1.5", "", "9223372036854775808"])]) },
    auth: { gen: (g) => g.arity(["AUTH", ...g.pick([["secret"], ["default", "x"], ["bob", "x"], ["a", "b", "c"]])]) },
    // Only HELLO's failing forms: a successful HELLO replies with the connection id.
    hello: {
      gen: (g) =>
        g.pick([
          ["HELLO", g.pick(["1", "4", "0", "-1", "abc", "", "3.0"])],
          ["HELLO", g.pick(["2", "3"]), g.pick(["BOGUS", "AUTH", "SETNAME"])],
          ["HELLO", "3", "AUTH", "onlyuser"],
          ["HELLO", "3", "SETNAME", g.pick(["has space", "new\nline"])],
        ]),
    },
    reset: { weight: 0.2, gen: () => ["RESET"] },
    // Any name: unknown-command errors quote the arguments, truncated like Redis.
    unknown: { weight: 2, unprobed: true, gen: (g) => [bogusName(g), ...unknownArgs(g)] },
    // Redis formats the name and arguments with %s: a NUL byte ends them. No name
    // here equals a command up to its NUL: Redis's command table hashes the whole
    // name but compares with strcasecmp, so "set\0x" is SET or unknown depending
    // on its random hash seed.
    "unknown-with-nul": { unprobed: true, gen: (g) => [g.pick(["foo\u0000x", "\u0000", "foo"]), ...unknownArgs(g), g.pick(["a\u0000b", "\u0000"])] },
  },
};
