// DUMP/RESTORE codec for streams: Redis 7.0's STREAM_LISTPACKS_2. Entries go
// in listpack nodes keyed by their master id (16 bytes big-endian), laid out
// as t_stream.c writes them (master entry, then per entry flags, id deltas,
// fields or only values when they match the master's, and the element count);
// nodes are cut by the same sizing as XADD (stream-nodes.ts), so a stream
// built by XADD alone dumps byte for byte as in Redis. Then the counters, and
// per group its cursor, its PEL (id, delivery time, count) and its consumers
// with the ids they own. Deleted entries are not kept, so none are written.

import { bytesToStr, strToBytes } from "../net/bytes.ts";
import { entryBytes, newMaster, sameFields, startsNewNode, type Master } from "../storage/memory/stream-nodes.ts";
import { idMs, idSeq, MAX_ID, MIN_ID, streamId } from "../storage/stream-id.ts";
import type { PendingEntry, StreamEntry, StreamId } from "../storage/stream-ops.ts";
import type { TypeCodec } from "./dump.ts";
import { decodeListpack, encodeListpack } from "./listpack.ts";
import { RDB_TYPE, RdbFormatError, type RdbReader, type RdbWriter } from "./rdb.ts";

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;

interface DumpedGroup {
  name: string;
  lastId: StreamId;
  entriesRead: number;
  /** The group PEL by id; consumer filled from the consumers' lists. */
  pel: Map<StreamId, PendingEntry>;
  consumers: { name: string; seenTime: number }[];
}

interface DumpedStream {
  entries: StreamEntry[];
  lastId: StreamId;
  maxDeletedId: StreamId;
  entriesAdded: number;
  groups: DumpedGroup[];
}

/** rdbSaveLen of a u64 (ids' halves, counters; -1 as 2^64 - 1 like C's cast). */
function writeLen(w: RdbWriter, v: bigint): void {
  v = BigInt.asUintN(64, v);
  if (v <= 0xffffffffn) {
    w.length(Number(v));
    return;
  }
  w.byte(0x81);
  for (let shift = 56n; shift >= 0n; shift -= 8n) w.byte(Number((v >> shift) & 0xffn));
}

function readLen(r: RdbReader): bigint {
  const first = r.byte();
  if (first !== 0x81) {
    r.pos--;
    return BigInt(r.length());
  }
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(r.byte());
  return v;
}

function idBytes(id: StreamId): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--, id >>= 8n) out[i] = Number(id & 0xffn);
  return out;
}

function idOf(raw: Uint8Array): StreamId {
  if (raw.length !== 16) throw new RdbFormatError("bad stream id");
  let id = 0n;
  for (const b of raw) id = (id << 8n) | BigInt(b);
  return id;
}

const int = (v: bigint | number) => strToBytes(String(v));

/** One node's listpack: master entry, then the entries against it. */
function nodeListpack(master: Master, entries: readonly StreamEntry[]): Uint8Array {
  const elements = [int(entries.length), int(0), int(master.fields.length)];
  for (const f of master.fields) elements.push(strToBytes(f));
  elements.push(int(0));
  for (const { id, fields } of entries) {
    const compact = sameFields(master, fields);
    const numFields = fields.length / 2;
    elements.push(int(compact ? FLAG_SAMEFIELDS : 0));
    elements.push(int(BigInt.asIntN(64, idMs(id) - idMs(master.id))), int(BigInt.asIntN(64, idSeq(id) - idSeq(master.id))));
    if (!compact) elements.push(int(numFields));
    for (let i = 0; i < fields.length; i++) if (!compact || i % 2 === 1) elements.push(fields[i]);
    elements.push(int(numFields + 3 + (compact ? 0 : numFields + 1)));
  }
  return encodeListpack(elements);
}

/** Splits entries into nodes where XADD would start them. */
function splitIntoNodes(entries: readonly StreamEntry[]): { master: Master; entries: StreamEntry[] }[] {
  const nodes: { master: Master; entries: StreamEntry[]; bytes: number }[] = [];
  for (const e of entries) {
    let tail = nodes.at(-1);
    if (tail === undefined || startsNewNode(tail.entries.length, 0, tail.bytes, e.fields)) {
      const fresh = newMaster(e.id, e.fields);
      nodes.push((tail = { master: fresh.master, entries: [], bytes: fresh.bytes }));
    }
    tail.entries.push(e);
    tail.bytes += entryBytes(tail.master, e.id, e.fields);
  }
  return nodes;
}

/** The live entries of one node's listpack. */
function loadNode(nodeKey: StreamId, blob: Uint8Array, out: StreamEntry[]): void {
  const lp = decodeListpack(blob);
  let at = 0;
  const next = (): Uint8Array => {
    if (at >= lp.length) throw new RdbFormatError("truncated stream node");
    return lp[at++];
  };
  const num = (): bigint => {
    const text = bytesToStr(next());
    if (!/^-?\d+$/.test(text)) throw new RdbFormatError("bad stream node integer");
    return BigInt(text);
  };
  num(); // live count
  num(); // deleted count
  const masterFields: Uint8Array[] = [];
  for (let n = Number(num()); n > 0; n--) masterFields.push(next());
  num(); // master terminator
  while (at < lp.length) {
    const flags = Number(num());
    const id = streamId(BigInt.asUintN(64, idMs(nodeKey) + num()), BigInt.asUintN(64, idSeq(nodeKey) + num()));
    const fields: Uint8Array[] = [];
    if ((flags & FLAG_SAMEFIELDS) !== 0) for (const f of masterFields) fields.push(f, next());
    else for (let n = Number(num()); n > 0; n--) fields.push(next(), next());
    num(); // element count
    if ((flags & FLAG_DELETED) === 0) out.push({ id, fields });
  }
}

