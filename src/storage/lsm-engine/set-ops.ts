// Set primitives of the LSM engine: a FieldCollection of members with empty values.

import { bytesToStr } from "../../net/bytes.ts";
import type { KeyMeta } from "../engine.ts";
import type { SetOps } from "../set-ops.ts";
import { FLAG_BIG } from "./encoding.ts";
import { FieldCollection } from "./field-collection.ts";
import type { LsmDb, LsmMeta } from "./lsm-db.ts";

/** Whether a member is one Redis's intset could hold (a canonical 64-bit integer). */
function notIntsetMember(member: Uint8Array): boolean {
  if (member.length === 0 || member.length > 20) return true;
  const text = bytesToStr(member);
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return true;
  const n = BigInt(text);
  return n < -(2n ** 63n) || n >= 2n ** 63n;
}

export class LsmSetOps implements SetOps {
  private readonly members_: FieldCollection;

  constructor(db: LsmDb) {
    // Beyond set-max-intset-entries, or with a non-integer member, OBJECT ENCODING says "hashtable".
    this.members_ = new FieldCollection(db, "set", notIntsetMember);
  }

  add(key: Uint8Array, meta: KeyMeta | null, members: Uint8Array[]): number {
    return this.members_.put(key, meta, members, false, true);
  }

  remove(key: Uint8Array, meta: KeyMeta, members: Uint8Array[]): number {
    return this.members_.remove(key, meta, members);
  }

  has(meta: KeyMeta, member: Uint8Array): boolean {
    return this.members_.get(meta, member) !== null;
  }

  card(meta: KeyMeta): number {
    return this.members_.length(meta);
  }

  members(meta: KeyMeta): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.members_.forEach(meta, (member) => out.push(member));
    // An intset is kept sorted by Redis: its members come out in numeric order.
    if (((meta as LsmMeta).flags & FLAG_BIG) === 0) out.sort((a, b) => Number(BigInt(bytesToStr(a)) - BigInt(bytesToStr(b))));
    return out;
  }

  randomDistinct(meta: KeyMeta, count: number): Uint8Array[] {
    return this.pick(meta, count, true);
  }

  randomWithRepeats(meta: KeyMeta, count: number): Uint8Array[] {
    return this.pick(meta, count, false);
  }

  private pick(meta: KeyMeta, count: number, distinct: boolean): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.members_.random(meta, count, distinct, (member) => out.push(member));
    return out;
  }

  pop(key: Uint8Array, meta: KeyMeta, count: number): Uint8Array[] {
    const popped = this.pick(meta, count, true);
    this.members_.remove(key, meta, popped);
    return popped;
  }

  scan(meta: KeyMeta, cursor: number, count: number, visit: (member: Uint8Array) => void): number {
    if (((meta as LsmMeta).flags & FLAG_BIG) === 0) {
      // Intsets are returned whole, in their (numeric) order, as Redis does.
      for (const member of this.members(meta)) visit(member);
      return 0;
    }
    return this.members_.scan(meta, cursor, count, (member) => visit(member));
  }

  store(key: Uint8Array, members: Uint8Array[]): void {
    const db = this.members_.db;
    if (members.length === 0) {
      db.delete(key);
      return;
    }
    this.members_.put(key, db.lookup(key), members, true, true);
  }
}
