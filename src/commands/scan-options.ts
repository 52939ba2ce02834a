// Options shared by SCAN, SSCAN, HSCAN and ZSCAN: MATCH pattern, COUNT n
// (and TYPE for SCAN), with Redis's errors.

import { argIs, lowerAscii } from "../net/bytes.ts";
import { intArg } from "./args.ts";
import { globMatch } from "../keyspace/glob.ts";
import type { Client } from "../net/client.ts";
import type { KeyMeta, KeyType } from "../storage/engine.ts";
import { fail, SYNTAX } from "./errors.ts";
import { parseScanCursor } from "./keys.ts";

export interface ScanOptions {
  count: number;
  /** null when absent or "*" (matches everything). */
  pattern: Uint8Array | null;
  /** SCAN's TYPE filter, lower-case; null when absent. */
  type: string | null;
}

export function parseScanOptions(argv: Uint8Array[], from: number, allowType: boolean): ScanOptions {
  const opts: ScanOptions = { count: 10, pattern: null, type: null };
  for (let i = from; i < argv.length; i++) {
    const hasValue = i + 1 < argv.length;
    if (argIs(argv[i], "count") && hasValue) {
      opts.count = intArg(argv[++i]);
      if (opts.count < 1) fail(SYNTAX);
    } else if (argIs(argv[i], "match") && hasValue) {
      const p = argv[++i];
      opts.pattern = p.length === 1 && p[0] === 42 ? null : p;
    } else if (allowType && argIs(argv[i], "type") && hasValue) {
      opts.type = lowerAscii(argv[++i]);
    } else fail(SYNTAX);
  }
  return opts;
}

/** The reply to a *SCAN of a missing key: cursor 0, no elements. */
export function replyEmptyScan(c: Client): void {
  c.out.array(2);
  c.out.bulkStr("0");
  c.out.array(0);
}

/**
 * SSCAN, HSCAN and ZSCAN: the cursor is parsed first, then the key is read
 * (a missing key answers an empty scan before the options are parsed, as in
 * Redis), then MATCH/COUNT. `scan` runs one engine scan step and calls `emit`
 * per element with the bytes MATCH applies to and the reply items it adds.
 */
export function scanCollection(
  c: Client,
  argv: Uint8Array[],
  type: KeyType,
  scan: (meta: KeyMeta, cursor: number, count: number, emit: (matchOn: Uint8Array, ...items: Uint8Array[]) => void) => number,
): void {
  const cursor = parseScanCursor(argv[2]);
  const meta = c.db.readTyped(argv[1], type);
  if (meta === null) return replyEmptyScan(c);
  const opts = parseScanOptions(argv, 3, false);
  const found: Uint8Array[] = [];
  const next = scan(meta, cursor, opts.count, (matchOn, ...items) => {
    if (opts.pattern === null || globMatch(opts.pattern, matchOn)) found.push(...items);
  });
  c.out.array(2);
  c.out.bulkStr(String(next));
  c.out.bulkArray(found);
}
