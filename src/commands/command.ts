// COMMAND (server.c): introspection of the command table, in Redis 7.0's
// reply shapes. Everything comes from the table: facts (arity, flags, key
// specs, ACL categories, argument grammar) and our own summaries.

import { globMatch } from "../keyspace/glob.ts";
import type { Client } from "../net/client.ts";
import { argIs, bytesToStr, strToBytes } from "../net/bytes.ts";
import type { ReplyBuffer } from "../net/reply.ts";
import { fail, SYNTAX } from "./errors.ts";
import { replyHelp } from "./help.ts";
import { CMD, type Command, type CommandTable, type KeySpecFacts } from "./table.ts";
import type { CommandDef } from "./table.ts";

/** A command or subcommand by full name ("get", "config|get"), any case. */
function lookupFullName(table: CommandTable, fullName: string): Command | undefined {
  const bar = fullName.indexOf("|");
  if (bar < 0) return table.get(fullName);
  return table.get(fullName.slice(0, bar))?.subcommands?.get(fullName.slice(bar + 1).toLowerCase());
}

/** Every command and subcommand, containers before their subcommands. */
function everyCommand(table: CommandTable): Command[] {
  const out: Command[] = [];
  for (const cmd of table.all()) {
    out.push(cmd);
    if (cmd.subcommands) out.push(...cmd.subcommands.values());
  }
  return out;
}

/** Key spec flags in the order Redis prints them (addReplyFlagsForKeyArgs). */
const KEY_SPEC_FLAG_ORDER = ["RO", "RW", "OW", "RM", "ACCESS", "UPDATE", "INSERT", "DELETE", "NOT_KEY", "INCOMPLETE", "VARIABLE_FLAGS"];

/** Replies key spec flags as Redis does: in its order, RO/RW/OW/RM upper case, the others lower case. */
function replyKeySpecFlags(out: ReplyBuffer, flags: string[]): void {
  const sorted = KEY_SPEC_FLAG_ORDER.filter((f) => flags.includes(f));
  out.set(sorted.length);
  for (const f of sorted) out.simple(f.length === 2 ? f : f.toLowerCase());
}

function replyIntMap(out: ReplyBuffer, entries: [string, number | string][]): void {
  out.map(entries.length);
  for (const [k, v] of entries) {
    out.bulkStr(k);
    if (typeof v === "number") out.int(v);
    else out.bulkStr(v);
  }
}

function replyKeySpec(out: ReplyBuffer, spec: KeySpecFacts): void {
  out.map(spec.notes !== undefined ? 4 : 3);
  if (spec.notes !== undefined) {
    out.bulkStr("notes");
    out.bulkStr(spec.notes);
  }
  out.bulkStr("flags");
  replyKeySpecFlags(out, spec.flags);
  out.bulkStr("begin_search");
  out.map(2);
  const bs = spec.begin_search;
  out.bulkStr("type");
  if (bs.index) {
    out.bulkStr("index");
    out.bulkStr("spec");
    replyIntMap(out, [["index", bs.index.pos]]);
  } else if (bs.keyword) {
    out.bulkStr("keyword");
    out.bulkStr("spec");
    replyIntMap(out, [["keyword", bs.keyword.keyword], ["startfrom", bs.keyword.startfrom]]);
  } else {
    out.bulkStr("unknown");
    out.bulkStr("spec");
    out.map(0);
  }
  out.bulkStr("find_keys");
  out.map(2);
  const fk = spec.find_keys;
  out.bulkStr("type");
  if (fk.range) {
    out.bulkStr("range");
    out.bulkStr("spec");
    replyIntMap(out, [["lastkey", fk.range.lastkey], ["keystep", fk.range.step], ["limit", fk.range.limit]]);
  } else if (fk.keynum) {
    out.bulkStr("keynum");
    out.bulkStr("spec");
    replyIntMap(out, [["keynumidx", fk.keynum.keynumidx], ["firstkey", fk.keynum.firstkey], ["keystep", fk.keynum.step]]);
  } else {
    out.bulkStr("unknown");
    out.bulkStr("spec");
    out.map(0);
  }
}

