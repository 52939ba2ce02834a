// Command line: `aikv [/path/to/aikv.conf] [--name value ...] [--help] [--version]`,
// like redis-server. Options are config parameters; the file uses redis.conf syntax.

import { Config, ConfigError } from "./config.ts";
import { loadConfigFile } from "./config-file.ts";

export const USAGE = `Usage: aikv [/path/to/aikv.conf] [options]
       aikv --help
       aikv --version

Options are configuration parameters, e.g.:
  --port 6380            TCP port (default 6379)
  --bind 127.0.0.1       address to listen on
  --dir ./data           data directory
  --engine memory|lsm    storage engine
  --<any-config-name> <value>

Examples:
  aikv
  aikv /etc/aikv/aikv.conf --port 7777
`;

export type CliResult = { kind: "run"; config: Config; configFile: string | null } | { kind: "exit"; code: number; output: string };

export function parseCommandLine(argv: string[], version: string): CliResult {
  if (argv.includes("--help") || argv.includes("-h")) return { kind: "exit", code: 0, output: USAGE };
  if (argv.includes("--version") || argv.includes("-v")) return { kind: "exit", code: 0, output: `AiKv server v=${version}\n` };
  const config = new Config();
  let configFile: string | null = null;
  let i = 0;
  try {
    if (argv.length > 0 && !argv[0].startsWith("--")) {
      configFile = argv[0];
      loadConfigFile(config, configFile);
      i = 1;
    }
    for (; i < argv.length; i++) {
      const opt = argv[i];
      if (!opt.startsWith("--")) throw new ConfigError(`unexpected argument '${opt}'`);
      const name = opt.slice(2);
      const values: string[] = [];
      while (i + 1 < argv.length && !argv[i + 1].startsWith("--")) values.push(argv[++i]);
      if (config.def(name) === undefined) throw new ConfigError(`Bad directive or wrong number of arguments: unknown option '${name}'`);
      config.set(name, values.join(" "), true);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      return { kind: "exit", code: 1, output: `\n*** FATAL CONFIG FILE ERROR ***\n${e.message}\n` };
    }
    throw e;
  }
  return { kind: "run", config, configFile };
}
