// LCS: longest common subsequence of two strings (t_string.c lcsCommand),
// with the same dynamic-programming table and backtracking order as Redis, so
// ties between equally long subsequences and the emitted ranges match.

import type { Client } from "../net/client.ts";
import { argIs } from "../net/bytes.ts";
import { int64Arg } from "./args.ts";
import { fail, SYNTAX } from "./errors.ts";
import type { CommandDef } from "./table.ts";

const EMPTY = new Uint8Array(0);

/** One matched range: [aStart, aEnd], [bStart, bEnd], length. */
type Match = [number, number, number, number, number];

function lcs(c: Client, argv: Uint8Array[]): void {
  const db = c.db;
  const metaA = db.lookupRead(argv[1]);
  const metaB = db.lookupRead(argv[2]);
  if ((metaA !== null && metaA.type !== "string") || (metaB !== null && metaB.type !== "string")) {
    fail("ERR The specified keys must contain string values");
  }
  const a = metaA === null ? EMPTY : db.store.getString(metaA);
  const b = metaB === null ? EMPTY : db.store.getString(metaB);

  let getIdx = false;
  let getLen = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    const moreArgs = j < argv.length - 1;
    if (argIs(opt, "idx")) getIdx = true;
    else if (argIs(opt, "len")) getLen = true;
    else if (argIs(opt, "withmatchlen")) withMatchLen = true;
    else if (argIs(opt, "minmatchlen") && moreArgs) {
      const v = int64Arg(argv[++j]);
      minMatchLen = v < 0 ? 0 : Number(v);
    } else fail(SYNTAX);
  }
  if (getIdx && getLen) fail("ERR If you want both the length and indexes, please just use IDX.");

  const alen = a.length;
  const blen = b.length;
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > c.server.config.num("proto-max-bulk-len")) {
    fail("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  }
  // table[j + (blen+1)*i] = LCS length of a[0..i-1] and b[0..j-1]; row 0 and column 0 stay 0.
  const table = new Uint32Array(cells);
  const row = blen + 1;
  for (let i = 1; i <= alen; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= blen; j++) {
      const at = j + row * i;
      if (ai === b[j - 1]) table[at] = table[at - row - 1] + 1;
      else {
        const up = table[at - row];
        const left = table[at - 1];
        table[at] = up > left ? up : left;
      }
    }
  }
  const total = table[blen + row * alen];

  if (getLen) {
    c.out.int(total);
    return;
  }
  const result = new Uint8Array(total);
  const matches: Match[] = [];
  let idx = total;
  let i = alen;
  let j = blen;
  // Backtrack from the end, growing the current range backwards while matches are contiguous.
  let aStart = alen; // alen means "no range open"
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const up = table[j + row * (i - 1)];
      const left = table[j - 1 + row * i];
      if (up > left) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const len = aEnd - aStart + 1;
      if (minMatchLen === 0 || len >= minMatchLen) matches.push([aStart, aEnd, bStart, bEnd, len]);
      aStart = alen;
    }
  }

  if (!getIdx) {
    c.out.bulk(result);
    return;
  }
  const out = c.out;
  out.map(2);
  out.bulkStr("matches");
  out.array(matches.length);
  for (const [as, ae, bs, be, len] of matches) {
    out.array(withMatchLen ? 3 : 2);
    out.array(2);
    out.int(as);
    out.int(ae);
    out.array(2);
    out.int(bs);
    out.int(be);
    if (withMatchLen) out.int(len);
  }
  out.bulkStr("len");
  out.int(total);
}

export const lcsCommand: CommandDef = {
  name: "lcs",
  summary: "Finds the longest common subsequence of two strings.",
  run: lcs,
};
