// Parameters with a format of their own (Redis's "special" configs): how each
// is validated and normalized, and how CONFIG REWRITE writes it back.

import { parseDouble } from "../net/format.ts";
import { strToBytes } from "../net/bytes.ts";
import { ConfigError } from "./errors.ts";
import { formatMemory, parseMemory, parseStrtoll, reprString } from "./values.ts";

/** One config-file line of a rewritten parameter: its arguments, and whether it differs from the default. */
export interface RewriteLine {
  args: string;
  force: boolean;
}

export interface SpecialFormat {
  /** Takes several arguments: the words of a config-file line, or a CONFIG SET value split at spaces. */
  multiArg: boolean;
  /** Repeated config-file lines add to the value instead of replacing it (`save`). */
  accumulate?: boolean;
  /** Validates `args` and returns the value as CONFIG GET prints it; `current` is the value before. */
  parse(args: string[], current: string): string;
  /** The config-file lines that reproduce `value` (empty: remove the parameter's lines). */
  rewrite(value: string, defaultValue: string): RewriteLine[];
}

/** `save "3600 1 300 100"`: pairs of seconds (>= 1) and changes (>= 0), or "" for none. */
export const SAVE: SpecialFormat = {
  multiArg: true,
  accumulate: true,
  parse(args) {
    if (args.length === 1 && args[0] === "") args = [];
    if (args.length % 2 !== 0) throw new ConfigError("Invalid save parameters");
    const nums = args.map((a, i) => {
      const v = parseStrtoll(a);
      if (v === null || v < (i % 2 === 0 ? 1n : 0n)) throw new ConfigError("Invalid save parameters");
      return String(v);
    });
    return nums.join(" ");
  },
  rewrite(value, defaultValue) {
    const force = value !== defaultValue;
    if (value === "") return [{ args: '""', force }];
    const words = value.split(" ");
    const lines: RewriteLine[] = [];
    for (let i = 0; i < words.length; i += 2) lines.push({ args: `${words[i]} ${words[i + 1]}`, force });
    return lines;
  },
};

const OBUF_CLASSES = ["normal", "slave", "pubsub"] as const;

function obufClassIndex(name: string): number {
  const n = name.toLowerCase();
  if (n === "replica") return 1;
  return OBUF_CLASSES.indexOf(n as (typeof OBUF_CLASSES)[number]);
}

