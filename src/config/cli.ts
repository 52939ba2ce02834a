// Command line: `aikv [/path/to/aikv.conf] [--name value ...] [--help] [--version]`,
// like redis-server. Options are config parameters, applied after the file.

import { resolve } from "node:path";
import { bytesToStr, strToBytes } from "../net/bytes.ts";
import { splitInlineArgs } from "../net/resp-parser.ts";
import { ConfigLoad } from "./config-file.ts";
import { Config } from "./config.ts";
import { ConfigError } from "./errors.ts";

export const USAGE = `Usage: aikv [/path/to/aikv.conf] [options]
       aikv - (read the configuration from standard input)
       aikv --help
       aikv --version

Options are configuration parameters (see docs/config.md), given as
--<name> <value...>; they override the config file. For example:
  --port 6380              TCP port (default 6379; 0 picks a free one)
  --bind "127.0.0.1 ::1"   addresses to listen on (default "127.0.0.1 -::1")
  --dir ./data             data directory (default ./data)
  --engine lsm|memory      storage engine (default lsm: persistent, in --dir)
  --requirepass <secret>   require AUTH from clients
  --<any-config-name> <value>

Examples:
  aikv
  aikv /etc/aikv/aikv.conf --port 7777
  aikv --port 6380 --save "" --loglevel warning
`;

export type CliResult = { kind: "run"; config: Config } | { kind: "exit"; code: number; output: string };

export function parseCommandLine(argv: string[], version: string): CliResult {
  const first = argv[0];
  if (first === "--help" || first === "-h") return { kind: "exit", code: 0, output: USAGE };
  if (first === "--version" || first === "-v") return { kind: "exit", code: 0, output: `AiKv server v=${version}\n` };
  const config = new Config();
  const load = new ConfigLoad(config);
  try {
    let i = 0;
    if (first !== undefined && (first === "-" || !first.startsWith("-"))) {
      load.include(first);
      if (first !== "-") config.file = resolve(first);
      i = 1;
    }
    while (i < argv.length) {
      const opt = argv[i++];
      if (!opt.startsWith("--")) throw new ConfigError(`unexpected argument '${opt}': options are --name value`);
      const words = (splitInlineArgs(strToBytes(opt.slice(2))) ?? []).map(bytesToStr);
      if (words.length === 0) throw new ConfigError(`option '${opt}' has no name`);
      const values = words.slice(1);
      while (i < argv.length && !argv[i].startsWith("--")) values.push(argv[i++]);
      // `--save --next-option` means `save ""`, as in redis-server.
      if (values.length === 0 && words[0].toLowerCase() === "save") values.push("");
      load.option(words[0], values);
    }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const output = `\n*** FATAL CONFIG FILE ERROR (AiKv ${version}) ***\n${e.message}\nRun 'aikv --help' for usage.\n`;
    return { kind: "exit", code: 1, output };
  }
  return { kind: "run", config };
}
