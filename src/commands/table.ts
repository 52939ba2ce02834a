// The command table: one declaration per command drives dispatch, arity and
// unknown-command errors, COMMAND and its subcommands, key extraction (for
// COMMAND GETKEYS, cluster routing, ACLs) and per-command statistics.
//
// A command module declares name, summary and handler (CommandDef); the
// machine facts (arity, flags, key specs, ACL categories, argument grammar,
// group, since) come from facts.json, generated from Redis 7.0.15's command
// specifications by tools/gen-command-facts.ts, so they match Redis exactly.

import { lowerAscii } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import { parseInt64 } from "../net/format.ts";
import factsJson from "./facts.json" with { type: "json" };
import { FACTS_OVERLAY } from "./facts-overlay.ts";
import type { LatencyHistogram } from "../observability/latency-histogram.ts";

export type Handler = (c: Client, argv: Uint8Array[]) => void;

export interface CommandDef {
  /** Lower-case name; for a subcommand, its name under the container (e.g. "get" in CONFIG). */
  name: string;
  /** Our own one-line description (COMMAND DOCS). */
  summary: string;
  complexity?: string;
  run?: Handler;
  subcommands?: CommandDef[];
  /**
   * The arguments from index `first` (2 unless given) on, every `step`th, are
   * members (fields) of the collection at the key argv[1], which the command
   * looks up: a hint for the read's look ahead (Server.prefetchKeys), which
   * loads them with the key. Only a hint: ZADD's options shift its members.
   */
  memberArgs?: { first?: number; step: 1 | 2 };
}

export interface KeySpecFacts {
  notes?: string;
  flags: string[];
  begin_search: { index?: { pos: number }; keyword?: { keyword: string; startfrom: number }; unknown?: unknown };
  find_keys: { range?: { lastkey: number; step: number; limit: number }; keynum?: { keynumidx: number; firstkey: number; step: number }; unknown?: unknown };
}

export interface CommandFacts {
  arity: number;
  group: string;
  since: string;
  flags: string[];
  extraFlags?: string[];
  acl: string[];
  tips?: string[];
  keySpecs?: KeySpecFacts[];
  arguments?: unknown[];
  docFlags?: string[];
  deprecatedSince?: string;
  replacedBy?: string;
}

/** Generated Redis 7.0.15 facts plus the hand-written overlay (7.2 additions). */
const facts = { ...factsJson, ...FACTS_OVERLAY } as unknown as Record<string, CommandFacts>;

/** Command flags as bits, for cheap checks on the hot path. */
export const CMD = {
  WRITE: 1 << 0,
  READONLY: 1 << 1,
  DENYOOM: 1 << 2,
  ADMIN: 1 << 3,
  PUBSUB: 1 << 4,
  NOSCRIPT: 1 << 5,
  BLOCKING: 1 << 6,
  LOADING: 1 << 7,
  STALE: 1 << 8,
  SKIP_MONITOR: 1 << 9,
  SKIP_SLOWLOG: 1 << 10,
  FAST: 1 << 11,
  NO_AUTH: 1 << 12,
  MAY_REPLICATE: 1 << 13,
  NO_MULTI: 1 << 14,
  ALLOW_BUSY: 1 << 15,
  MOVABLEKEYS: 1 << 16,
  NO_MANDATORY_KEYS: 1 << 17,
  PROTECTED: 1 << 18,
} as const;

const FLAG_BITS: Record<string, number> = {
  write: CMD.WRITE, readonly: CMD.READONLY, denyoom: CMD.DENYOOM, admin: CMD.ADMIN, pubsub: CMD.PUBSUB,
  noscript: CMD.NOSCRIPT, blocking: CMD.BLOCKING, loading: CMD.LOADING, stale: CMD.STALE,
  skip_monitor: CMD.SKIP_MONITOR, skip_slowlog: CMD.SKIP_SLOWLOG, fast: CMD.FAST, no_auth: CMD.NO_AUTH,
  may_replicate: CMD.MAY_REPLICATE, no_multi: CMD.NO_MULTI, allow_busy: CMD.ALLOW_BUSY,
  movablekeys: CMD.MOVABLEKEYS, no_mandatory_keys: CMD.NO_MANDATORY_KEYS, protected: CMD.PROTECTED,
};

export interface CommandStats {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

export class Command {
  readonly flags: number;
  readonly subcommands: Map<string, Command> | null;
  readonly stats: CommandStats = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
  /** This command's latency-tracking histogram, once it ran (kept by observability/latency.ts: no Map lookup per call). */
  latency: LatencyHistogram | null = null;
  /** Legacy (first, last, step) key range derived from the key specs, as COMMAND INFO reports it. */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  /**
   * def's handler and memberArgs, copied: the hot path reads them from
   * Commands, all of one shape, not from defs, object literals of many shapes
   * (with or without memberArgs, complexity...), whose reads deoptimized the
   * code that dispatches (Server.call) and looks ahead (collectPrefetchKeys)
   * each time a pipeline of another command came.
   */
  readonly run: Handler | undefined;
  /** memberArgs.first (2 unless given); 0: the command has no memberArgs. */
  readonly firstMemberArg: number;
  readonly memberArgStep: number;

