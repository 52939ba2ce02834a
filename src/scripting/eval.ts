// EVAL scripts: the SHA1-keyed cache, "#!lua flags=..." shebangs, and the
// KEYS/ARGV split shared by EVAL, EVALSHA, FCALL and their _RO forms.

import { CommandError } from "../commands/errors.ts";
import { bytesToStr } from "../net/bytes.ts";
import type { Client } from "../net/client.ts";
import { parseInt64 } from "../net/format.ts";
import { FUNCTION_FLAGS, shebangAsComment } from "./functions.ts";
import { type CachedScript, type Scripting, sha1Hex } from "./scripting.ts";

/** Parses a "#!lua flags=a,b" first line; returns whether it declares no-writes. */
function shebangNoWrites(body: Uint8Array): boolean {
  const text = bytesToStr(body.subarray(0, Math.min(body.length, 1024)));
  const eol = text.indexOf("\n");
  const parts = (eol < 0 ? text : text.slice(0, eol)).split(" ").filter((p) => p !== "");
  if (parts[0] !== "#!lua") throw new CommandError(`ERR Unexpected engine in script shebang: ${parts[0]}`);
  let noWrites = false;
  for (const part of parts.slice(1)) {
    if (!part.startsWith("flags=")) throw new CommandError(`ERR Unknown lua shebang option: ${part}`);
    for (const flag of part.slice(6).split(",")) {
      if (flag === "") continue;
      if (!(FUNCTION_FLAGS as readonly string[]).includes(flag)) throw new CommandError(`ERR Unexpected flag in script shebang: ${flag}`);
      if (flag === "no-writes") noWrites = true;
    }
  }
  return noWrites;
}

/** Compiles and caches a script body (EVAL, SCRIPT LOAD); returns its SHA1. */
export function cacheScript(s: Scripting, body: Uint8Array): { sha: string; script: CachedScript } {
  const sha = sha1Hex(body);
  const cached = s.scripts.get(sha);
  if (cached !== undefined) return { sha, script: cached };
  const noWrites = body[0] === 35 && body[1] === 33 ? shebangNoWrites(body) : false; // "#!"
  const compiled = s.vm.compile(shebangAsComment(body), "@user_script");
  if ("error" in compiled) throw new CommandError(`ERR Error compiling script (new function): ${compiled.error}`);
  const script = { ref: compiled.ref, noWrites, bodyBytes: body.length };
  s.scripts.set(sha, script);
  return { sha, script };
}

/** The numkeys argument (argv[2]), unchecked against the argument count. */
export function parseNumKeys(argv: Uint8Array[], badMessage: string): number | bigint {
  const n = parseInt64(argv[2]);
  if (n === null) throw new CommandError(badMessage);
  return n;
}

/** Splits "numkeys key... arg..." (argv from index 2) into keys and args. */
export function splitKeys(argv: Uint8Array[], n: number | bigint): { keys: Uint8Array[]; args: Uint8Array[] } {
  if (n > argv.length - 3) throw new CommandError("ERR Number of keys can't be greater than number of args");
  if (n < 0) throw new CommandError("ERR Number of keys can't be negative");
  const numKeys = Number(n);
  return { keys: argv.slice(3, 3 + numKeys), args: argv.slice(3 + numKeys) };
}

/** EVAL / EVAL_RO / EVALSHA / EVALSHA_RO. */
export function evalScript(s: Scripting, c: Client, argv: Uint8Array[], bySha: boolean, readOnly: boolean): void {
  const { keys, args } = splitKeys(argv, parseNumKeys(argv, "ERR value is not an integer or out of range"));
  let sha: string;
  let script: CachedScript | undefined;
  if (bySha) {
    script = s.lookupSha(argv[1]);
    if (script === undefined) throw new CommandError("NOSCRIPT No matching script. Please use EVAL.");
    sha = s.lastSha;
  } else {
    ({ sha, script } = cacheScript(s, argv[1]));
  }
  s.vm.run(script.ref, keys, args, { caller: c, name: sha, readOnly: readOnly || script.noWrites, argv }, true);
}
