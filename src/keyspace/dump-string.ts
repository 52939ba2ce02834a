// DUMP/RESTORE codec for strings: RDB type 0 (integer, LZF or raw encodings).

import type { TypeCodec } from "./dump.ts";
import { RDB_TYPE } from "./rdb.ts";

export const stringCodec: TypeCodec<Uint8Array> = {
  type: "string",
  rdbTypes: [RDB_TYPE.STRING],
  save(store, _key, meta, w) {
    w.byte(RDB_TYPE.STRING);
    w.string(store.getString(meta));
  },
  load: (_rdbType, r) => r.string(),
  create: (store, key, value, expireAt) => store.setString(key, value, expireAt),
};
