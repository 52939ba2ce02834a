// redis.conf syntax: one directive per line, `name arg1 arg2`, with quoted
// strings (sdssplitargs rules), comments (#) and `include path` (relative
// paths are taken from the including file's directory; wildcards allowed).
// Command-line options are applied as directives too, like redis-server
// appends them to the file's content.

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { bytesToStr, strToBytes } from "../net/bytes.ts";
import { splitInlineArgs } from "../net/resp-parser.ts";
import type { Config } from "./config.ts";
import { ConfigError, strerror } from "./errors.ts";
import { reprString } from "./values.ts";

/** Directives Redis 7.0 still accepts in a config file and ignores (argument count included). */
const IGNORED_DIRECTIVES = new Set(["list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"]);
/** Redis directives that are not parameters and that AiKv does not implement. */
const UNSUPPORTED_DIRECTIVES = new Set(["rename-command", "user", "loadmodule", "sentinel"]);
const MAX_INCLUDE_DEPTH = 16;

/** State of one start-up load (file, includes and command line together). */
export class ConfigLoad {
  /** Parameters already given once: repeated `save` lines add up instead of replacing the default. */
  private readonly given = new Set<string>();

  constructor(readonly config: Config) {}

  /** Applies one directive; throws ConfigError with Redis's reason. */
  apply(words: string[], includeFrom: string, depth: number): void {
    const name = words[0].toLowerCase();
    const args = words.slice(1);
    if (name === "include" && args.length === 1) return this.include(resolve(includeFrom, args[0]), depth + 1);
    const p = this.config.def(name);
    if (p === undefined) {
      if (IGNORED_DIRECTIVES.has(name) && args.length === 1) return;
      if (UNSUPPORTED_DIRECTIVES.has(name)) throw new ConfigError(`'${name}' is not supported by AiKv`);
      throw new ConfigError(`Bad directive or wrong number of arguments (unknown option '${words[0]}')`);
    }
    this.config.load(name, args, this.given.has(p.name));
    this.given.add(p.name);
  }

  /** Loads a config file (or every file a wildcard path matches, in name order). */
  include(path: string, depth = 0): void {
    if (depth > MAX_INCLUDE_DEPTH) throw new ConfigError(`include nesting deeper than ${MAX_INCLUDE_DEPTH} at '${path}'`);
    if (/[*?[]/.test(path)) {
      const matches = [...new Bun.Glob(path).scanSync({ absolute: true, onlyFiles: true })].sort();
      for (const file of matches) this.loadText(readConfigFile(file), file, depth);
      return;
    }
    this.loadText(readConfigFile(path), path, depth);
  }

  /** Applies the directives of a config text; `path` names it in errors ("-" for standard input). */
  loadText(text: string, path: string, depth = 0): void {
    const lines = text.split("\n");
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
      if (line === "" || line.startsWith("#")) continue;
      const where = `Reading the configuration file ${path}, at line ${n + 1}\n>>> '${line}'`;
      const args = splitInlineArgs(strToBytes(line));
      if (args === null) throw new LocatedConfigError(`${where}\nUnbalanced quotes in configuration line`);
      if (args.length === 0) continue;
      located(where, () => this.apply(args.map(bytesToStr), dirname(resolve(path)), depth));
    }
  }

  /** Applies a command-line option `--name value...`. */
  option(name: string, values: string[]): void {
    const where = `Reading the command line, at option '--${name}'\n>>> '${[name, ...values.map(reprString)].join(" ")}'`;
    located(where, () => this.apply([name, ...values], process.cwd(), 0));
  }
}

/** A ConfigError whose message already says where the faulty directive is. */
class LocatedConfigError extends ConfigError {}

/** Runs fn, prefixing the location `where` to a configuration error it raises (once). */
function located(where: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError && !(e instanceof LocatedConfigError)) throw new LocatedConfigError(`${where}\n${e.message}`);
    throw e;
  }
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path === "-" ? 0 : path, "latin1");
  } catch (e) {
    throw new ConfigError(`Fatal error, can't open config file '${path}': ${strerror(e)}`);
  }
}