/** One COMMAND INFO entry (addReplyCommandInfo). */
function replyCommandInfo(out: ReplyBuffer, cmd: Command): void {
  const f = cmd.facts;
  out.array(10);
  out.bulkStr(cmd.name);
  out.int(f.arity);
  out.set(f.flags.length);
  for (const flag of f.flags) out.simple(flag);
  out.int(cmd.firstKey);
  out.int(cmd.lastKey);
  out.int(cmd.keyStep);
  out.set(f.acl.length);
  for (const cat of f.acl) out.simple(`@${cat}`);
  const tips = f.tips ?? [];
  out.set(tips.length);
  for (const tip of tips) out.bulkStr(tip);
  const specs = f.keySpecs ?? [];
  out.set(specs.length);
  for (const spec of specs) replyKeySpec(out, spec);
  // Like Redis: no subcommands is an empty set, subcommands are an array.
  if (cmd.subcommands === null) return out.set(0);
  out.array(cmd.subcommands.size);
  for (const sub of cmd.subcommands.values()) replyCommandInfo(out, sub);
}

/** The argument grammar as the facts hold it (trimmed Redis command JSON). */
interface ArgFacts {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  deprecated_since?: string;
  optional?: boolean;
  multiple?: boolean;
  multiple_token?: boolean;
  arguments?: ArgFacts[];
}

function replyArgs(out: ReplyBuffer, args: ArgFacts[]): void {
  out.array(args.length);
  for (const a of args) {
    const flags = (["optional", "multiple", "multiple_token"] as const).filter((k) => a[k] === true);
    const fields: [string, () => void][] = [
      ["name", () => out.bulkStr(a.name)],
      ["type", () => out.bulkStr(a.type)],
    ];
    if (a.key_spec_index !== undefined) fields.push(["key_spec_index", () => out.int(a.key_spec_index!)]);
    // Redis's generated command table holds tokens upper case.
    if (a.token !== undefined) fields.push(["token", () => out.bulkStr(a.token!.toUpperCase())]);
    if (a.summary !== undefined) fields.push(["summary", () => out.bulkStr(a.summary!)]);
    if (a.since !== undefined) fields.push(["since", () => out.bulkStr(a.since!)]);
    if (a.deprecated_since !== undefined) fields.push(["deprecated_since", () => out.bulkStr(a.deprecated_since!)]);
    if (flags.length > 0) {
      fields.push(["flags", () => {
        out.set(flags.length);
        for (const fl of flags) out.simple(fl);
      }]);
    }
    if (a.arguments !== undefined) fields.push(["arguments", () => replyArgs(out, a.arguments!)]);
    replyFields(out, fields);
  }
}

function replyFields(out: ReplyBuffer, fields: [string, () => void][]): void {
  out.map(fields.length);
  for (const [name, write] of fields) {
    out.bulkStr(name);
    write();
  }
}

/** One COMMAND DOCS entry (addReplyCommandDocs), with our own summary and complexity. */
function replyCommandDocs(out: ReplyBuffer, cmd: Command): void {
  const f = cmd.facts;
  const def = cmd.def;
  const fields: [string, () => void][] = [
    ["summary", () => out.bulkStr(def.summary)],
    ["since", () => out.bulkStr(f.since)],
    ["group", () => out.bulkStr(f.group)],
  ];
  if (def.complexity !== undefined) fields.push(["complexity", () => out.bulkStr(def.complexity!)]);
  if (f.docFlags?.length) {
    fields.push(["doc_flags", () => {
      out.set(f.docFlags!.length);
      for (const fl of f.docFlags!) out.simple(fl);
    }]);
  }
  if (f.deprecatedSince !== undefined) fields.push(["deprecated_since", () => out.bulkStr(f.deprecatedSince!)]);
  if (f.replacedBy !== undefined) fields.push(["replaced_by", () => out.bulkStr(f.replacedBy!)]);
  if (f.arguments?.length) fields.push(["arguments", () => replyArgs(out, f.arguments as ArgFacts[])]);
  if (cmd.subcommands) {
    const subs = [...cmd.subcommands.values()];
    fields.push(["subcommands", () => {
      out.map(subs.length);
      for (const sub of subs) {
        out.bulkStr(sub.name);
        replyCommandDocs(out, sub);
      }
    }]);
  }
  replyFields(out, fields);
}

