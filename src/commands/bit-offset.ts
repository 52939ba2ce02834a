// Bit offset arguments of SETBIT, GETBIT and BITFIELD (getBitOffsetFromArgument).

import type { Client } from "../net/client.ts";
import { parseInt64 } from "../net/format.ts";
import { fail } from "./errors.ts";

const BIT_OFFSET_ERR = "ERR bit offset is not an integer or out of range";

/**
 * A bit offset argument (getBitOffsetFromArgument): at most
 * proto-max-bulk-len * 8 - 1. With `hashBits`, "#n" means n * hashBits (BITFIELD).
 */
export function bitOffsetArg(c: Client, arg: Uint8Array, hashBits = 0): number {
  const useHash = hashBits > 0 && arg.length > 0 && arg[0] === 35; // '#'
  const parsed = parseInt64(useHash ? arg.subarray(1) : arg);
  if (parsed === null) fail(BIT_OFFSET_ERR);
  let offset = BigInt(parsed);
  if (useHash) offset = BigInt.asIntN(64, offset * BigInt(hashBits)); // wraps like C's long long
  if (offset < 0n || offset >> 3n >= BigInt(c.server.config.num("proto-max-bulk-len"))) fail(BIT_OFFSET_ERR);
  return Number(offset);
}
