// List primitives of a DbStore (see engine.ts). Implemented by each engine.
//
// Shaped for an LSM engine too: a list there is a metadata record (size,
// head and tail positions) plus one versioned sub-key per element under a
// position index, so pushes and pops at both ends touch one sub-key each,
// index access is a point lookup, and middle edits (insert, remove, trim)
// rewrite positions. Indexes given to these operations are already
// normalized by the caller (0 <= index < length); `meta` is a live list key's
// metadata (type "list"). Values passed in may be transient views: engines copy
// what they keep; values handed out must not be modified by the caller.
//
// Operations that can empty the list delete the key; `meta` is stale after
// any write. Callers know when that happens from the length before the write.

import type { ReplyBuffer } from "../net/reply.ts";
import type { KeyMeta } from "./engine.ts";

/** The end of a list an operation works on: left is the head (index 0). */
export type ListSide = "left" | "right";

export interface ListOps {
  /** Number of elements (LLEN), O(1). */
  length(meta: KeyMeta): number;
  /**
   * Pushes values one by one at `side` (so LPUSH a b c leaves c at the head),
   * creating the key (no expiry) when meta is null. Returns the new length.
   * `handedOver`: the values are fresh copies the engine may keep (see DbStore.setString).
   */
  push(key: Uint8Array, meta: KeyMeta | null, side: ListSide, values: readonly Uint8Array[], handedOver?: boolean): number;
  /** Removes up to `count` (>= 1) elements from `side`, returned in pop order; deletes the key when emptied. */
  pop(key: Uint8Array, meta: KeyMeta, side: ListSide, count: number): Uint8Array[];
  /**
   * pop(key, meta, side, 1) with the element written to out as a bulk reply
   * instead of returned (RPOP/LPOP without a count): no array for it, and an
   * engine that would copy the value out for pop() replies from where it is.
   * The reply is written last: an error thrown leaves out as it was.
   */
  popReply(key: Uint8Array, meta: KeyMeta, side: ListSide, out: ReplyBuffer): void;
  /** Visits elements start..stop (inclusive, 0 <= start <= stop < length) from head to tail. */
  range(meta: KeyMeta, start: number, stop: number, visit: (value: Uint8Array) => void): void;
  /** The element at index (0 <= index < length). */
  index(meta: KeyMeta, index: number): Uint8Array;
  /** Replaces the element at index (0 <= index < length). */
  set(meta: KeyMeta, index: number, value: Uint8Array): void;
  /** Inserts value before or after the first element equal to pivot; returns the new length, or -1 when pivot is absent. */
  insert(meta: KeyMeta, pivot: Uint8Array, value: Uint8Array, after: boolean): number;
  /**
   * Removes elements equal to value (LREM): the first `count` from the head
   * when count > 0, from the tail when count < 0, all when 0. Returns how many
   * were removed; deletes the key when emptied.
   */
  remove(key: Uint8Array, meta: KeyMeta, value: Uint8Array, count: number): number;
  /** Keeps only elements start..stop (inclusive, normalized); an empty range (start > stop) deletes the key. */
  trim(key: Uint8Array, meta: KeyMeta, start: number, stop: number): void;
  /**
   * Visits elements equal to value with their index (LPOS), from the head
   * (fromTail false) or the tail, examining at most maxlen elements (0 = all),
   * until visit returns false.
   */
  find(meta: KeyMeta, value: Uint8Array, fromTail: boolean, maxlen: number, visit: (index: number) => boolean): void;
}
