// The HELP subcommand reply shared by container commands (Redis's addReplyHelp).

import type { Client } from "../net/client.ts";

/**
 * Replies with the help of `command` (upper case, e.g. "OBJECT"): a header, the
 * given lines, then the HELP entry every container has, each as a status reply.
 */
export function replyHelp(c: Client, command: string, lines: readonly string[]): void {
  const out = c.out;
  out.array(lines.length + 3);
  out.simple(`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const line of lines) out.simple(line);
  out.simple("HELP");
  out.simple("    Prints this help.");
}
