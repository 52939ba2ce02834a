// DUMP/RESTORE codec for lists. Redis 7.0 writes QUICKLIST_2: the number of
// quicklist nodes, then per node its container (2 = a listpack of elements,
// 1 = one plain element) and the blob. Nodes are cut the way RPUSH fills
// them with the default list-max-listpack-size -2 (8 KB), so a list built by
// RPUSH dumps byte for byte as in Redis. The plain LIST type also loads.

import type { TypeCodec } from "./dump.ts";
import { decodeListpack, encodeListpack, LISTPACK_EMPTY_SIZE, listpackEntrySize } from "./listpack.ts";
import { RDB_TYPE, RdbFormatError, type RdbReader } from "./rdb.ts";

const CONTAINER_PLAIN = 1;
const CONTAINER_PACKED = 2;
/** list-max-listpack-size -2: a node's listpack may grow to 8 KB. */
const NODE_MAX_BYTES = 8192;
/** Elements this large get a plain node of their own (packed_threshold). */
const PLAIN_THRESHOLD = 1 << 30;
/** Redis's overestimate of a new entry's listpack overhead when deciding whether it fits a node. */
const SIZE_ESTIMATE_OVERHEAD = 8;

/** Groups elements into quicklist nodes like _quicklistNodeAllowInsert on successive tail pushes. */
function splitIntoNodes(values: Uint8Array[]): Uint8Array[][] {
  const nodes: Uint8Array[][] = [];
  let current: Uint8Array[] | null = null;
  let currentBytes = 0;
  for (const v of values) {
    const sz = v.length;
    if (sz >= PLAIN_THRESHOLD) {
      nodes.push([v]);
      current = null;
      continue;
    }
    if (current === null || currentBytes + sz + SIZE_ESTIMATE_OVERHEAD > NODE_MAX_BYTES) {
      current = [];
      nodes.push(current);
      currentBytes = LISTPACK_EMPTY_SIZE;
    }
    current.push(v);
    // The node's real listpack size, which the next estimate starts from.
    currentBytes += listpackEntrySize(v);
  }
  return nodes;
}

export const listCodec: TypeCodec<Uint8Array[]> = {
  type: "list",
  rdbTypes: [RDB_TYPE.LIST, RDB_TYPE.LIST_QUICKLIST_2],
  save(store, _key, meta, w) {
    const values: Uint8Array[] = [];
    store.lists.range(meta, 0, store.lists.length(meta) - 1, (v) => values.push(v.slice()));
    const nodes = splitIntoNodes(values);
    w.byte(RDB_TYPE.LIST_QUICKLIST_2);
    w.length(nodes.length);
    for (const node of nodes) {
      const plain = node.length === 1 && node[0].length >= PLAIN_THRESHOLD;
      w.length(plain ? CONTAINER_PLAIN : CONTAINER_PACKED);
      w.string(plain ? node[0] : encodeListpack(node));
    }
  },
  load(rdbType, r) {
    const values = rdbType === RDB_TYPE.LIST ? loadPlainList(r) : loadQuicklist(r);
    if (values.length === 0) throw new RdbFormatError("empty list");
    return values;
  },
  create(store, key, values, expireAt) {
    store.lists.push(key, null, "right", values);
    if (expireAt !== 0) store.setExpire(key, expireAt);
  },
};

function loadPlainList(r: RdbReader): Uint8Array[] {
  const n = r.length();
  const values: Uint8Array[] = [];
  for (let i = 0; i < n; i++) values.push(r.string());
  return values;
}

function loadQuicklist(r: RdbReader): Uint8Array[] {
  const nodes = r.length();
  const values: Uint8Array[] = [];
  for (let i = 0; i < nodes; i++) {
    const container = r.length();
    if (container === CONTAINER_PLAIN) values.push(r.string());
    else if (container === CONTAINER_PACKED) values.push(...decodeListpack(r.string()));
    else throw new RdbFormatError("unknown quicklist container");
  }
  return values;
}
