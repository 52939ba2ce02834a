// Memory-engine implementation of the stream primitives: entries in an IdMap
// whose nodes follow Redis's listpack nodes (stream-nodes.ts), so `~` trims the
// same whole nodes as Redis; consumer groups hold a PEL (IdMap of NACKs) and
// consumers, each consumer its own PEL sharing the NACK objects.

import { bytesToStr } from "../../net/bytes.ts";
import type { KeyMeta } from "../engine.ts";
import type { PendingEntry, StreamConsumer, StreamEntry, StreamGroup, StreamId, StreamOps, StreamState, TrimSpec } from "../stream-ops.ts";
import { MAX_ID, MIN_ID } from "../stream-id.ts";
import { IdMap } from "./id-map.ts";
import type { MemEntry, MemoryDb } from "./memory-engine.ts";
import { appendEntry } from "./stream-nodes.ts";
import { registerMemoryType } from "./value-types.ts";

class MemConsumer {
  readonly pel = new IdMap<MemNack>();
  constructor(
    readonly name: string,
    public seenTime: number,
  ) {}
}

class MemNack {
  constructor(
    public consumer: MemConsumer,
    public deliveryTime: number,
    public deliveryCount: number,
  ) {}
}

class MemGroup {
  readonly pel = new IdMap<MemNack>();
  readonly consumers = new Map<string, MemConsumer>();
  constructor(
    public lastId: StreamId,
    public entriesRead: number,
  ) {}
}

export class MemStream {
  entries = new IdMap<Uint8Array[]>();
  lastId: StreamId = 0n;
  maxDeletedId: StreamId = 0n;
  entriesAdded = 0;
  readonly groups = new Map<string, MemGroup>();

  clone(): MemStream {
    const copy = new MemStream();
    copy.entries = this.entries.clone((fields) => fields);
    copy.lastId = this.lastId;
    copy.maxDeletedId = this.maxDeletedId;
    copy.entriesAdded = this.entriesAdded;
    for (const [name, g] of this.groups) {
      const cg = new MemGroup(g.lastId, g.entriesRead);
      for (const [cname, cons] of g.consumers) cg.consumers.set(cname, new MemConsumer(cname, cons.seenTime));
      g.pel.forRange(MIN_ID, MAX_ID, false, (id, nack) => {
        const owner = cg.consumers.get(nack.consumer.name)!;
        const n = new MemNack(owner, nack.deliveryTime, nack.deliveryCount);
        cg.pel.set(id, n);
        owner.pel.set(id, n);
        return true;
      });
      copy.groups.set(name, cg);
    }
    return copy;
  }
}

registerMemoryType(
  "stream",
  (v) => (v as MemStream).clone(),
  (v) => {
    let bytes = 0;
    for (const node of (v as MemStream).entries.nodes) bytes += node.bytes + 32;
    return bytes;
  },
  () => "stream",
);

function streamOf(meta: KeyMeta): MemStream {
  return (meta as MemEntry).value as MemStream;
}