function commandAll(c: Client): void {
  const cmds = c.server.commands.all();
  c.out.array(cmds.length);
  for (const cmd of cmds) replyCommandInfo(c.out, cmd);
}

function info(c: Client, argv: Uint8Array[]): void {
  if (argv.length === 2) return commandAll(c);
  const out = c.out;
  out.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const cmd = lookupFullName(c.server.commands, bytesToStr(argv[i]));
    if (cmd === undefined) out.nilArray();
    else replyCommandInfo(out, cmd);
  }
}

function docs(c: Client, argv: Uint8Array[]): void {
  const table = c.server.commands;
  const cmds =
    argv.length === 2
      ? table.all()
      : argv.slice(2).map((a) => lookupFullName(table, bytesToStr(a))).filter((cmd) => cmd !== undefined);
  const out = c.out;
  out.map(cmds.length);
  for (const cmd of cmds) {
    out.bulkStr(cmd.name);
    replyCommandDocs(out, cmd);
  }
}

function count(c: Client): void {
  c.out.int(c.server.commands.all().length);
}

function list(c: Client, argv: Uint8Array[]): void {
  let keep: (cmd: Command) => boolean = () => true;
  if (argv.length === 5 && argIs(argv[2], "filterby")) {
    const value = argv[4];
    if (argIs(argv[3], "module")) keep = () => false; // no modules
    else if (argIs(argv[3], "aclcat")) {
      const cat = bytesToStr(value).toLowerCase();
      keep = (cmd) => cmd.facts.acl.includes(cat);
    } else if (argIs(argv[3], "pattern")) keep = (cmd) => globMatch(value, strToBytes(cmd.name), true);
    else fail(SYNTAX);
  } else if (argv.length !== 2) fail(SYNTAX);
  const names = everyCommand(c.server.commands).filter(keep).map((cmd) => cmd.name);
  c.out.array(names.length);
  for (const n of names) c.out.bulkStr(n);
}

/** The command a GETKEYS argv names, validated like getKeysSubcommandImpl. */
function commandForKeys(c: Client, argv: Uint8Array[]): Command {
  const base = c.server.commands.get(bytesToStr(argv[0]));
  const cmd = base?.subcommands && argv.length > 1 ? base.subcommands.get(bytesToStr(argv[1]).toLowerCase()) : base;
  if (cmd === undefined) fail("ERR Invalid command specified");
  const hasKeys = KEYS_BY_ARGS[cmd.name] !== undefined || cmd.facts.keySpecs?.some((s) => !s.flags.includes("NOT_KEY"));
  if (!hasKeys) fail("ERR The command has no key arguments");
  if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
    fail("ERR Invalid number of arguments specified for command");
  }
  return cmd;
}

type KeyRef = { pos: number; flags: string[] };

/**
 * Redis's getkeys callbacks for commands whose key specs can't tell the flags
 * (VARIABLE_FLAGS) or the keys (INCOMPLETE, unknown): setGetKeys, bitfieldGetKeys,
 * sortGetKeys, sortROGetKeys, migrateGetKeys.
 */
