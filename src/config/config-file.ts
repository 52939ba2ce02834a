// redis.conf syntax: one directive per line, `name arg1 arg2`, with quoted
// strings (sdssplitargs rules), comments (#) and `include path`.

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { splitInlineArgs } from "../net/resp-parser.ts";
import { bytesToStr, strToBytes } from "../net/bytes.ts";
import { type Config, ConfigError } from "./config.ts";

export function loadConfigFile(config: Config, path: string, depth = 0): void {
  if (depth > 16) throw new ConfigError(`include nesting too deep at ${path}`);
  let text: string;
  try {
    text = readFileSync(path, "latin1");
  } catch (e) {
    throw new ConfigError(`Fatal error, can't open config file '${path}': ${(e as Error).message}`);
  }
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === "" || line.startsWith("#")) continue;
    const args = splitInlineArgs(strToBytes(line));
    const where = `>>> '${line}'\nline ${n + 1} of ${path}`;
    if (args === null) throw new ConfigError(`Unbalanced quotes in configuration line\n${where}`);
    const words = args.map(bytesToStr);
    const name = words[0].toLowerCase();
    if (name === "include") {
      if (words.length !== 2) throw new ConfigError(`Bad directive or wrong number of arguments\n${where}`);
      loadConfigFile(config, resolve(dirname(path), words[1]), depth + 1);
      continue;
    }
    if (config.def(name) === undefined) throw new ConfigError(`Bad directive or wrong number of arguments: unknown option '${words[0]}'\n${where}`);
    try {
      config.set(name, words.slice(1).join(" "), true);
    } catch (e) {
      throw new ConfigError(`${(e as Error).message}\n${where}`);
    }
  }
}
