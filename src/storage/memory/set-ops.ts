// Memory-engine implementation of the set primitives: a ScanMap of members
// (SSCAN guarantees, O(1) random sampling by bucket).

import { bytesToStr } from "../../net/bytes.ts";
import type { KeyMeta } from "../engine.ts";
import type { SetOps } from "../set-ops.ts";
import { encodingLimits } from "./encoding-limits.ts";
import type { MemEntry, MemoryDb } from "./memory-engine.ts";
import { registerMemoryType } from "./value-types.ts";
import { keyHash, ScanMap, WordKeyNode } from "./scan-map.ts";

/** A set value. `hashtable` is sticky, as in Redis 7.0 (no conversion back to intset). */
export class MemSet {
  readonly members = new ScanMap<WordKeyNode>();
  /** Every member is an integer: tracked only while the set is an intset (add stops checking once `hashtable`). */
  intsOnly = true;
  hashtable = false;
}

const INT_RE = /^(0|-?[1-9][0-9]{0,18})$/;

function isInt64Member(m: string): boolean {
  if (!INT_RE.test(m)) return false;
  const n = BigInt(m);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

registerMemoryType(
  "set",
  (v) => {
    const src = v as MemSet;
    const copy = new MemSet();
    for (const n of src.members.values()) copy.members.insertHashed(new WordKeyNode(n.keyBytes()), n.hash);
    copy.intsOnly = src.intsOnly;
    copy.hashtable = src.hashtable;
    return copy;
  },
  (v) => {
    let size = 0;
    for (const n of (v as MemSet).members.values()) size += 48 + n.keyLength;
    return size;
  },
  (v) => ((v as MemSet).hashtable ? "hashtable" : "intset"),
);

function setOf(meta: KeyMeta): MemSet {
  return (meta as MemEntry).value as MemSet;
}

/** `count` (at most the set's size) distinct random members' nodes. */
function randomDistinctMembers(set: ScanMap<WordKeyNode>, count: number): WordKeyNode[] {
  if (count * 3 > set.size) {
    // Most of the set: shuffle all members and take a prefix (Redis's "case 3").
    const all = [...set.values()];
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [all[i], all[j]] = [all[j], all[i]];
    }
    return all.slice(0, count);
  }
  // SPOP/SRANDMEMBER without a count: one sample, no de-duplication needed.
  if (count === 1) return [set.randomNode()!];
  const picked = new Set<WordKeyNode>();
  while (picked.size < count) picked.add(set.randomNode()!);
  return [...picked];
}

export class MemorySetOps implements SetOps {
  constructor(readonly db: MemoryDb) {}

  add(key: Uint8Array, meta: KeyMeta | null, members: Uint8Array[]): number {
    const set = meta === null ? (this.db.setValue(bytesToStr(key), "set", new MemSet(), 0).value as MemSet) : setOf(meta);
    const map = set.members;
    let added = 0;
    for (const m of members) {
      // Looked up by the bytes; a new member is inserted by the hash code its
      // lookup computed, made from its bytes (see WordKeyNode: no string).
      const end = m.length;
      if (map.hinted(m, 0, end) !== undefined) continue;
      const memberHash = keyHash(m, 0, end);
      if (map.getHashed(m, 0, end, memberHash) !== undefined) continue;
      const node = new WordKeyNode(m);
      map.insertHashed(node, memberHash);
      added++;
      // Only an intset needs to know (hashtable is sticky).
      if (!set.hashtable && set.intsOnly && !isInt64Member(node.key)) set.intsOnly = false;
    }
    if (!set.intsOnly || set.members.size > encodingLimits.setMaxIntsetEntries) set.hashtable = true;
    return added;
  }

  remove(key: Uint8Array, meta: KeyMeta, members: Uint8Array[]): number {
    const set = setOf(meta);
    let removed = 0;
    for (const m of members) {
      const node = set.members.getBytes(m);
      if (node === undefined) continue;
      set.members.deleteNode(node);
      removed++;
    }
    if (set.members.size === 0) this.db.delete(key);
    return removed;
  }

  has(meta: KeyMeta, member: Uint8Array): boolean {
    return setOf(meta).members.getBytes(member) !== undefined;
  }

  card(meta: KeyMeta): number {
    return setOf(meta).members.size;
  }

  members(meta: KeyMeta): Uint8Array[] {
    const set = setOf(meta);
    const nodes = [...set.members.values()];
    // An intset is kept sorted by Redis, so its members come out in numeric order.
    if (!set.hashtable) nodes.sort((a, b) => (BigInt(a.key) < BigInt(b.key) ? -1 : 1));
    return nodes.map((n) => n.keyBytes());
  }

  randomDistinct(meta: KeyMeta, count: number): Uint8Array[] {
    return randomDistinctMembers(setOf(meta).members, count).map((n) => n.keyBytes());
  }

  randomWithRepeats(meta: KeyMeta, count: number): Uint8Array[] {
    const set = setOf(meta).members;
    const out: Uint8Array[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = set.randomNode()!.keyBytes();
    return out;
  }

  pop(key: Uint8Array, meta: KeyMeta, count: number): Uint8Array[] {
    const set = setOf(meta);
    if (count === 1) return [this.popOne(key, set)];
    const picked = randomDistinctMembers(set.members, Math.min(count, set.members.size));
    for (const n of picked) set.members.deleteNode(n);
    if (set.members.size === 0) this.db.delete(key);
    return picked.map((n) => n.keyBytes());
  }

  /**
   * SPOP without a count: one sampled node, without randomDistinctMembers'
   * arrays and map() (less code for FTL to compile into SPOP).
   */
  private popOne(key: Uint8Array, set: MemSet): Uint8Array {
    const node = set.members.randomNode();
    if (node === undefined) throw new Error("MemorySetOps.pop: empty set stored");
    set.members.deleteNode(node);
    if (set.members.size === 0) this.db.delete(key);
    return node.keyBytes();
  }

  scan(meta: KeyMeta, cursor: number, count: number, visit: (member: Uint8Array) => void): number {
    const set = setOf(meta);
    if (!set.hashtable) {
      // Compact sets are returned whole in one call, as Redis does for intsets.
      for (const n of set.members.values()) visit(n.keyBytes());
      return 0;
    }
    return set.members.scan(cursor, count, (n) => visit(n.keyBytes()));
  }

  store(key: Uint8Array, members: Uint8Array[]): void {
    this.db.delete(key);
    if (members.length > 0) this.add(key, null, members);
  }
}
