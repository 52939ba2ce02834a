// Every configuration parameter AiKv accepts: all of Redis 7.0.15's (names,
// aliases, defaults, types, ranges and flags as the real server reports and
// enforces them, checked by test/config/redis-parity.test.ts) plus AiKv's own.
//
// `effect: "none"` marks Redis parameters that are accepted, validated and
// remembered for compatibility but change nothing in AiKv (listed in
// docs/config.md, reported by INFO through ineffectiveParams()). Whoever makes
// one of them work removes the mark and its line in docs/config.md.

import {
  BIND, CLIENT_OUTPUT_BUFFER_LIMIT, LATENCY_PERCENTILES, NOTIFY_KEYSPACE_EVENTS, OOM_SCORE_ADJ_VALUES, REPLICAOF, SAVE,
  baseNameError, hostnameError, procTitleTemplateError, shutdownFlagsError, type SpecialFormat,
} from "./formats.ts";

export interface ParamDef {
  name: string;
  /** Other names for the same parameter (Redis's old "slave"/"ziplist" names). */
  aliases?: string[];
  /**
   * bool: yes/no. int: a 64-bit integer. memory: bytes with optional units
   * (1k, 1kb, 1gb...), printed as bytes. enum: one of `values`. string: any
   * text (`validate` may restrict it). special: its own `format`.
   */
  type: "bool" | "int" | "memory" | "enum" | "string" | "special";
  /** The value as CONFIG GET prints it before anything sets it. */
  default: string;
  /** Inclusive range of int and memory values. */
  min?: bigint;
  max?: bigint;
  /** Values outside are stored clamped into this range (hz, repl-backlog-size). */
  clamp?: [bigint, bigint];
  /** A memory value that may also be given as "N%" (maxmemory-clients). */
  percent?: boolean;
  /** An int read and printed in octal (unixsocketperm). */
  octal?: boolean;
  /** Allowed values of an enum; `multi` enums take a set of them (flags, space-separated). */
  values?: string[];
  multi?: boolean;
  /** Settable only at start-up (command line / config file). */
  immutable?: boolean;
  /** CONFIG SET refuses it unless enable-protected-configs allows (Redis's PROTECTED_CONFIG). */
  protected?: boolean;
  /** Left out of CONFIG GET patterns: only an exact name shows it (Redis's HIDDEN_CONFIG). */
  hidden?: boolean;
  /** Accepted for compatibility but without effect in AiKv. */
  effect?: "none";
  /** Extra validation of string values (and multi enums): an error message or null. */
  validate?: (v: string) => string | null;
  format?: SpecialFormat;
}

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const UINT_MAX = 4294967295n;
const LLONG_MAX = 9223372036854775807n;
const ULLONG_MAX = 18446744073709551615n;
const MB = 1024n * 1024n;

const NONE = "none" as const;
const YES_NO_LOCAL = ["no", "yes", "local"];
const SHUTDOWN_FLAGS = ["default", "save", "nosave", "now", "force"];

/** AiKv's own parameters. */
const AIKV_PARAMS: ParamDef[] = [
  { name: "engine", type: "enum", values: ["memory", "lsm"], default: "lsm", immutable: true },
  // Redis's `dir` is the working directory; AiKv's is the storage engine's data directory, fixed once opened.
  { name: "dir", type: "string", default: "./data", immutable: true },
  // Scripting: a script that raises an error has its writes undone (src/scripting/rollback.ts).
  { name: "lua-atomic-rollback", type: "bool", default: "no" },
  // Scripting: a script running longer than this (ms) is aborted; 0 = never. AiKv can't serve SCRIPT KILL during a script.
  { name: "lua-script-max-time", type: "int", min: 0n, max: LLONG_MAX, default: "0" },
];