function groupOf(meta: KeyMeta, name: string): MemGroup {
  const g = streamOf(meta).groups.get(name);
  if (g === undefined) throw new Error("no such consumer group");
  return g;
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function pendingEntry(id: StreamId, nack: MemNack): PendingEntry {
  return { id, consumer: nack.consumer.name, deliveryTime: nack.deliveryTime, deliveryCount: nack.deliveryCount };
}

export class MemoryStreamOps implements StreamOps {
  constructor(readonly db: MemoryDb) {}

  state(meta: KeyMeta): StreamState {
    const s = streamOf(meta);
    return {
      length: s.entries.size,
      lastId: s.lastId,
      maxDeletedId: s.maxDeletedId,
      entriesAdded: s.entriesAdded,
      firstId: s.entries.first() ?? 0n,
      nodes: s.entries.nodes.length,
    };
  }

  create(key: Uint8Array): KeyMeta {
    return this.db.setValue(bytesToStr(key), "stream", new MemStream(), 0);
  }

  append(meta: KeyMeta, id: StreamId, fields: readonly Uint8Array[]): void {
    const s = streamOf(meta);
    appendEntry(s.entries, id, fields.map((f) => f.slice()));
    s.lastId = id;
    s.entriesAdded++;
  }

  range(meta: KeyMeta, start: StreamId, end: StreamId, count: number, reverse: boolean): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (count === 0) return out;
    streamOf(meta).entries.forRange(start, end, reverse, (id, fields) => {
      out.push({ id, fields });
      return out.length !== count;
    });
    return out;
  }

  remove(meta: KeyMeta, ids: readonly StreamId[]): number {
    const s = streamOf(meta);
    let removed = 0;
    for (const id of ids) {
      if (s.entries.delete(id) === undefined) continue;
      removed++;
      if (id > s.maxDeletedId) s.maxDeletedId = id;
    }
    return removed;
  }

  trim(meta: KeyMeta, spec: TrimSpec): number {
    const entries = streamOf(meta).entries;
    const limit = spec.approx ? spec.limit : 0;
    const done = (): boolean => (spec.maxLen !== undefined ? entries.size <= spec.maxLen : (entries.first() ?? spec.minId!) >= spec.minId!);
    let removed = 0;
    // Like Redis's streamTrim: whole nodes first, then (exact only) entries of the next node.
    while (entries.nodes.length > 0 && !done()) {
      if (limit !== 0 && removed >= limit) break;
      const node = entries.nodes[0];
      const wholeNode =
        spec.maxLen !== undefined ? entries.size - node.ids.length >= spec.maxLen : node.ids[node.ids.length - 1] < spec.minId!;
      if (wholeNode) {
        removed += entries.dropFirstNode();
        continue;
      }
      if (spec.approx) break;
      while (!done()) {
        entries.delete(entries.first()!);
        removed++;
      }
    }
    return removed;
  }

  setCounters(meta: KeyMeta, lastId: StreamId, entriesAdded: number, maxDeletedId: StreamId): void {
    const s = streamOf(meta);
    s.lastId = lastId;
    s.entriesAdded = entriesAdded;
    s.maxDeletedId = maxDeletedId;
  }

  groups(meta: KeyMeta): StreamGroup[] {
    const out: StreamGroup[] = [];
    for (const [name, g] of streamOf(meta).groups) out.push(groupInfo(name, g));
    return out.sort(byName);
  }

  group(meta: KeyMeta, name: string): StreamGroup | null {
    const g = streamOf(meta).groups.get(name);
    return g === undefined ? null : groupInfo(name, g);
  }

  createGroup(meta: KeyMeta, name: string, lastId: StreamId, entriesRead: number): boolean {
    const groups = streamOf(meta).groups;
    if (groups.has(name)) return false;
    groups.set(name, new MemGroup(lastId, entriesRead));
    return true;
  }

  destroyGroup(meta: KeyMeta, name: string): boolean {
    return streamOf(meta).groups.delete(name);
  }

  setGroupCursor(meta: KeyMeta, group: string, lastId: StreamId, entriesRead: number): void {
    const g = groupOf(meta, group);
    g.lastId = lastId;
    g.entriesRead = entriesRead;
  }

  consumers(meta: KeyMeta, group: string): StreamConsumer[] {
    const out: StreamConsumer[] = [];
    for (const c of groupOf(meta, group).consumers.values()) out.push(consumerInfo(c));
    return out.sort(byName);
  }

  consumer(meta: KeyMeta, group: string, name: string): StreamConsumer | null {
    const c = groupOf(meta, group).consumers.get(name);
    return c === undefined ? null : consumerInfo(c);
  }

  createConsumer(meta: KeyMeta, group: string, name: string, now: number): boolean {
    const consumers = groupOf(meta, group).consumers;
    if (consumers.has(name)) return false;
    consumers.set(name, new MemConsumer(name, now));
    return true;
  }

  setConsumerSeen(meta: KeyMeta, group: string, name: string, now: number): void {
    const c = groupOf(meta, group).consumers.get(name);
    if (c !== undefined) c.seenTime = now;
  }

  deleteConsumer(meta: KeyMeta, group: string, name: string): number {
    const g = groupOf(meta, group);
    const c = g.consumers.get(name);
    if (c === undefined) return -1;
    const pending = c.pel.size;
    c.pel.forRange(MIN_ID, MAX_ID, false, (id) => {
      g.pel.delete(id);
      return true;
    });
    g.consumers.delete(name);
    return pending;
  }

  pending(meta: KeyMeta, group: string, id: StreamId): PendingEntry | null {
    const nack = groupOf(meta, group).pel.get(id);
    return nack === undefined ? null : pendingEntry(id, nack);
  }

  pendingRange(meta: KeyMeta, group: string, consumer: string | null, start: StreamId, end: StreamId, count: number, reverse: boolean): PendingEntry[] {
    const g = groupOf(meta, group);
    const pel = consumer === null ? g.pel : g.consumers.get(consumer)?.pel;
    const out: PendingEntry[] = [];
    if (pel === undefined || count === 0) return out;
    pel.forRange(start, end, reverse, (id, nack) => {
      out.push(pendingEntry(id, nack));
      return out.length !== count;
    });
    return out;
  }

  setPending(meta: KeyMeta, group: string, entry: PendingEntry): void {
    const g = groupOf(meta, group);
    const owner = g.consumers.get(entry.consumer);
    if (owner === undefined) throw new Error("setPending for a missing consumer");
    let nack = g.pel.get(entry.id);
    if (nack === undefined) {
      nack = new MemNack(owner, entry.deliveryTime, entry.deliveryCount);
      g.pel.set(entry.id, nack);
    } else {
      if (nack.consumer !== owner) nack.consumer.pel.delete(entry.id);
      nack.consumer = owner;
      nack.deliveryTime = entry.deliveryTime;
      nack.deliveryCount = entry.deliveryCount;
    }
    owner.pel.set(entry.id, nack);
  }

  ack(meta: KeyMeta, group: string, id: StreamId): boolean {
    const nack = groupOf(meta, group).pel.delete(id);
    if (nack === undefined) return false;
    nack.consumer.pel.delete(id);
    return true;
  }
}

function groupInfo(name: string, g: MemGroup): StreamGroup {
  return { name, lastId: g.lastId, entriesRead: g.entriesRead, pending: g.pel.size, consumers: g.consumers.size };
}

function consumerInfo(c: MemConsumer): StreamConsumer {
  return { name: c.name, seenTime: c.seenTime, pending: c.pel.size };
}
