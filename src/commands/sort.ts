// SORT and SORT_RO (sort.c): sorts a list, set or sorted set numerically or
// alphabetically, by its own elements or by external keys / hash fields
// named by a pattern, with LIMIT, GET patterns and STORE.

import type { Client } from "../net/client.ts";
import { argIs, bytesToStr, compareBytes, concatBytes, EMPTY, strToBytes } from "../net/bytes.ts";
import { strtod } from "../net/format.ts";
import type { Db } from "../keyspace/keyspace.ts";
import type { KeyMeta } from "../storage/engine.ts";
import { intArg } from "./args.ts";
import { fail, SYNTAX, WRONGTYPE } from "./errors.ts";
import type { CommandDef } from "./table.ts";

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  /** BY pattern; null sorts by the elements themselves. */
  by: Uint8Array | null;
  /** BY a pattern without '*': keep the natural order. */
  dontSort: boolean;
  limitStart: number;
  limitCount: number;
  gets: Uint8Array[];
  store: Uint8Array | null;
}

function parseOptions(argv: Uint8Array[], readonly: boolean): SortOptions {
  const o: SortOptions = { desc: false, alpha: false, by: null, dontSort: false, limitStart: 0, limitCount: -1, gets: [], store: null };
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j];
    if (argIs(a, "asc")) o.desc = false;
    else if (argIs(a, "desc")) o.desc = true;
    else if (argIs(a, "alpha")) o.alpha = true;
    else if (argIs(a, "limit") && left >= 2) {
      o.limitStart = intArg(argv[j + 1]);
      o.limitCount = intArg(argv[j + 2]);
      j += 2;
    } else if (!readonly && argIs(a, "store") && left >= 1) {
      o.store = argv[++j];
    } else if (argIs(a, "by") && left >= 1) {
      o.by = argv[++j];
      o.dontSort = o.by.indexOf(42) < 0; // no '*'
    } else if (argIs(a, "get") && left >= 1) {
      o.gets.push(argv[++j]);
    } else fail(SYNTAX);
  }
  return o;
}

/** Index of NUL-terminated C-string semantics: Redis's strchr/strstr stop at the first NUL. */
function cLength(b: Uint8Array): number {
  const nul = b.indexOf(0);
  return nul < 0 ? b.length : nul;
}

/**
 * Redis's lookupKeyByPattern: "#" is the element itself; otherwise the first
 * '*' is replaced by the element, and "->field" after it reads a hash field.
 * Returns null when the pattern has no '*' or the key/field is missing or of
 * the wrong type.
 */
function lookupByPattern(db: Db, pattern: Uint8Array, element: Uint8Array): Uint8Array | null {
  if (pattern.length >= 1 && pattern[0] === 35 && (pattern.length === 1 || pattern[1] === 0)) return element;
  const patLen = cLength(pattern);
  const star = pattern.subarray(0, patLen).indexOf(42);
  if (star < 0) return null;
  let field: Uint8Array | null = null;
  let keyEnd = pattern.length;
  const arrow = bytesToStr(pattern.subarray(star + 1, patLen)).indexOf("->");
  if (arrow >= 0 && star + 1 + arrow + 2 < patLen) {
    field = pattern.subarray(star + 1 + arrow + 2);
    keyEnd = star + 1 + arrow;
  }
  const key = concatBytes([pattern.subarray(0, star), element, pattern.subarray(star + 1, keyEnd)]);
  const meta = db.lookupRead(key);
  if (meta === null) return null;
  if (field !== null) return meta.type === "hash" ? db.store.hashes.get(meta, field) : null;
  return meta.type === "string" ? db.store.getString(meta) : null;
}

/** The elements to sort, in the collection's natural order (a set's is its iteration order). */
function loadElements(db: Db, meta: KeyMeta | null): Uint8Array[] {
  if (meta === null) return [];
  const store = db.store;
  if (meta.type === "list") {
    const out: Uint8Array[] = [];
    store.lists.range(meta, 0, store.lists.length(meta) - 1, (v) => out.push(v.slice()));
    return out;
  }
  if (meta.type === "set") return store.sets.members(meta);
  const n = store.zsets.card(meta);
  return store.zsets.range(meta, { by: "rank", start: 0, stop: n - 1 }, false, 0, -1).map((e) => strToBytes(e.member));
}

