// Which node a new stream entry goes to, as in Redis 7.0's streamAppendItem:
// a node is a listpack holding a "master entry" (the first entry's field
// names) and entries encoded against it; a new node starts when the tail's
// listpack bytes plus the new entry's raw field/value bytes reach
// stream-node-max-bytes, or when it holds stream-node-max-entries entries
// (deleted ones included); both follow CONFIG SET. The byte count follows
// listpack's encodings exactly, so nodes split where Redis's do and `~` trims
// the same entries.

import { bytesToStr, strToBytes } from "../../net/bytes.ts";
import { listpackEntrySize, LISTPACK_EMPTY_SIZE } from "../../keyspace/listpack.ts";
import { idMs, idSeq } from "../stream-id.ts";
import type { StreamId } from "../stream-ops.ts";
import { encodingLimits } from "./encoding-limits.ts";
import type { IdMap } from "./id-map.ts";

/** STREAM_LISTPACK_MAX_SIZE: the node size used when stream-node-max-bytes is 0 or above it. */
const LISTPACK_MAX_SIZE = 1 << 30;

const SAMEFIELDS_FLAG = 2;

/** A node's master entry: its id and field names (latin1). */
export interface Master {
  id: StreamId;
  fields: string[];
}

/** Listpack bytes of an integer element (lpAppendInteger). */
function intSize(v: bigint | number): number {
  return listpackEntrySize(strToBytes(String(v)));
}

/** Whether an entry has exactly the master entry's fields (Redis then stores only its values). */
export function sameFields(master: Master, fields: readonly Uint8Array[]): boolean {
  if (master.fields.length * 2 !== fields.length) return false;
  for (let i = 0; i < master.fields.length; i++) {
    const f = fields[i * 2];
    const m = master.fields[i];
    if (f.length !== m.length) return false;
    for (let j = 0; j < f.length; j++) if (f[j] !== m.charCodeAt(j)) return false;
  }
  return true;
}

/**
 * Whether an entry with these fields starts a new node after the tail node
 * holding `live` entries and `deleted` tombstones in `bytes` tracked bytes.
 */
export function startsNewNode(live: number, deleted: number, bytes: number, fields: readonly Uint8Array[]): boolean {
  let rawBytes = 0;
  for (const f of fields) rawBytes += f.length;
  const { streamNodeMaxBytes, streamNodeMaxEntries } = encodingLimits;
  const maxBytes = streamNodeMaxBytes === 0 || streamNodeMaxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : streamNodeMaxBytes;
  // lpBytes of the node: header and terminator, the counters (live, deleted), then the rest as tracked.
  const listpackBytes = LISTPACK_EMPTY_SIZE + intSize(live) + intSize(deleted) + bytes;
  return listpackBytes + rawBytes >= maxBytes || (streamNodeMaxEntries !== 0 && live + deleted >= streamNodeMaxEntries);
}

/** A new node's master entry for its first entry, and the bytes it takes. */
export function newMaster(id: StreamId, fields: readonly Uint8Array[]): { master: Master; bytes: number } {
  const master: Master = { id, fields: [] };
  let bytes = intSize(fields.length / 2) + intSize(0); // master field count and its terminator
  for (let i = 0; i < fields.length; i += 2) {
    master.fields.push(bytesToStr(fields[i]));
    bytes += listpackEntrySize(fields[i]);
  }
  return { master, bytes };
}

/** The bytes an entry adds to the node of master. */
export function entryBytes(master: Master, id: StreamId, fields: readonly Uint8Array[]): number {
  const numFields = fields.length / 2;
  const compact = sameFields(master, fields);
  // flags, ms and seq deltas (int64 arithmetic as in C), [field count and names], values, element count.
  let bytes = intSize(compact ? SAMEFIELDS_FLAG : 0);
  bytes += intSize(BigInt.asIntN(64, idMs(id) - idMs(master.id)));
  bytes += intSize(BigInt.asIntN(64, idSeq(id) - idSeq(master.id)));
  if (!compact) bytes += intSize(numFields);
  for (let i = 0; i < fields.length; i++) if (!compact || i % 2 === 1) bytes += listpackEntrySize(fields[i]);
  return bytes + intSize(numFields + 3 + (compact ? 0 : numFields + 1));
}

/** Appends an entry (id above every id held) where Redis would put it, tracking the node's bytes. */
export function appendEntry(entries: IdMap<Uint8Array[]>, id: StreamId, fields: Uint8Array[]): void {
  const tail = entries.lastNode();
  const full = tail === undefined || startsNewNode(tail.ids.length, tail.deleted, tail.bytes, fields);
  const node = entries.append(id, fields, full);
  if (full) {
    const fresh = newMaster(id, fields);
    node.tag = fresh.master;
    node.bytes = fresh.bytes;
  }
  node.bytes += entryBytes(node.tag as Master, id, fields);
}
