// Generates src/commands/facts.json from Redis 7.0.15's command specification
// files (shared/reference/redis-7.0.15-commands). Only machine facts are kept
// (arity, flags, key specs, ACL categories, argument grammar, group, since);
// prose (summaries, complexity, history) is ours to write, in the command modules.
//
//   bun tools/gen-command-facts.ts [path/to/redis-7.0.15-commands]
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? join(import.meta.dir, "../../shared/reference/redis-7.0.15-commands");
const out = join(import.meta.dir, "../src/commands/facts.json");

// Redis's flag and ACL category tables, in the order COMMAND INFO prints them.
// Flags Redis keeps but does not print in COMMAND INFO go to extraFlags.
const FLAG_ORDER = ["write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking", "loading", "stale",
  "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth", "no_mandatory_keys",
  "no_async_loading", "no_multi", "movablekeys", "allow_busy"];
const EXTRA_FLAGS = ["may_replicate", "sentinel", "only_sentinel", "protected", "touches_arbitrary_keys"];
const ACL_ORDER = ["keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
  "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting"];

interface Arg { name: string; type: string; [k: string]: unknown }

function trimArg(a: Arg): Record<string, unknown> {
  const r: Record<string, unknown> = { name: a.name, type: a.type };
  for (const k of ["key_spec_index", "token", "value", "optional", "multiple", "multiple_token", "since", "deprecated_since", "display"]) {
    if (a[k] !== undefined) r[k] = a[k];
  }
  if (Array.isArray(a.arguments)) r.arguments = (a.arguments as Arg[]).map(trimArg);
  return r;
}

const facts: Record<string, unknown> = {};
for (const file of readdirSync(dir).sort()) {
  if (!file.endsWith(".json")) continue;
  const doc = JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, Record<string, unknown>>;
  for (const [upper, c] of Object.entries(doc)) {
    const flags = new Set(((c.command_flags as string[]) ?? []).map((f) => f.toLowerCase()));
    if (flags.has("only_sentinel")) continue; // sentinel-only commands are not part of a Redis server
    const specs = (c.key_specs as Record<string, unknown>[]) ?? [];
    // As Redis 7.0.15 reports it: a getkeys function alone (SET, BITFIELD: for their variable
    // flags) doesn't make the keys movable when every spec is a plain index + range.
    const movable = (c.get_keys_function !== undefined && specs.length === 0) ||
      specs.some((s) => !("index" in (s.begin_search as object)) || !("range" in (s.find_keys as object)));
    if (movable) flags.add("movablekeys");
    const acl = new Set(((c.acl_categories as string[]) ?? []).map((a) => a.toLowerCase()));
    if (flags.has("write")) acl.add("write");
    if (flags.has("readonly") && !acl.has("scripting")) acl.add("read");
    if (flags.has("admin")) { acl.add("admin"); acl.add("dangerous"); }
    if (flags.has("pubsub")) acl.add("pubsub");
    if (flags.has("fast")) acl.add("fast");
    if (flags.has("blocking")) acl.add("blocking");
    if (!acl.has("fast")) acl.add("slow");
    const name = (c.container ? `${String(c.container).toLowerCase()}|` : "") + upper.toLowerCase();
    const entry: Record<string, unknown> = {
      arity: c.arity,
      group: c.group,
      since: c.since,
      flags: FLAG_ORDER.filter((f) => flags.has(f)),
      acl: ACL_ORDER.filter((a) => acl.has(a)),
    };
    const extra = EXTRA_FLAGS.filter((f) => flags.has(f));
    if (extra.length) entry.extraFlags = extra;
    for (const f of flags) {
      if (!FLAG_ORDER.includes(f) && !EXTRA_FLAGS.includes(f)) throw new Error(`unknown flag ${f} in ${file}`);
    }
    if (c.command_tips) entry.tips = (c.command_tips as string[]).map((t) => t.toLowerCase());
    if (specs.length) entry.keySpecs = specs;
    if (c.arguments) entry.arguments = (c.arguments as Arg[]).map(trimArg);
    if (c.doc_flags) entry.docFlags = (c.doc_flags as string[]).map((f) => f.toLowerCase());
    if (c.deprecated_since) entry.deprecatedSince = c.deprecated_since;
    if (c.replaced_by) entry.replacedBy = c.replaced_by;
    facts[name] = entry;
  }
}
writeFileSync(out, JSON.stringify(facts, null, 0).replace(/\},"/g, '},\n"') + "\n");
console.log(`wrote ${Object.keys(facts).length} command facts to ${out}`);
