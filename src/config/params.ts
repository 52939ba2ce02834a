// Every configuration parameter AiKv accepts, with its type, default and
// range. `effect: "none"` marks Redis parameters that are accepted and
// remembered for compatibility but do not change AiKv's behaviour (reported
// in INFO and docs/config.md).

export interface ParamDef {
  name: string;
  aliases?: string[];
  type: "bool" | "int" | "memory" | "enum" | "string";
  default: string;
  min?: number;
  max?: number;
  /** Allowed values of an enum; `multi` enums take several space-separated values. */
  values?: string[];
  multi?: boolean;
  /** Settable only at start-up (command line / config file). */
  immutable?: boolean;
  /** Hidden from CONFIG GET * unless asked by exact name (Redis's sensitive/hidden configs). */
  effect?: "none";
  /** Extra validation for strings: an error message or null. */
  validate?: (v: string) => string | null;
}

const INT_MAX = 2147483647;
const LONG_MAX = Number.MAX_SAFE_INTEGER;

export const PARAMS: ParamDef[] = [
  // Network
  { name: "port", type: "int", default: "6379", min: 0, max: 65535, immutable: true },
  { name: "bind", type: "string", default: "127.0.0.1", immutable: true },
  { name: "timeout", type: "int", default: "0", min: 0, max: INT_MAX },
  { name: "maxclients", type: "int", default: "10000", min: 1, max: INT_MAX },
  { name: "proto-max-bulk-len", type: "memory", default: "512mb", min: 1024 * 1024, max: LONG_MAX },
  { name: "client-query-buffer-limit", type: "memory", default: "1gb", min: 1024 * 1024, max: LONG_MAX },
  { name: "requirepass", type: "string", default: "" },
  // Storage
  { name: "dir", type: "string", default: "./data", immutable: true },
  { name: "engine", type: "enum", default: "memory", values: ["memory", "lsm"], immutable: true },
  { name: "databases", type: "int", default: "16", min: 1, max: INT_MAX, immutable: true },
  { name: "appendfsync", type: "enum", default: "everysec", values: ["always", "everysec", "no"] },
  // Server
  { name: "hz", type: "int", default: "10", min: 1, max: 500 },
  { name: "loglevel", type: "enum", default: "notice", values: ["debug", "verbose", "notice", "warning", "nothing"] },
  { name: "logfile", type: "string", default: "", immutable: true },
  { name: "slowlog-log-slower-than", type: "int", default: "10000", min: -1, max: LONG_MAX },
  { name: "slowlog-max-len", type: "int", default: "128", min: 0, max: LONG_MAX },
  { name: "client-output-buffer-limit", type: "string", default: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60" },
];
