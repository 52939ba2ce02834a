// Stream primitives of the LSM engine (FORMAT.md, "stream"): counters in the
// metadata record (size = length), one sub-key per entry, node boundary
// records sized like Redis's listpack nodes (memory/stream-nodes.ts) so that
// `~` trims drop the same whole nodes as Redis and the memory engine, and
// group, consumer and PEL records. Each write is one WriteBatch.

import type { KeyMeta } from "../engine.ts";
import { WriteBatch } from "../lsm/index.ts";
import { entryBytes, newMaster, startsNewNode } from "../memory/stream-nodes.ts";
import type { PendingEntry, StreamConsumer, StreamEntry, StreamGroup, StreamId, StreamOps, StreamState, TrimSpec } from "../stream-ops.ts";
import { MAX_ID, MIN_ID } from "../stream-id.ts";
import { prefixEnd, subKeyPrefix } from "./encoding.ts";
import { LsmMeta, type LsmDb } from "./lsm-db.ts";
import {
  TAG_CONSUMER,
  TAG_CONSUMER_PEL,
  TAG_ENTRY,
  TAG_GROUP,
  TAG_NODE,
  TAG_PEL,
  decodeConsumer,
  decodeEntry,
  decodeGroup,
  decodeNode,
  decodePel,
  decodeStreamCounters,
  encodeConsumer,
  encodeEntry,
  encodeGroup,
  encodeNode,
  encodePel,
  encodeStreamMeta,
  idOfKey,
  nameOfKey,
  streamKey,
  type GroupRecord,
  type NodeRecord,
  type StreamCounters,
} from "./stream-encoding.ts";

/** Visits one sub-key; returning false stops. */
type SubKeyVisitor = (key: Uint8Array, value: Uint8Array) => boolean;

/** Flag bits a stream's metadata keeps across rewrites (the low 4 bits are the encoding version). */
const FLAG_BITS = 0xf0;

export class LsmStreamOps implements StreamOps {
  constructor(readonly db: LsmDb) {}

  private prefix(meta: KeyMeta): Uint8Array {
    const m = meta as LsmMeta;
    return subKeyPrefix(this.db.slot, m.key, m.version);
  }

  private get(key: Uint8Array): Uint8Array | undefined {
    return this.db.engine.lsm.get(key);
  }

  /** Visits the sub-keys in [gte, lt) in key order or (reverse) backwards. */
  private iterate(gte: Uint8Array, lt: Uint8Array, reverse: boolean, visit: SubKeyVisitor): void {
    const it = this.db.engine.lsm.iterator({ gte, lt });
    try {
      if (reverse) for (it.seekToLast(); it.valid() && visit(it.key(), it.value()); it.prev());
      else for (it.seekToFirst(); it.valid() && visit(it.key(), it.value()); it.next());
    } finally {
      it.close();
    }
  }

  /** The first sub-key in [gte, lt) (or the last one, reverse) that `skip` does not hold, as its id. */
  private firstId(gte: Uint8Array, lt: Uint8Array, reverse: boolean, skip: ReadonlySet<StreamId>): StreamId | null {
    let found: StreamId | null = null;
    this.iterate(gte, lt, reverse, (key) => {
      const id = idOfKey(key);
      if (skip.has(id)) return true;
      found = id;
      return false;
    });
    return found;
  }

  /** Writes the metadata with a new length and counters in batch, and commits it. */
  private commit(batch: WriteBatch, meta: KeyMeta, length: number, counters: StreamCounters): void {
    const m = meta as LsmMeta;
    const raw = encodeStreamMeta(m.flags & FLAG_BITS, m.expireAt, m.version, length, counters);
    this.db.putInBatch(batch, m.key, raw, m);
    m.raw = raw;
    this.db.engine.write(batch);
  }

  private readNode(prefix: Uint8Array, id: StreamId): NodeRecord {
    const raw = this.get(streamKey(prefix, TAG_NODE, [], id));
    if (raw === undefined) throw new Error("lsm engine: stream node record missing");
    return decodeNode(id, raw);
  }

  state(meta: KeyMeta): StreamState {
    const c = decodeStreamCounters((meta as LsmMeta).raw);
    const length = (meta as LsmMeta).size;
    return { length, lastId: c.lastId, maxDeletedId: c.maxDeletedId, entriesAdded: c.entriesAdded, firstId: c.firstId, nodes: c.nodes };
  }