/** `client-output-buffer-limit <class> <hard> <soft> <seconds> ...`: sets only the classes given. */
export const CLIENT_OUTPUT_BUFFER_LIMIT: SpecialFormat = {
  multiArg: true,
  parse(args, current) {
    if (args.length % 4 !== 0) throw new ConfigError("Wrong number of arguments in buffer limit configuration.");
    const limits = splitObufLimits(current);
    for (let i = 0; i < args.length; i += 4) {
      const cls = obufClassIndex(args[i]);
      if (cls < 0) throw new ConfigError("Invalid client class specified in buffer limit configuration.");
      const hard = parseMemory(args[i + 1]);
      const soft = parseMemory(args[i + 2]);
      const seconds = parseStrtoll(args[i + 3]);
      if (hard === null || soft === null || seconds === null || seconds < 0n) {
        throw new ConfigError("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
      }
      limits[cls] = [String(hard), String(soft), String(seconds)];
    }
    return limits.map((l, i) => `${OBUF_CLASSES[i]} ${l.join(" ")}`).join(" ");
  },
  rewrite(value, defaultValue) {
    const limits = splitObufLimits(value);
    const defaults = splitObufLimits(defaultValue);
    return limits.map(([hard, soft, seconds], i) => ({
      args: `${i === 1 ? "replica" : OBUF_CLASSES[i]} ${formatMemory(BigInt(hard))} ${formatMemory(BigInt(soft))} ${seconds}`,
      force: limits[i].join(" ") !== defaults[i].join(" "),
    }));
  },
};

function splitObufLimits(value: string): string[][] {
  const w = value.split(" ");
  return OBUF_CLASSES.map((_, i) => w.slice(i * 4 + 1, i * 4 + 4));
}

/** `oom-score-adj-values <master> <replica> <bgchild>`, each in -2000..2000. */
export const OOM_SCORE_ADJ_VALUES: SpecialFormat = {
  multiArg: true,
  parse(args) {
    if (args.length !== 3) throw new ConfigError("wrong number of arguments");
    return args
      .map((a) => {
        const v = parseStrtoll(a);
        if (v === null || v < -2000n || v > 2000n) {
          throw new ConfigError("Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
        }
        return String(v);
      })
      .join(" ");
  },
  rewrite: (value, defaultValue) => [{ args: value, force: value !== defaultValue }],
};

/** Keyspace notification classes in the order Redis prints them; "A" is an alias for all of them. */
const EVENT_CLASSES = "g$lshzxetd";

/** `notify-keyspace-events "KEA"`: class letters, normalized like keyspaceEventsFlagsToString. */
export const NOTIFY_KEYSPACE_EVENTS: SpecialFormat = {
  multiArg: false,
  parse([value]) {
    const seen = new Set<string>();
    for (const ch of value) {
      if (ch === "A") for (const c of EVENT_CLASSES) seen.add(c);
      else if ((EVENT_CLASSES + "nKEm").includes(ch)) seen.add(ch);
      else throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    }
    const all = [...EVENT_CLASSES].every((c) => seen.has(c));
    const classes = all ? "A" : [...EVENT_CLASSES + "n"].filter((c) => seen.has(c)).join("");
    return classes + [..."KEm"].filter((c) => seen.has(c)).join("");
  },
  rewrite: (value) => [{ args: reprString(value), force: value !== "" }],
};

const BIND_MAX_ADDRESSES = 16;

/** `bind addr1 addr2 ...` ("-" prefix: optional address; "" for none). */
export const BIND: SpecialFormat = {
  multiArg: true,
  parse(args) {
    if (args.length > BIND_MAX_ADDRESSES) throw new ConfigError("Too many bind addresses specified.");
    if (args.length === 1 && args[0] === "") return "";
    return args.join(" ");
  },
  rewrite: (value, defaultValue) => (value === defaultValue ? [] : [{ args: value === "" ? '""' : value, force: true }]),
};

/** `replicaof <host> <port>` or `replicaof no one`. */
export const REPLICAOF: SpecialFormat = {
  multiArg: true,
  parse(args) {
    if (args.length !== 2) throw new ConfigError("wrong number of arguments");
    if (args[0].toLowerCase() === "no" && args[1].toLowerCase() === "one") return "";
    const port = parseStrtoll(args[1]);
    if (port === null || port < 0n || port > 65535n) throw new ConfigError("Invalid master port");
    return `${args[0]} ${port}`;
  },
  rewrite: (value) => (value === "" ? [] : [{ args: value, force: true }]),
};

/** `latency-tracking-info-percentiles "50 99 99.9"`: percentiles in [0, 100], printed like %f trimmed. */
export const LATENCY_PERCENTILES: SpecialFormat = {
  multiArg: true,
  parse(args) {
    if (args.length === 1 && args[0] === "") return "";
    return args
      .map((a) => {
        const v = parseDouble(strToBytes(a));
        if (v === null) throw new ConfigError("Invalid latency-tracking-info-percentiles parameters");
        if (v > 100 || v < 0) throw new ConfigError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
        return v.toFixed(6).replace(/\.?0+$/, "");
      })
      .join(" ");
  },
  rewrite: (value, defaultValue) => [{ args: value === "" ? '""' : value, force: value !== defaultValue }],
};

/** A file or directory name without a path (dbfilename, appendfilename, appenddirname). */
export function baseNameError(what: string, kind: "filename" | "dirname", allowEmpty: boolean): (v: string) => string | null {
  return (v) => {
    if (!allowEmpty && v === "") return `${what} can't be empty`;
    if (v.includes("/") || v.includes("\\")) return `${what} can't be a path, just a ${kind}`;
    return null;
  };
}

/** cluster-announce-hostname: letters, digits, '-' and '.', under 256 characters. */
export function hostnameError(v: string): string | null {
  if (v.length >= 256) return "Hostnames must be less than 256 characters";
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return "Hostnames may only contain alphanumeric characters, hyphens or dots";
  return null;
}

const PROC_TITLE_VARIABLES = ["title", "listen-addr", "server-mode", "port", "tls-port", "unixsocket", "config-file"];

/** proc-title-template: `{variable}` placeholders from a known set, `{{`/`}}` escapes, not blank. */
export function procTitleTemplateError(v: string): string | null {
  const invalid = "template format is invalid or contains unknown variables";
  let expanded = "";
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if ((ch === "{" || ch === "}") && v[i + 1] === ch) {
      expanded += ch;
      i++;
    } else if (ch === "{") {
      const end = v.indexOf("}", i);
      if (end < 0 || !PROC_TITLE_VARIABLES.includes(v.slice(i + 1, end))) return invalid;
      expanded += "x";
      i = end;
    } else if (ch === "}") {
      return invalid;
    } else {
      expanded += ch;
    }
  }
  return expanded.trim() === "" ? invalid : null;
}

/** shutdown-on-sigint/sigterm flags: SAVE and NOSAVE exclude each other. */
export function shutdownFlagsError(v: string): string | null {
  const flags = v.split(" ");
  return flags.includes("save") && flags.includes("nosave") ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : null;
}
