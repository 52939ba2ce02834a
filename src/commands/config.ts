// CONFIG GET / SET / RESETSTAT / REWRITE / HELP.

import { type Config, ConfigSetError } from "../config/config.ts";
import { strerror } from "../config/errors.ts";
import type { ParamDef } from "../config/params.ts";
import { rewriteConfigFile } from "../config/rewrite.ts";
import { globMatchStr } from "../keyspace/glob.ts";
import { bytesToStr } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import { fail, SYNTAX } from "./errors.ts";
import { replyHelp } from "./help.ts";
import type { CommandDef } from "./table.ts";

const HELP = [
  "GET <pattern>",
  "    Return parameters matching the glob-like <pattern> and their values.",
  "SET <directive> <value>",
  "    Set the configuration <directive> to <value>.",
  "RESETSTAT",
  "    Reset statistics reported by the INFO command.",
  "REWRITE",
  "    Rewrite the configuration file.",
];

/** Every name CONFIG GET patterns match: each parameter's name and aliases. */
function namedParams(config: Config): [string, ParamDef][] {
  return config.params().flatMap((p) => [p.name, ...(p.aliases ?? [])].map((n): [string, ParamDef] => [n, p]));
}

function configGet(c: Client, argv: Uint8Array[]): void {
  const config = c.server.config;
  // Lower-case name -> (name as replied, parameter); an exact name is replied as given.
  const matches = new Map<string, [string, ParamDef]>();
  for (let i = 2; i < argv.length; i++) {
    const pattern = bytesToStr(argv[i]);
    if (!/[[*?]/.test(pattern)) {
      const p = config.def(pattern);
      if (p !== undefined && !matches.has(pattern.toLowerCase())) matches.set(pattern.toLowerCase(), [pattern, p]);
      continue;
    }
    for (const [name, p] of namedParams(config)) {
      // Hidden parameters only answer to their exact name.
      if (p.hidden || matches.has(name)) continue;
      if (globMatchStr(pattern, name, true)) matches.set(name, [name, p]);
    }
  }
  const out = c.out;
  out.map(matches.size);
  for (const [name, p] of matches.values()) {
    out.bulkStr(name);
    out.bulkStr(config.str(p.name));
  }
}

function configSet(c: Client, argv: Uint8Array[]): void {
  if (argv.length % 2 !== 0) fail(SYNTAX);
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([bytesToStr(argv[i]), bytesToStr(argv[i + 1])]);
  try {
    c.server.config.setMany(pairs, { isLocal: isLoopback(c.socket?.remoteAddress ?? "127.0.0.1") });
  } catch (e) {
    if (e instanceof ConfigSetError) fail(`ERR ${e.message}`);
    throw e;
  }
  c.out.ok();
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");
}

function configRewrite(c: Client): void {
  const server = c.server;
  const file = server.config.file;
  if (file === null) fail("ERR The server is running without a config file");
  try {
    rewriteConfigFile(server.config, file);
  } catch (e) {
    server.log("warning", `CONFIG REWRITE failed: ${strerror(e)}`);
    fail(`ERR Rewriting config file: ${strerror(e)}`);
  }
  server.log("warning", "CONFIG REWRITE executed with success.");
  c.out.ok();
}

export const configCommands: CommandDef[] = [
  {
    name: "config",
    summary: "Configuration parameters: read, change, save to the config file",
    subcommands: [
      { name: "get", summary: "Values of the parameters matching glob patterns", run: configGet },
      { name: "set", summary: "Changes parameters, all or none", run: configSet },
      {
        name: "resetstat",
        summary: "Resets the statistics INFO reports",
        run: (c) => {
          c.server.resetStats();
          c.out.ok();
        },
      },
      { name: "rewrite", summary: "Writes the current configuration into the config file", run: configRewrite },
      { name: "help", summary: "Lists the CONFIG subcommands", run: (c) => replyHelp(c, "CONFIG", HELP) },
    ],
  },
];