  constructor(
    /** Full lower-case name: "get", "config|get". */
    readonly name: string,
    readonly def: CommandDef,
    readonly facts: CommandFacts,
    readonly parent: Command | null,
  ) {
    let bits = 0;
    for (const f of [...facts.flags, ...(facts.extraFlags ?? [])]) bits |= FLAG_BITS[f] ?? 0;
    this.flags = bits;
    this.subcommands = def.subcommands
      ? new Map(def.subcommands.map((s) => [s.name, makeCommand(`${name}|${s.name}`, s, this)]))
      : null;
    [this.firstKey, this.lastKey, this.keyStep] = legacyRange(facts.keySpecs ?? []);
    this.run = def.run;
    this.firstMemberArg = def.memberArgs === undefined ? 0 : (def.memberArgs.first ?? 2);
    this.memberArgStep = def.memberArgs === undefined ? 0 : def.memberArgs.step;
  }

  get arity(): number {
    return this.facts.arity;
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  /** Positions of key arguments in argv, from the key specs (specs that don't fit argv are skipped). */
  keyPositions(argv: Uint8Array[]): number[] {
    return (this.keyRefs(argv, true) ?? []).map((r) => r.pos);
  }

  /**
   * Key arguments in argv with the key spec that found each, like Redis's
   * getKeysUsingKeySpecs: a spec that doesn't fit argv (unknown, incomplete,
   * out of bounds) makes the result null, or is skipped when `partial`.
   * NOT_KEY specs (shard channels) are included only when `partial`.
   */
  keyRefs(argv: Uint8Array[], partial = false): { pos: number; spec: KeySpecFacts }[] | null {
    const out: { pos: number; spec: KeySpecFacts }[] = [];
    const argc = argv.length;
    for (const spec of this.facts.keySpecs ?? []) {
      if (!partial && spec.flags.includes("NOT_KEY")) continue;
      const range = specRange(spec, argv);
      if (range === "absent") continue;
      if (range === null || spec.flags.includes("INCOMPLETE")) {
        if (partial && range !== null) for (let i = range[0]; i <= range[1]; i += range[2]) out.push({ pos: i, spec });
        if (partial) continue;
        return null;
      }
      const [first, last, step] = range;
      for (let i = first; i <= last && i < argc; i += step) out.push({ pos: i, spec });
    }
    return out;
  }
}

/**
 * The [first, last, step] key range a spec selects in argv; "absent" when its
 * keyword isn't there, null when the spec doesn't fit argv.
 */
function specRange(spec: KeySpecFacts, argv: Uint8Array[]): [number, number, number] | "absent" | null {
  const argc = argv.length;
  let first = 0;
  const bs = spec.begin_search;
  if (bs.index) first = bs.index.pos;
  else if (bs.keyword) {
    const { keyword, startfrom } = bs.keyword;
    const start = startfrom > 0 ? startfrom : argc + startfrom;
    const end = startfrom > 0 ? argc - 1 : 1;
    // As in Redis, the search stops before `end`.
    for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
      if (i >= argc || i < 1) break;
      if (lowerAscii(argv[i]) === keyword.toLowerCase()) {
        first = i + 1;
        break;
      }
    }
    if (first === 0) return "absent";
  } else return null;
  let last: number;
  let step: number;
  const fk = spec.find_keys;
  if (fk.range) {
    const { lastkey, limit } = fk.range;
    step = fk.range.step;
    if (lastkey >= 0) last = first + lastkey;
    else if (limit === 0) last = argc + lastkey;
    else last = first + Math.trunc((argc - first) / limit) + lastkey;
  } else if (fk.keynum) {
    if (fk.keynum.keynumidx >= argc || first + fk.keynum.keynumidx >= argc) return null;
    const num = parseInt64(argv[first + fk.keynum.keynumidx]);
    if (num === null || num < 0 || num > argc) return null;
    first += fk.keynum.firstkey;
    last = first + Number(num) - 1;
    step = fk.keynum.step;
  } else return null;
  if (last >= argc || last < first || first >= argc) return null;
  return [first, last, step];
}

function legacyRange(specs: KeySpecFacts[]): [number, number, number] {
  // Like populateCommandLegacyRangeSpec: merge the index+range specs into one range.
  let first = 0;
  let last = 0;
  let step = 0;
  for (const spec of specs) {
    const pos = spec.begin_search.index?.pos;
    const range = spec.find_keys.range;
    if (pos === undefined || range === undefined) continue;
    if (step !== 0 && step !== range.step) continue;
    const specLast = range.lastkey < 0 ? range.lastkey : pos + range.lastkey;
    if (first === 0) {
      first = pos;
      last = specLast;
      step = range.step;
      continue;
    }
    if (last >= 0 && specLast >= 0 && pos === last + range.step) last = specLast;
    else if (specLast < 0) last = specLast;
  }
  return [first, last, step];
}

function makeCommand(name: string, def: CommandDef, parent: Command | null): Command {
  const f = facts[name];
  if (f === undefined) throw new Error(`command ${name} has no facts in facts.json`);
  if (!def.run && !def.subcommands) throw new Error(`command ${name} has neither a handler nor subcommands`);
  return new Command(name, def, f, parent);
}

export class CommandTable {
  private readonly byName = new Map<string, Command>();

  register(defs: CommandDef[]): void {
    for (const def of defs) {
      if (this.byName.has(def.name)) throw new Error(`command ${def.name} declared twice`);
      const cmd = makeCommand(def.name, def, null);
      this.byName.set(def.name, cmd);
      this.byName.set(def.name.toUpperCase(), cmd);
    }
  }

  /** Finds a top-level command by its name as sent (any case). */
  get(name: string): Command | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** Every top-level command, each once. */
  all(): Command[] {
    return [...new Set(this.byName.values())];
  }
}