  create(key: Uint8Array): KeyMeta {
    const counters: StreamCounters = { lastId: 0n, maxDeletedId: 0n, firstId: 0n, tailNode: 0n, entriesAdded: 0, nodes: 0 };
    const raw = encodeStreamMeta(0, 0, this.db.engine.newVersion(), 0, counters);
    const batch = new WriteBatch();
    this.db.putInBatch(batch, key, raw, null);
    this.db.engine.write(batch);
    return new LsmMeta(key.slice(), raw, "stream", 0);
  }

  append(meta: KeyMeta, id: StreamId, fields: readonly Uint8Array[]): void {
    const length = (meta as LsmMeta).size;
    const c = decodeStreamCounters((meta as LsmMeta).raw);
    const prefix = this.prefix(meta);
    let node = c.tailNode === 0n ? null : this.readNode(prefix, c.tailNode);
    if (node === null || startsNewNode(node.live, node.deleted, node.bytes, fields)) {
      const fresh = newMaster(id, fields);
      node = { live: 0, deleted: 0, bytes: fresh.bytes, master: fresh.master };
      c.tailNode = id;
      c.nodes++;
    }
    node.bytes += entryBytes(node.master, id, fields);
    node.live++;
    const batch = new WriteBatch();
    batch.put(streamKey(prefix, TAG_NODE, [], node.master.id), encodeNode(node));
    batch.put(streamKey(prefix, TAG_ENTRY, [], id), encodeEntry(fields));
    if (length === 0) c.firstId = id;
    c.lastId = id;
    c.entriesAdded++;
    this.commit(batch, meta, length + 1, c);
  }

