// HAND-WRITTEN command facts, merged over the generated facts.json by
// table.ts. These are commands AiKv supports that Redis 7.0.15 lacks (they
// appeared in Redis 7.2), transcribed from Redis 7.2's command specs in the
// same shape tools/gen-command-facts.ts produces. Keep this list short.

export const FACTS_OVERLAY: Record<string, unknown> = {
  // Redis 7.2: CLIENT SETINFO LIB-NAME|LIB-VER <value>
  "client|setinfo": {
    arity: 4,
    group: "connection",
    since: "7.2.0",
    flags: ["noscript", "loading", "stale"],
    extraFlags: ["sentinel"],
    acl: ["slow", "connection"],
    arguments: [
      {
        name: "attr",
        type: "oneof",
        arguments: [
          { name: "libname", type: "string", token: "LIB-NAME" },
          { name: "libver", type: "string", token: "LIB-VER" },
        ],
      },
    ],
  },
  // Redis 7.2: CLIENT NO-TOUCH ON|OFF
  "client|no-touch": {
    arity: 3,
    group: "connection",
    since: "7.2.0",
    flags: ["noscript", "loading", "stale"],
    acl: ["slow", "connection"],
    arguments: [
      {
        name: "enabled",
        type: "oneof",
        arguments: [
          { name: "on", type: "pure-token", token: "ON" },
          { name: "off", type: "pure-token", token: "OFF" },
        ],
      },
    ],
  },
};