const KEYS_BY_ARGS: Record<string, (argv: Uint8Array[], specs: KeySpecFacts[]) => KeyRef[]> = {
  set(argv) {
    const get = argv.slice(3).some((a) => argIs(a, "get"));
    return [{ pos: 1, flags: get ? ["RW", "ACCESS", "UPDATE"] : ["OW", "UPDATE"] }];
  },
  bitfield(argv) {
    let readonly = true;
    for (let i = 2; i < argv.length && readonly; i++) {
      const remaining = argv.length - i - 1;
      if (argIs(argv[i], "get") && remaining >= 2) i += 2;
      else if (argIs(argv[i], "overflow") && remaining >= 1) i += 1;
      else readonly = false;
    }
    return [{ pos: 1, flags: readonly ? ["RO", "ACCESS"] : ["RW", "ACCESS", "UPDATE"] }];
  },
  sort(argv, specs) {
    const keys: KeyRef[] = [{ pos: 1, flags: specs[0].flags }];
    const skip: Record<string, number> = { limit: 2, get: 1, by: 1 };
    let store = 0;
    for (let i = 2; i < argv.length; i++) {
      const arg = bytesToStr(argv[i]).toLowerCase();
      if (skip[arg] !== undefined) i += skip[arg];
      else if (arg === "store" && i + 1 < argv.length) store = ++i;
    }
    // sortGetKeys hard-codes the destination's flags (the key specs index it ambiguously).
    if (store > 0) keys.push({ pos: store, flags: ["OW", "UPDATE"] });
    return keys;
  },
  sort_ro: () => [{ pos: 1, flags: ["RO", "ACCESS"] }],
  migrate(argv) {
    const flags = ["RW", "ACCESS", "DELETE"];
    const skip: Record<string, number> = { copy: 0, replace: 0, auth: 1, auth2: 2 };
    for (let i = 6; i < argv.length; i++) {
      const arg = bytesToStr(argv[i]).toLowerCase();
      if (arg === "keys") {
        // KEYS needs the single-key argument to be empty.
        if (argv[3].length > 0) return [];
        return argv.slice(i + 1).map((_, j) => ({ pos: i + 1 + j, flags }));
      }
      i += skip[arg] ?? 0;
    }
    return [{ pos: 3, flags }];
  },
};

function keyRefs(cmd: Command, argv: Uint8Array[]): KeyRef[] {
  const byArgs = KEYS_BY_ARGS[cmd.name];
  if (byArgs) return byArgs(argv, cmd.facts.keySpecs ?? []);
  return (cmd.keyRefs(argv) ?? []).map((r) => ({ pos: r.pos, flags: r.spec.flags }));
}

function getkeys(c: Client, argv: Uint8Array[], withFlags: boolean): void {
  const target = argv.slice(2);
  const cmd = commandForKeys(c, target);
  const refs = keyRefs(cmd, target);
  if (refs.length === 0 && !cmd.has(CMD.NO_MANDATORY_KEYS)) fail("ERR Invalid arguments specified for command");
  const out = c.out;
  out.array(refs.length);
  for (const { pos, flags } of refs) {
    if (!withFlags) {
      out.bulk(target[pos]);
      continue;
    }
    out.array(2);
    out.bulk(target[pos]);
    replyKeySpecFlags(out, flags);
  }
}

const COMMAND_HELP = [
  "(no subcommand)",
  "    Return details about all Redis commands.",
  "COUNT",
  "    Return the total number of commands in this Redis server.",
  "LIST",
  "    Return a list of all commands in this Redis server.",
  "INFO [<command-name> ...]",
  "    Return details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "DOCS [<command-name> ...]",
  "    Return documentation details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "GETKEYS <full-command>",
  "    Return the keys from a full Redis command.",
  "GETKEYSANDFLAGS <full-command>",
  "    Return the keys and the access flags from a full Redis command.",
];

export const commandCommands: CommandDef[] = [
  {
    name: "command",
    summary: "Returns detailed information about all commands.",
    complexity: "O(N) where N is the total number of commands",
    run: commandAll,
    subcommands: [
      { name: "info", summary: "Returns information about one, multiple or all commands.", complexity: "O(N) where N is the number of commands to look up", run: info },
      { name: "docs", summary: "Returns documentary information about one, multiple or all commands.", complexity: "O(N) where N is the number of commands to look up", run: docs },
      { name: "count", summary: "Returns a count of commands.", complexity: "O(1)", run: count },
      { name: "list", summary: "Returns a list of command names.", complexity: "O(N) where N is the total number of commands", run: list },
      { name: "getkeys", summary: "Extracts the key names from an arbitrary command.", complexity: "O(N) where N is the number of arguments to the command", run: (c, argv) => getkeys(c, argv, false) },
      { name: "getkeysandflags", summary: "Extracts the key names and access flags for an arbitrary command.", complexity: "O(N) where N is the number of arguments to the command", run: (c, argv) => getkeys(c, argv, true) },
      { name: "help", summary: "Returns helpful text about the different subcommands.", complexity: "O(1)", run: (c) => replyHelp(c, "COMMAND", COMMAND_HELP) },
    ],
  },
];
