// Memory-engine implementation of the list primitives: a Quicklist of byte strings per key.

import { bytesEqual, bytesToStr, copyBytes } from "../../net/bytes.ts";
import type { ReplyBuffer } from "../../net/reply.ts";
import type { KeyMeta } from "../engine.ts";
import type { ListOps, ListSide } from "../list-ops.ts";
import type { MemEntry, MemoryDb } from "./memory-engine.ts";
import { Quicklist } from "./quicklist.ts";
import { registerMemoryType } from "./value-types.ts";

type List = Quicklist<Uint8Array>;

function listOf(meta: KeyMeta): List {
  return (meta as MemEntry).value as List;
}

export class MemoryListOps implements ListOps {
  constructor(readonly db: MemoryDb) {}

  length(meta: KeyMeta): number {
    return listOf(meta).length;
  }

  push(key: Uint8Array, meta: KeyMeta | null, side: ListSide, values: readonly Uint8Array[], handedOver = false): number {
    const list = meta === null ? this.create(key) : listOf(meta);
    if (side === "left") for (const v of values) list.pushHead(handedOver ? v : copyBytes(v));
    else for (const v of values) list.pushTail(handedOver ? v : copyBytes(v));
    return list.length;
  }

  pop(key: Uint8Array, meta: KeyMeta, side: ListSide, count: number): Uint8Array[] {
    const list = listOf(meta);
    const n = Math.min(count, list.length);
    const out = new Array<Uint8Array>(n);
    for (let i = 0; i < n; i++) out[i] = (side === "left" ? list.popHead() : list.popTail())!;
    this.deleteIfEmpty(key, list);
    return out;
  }

  popReply(key: Uint8Array, meta: KeyMeta, side: ListSide, out: ReplyBuffer): void {
    const list = listOf(meta);
    out.bulk((side === "left" ? list.popHead() : list.popTail())!);
    this.deleteIfEmpty(key, list);
  }

  range(meta: KeyMeta, start: number, stop: number, visit: (value: Uint8Array) => void): void {
    listOf(meta).forRange(start, stop, visit);
  }

  index(meta: KeyMeta, index: number): Uint8Array {
    return listOf(meta).at(index);
  }

  set(meta: KeyMeta, index: number, value: Uint8Array): void {
    listOf(meta).set(index, value.slice());
  }

  insert(meta: KeyMeta, pivot: Uint8Array, value: Uint8Array, after: boolean): number {
    const list = listOf(meta);
    let at = -1;
    list.scan(false, (v, i) => {
      if (!bytesEqual(v, pivot)) return true;
      at = i;
      return false;
    });
    if (at < 0) return -1;
    list.insertAt(after ? at + 1 : at, value.slice());
    return list.length;
  }

  remove(key: Uint8Array, meta: KeyMeta, value: Uint8Array, count: number): number {
    const list = listOf(meta);
    const removed = list.removeWhere((v) => bytesEqual(v, value), Math.abs(count), count < 0);
    this.deleteIfEmpty(key, list);
    return removed;
  }

  trim(key: Uint8Array, meta: KeyMeta, start: number, stop: number): void {
    const list = listOf(meta);
    list.trim(start, stop);
    this.deleteIfEmpty(key, list);
  }

  find(meta: KeyMeta, value: Uint8Array, fromTail: boolean, maxlen: number, visit: (index: number) => boolean): void {
    let examined = 0;
    listOf(meta).scan(fromTail, (v, i) => {
      if (maxlen !== 0 && examined++ >= maxlen) return false;
      return bytesEqual(v, value) ? visit(i) : true;
    });
  }

  private create(key: Uint8Array): List {
    const list: List = new Quicklist();
    this.db.setValue(bytesToStr(key), "list", list, 0);
    return list;
  }

  private deleteIfEmpty(key: Uint8Array, list: List): void {
    if (list.length === 0) this.db.delete(key);
  }
}

registerMemoryType(
  "list",
  (v) => (v as List).clone(),
  (v) => {
    const list = v as List;
    let bytes = 48 + list.chunks * 64;
    list.scan(false, (e) => {
      bytes += 16 + e.length;
      return true;
    });
    return bytes;
  },
  // Redis 7.0 encodes every list as a quicklist (listpack lists came in 7.2).
  () => "quicklist",
);