  range(meta: KeyMeta, start: StreamId, end: StreamId, count: number, reverse: boolean): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (count === 0 || start > end || (meta as LsmMeta).size === 0) return out;
    const prefix = this.prefix(meta);
    // Bounded by the live ids: trimmed entries before firstId (range tombstones) are never stepped over.
    const c = decodeStreamCounters((meta as LsmMeta).raw);
    if (start < c.firstId) start = c.firstId;
    if (end > c.lastId) end = c.lastId;
    if (start > end) return out;
    const lt = prefixEnd(streamKey(prefix, TAG_ENTRY, [], end));
    this.iterate(streamKey(prefix, TAG_ENTRY, [], start), lt, reverse, (key, value) => {
      out.push({ id: idOfKey(key), fields: decodeEntry(value) });
      return out.length !== count;
    });
    return out;
  }

  remove(meta: KeyMeta, ids: readonly StreamId[]): number {
    const length = (meta as LsmMeta).size;
    const c = decodeStreamCounters((meta as LsmMeta).raw);
    const prefix = this.prefix(meta);
    const removed = new Set<StreamId>();
    const nodes = new Map<StreamId, NodeRecord>(); // touched nodes by first id
    const emptied = new Set<StreamId>();
    const batch = new WriteBatch();
    for (const id of ids) {
      const key = streamKey(prefix, TAG_ENTRY, [], id);
      if (removed.has(id) || this.get(key) === undefined) continue;
      removed.add(id);
      batch.delete(key);
      if (id > c.maxDeletedId) c.maxDeletedId = id;
      const nodeId = this.nodeOf(prefix, id);
      let node = nodes.get(nodeId);
      if (node === undefined) nodes.set(nodeId, (node = this.readNode(prefix, nodeId)));
      node.live--;
      node.deleted++;
    }
    if (removed.size === 0) return 0;
    for (const [nodeId, node] of nodes) {
      const key = streamKey(prefix, TAG_NODE, [], nodeId);
      if (node.live > 0) batch.put(key, encodeNode(node));
      else {
        batch.delete(key);
        emptied.add(nodeId);
        c.nodes--;
      }
    }
    const entriesEnd = prefixEnd(streamKey(prefix, TAG_ENTRY, [], MAX_ID));
    if (removed.has(c.firstId)) c.firstId = this.firstId(streamKey(prefix, TAG_ENTRY, [], c.firstId), entriesEnd, false, removed) ?? 0n;
    if (emptied.has(c.tailNode)) {
      // Appends go to the last node left, as when Redis drops an emptied tail listpack.
      const nodesStart = streamKey(prefix, TAG_NODE, [], MIN_ID);
      c.tailNode = this.firstId(nodesStart, streamKey(prefix, TAG_NODE, [], c.tailNode), true, emptied) ?? 0n;
    }
    this.commit(batch, meta, length - removed.size, c);
    return removed.size;
  }

  /** First id of the node holding id: the last node record at or before it. */
  private nodeOf(prefix: Uint8Array, id: StreamId): StreamId {
    const nodeId = this.firstId(streamKey(prefix, TAG_NODE, [], MIN_ID), prefixEnd(streamKey(prefix, TAG_NODE, [], id)), true, new Set());
    if (nodeId === null) throw new Error("lsm engine: stream entry outside every node");
    return nodeId;
  }

  trim(meta: KeyMeta, spec: TrimSpec): number {
    let length = (meta as LsmMeta).size;
    const c = decodeStreamCounters((meta as LsmMeta).raw);
    const prefix = this.prefix(meta);
    const limit = spec.approx ? spec.limit : 0;
    const entryKey = (id: StreamId) => streamKey(prefix, TAG_ENTRY, [], id);
    const entriesEnd = prefixEnd(entryKey(MAX_ID));
    const batch = new WriteBatch();
    let removed = 0;
    /** Entries at and after this id are kept. */
    let keptFrom = c.firstId;
    const done = (): boolean => (spec.maxLen !== undefined ? length <= spec.maxLen : length === 0 || keptFrom >= spec.minId!);
    if (done()) return 0; // the common XADD MAXLEN case: no node is read
    // Like Redis's streamTrim: whole nodes first, then (exact only) entries of the next node.
    const nodes = this.db.engine.lsm.iterator({ gte: streamKey(prefix, TAG_NODE, [], MIN_ID), lt: prefixEnd(streamKey(prefix, TAG_NODE, [], MAX_ID)) });
    try {
      for (nodes.seekToFirst(); nodes.valid() && !done(); ) {
        if (limit !== 0 && removed >= limit) break;
        const nodeId = idOfKey(nodes.key());
        const node = decodeNode(nodeId, nodes.value());
        nodes.next();
        const next = nodes.valid() ? idOfKey(nodes.key()) : null;
        const wholeNode = spec.maxLen !== undefined ? length - node.live >= spec.maxLen : this.liveBelow(entryKey, entriesEnd, spec.minId!, next);
        if (wholeNode) {
          batch.deleteRange(entryKey(nodeId), next === null ? entriesEnd : entryKey(next));
          batch.delete(streamKey(prefix, TAG_NODE, [], nodeId));
          length -= node.live;
          removed += node.live;
          c.nodes--;
          keptFrom = next ?? MAX_ID;
          continue;
        }
        if (spec.approx) break;
        // The node keeps entries (else it went whole): delete its first ones.
        this.iterate(entryKey(nodeId), entriesEnd, false, (key) => {
          const id = idOfKey(key);
          keptFrom = id;
          if (done()) return false;
          batch.delete(key);
          length--;
          removed++;
          node.live--;
          node.deleted++;
          return true;
        });
        batch.put(streamKey(prefix, TAG_NODE, [], nodeId), encodeNode(node));
        break;
      }
    } finally {
      nodes.close();
    }
    if (removed === 0) return 0;
    c.firstId = length === 0 ? 0n : (this.firstId(entryKey(keptFrom), entriesEnd, false, new Set()) ?? 0n);
    if (c.nodes === 0) c.tailNode = 0n;
    this.commit(batch, meta, length, c);
    return removed;
  }

  /** Whether the node ending before `next` (null: the last node) holds no live entry >= minId. */
  private liveBelow(entryKey: (id: StreamId) => Uint8Array, entriesEnd: Uint8Array, minId: StreamId, next: StreamId | null): boolean {
    if (next !== null && next <= minId) return true;
    const lt = next === null ? entriesEnd : entryKey(next);
    return this.firstId(entryKey(minId), lt, false, new Set()) === null;
  }

  setCounters(meta: KeyMeta, lastId: StreamId, entriesAdded: number, maxDeletedId: StreamId): void {
    const c = decodeStreamCounters((meta as LsmMeta).raw);
    Object.assign(c, { lastId, entriesAdded, maxDeletedId });
    this.commit(new WriteBatch(), meta, (meta as LsmMeta).size, c);
  }

  // --- groups ---

  private groupKey(meta: KeyMeta, name: string): Uint8Array {
    return streamKey(this.prefix(meta), TAG_GROUP, [], name);
  }

  private readGroup(meta: KeyMeta, name: string): GroupRecord | null {
    const raw = this.get(this.groupKey(meta, name));
    return raw === undefined ? null : decodeGroup(raw);
  }

  private mustGroup(meta: KeyMeta, name: string): GroupRecord {
    const g = this.readGroup(meta, name);
    if (g === null) throw new Error("no such consumer group");
    return g;
  }

  groups(meta: KeyMeta): StreamGroup[] {
    const out: StreamGroup[] = [];
    const start = streamKey(this.prefix(meta), TAG_GROUP, []);
    this.iterate(start, prefixEnd(start), false, (key, value) => {
      out.push(groupInfo(nameOfKey(key, start.length), decodeGroup(value)));
      return true;
    });
    return out;
  }

  group(meta: KeyMeta, name: string): StreamGroup | null {
    const g = this.readGroup(meta, name);
    return g === null ? null : groupInfo(name, g);
  }

  createGroup(meta: KeyMeta, name: string, lastId: StreamId, entriesRead: number): boolean {
    if (this.readGroup(meta, name) !== null) return false;
    this.db.engine.write(new WriteBatch().put(this.groupKey(meta, name), encodeGroup({ lastId, entriesRead, pending: 0, consumers: 0 })));
    return true;
  }

  destroyGroup(meta: KeyMeta, name: string): boolean {
    if (this.readGroup(meta, name) === null) return false;
    const prefix = this.prefix(meta);
    const batch = new WriteBatch().delete(this.groupKey(meta, name));
    for (const tag of [TAG_CONSUMER, TAG_PEL, TAG_CONSUMER_PEL]) {
      const start = streamKey(prefix, tag, [name]);
      batch.deleteRange(start, prefixEnd(start));
    }
    this.db.engine.write(batch);
    return true;
  }

  setGroupCursor(meta: KeyMeta, group: string, lastId: StreamId, entriesRead: number): void {
    const g = this.mustGroup(meta, group);
    this.db.engine.write(new WriteBatch().put(this.groupKey(meta, group), encodeGroup({ ...g, lastId, entriesRead })));
  }

  // --- consumers ---

  private consumerKey(meta: KeyMeta, group: string, name: string): Uint8Array {
    return streamKey(this.prefix(meta), TAG_CONSUMER, [group], name);
  }

  consumers(meta: KeyMeta, group: string): StreamConsumer[] {
    this.mustGroup(meta, group);
    const out: StreamConsumer[] = [];
    const start = streamKey(this.prefix(meta), TAG_CONSUMER, [group]);
    this.iterate(start, prefixEnd(start), false, (key, value) => {
      out.push({ name: nameOfKey(key, start.length), ...decodeConsumer(value) });
      return true;
    });
    return out;
  }

  consumer(meta: KeyMeta, group: string, name: string): StreamConsumer | null {
    this.mustGroup(meta, group);
    const raw = this.get(this.consumerKey(meta, group, name));
    return raw === undefined ? null : { name, ...decodeConsumer(raw) };
  }

  createConsumer(meta: KeyMeta, group: string, name: string, now: number): boolean {
    const g = this.mustGroup(meta, group);
    const key = this.consumerKey(meta, group, name);
    if (this.get(key) !== undefined) return false;
    g.consumers++;
    const batch = new WriteBatch().put(key, encodeConsumer({ seenTime: now, pending: 0 }));
    this.db.engine.write(batch.put(this.groupKey(meta, group), encodeGroup(g)));
    return true;
  }

  setConsumerSeen(meta: KeyMeta, group: string, name: string, now: number): void {
    this.mustGroup(meta, group);
    const key = this.consumerKey(meta, group, name);
    const raw = this.get(key);
    if (raw === undefined) return;
    this.db.engine.write(new WriteBatch().put(key, encodeConsumer({ ...decodeConsumer(raw), seenTime: now })));
  }

  deleteConsumer(meta: KeyMeta, group: string, name: string): number {
    const g = this.mustGroup(meta, group);
    const key = this.consumerKey(meta, group, name);
    const raw = this.get(key);
    if (raw === undefined) return -1;
    const prefix = this.prefix(meta);
    const batch = new WriteBatch().delete(key);
    const owned = streamKey(prefix, TAG_CONSUMER_PEL, [group, name]);
    let pending = 0;
    this.iterate(owned, prefixEnd(owned), false, (ownedKey) => {
      batch.delete(streamKey(prefix, TAG_PEL, [group], idOfKey(ownedKey)));
      batch.delete(ownedKey);
      pending++;
      return true;
    });
    g.pending -= pending;
    g.consumers--;
    this.db.engine.write(batch.put(this.groupKey(meta, group), encodeGroup(g)));
    return pending;
  }

  // --- pending entries ---

  pending(meta: KeyMeta, group: string, id: StreamId): PendingEntry | null {
    this.mustGroup(meta, group);
    const raw = this.get(streamKey(this.prefix(meta), TAG_PEL, [group], id));
    return raw === undefined ? null : { id, ...decodePel(raw) };
  }

  pendingRange(meta: KeyMeta, group: string, consumer: string | null, start: StreamId, end: StreamId, count: number, reverse: boolean): PendingEntry[] {
    this.mustGroup(meta, group);
    const out: PendingEntry[] = [];
    if (count === 0 || start > end) return out;
    const prefix = this.prefix(meta);
    const tag = consumer === null ? TAG_PEL : TAG_CONSUMER_PEL;
    const names = consumer === null ? [group] : [group, consumer];
    const lt = prefixEnd(streamKey(prefix, tag, names, end));
    this.iterate(streamKey(prefix, tag, names, start), lt, reverse, (key, value) => {
      const id = idOfKey(key);
      const raw = consumer === null ? value : this.get(streamKey(prefix, TAG_PEL, [group], id));
      if (raw === undefined) throw new Error("lsm engine: consumer PEL entry without a group PEL entry");
      out.push({ id, ...decodePel(raw) });
      return out.length !== count;
    });
    return out;
  }

  setPending(meta: KeyMeta, group: string, entry: PendingEntry): void {
    const g = this.mustGroup(meta, group);
    const prefix = this.prefix(meta);
    const batch = new WriteBatch();
    const ownerKey = this.consumerKey(meta, group, entry.consumer);
    const ownerRaw = this.get(ownerKey);
    if (ownerRaw === undefined) throw new Error("setPending for a missing consumer");
    const owner = decodeConsumer(ownerRaw);
    const pelKey = streamKey(prefix, TAG_PEL, [group], entry.id);
    const oldRaw = this.get(pelKey);
    const previous = oldRaw === undefined ? null : decodePel(oldRaw).consumer;
    if (previous !== entry.consumer) {
      owner.pending++;
      batch.put(ownerKey, encodeConsumer(owner));
      if (previous === null) {
        g.pending++;
        batch.put(this.groupKey(meta, group), encodeGroup(g));
      } else this.unown(batch, meta, group, previous, entry.id);
    }
    batch.put(pelKey, encodePel(entry));
    batch.put(streamKey(prefix, TAG_CONSUMER_PEL, [group, entry.consumer], entry.id), new Uint8Array(0));
    this.db.engine.write(batch);
  }

  /** Takes id out of consumer's PEL (in batch), counting it out of the consumer's pending. */
  private unown(batch: WriteBatch, meta: KeyMeta, group: string, consumer: string, id: StreamId): void {
    batch.delete(streamKey(this.prefix(meta), TAG_CONSUMER_PEL, [group, consumer], id));
    const key = this.consumerKey(meta, group, consumer);
    const raw = this.get(key);
    if (raw === undefined) return;
    const c = decodeConsumer(raw);
    c.pending--;
    batch.put(key, encodeConsumer(c));
  }

  ack(meta: KeyMeta, group: string, id: StreamId): boolean {
    const g = this.mustGroup(meta, group);
    const pelKey = streamKey(this.prefix(meta), TAG_PEL, [group], id);
    const raw = this.get(pelKey);
    if (raw === undefined) return false;
    const batch = new WriteBatch().delete(pelKey);
    this.unown(batch, meta, group, decodePel(raw).consumer, id);
    g.pending--;
    this.db.engine.write(batch.put(this.groupKey(meta, group), encodeGroup(g)));
    return true;
  }
}

function groupInfo(name: string, g: GroupRecord): StreamGroup {
  return { name, lastId: g.lastId, entriesRead: g.entriesRead, pending: g.pending, consumers: g.consumers };
}