interface SortItem {
  element: Uint8Array;
  score: number;
  /** ALPHA with BY: the external value, null when missing. */
  cmp: Uint8Array | null;
}

function sortCommand(readonly: boolean) {
  return (c: Client, argv: Uint8Array[]): void => {
    const o = parseOptions(argv, readonly);
    const db = c.db;
    const meta = db.lookupRead(argv[1]); // a read lookup with STORE too, as Redis (misses, keymiss events)
    if (meta !== null && meta.type !== "list" && meta.type !== "set" && meta.type !== "zset") fail(WRONGTYPE);
    // Sets have no stable order: when storing, Redis sorts them alphabetically instead of not at all.
    if (o.dontSort && meta?.type === "set" && o.store !== null) {
      o.dontSort = false;
      o.alpha = true;
      o.by = null;
    }
    let elements = loadElements(db, meta);
    const len = elements.length;
    let start = o.limitStart < 0 ? 0 : o.limitStart;
    let end = o.limitCount < 0 ? len - 1 : start + o.limitCount - 1;
    if (start >= len) {
      start = len - 1;
      end = len - 2;
    }
    if (end >= len) end = len - 1;
    let conversionError = false;
    if (o.dontSort) {
      // Natural order (DESC reverses lists and zsets), then the LIMIT window.
      if (o.desc && meta !== null && meta.type !== "set") elements.reverse();
    } else {
      const items: SortItem[] = elements.map((element) => ({ element, score: 0, cmp: null }));
      for (const it of items) {
        const byVal = o.by !== null ? lookupByPattern(db, o.by, it.element) : it.element;
        if (byVal === null) continue;
        if (o.alpha) {
          if (o.by !== null) it.cmp = byVal;
        } else {
          const r = strtod(byVal.subarray(0, cLength(byVal)));
          if (r === null || r.range || Number.isNaN(r.value)) conversionError = true;
          else it.score = r.value;
        }
      }
      items.sort((a, b) => {
        let cmp: number;
        if (!o.alpha) cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.element, b.element);
        else if (o.by !== null) {
          if (a.cmp === null || b.cmp === null) cmp = a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
          else cmp = compareBytes(a.cmp, b.cmp);
        } else cmp = compareBytes(a.element, b.element);
        return o.desc ? -cmp : cmp;
      });
      elements = items.map((it) => it.element);
    }
    if (conversionError) fail("ERR One or more scores can't be converted into double");
    const window = end >= start ? elements.slice(start, end + 1) : [];
    const output: (Uint8Array | null)[] = [];
    for (const el of window) {
      if (o.gets.length === 0) output.push(el);
      for (const g of o.gets) output.push(lookupByPattern(db, g, el));
    }
    if (o.store === null) return c.out.bulkArray(output);
    storeList(c, o.store, output.map((v) => v ?? EMPTY));
  };
}

/** SORT ... STORE: the result replaces dst as a list (dst is deleted when empty). */
function storeList(c: Client, dst: Uint8Array, values: Uint8Array[]): void {
  const db = c.db;
  const existed = db.lookupWrite(dst) !== null;
  if (existed) db.store.delete(dst);
  if (values.length > 0) {
    db.store.lists.push(dst, null, "right", values);
    db.modified(dst, values.length);
    c.server.keyspace.notify("l", "sortstore", dst, db.index);
  } else if (existed) {
    db.modified(dst);
    c.server.keyspace.notify("g", "del", dst, db.index);
  }
  c.out.int(values.length);
}

export const sortCommands: CommandDef[] = [
  { name: "sort", summary: "Sorts the elements of a list, set or sorted set, optionally storing the result.", run: sortCommand(false) },
  { name: "sort_ro", summary: "Sorts the elements of a list, set or sorted set (read-only variant).", run: sortCommand(true) },
];
