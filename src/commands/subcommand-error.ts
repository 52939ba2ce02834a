// Redis's addReplySubcommandSyntaxError, for subcommands given a wrong
// number or kind of arguments that the arity check lets through.

import { bytesToStr } from "../net/bytes.ts";
import { fail } from "./errors.ts";

export function subcommandSyntaxError(argv: Uint8Array[]): never {
  const sub = bytesToStr(argv[1]).slice(0, 128);
  fail(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${bytesToStr(argv[0]).toUpperCase()} HELP.`);
}