/** Redis 7.0.15's parameters, by name. */
const REDIS_PARAMS: ParamDef[] = [
  { name: "acl-pubsub-default", type: "enum", values: ["allchannels", "resetchannels"], default: "resetchannels", effect: NONE },
  { name: "aclfile", type: "string", default: "", immutable: true, effect: NONE },
  { name: "acllog-max-len", type: "int", min: 0n, max: LLONG_MAX, default: "128", effect: NONE },
  { name: "active-defrag-cycle-max", type: "int", min: 1n, max: 99n, default: "25", effect: NONE },
  { name: "active-defrag-cycle-min", type: "int", min: 1n, max: 99n, default: "1", effect: NONE },
  { name: "active-defrag-ignore-bytes", type: "memory", min: 1n, max: LLONG_MAX, default: "104857600", effect: NONE },
  { name: "active-defrag-max-scan-fields", type: "int", min: 1n, max: LLONG_MAX, default: "1000", effect: NONE },
  { name: "active-defrag-threshold-lower", type: "int", min: 0n, max: 1000n, default: "10", effect: NONE },
  { name: "active-defrag-threshold-upper", type: "int", min: 0n, max: 1000n, default: "100", effect: NONE },
  { name: "active-expire-effort", type: "int", min: 1n, max: 10n, default: "1" },
  { name: "activedefrag", type: "bool", default: "no", effect: NONE },
  { name: "activerehashing", type: "bool", default: "yes", effect: NONE },
  { name: "always-show-logo", type: "bool", default: "no", immutable: true, effect: NONE },
  { name: "aof-disable-auto-gc", type: "bool", default: "no", effect: NONE },
  { name: "aof-load-truncated", type: "bool", default: "yes", effect: NONE },
  { name: "aof-rewrite-incremental-fsync", type: "bool", default: "yes", effect: NONE },
  { name: "aof-timestamp-enabled", type: "bool", default: "no", effect: NONE },
  { name: "aof-use-rdb-preamble", type: "bool", default: "yes", effect: NONE },
  { name: "aof_rewrite_cpulist", type: "string", default: "", immutable: true, effect: NONE },
  { name: "appenddirname", type: "string", default: "appendonlydir", immutable: true, validate: baseNameError("appenddirname", "dirname", false), effect: NONE },
  { name: "appendfilename", type: "string", default: "appendonly.aof", immutable: true, validate: baseNameError("appendfilename", "filename", false), effect: NONE },
  // The lsm engine's WAL sync policy (no effect on the memory engine).
  { name: "appendfsync", type: "enum", values: ["everysec", "always", "no"], default: "everysec" },
  { name: "appendonly", type: "bool", default: "no", effect: NONE },
  { name: "auto-aof-rewrite-min-size", type: "memory", min: 0n, max: LLONG_MAX, default: "67108864", effect: NONE },
  { name: "auto-aof-rewrite-percentage", type: "int", min: 0n, max: INT_MAX, default: "100", effect: NONE },
  { name: "bgsave_cpulist", type: "string", default: "", immutable: true, effect: NONE },
  // Redis binds "* -::*" (everything) and relies on protected-mode, which AiKv lacks: AiKv binds loopback only.
  // Changing it needs a restart in AiKv (Redis rebinds on CONFIG SET).
  { name: "bind", type: "special", format: BIND, default: "127.0.0.1 -::1", immutable: true },
  { name: "bind-source-addr", type: "string", default: "", effect: NONE },
  { name: "bio_cpulist", type: "string", default: "", immutable: true, effect: NONE },
  { name: "busy-reply-threshold", aliases: ["lua-time-limit"], type: "int", min: 0n, max: LLONG_MAX, default: "5000" },
  { name: "client-output-buffer-limit", type: "special", format: CLIENT_OUTPUT_BUFFER_LIMIT, default: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60" },
  { name: "client-query-buffer-limit", type: "memory", min: MB, max: LLONG_MAX, default: "1073741824" },
  { name: "cluster-allow-pubsubshard-when-down", type: "bool", default: "yes", effect: NONE },
  { name: "cluster-allow-reads-when-down", type: "bool", default: "no", effect: NONE },
  { name: "cluster-allow-replica-migration", type: "bool", default: "yes", effect: NONE },
  { name: "cluster-announce-bus-port", type: "int", min: 0n, max: 65535n, default: "0", effect: NONE },
  { name: "cluster-announce-hostname", type: "string", default: "", validate: hostnameError, effect: NONE },
  { name: "cluster-announce-ip", type: "string", default: "", effect: NONE },
  { name: "cluster-announce-port", type: "int", min: 0n, max: 65535n, default: "0", effect: NONE },
  { name: "cluster-announce-tls-port", type: "int", min: 0n, max: 65535n, default: "0", effect: NONE },
  { name: "cluster-config-file", type: "string", default: "nodes.conf", immutable: true, effect: NONE },
  { name: "cluster-enabled", type: "bool", default: "no", immutable: true, effect: NONE },
  { name: "cluster-link-sendbuf-limit", type: "memory", min: 0n, max: ULLONG_MAX, default: "0", effect: NONE },
  { name: "cluster-migration-barrier", type: "int", min: 0n, max: INT_MAX, default: "1", effect: NONE },
  { name: "cluster-node-timeout", type: "int", min: 0n, max: LLONG_MAX, default: "15000", effect: NONE },
  { name: "cluster-port", type: "int", min: 0n, max: 65535n, default: "0", immutable: true, effect: NONE },
  { name: "cluster-preferred-endpoint-type", type: "enum", values: ["ip", "hostname", "unknown-endpoint"], default: "ip", effect: NONE },
  { name: "cluster-replica-no-failover", aliases: ["cluster-slave-no-failover"], type: "bool", default: "no", effect: NONE },
  { name: "cluster-replica-validity-factor", aliases: ["cluster-slave-validity-factor"], type: "int", min: 0n, max: INT_MAX, default: "10", effect: NONE },
  { name: "cluster-require-full-coverage", type: "bool", default: "yes", effect: NONE },
  { name: "crash-log-enabled", type: "bool", default: "yes", effect: NONE },
  { name: "crash-memcheck-enabled", type: "bool", default: "yes", effect: NONE },
  { name: "daemonize", type: "bool", default: "no", immutable: true, effect: NONE },
  { name: "databases", type: "int", min: 1n, max: INT_MAX, default: "16", immutable: true },
  { name: "dbfilename", type: "string", default: "dump.rdb", protected: true, validate: baseNameError("dbfilename", "filename", true), effect: NONE },
  { name: "disable-thp", type: "bool", default: "yes", immutable: true, effect: NONE },
  { name: "dynamic-hz", type: "bool", default: "yes", effect: NONE },
  { name: "enable-debug-command", type: "enum", values: YES_NO_LOCAL, default: "no", immutable: true },
  { name: "enable-module-command", type: "enum", values: YES_NO_LOCAL, default: "no", immutable: true, effect: NONE },
  { name: "enable-protected-configs", type: "enum", values: YES_NO_LOCAL, default: "no", immutable: true },
  // OBJECT ENCODING thresholds (both engines; the lsm engine reports the encoding Redis would have).
  { name: "hash-max-listpack-entries", aliases: ["hash-max-ziplist-entries"], type: "int", min: 0n, max: LLONG_MAX, default: "512" },
  { name: "hash-max-listpack-value", aliases: ["hash-max-ziplist-value"], type: "memory", min: 0n, max: LLONG_MAX, default: "64" },
  { name: "hll-sparse-max-bytes", type: "memory", min: 0n, max: LLONG_MAX, default: "3000", effect: NONE },
  // Redis accepts any non-negative hz and keeps it within 1..500.
  { name: "hz", type: "int", min: 0n, max: INT_MAX, clamp: [1n, 500n], default: "10" },
  { name: "ignore-warnings", type: "string", default: "", effect: NONE },
  { name: "io-threads", type: "int", min: 1n, max: 128n, default: "1", immutable: true, effect: NONE },
  { name: "io-threads-do-reads", type: "bool", default: "no", immutable: true, effect: NONE },
  { name: "jemalloc-bg-thread", type: "bool", default: "yes", effect: NONE },
  { name: "key-load-delay", type: "int", min: INT_MIN, max: INT_MAX, default: "0", hidden: true, effect: NONE },
  { name: "latency-monitor-threshold", type: "int", min: 0n, max: LLONG_MAX, default: "0", effect: NONE },
  { name: "latency-tracking", type: "bool", default: "yes", effect: NONE },
  { name: "latency-tracking-info-percentiles", type: "special", format: LATENCY_PERCENTILES, default: "50 99 99.9", effect: NONE },
  { name: "lazyfree-lazy-eviction", type: "bool", default: "no", effect: NONE },
  { name: "lazyfree-lazy-expire", type: "bool", default: "no", effect: NONE },
  { name: "lazyfree-lazy-server-del", type: "bool", default: "no", effect: NONE },
  { name: "lazyfree-lazy-user-del", type: "bool", default: "no", effect: NONE },
  { name: "lazyfree-lazy-user-flush", type: "bool", default: "no", effect: NONE },
  { name: "lfu-decay-time", type: "int", min: 0n, max: INT_MAX, default: "1", effect: NONE },
  { name: "lfu-log-factor", type: "int", min: 0n, max: INT_MAX, default: "10", effect: NONE },
  { name: "list-compress-depth", type: "int", min: 0n, max: INT_MAX, default: "0", effect: NONE },
  { name: "list-max-listpack-size", aliases: ["list-max-ziplist-size"], type: "int", min: INT_MIN, max: INT_MAX, default: "-2", effect: NONE },
  { name: "loading-process-events-interval-bytes", type: "int", min: 1024n, max: INT_MAX, default: "2097152", hidden: true, effect: NONE },
  { name: "logfile", type: "string", default: "", immutable: true },
  { name: "loglevel", type: "enum", values: ["debug", "verbose", "notice", "warning"], default: "notice" },
  { name: "masterauth", type: "string", default: "", effect: NONE },
  { name: "masteruser", type: "string", default: "", effect: NONE },
  { name: "maxclients", type: "int", min: 1n, max: UINT_MAX, default: "10000" },
  { name: "maxmemory", type: "memory", min: 0n, max: ULLONG_MAX, default: "0", effect: NONE },
  { name: "maxmemory-clients", type: "memory", percent: true, min: -100n, max: LLONG_MAX, default: "0", effect: NONE },
  { name: "maxmemory-eviction-tenacity", type: "int", min: 0n, max: 100n, default: "10", effect: NONE },
  // Decides whether OBJECT FREQ / IDLETIME answer; no eviction happens (see maxmemory).
  { name: "maxmemory-policy", type: "enum", values: ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"], default: "noeviction" },
  { name: "maxmemory-samples", type: "int", min: 1n, max: INT_MAX, default: "5", effect: NONE },
  { name: "min-replicas-max-lag", aliases: ["min-slaves-max-lag"], type: "int", min: 0n, max: INT_MAX, default: "10", effect: NONE },
  { name: "min-replicas-to-write", aliases: ["min-slaves-to-write"], type: "int", min: 0n, max: INT_MAX, default: "0", effect: NONE },
  { name: "no-appendfsync-on-rewrite", type: "bool", default: "no", effect: NONE },
  { name: "notify-keyspace-events", type: "special", format: NOTIFY_KEYSPACE_EVENTS, default: "" },
  { name: "oom-score-adj", type: "enum", values: ["no", "yes", "relative", "absolute"], default: "no", effect: NONE },
  { name: "oom-score-adj-values", type: "special", format: OOM_SCORE_ADJ_VALUES, default: "0 200 800", effect: NONE },
  { name: "pidfile", type: "string", default: "", immutable: true },
  // Changing it needs a restart in AiKv (Redis listens on the new port on CONFIG SET).
  { name: "port", type: "int", min: 0n, max: 65535n, default: "6379", immutable: true },
  { name: "proc-title-template", type: "string", default: "{title} {listen-addr} {server-mode}", validate: procTitleTemplateError, effect: NONE },
  { name: "propagation-error-behavior", type: "enum", values: ["ignore", "panic", "panic-on-replicas"], default: "ignore", effect: NONE },
  { name: "protected-mode", type: "bool", default: "yes", effect: NONE },
  { name: "proto-max-bulk-len", type: "memory", min: MB, max: LLONG_MAX, default: "536870912" },
  { name: "rdb-del-sync-files", type: "bool", default: "no", effect: NONE },
  { name: "rdb-key-save-delay", type: "int", min: INT_MIN, max: INT_MAX, default: "0", hidden: true, effect: NONE },
  { name: "rdb-save-incremental-fsync", type: "bool", default: "yes", effect: NONE },
  { name: "rdbchecksum", type: "bool", default: "yes", immutable: true, effect: NONE },
  { name: "rdbcompression", type: "bool", default: "yes", effect: NONE },
  // Redis raises a smaller backlog to its 16kb minimum.
  { name: "repl-backlog-size", type: "memory", min: 1n, max: LLONG_MAX, clamp: [16384n, LLONG_MAX], default: "1048576", effect: NONE },
  { name: "repl-backlog-ttl", type: "int", min: 0n, max: LLONG_MAX, default: "3600", effect: NONE },
  { name: "repl-disable-tcp-nodelay", type: "bool", default: "no", effect: NONE },
  { name: "repl-diskless-load", type: "enum", values: ["disabled", "on-empty-db", "swapdb"], default: "disabled", effect: NONE },
  { name: "repl-diskless-sync", type: "bool", default: "yes", effect: NONE },
  { name: "repl-diskless-sync-delay", type: "int", min: 0n, max: INT_MAX, default: "5", effect: NONE },
  { name: "repl-diskless-sync-max-replicas", type: "int", min: 0n, max: INT_MAX, default: "0", effect: NONE },
  { name: "repl-ping-replica-period", aliases: ["repl-ping-slave-period"], type: "int", min: 1n, max: INT_MAX, default: "10", effect: NONE },
  { name: "repl-timeout", type: "int", min: 1n, max: INT_MAX, default: "60", effect: NONE },
  { name: "replica-announce-ip", aliases: ["slave-announce-ip"], type: "string", default: "", effect: NONE },
  { name: "replica-announce-port", aliases: ["slave-announce-port"], type: "int", min: 0n, max: 65535n, default: "0", effect: NONE },
  { name: "replica-announced", type: "bool", default: "yes", effect: NONE },
  { name: "replica-ignore-disk-write-errors", type: "bool", default: "no", effect: NONE },
  { name: "replica-ignore-maxmemory", aliases: ["slave-ignore-maxmemory"], type: "bool", default: "yes", effect: NONE },
  { name: "replica-lazy-flush", aliases: ["slave-lazy-flush"], type: "bool", default: "no", effect: NONE },
  { name: "replica-priority", aliases: ["slave-priority"], type: "int", min: 0n, max: INT_MAX, default: "100", effect: NONE },
  { name: "replica-read-only", aliases: ["slave-read-only"], type: "bool", default: "yes", effect: NONE },
  { name: "replica-serve-stale-data", aliases: ["slave-serve-stale-data"], type: "bool", default: "yes", effect: NONE },
  { name: "replicaof", aliases: ["slaveof"], type: "special", format: REPLICAOF, default: "", immutable: true, effect: NONE },
  { name: "requirepass", type: "string", default: "" },
  { name: "sanitize-dump-payload", type: "enum", values: ["no", "yes", "clients"], default: "no", effect: NONE },
  { name: "save", type: "special", format: SAVE, default: "3600 1 300 100 60 10000" },
  { name: "server_cpulist", type: "string", default: "", immutable: true, effect: NONE },
  // OBJECT ENCODING thresholds (both engines; the lsm engine reports the encoding Redis would have).
  { name: "set-max-intset-entries", type: "int", min: 0n, max: LLONG_MAX, default: "512" },
  { name: "set-proc-title", type: "bool", default: "yes", immutable: true, effect: NONE },
  { name: "shutdown-on-sigint", type: "enum", multi: true, values: SHUTDOWN_FLAGS, validate: shutdownFlagsError, default: "default" },
  { name: "shutdown-on-sigterm", type: "enum", multi: true, values: SHUTDOWN_FLAGS, validate: shutdownFlagsError, default: "default" },
  { name: "shutdown-timeout", type: "int", min: 0n, max: INT_MAX, default: "10", effect: NONE },
  { name: "slowlog-log-slower-than", type: "int", min: -1n, max: LLONG_MAX, default: "10000" },
  { name: "slowlog-max-len", type: "int", min: 0n, max: LLONG_MAX, default: "128" },
  { name: "socket-mark-id", type: "int", min: 0n, max: UINT_MAX, default: "0", immutable: true, effect: NONE },
  { name: "stop-writes-on-bgsave-error", type: "bool", default: "yes", effect: NONE },
  { name: "stream-node-max-bytes", type: "memory", min: 0n, max: LLONG_MAX, default: "4096" },
  { name: "stream-node-max-entries", type: "int", min: 0n, max: LLONG_MAX, default: "100" },
  { name: "supervised", type: "enum", values: ["upstart", "systemd", "auto", "no"], default: "no", immutable: true, effect: NONE },
  { name: "syslog-enabled", type: "bool", default: "no", immutable: true, effect: NONE },
  { name: "syslog-facility", type: "enum", values: ["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"], default: "local0", immutable: true, effect: NONE },
  { name: "syslog-ident", type: "string", default: "redis", immutable: true, effect: NONE },
  { name: "tcp-backlog", type: "int", min: 0n, max: INT_MAX, default: "511", immutable: true, effect: NONE },
  { name: "tcp-keepalive", type: "int", min: 0n, max: INT_MAX, default: "300" },
  { name: "timeout", type: "int", min: 0n, max: INT_MAX, default: "0" },
  { name: "tls-auth-clients", type: "enum", values: ["no", "yes", "optional"], default: "yes", effect: NONE },
  { name: "tls-ca-cert-dir", type: "string", default: "", effect: NONE },
  { name: "tls-ca-cert-file", type: "string", default: "", effect: NONE },
  { name: "tls-cert-file", type: "string", default: "", effect: NONE },
  { name: "tls-ciphers", type: "string", default: "", effect: NONE },
  { name: "tls-ciphersuites", type: "string", default: "", effect: NONE },
  { name: "tls-client-cert-file", type: "string", default: "", effect: NONE },
  { name: "tls-client-key-file", type: "string", default: "", effect: NONE },
  { name: "tls-client-key-file-pass", type: "string", default: "", effect: NONE },
  { name: "tls-cluster", type: "bool", default: "no", effect: NONE },
  { name: "tls-dh-params-file", type: "string", default: "", effect: NONE },
  { name: "tls-key-file", type: "string", default: "", effect: NONE },
  { name: "tls-key-file-pass", type: "string", default: "", effect: NONE },
  { name: "tls-port", type: "int", min: 0n, max: 65535n, default: "0", effect: NONE },
  { name: "tls-prefer-server-ciphers", type: "bool", default: "no", effect: NONE },
  { name: "tls-protocols", type: "string", default: "", effect: NONE },
  { name: "tls-replication", type: "bool", default: "no", effect: NONE },
  { name: "tls-session-cache-size", type: "int", min: 0n, max: INT_MAX, default: "20480", effect: NONE },
  { name: "tls-session-cache-timeout", type: "int", min: 0n, max: INT_MAX, default: "300", effect: NONE },
  { name: "tls-session-caching", type: "bool", default: "yes", effect: NONE },
  { name: "tracking-table-max-keys", type: "int", min: 0n, max: LLONG_MAX, default: "1000000", effect: NONE },
  { name: "unixsocket", type: "string", default: "", immutable: true, effect: NONE },
  { name: "unixsocketperm", type: "int", octal: true, min: 0n, max: 0o777n, default: "0", immutable: true, effect: NONE },
  { name: "use-exit-on-panic", type: "bool", default: "no", hidden: true, effect: NONE },
  { name: "watchdog-period", type: "int", min: 0n, max: INT_MAX, default: "0", hidden: true, effect: NONE },
  // OBJECT ENCODING thresholds (both engines; the lsm engine reports the encoding Redis would have).
  { name: "zset-max-listpack-entries", aliases: ["zset-max-ziplist-entries"], type: "int", min: 0n, max: LLONG_MAX, default: "128" },
  { name: "zset-max-listpack-value", aliases: ["zset-max-ziplist-value"], type: "memory", min: 0n, max: LLONG_MAX, default: "64" },
];

export const PARAMS: readonly ParamDef[] = [...AIKV_PARAMS, ...REDIS_PARAMS];
