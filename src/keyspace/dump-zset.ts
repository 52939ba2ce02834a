// DUMP/RESTORE codec for sorted sets. Redis 7.0 writes ZSET_LISTPACK
// (member, score pairs in order) for listpack-encoded zsets and ZSET_2
// (members from the highest score down, binary double scores) otherwise;
// the older ZSET type with text scores still loads.

import { bytesToStr, strToBytes } from "../net/bytes.ts";
import { formatDouble, parseDouble } from "../net/format.ts";
import type { ZEntry } from "../storage/zset-ops.ts";
import type { TypeCodec } from "./dump.ts";
import { decodeListpack, encodeListpack } from "./listpack.ts";
import { RDB_TYPE, RdbFormatError, type RdbReader } from "./rdb.ts";

export const zsetCodec: TypeCodec<ZEntry[]> = {
  type: "zset",
  rdbTypes: [RDB_TYPE.ZSET, RDB_TYPE.ZSET_2, RDB_TYPE.ZSET_LISTPACK],
  save(store, key, meta, w) {
    const card = store.zsets.card(meta);
    const entries = store.zsets.range(meta, { by: "rank", start: 0, stop: card - 1 }, false, 0, -1);
    if (store.encoding(key, meta) === "listpack") {
      w.byte(RDB_TYPE.ZSET_LISTPACK);
      w.string(encodeListpack(entries.flatMap((e) => [strToBytes(e.member), strToBytes(formatDouble(e.score))])));
      return;
    }
    w.byte(RDB_TYPE.ZSET_2);
    w.length(entries.length);
    for (let i = entries.length - 1; i >= 0; i--) {
      w.string(strToBytes(entries[i].member));
      w.binaryDouble(entries[i].score);
    }
  },
  load(rdbType, r) {
    const entries = rdbType === RDB_TYPE.ZSET_LISTPACK ? loadListpack(r) : loadPairs(r, rdbType === RDB_TYPE.ZSET_2);
    if (entries.length === 0) throw new RdbFormatError("empty sorted set");
    return entries;
  },
  create(store, key, entries, expireAt) {
    store.zsets.store(key, entries);
    if (expireAt !== 0) store.setExpire(key, expireAt);
  },
};

function loadListpack(r: RdbReader): ZEntry[] {
  const items = decodeListpack(r.string());
  if (items.length % 2 !== 0) throw new RdbFormatError("odd sorted set listpack");
  // Like Redis without deep sanitization, duplicates are not an error: the last score wins.
  const byMember = new Map<string, number>();
  for (let i = 0; i < items.length; i += 2) {
    const score = parseDouble(items[i + 1]);
    if (score === null) throw new RdbFormatError("invalid score");
    byMember.set(bytesToStr(items[i]), score);
  }
  return [...byMember].map(([member, score]) => ({ member, score }));
}

function loadPairs(r: RdbReader, binaryScores: boolean): ZEntry[] {
  const n = r.length();
  const seen = new Set<string>();
  const entries: ZEntry[] = [];
  for (let i = 0; i < n; i++) {
    const member = bytesToStr(r.string());
    const score = binaryScores ? r.binaryDouble() : r.textDouble();
    if (Number.isNaN(score)) throw new RdbFormatError("NaN score");
    if (seen.has(member)) throw new RdbFormatError("duplicate sorted set member");
    seen.add(member);
    entries.push({ member, score });
  }
  return entries;
}
