// DUMP/RESTORE codec for sets. Redis 7.0 writes SET_INTSET for intset-encoded
// sets and SET (a count, then each member) otherwise.

import { bytesToStr, strToBytes } from "../net/bytes.ts";
import { parseInt64 } from "../net/format.ts";
import type { TypeCodec } from "./dump.ts";
import { decodeIntset, encodeIntset } from "./intset.ts";
import { RDB_TYPE, RdbFormatError } from "./rdb.ts";

export const setCodec: TypeCodec<Uint8Array[]> = {
  type: "set",
  rdbTypes: [RDB_TYPE.SET, RDB_TYPE.SET_INTSET],
  save(store, key, meta, w) {
    const members = store.sets.members(meta);
    const ints = members.map(parseInt64);
    if (store.encoding(key, meta) === "intset" && ints.every((v) => v !== null)) {
      w.byte(RDB_TYPE.SET_INTSET);
      w.string(encodeIntset(ints.map((v) => BigInt(v!))));
      return;
    }
    w.byte(RDB_TYPE.SET);
    w.length(members.length);
    for (const m of members) w.string(m);
  },
  load(rdbType, r) {
    let members: Uint8Array[];
    if (rdbType === RDB_TYPE.SET_INTSET) {
      members = decodeIntset(r.string()).map((v) => strToBytes(v.toString()));
    } else {
      const n = r.length();
      members = [];
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const m = r.string();
        const k = bytesToStr(m);
        if (seen.has(k)) throw new RdbFormatError("duplicate set member");
        seen.add(k);
        members.push(m);
      }
    }
    if (members.length === 0) throw new RdbFormatError("empty set");
    return members;
  },
  create(store, key, members, expireAt) {
    store.sets.store(key, members);
    if (expireAt !== 0) store.setExpire(key, expireAt);
  },
};
