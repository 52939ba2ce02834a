// Stream primitives of a DbStore (see engine.ts). Implemented by each engine:
// the memory engine with ordered id maps (memory/stream-ops.ts); an LSM
// engine would keep the stream's counters in the key's metadata record, one
// sub-key per entry (id encoded big-endian, so sub-key order is id order), and
// group/consumer/PEL records as further sub-keys.
//
// An entry id is one 128-bit bigint, ms << 64 | seq (stream-id.ts): ordered
// like Redis's streamID, usable as a Map key, exact for the full u64 ranges.
// Group and consumer names cross this interface as latin1 byte strings.
// Stream keys are never deleted by these primitives: an emptied stream stays
// (only DEL and friends remove it), as in Redis.

import type { KeyMeta } from "./engine.ts";

export type StreamId = bigint;

export interface StreamEntry {
  id: StreamId;
  /** field, value, field, value... */
  fields: Uint8Array[];
}

/** A stream's counters (XINFO STREAM, XSETID, lag bookkeeping). */
export interface StreamState {
  length: number;
  /** Highest id ever added (or set by XSETID); 0 for a new stream. */
  lastId: StreamId;
  /** Highest id deleted by XDEL; 0 when none. */
  maxDeletedId: StreamId;
  /** Count of entries ever added. */
  entriesAdded: number;
  /** Id of the first live entry; 0 when empty. */
  firstId: StreamId;
  /** Number of storage nodes (XINFO's radix-tree-keys). */
  nodes: number;
}

/** How to trim: keep at most maxLen entries, or drop ids below minId. */
export interface TrimSpec {
  maxLen?: number;
  minId?: StreamId;
  /** `~`: remove whole storage nodes only. */
  approx: boolean;
  /** With approx: at most this many entries removed (0 = no limit). */
  limit: number;
}

export interface StreamGroup {
  name: string;
  lastId: StreamId;
  /** Logical count of entries read; -1 when unknown (Redis's SCG_INVALID_ENTRIES_READ). */
  entriesRead: number;
  pending: number;
  consumers: number;
}

export interface StreamConsumer {
  name: string;
  /** Unix ms of the consumer's last read or claim. */
  seenTime: number;
  pending: number;
}

/** A pending (delivered, unacknowledged) entry of a group. */
export interface PendingEntry {
  id: StreamId;
  consumer: string;
  /** Unix ms of the last delivery. */
  deliveryTime: number;
  deliveryCount: number;
}

export interface StreamOps {
  state(meta: KeyMeta): StreamState;
  /** Creates an empty stream at key (which must not exist) and returns its metadata. */
  create(key: Uint8Array): KeyMeta;
  /** Appends an entry; id must exceed state().lastId. Updates lastId and entriesAdded. Copies fields. */
  append(meta: KeyMeta, id: StreamId, fields: readonly Uint8Array[]): void;
  /** Entries with start <= id <= end, ascending or (reverse) descending, at most count (-1 = all). */
  range(meta: KeyMeta, start: StreamId, end: StreamId, count: number, reverse: boolean): StreamEntry[];
  /** XDEL: removes the entries that exist; returns how many. Raises maxDeletedId. */
  remove(meta: KeyMeta, ids: readonly StreamId[]): number;
  /** Removes entries per spec (oldest first); returns how many. */
  trim(meta: KeyMeta, spec: TrimSpec): number;
  /** XSETID: overwrites the counters (the caller checked them). */
  setCounters(meta: KeyMeta, lastId: StreamId, entriesAdded: number, maxDeletedId: StreamId): void;

  /** Groups ordered by name (bytewise). */
  groups(meta: KeyMeta): StreamGroup[];
  group(meta: KeyMeta, name: string): StreamGroup | null;
  /** Returns false when the group exists. */
  createGroup(meta: KeyMeta, name: string, lastId: StreamId, entriesRead: number): boolean;
  destroyGroup(meta: KeyMeta, name: string): boolean;
  /** Moves the group's last-delivered id and read counter. */
  setGroupCursor(meta: KeyMeta, group: string, lastId: StreamId, entriesRead: number): void;

  /** The group's consumers ordered by name. */
  consumers(meta: KeyMeta, group: string): StreamConsumer[];
  consumer(meta: KeyMeta, group: string, name: string): StreamConsumer | null;
  /** Creates the consumer (seen now); returns false when it exists. */
  createConsumer(meta: KeyMeta, group: string, name: string, now: number): boolean;
  setConsumerSeen(meta: KeyMeta, group: string, name: string, now: number): void;
  /** Deletes the consumer and its pending entries; returns how many were pending, -1 when it did not exist. */
  deleteConsumer(meta: KeyMeta, group: string, name: string): number;

  pending(meta: KeyMeta, group: string, id: StreamId): PendingEntry | null;
  /**
   * Pending entries of the group (or of one consumer) with start <= id <= end,
   * ascending or descending, at most count (-1 = all).
   */
  pendingRange(meta: KeyMeta, group: string, consumer: string | null, start: StreamId, end: StreamId, count: number, reverse: boolean): PendingEntry[];
  /** Inserts or updates a pending entry; the consumer must exist. Moves it between consumers as needed. */
  setPending(meta: KeyMeta, group: string, entry: PendingEntry): void;
  /** Removes a pending entry (XACK); returns whether it was pending. */
  ack(meta: KeyMeta, group: string, id: StreamId): boolean;
}