export const streamCodec: TypeCodec<DumpedStream> = {
  type: "stream",
  rdbTypes: [RDB_TYPE.STREAM_LISTPACKS_2],
  save(store, _key, meta, w) {
    const streams = store.streams;
    const state = streams.state(meta);
    const nodes = splitIntoNodes(streams.range(meta, MIN_ID, MAX_ID, -1, false));
    w.byte(RDB_TYPE.STREAM_LISTPACKS_2);
    w.length(nodes.length);
    for (const node of nodes) {
      w.string(idBytes(node.master.id));
      w.string(nodeListpack(node.master, node.entries));
    }
    w.length(state.length);
    for (const id of [state.lastId, state.firstId, state.maxDeletedId]) {
      writeLen(w, idMs(id));
      writeLen(w, idSeq(id));
    }
    writeLen(w, BigInt(state.entriesAdded));
    const groups = streams.groups(meta);
    w.length(groups.length);
    for (const g of groups) {
      w.string(strToBytes(g.name));
      writeLen(w, idMs(g.lastId));
      writeLen(w, idSeq(g.lastId));
      writeLen(w, BigInt(g.entriesRead));
      const pel = streams.pendingRange(meta, g.name, null, MIN_ID, MAX_ID, -1, false);
      w.length(pel.length);
      for (const p of pel) {
        w.raw(idBytes(p.id));
        w.uintLE(p.deliveryTime, 8);
        w.length(p.deliveryCount);
      }
      const consumers = streams.consumers(meta, g.name);
      w.length(consumers.length);
      for (const c of consumers) {
        w.string(strToBytes(c.name));
        w.uintLE(c.seenTime, 8);
        const owned = streams.pendingRange(meta, g.name, c.name, MIN_ID, MAX_ID, -1, false);
        w.length(owned.length);
        for (const p of owned) w.raw(idBytes(p.id));
      }
    }
  },
  load(_rdbType, r) {
    const entries: StreamEntry[] = [];
    for (let n = r.length(); n > 0; n--) {
      const nodeKey = idOf(r.string());
      loadNode(nodeKey, r.string(), entries);
    }
    const length = r.length();
    if (length !== entries.length) throw new RdbFormatError("stream length mismatch");
    const lastId = streamId(readLen(r), readLen(r));
    streamId(readLen(r), readLen(r)); // first id: recomputed from the entries
    const maxDeletedId = streamId(readLen(r), readLen(r));
    const entriesAdded = Number(readLen(r));
    const groups: DumpedGroup[] = [];
    for (let n = r.length(); n > 0; n--) {
      const name = bytesToStr(r.string());
      const groupLastId = streamId(readLen(r), readLen(r));
      const entriesRead = Number(BigInt.asIntN(64, readLen(r)));
      const pel = new Map<StreamId, PendingEntry>();
      for (let p = r.length(); p > 0; p--) {
        const id = idOf(r.take(16));
        pel.set(id, { id, consumer: "", deliveryTime: Number(r.uintLE(8)), deliveryCount: r.length() });
      }
      const consumers: DumpedGroup["consumers"] = [];
      for (let c = r.length(); c > 0; c--) {
        const consumer = bytesToStr(r.string());
        consumers.push({ name: consumer, seenTime: Number(r.uintLE(8)) });
        for (let p = r.length(); p > 0; p--) {
          const nack = pel.get(idOf(r.take(16)));
          if (nack === undefined || nack.consumer !== "") throw new RdbFormatError("stream consumer PEL entry not in the group PEL");
          nack.consumer = consumer;
        }
      }
      for (const nack of pel.values()) if (nack.consumer === "") throw new RdbFormatError("stream PEL entry without consumer");
      groups.push({ name, lastId: groupLastId, entriesRead, pel, consumers });
    }
    for (let i = 1; i < entries.length; i++) if (entries[i].id <= entries[i - 1].id) throw new RdbFormatError("stream ids out of order");
    if (entries.length > 0 && entries[entries.length - 1].id > lastId) throw new RdbFormatError("stream entry above last id");
    return { entries, lastId, maxDeletedId, entriesAdded, groups };
  },
  create(store, key, value, expireAt) {
    const streams = store.streams;
    const meta = streams.create(key);
    for (const e of value.entries) streams.append(meta, e.id, e.fields);
    streams.setCounters(meta, value.lastId, value.entriesAdded, value.maxDeletedId);
    for (const g of value.groups) {
      streams.createGroup(meta, g.name, g.lastId, g.entriesRead);
      for (const c of g.consumers) streams.createConsumer(meta, g.name, c.name, c.seenTime);
      for (const nack of g.pel.values()) streams.setPending(meta, g.name, nack);
    }
    if (expireAt !== 0) store.setExpire(key, expireAt);
  },
};
