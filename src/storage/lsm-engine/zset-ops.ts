// Sorted-set primitives of the LSM engine (FORMAT.md): per member a sub-key
// `0x00 member -> score(f64)` for point lookups, and a score index
// `0x01 score(order-preserving) member` whose byte order is Redis's order
// (score, then member bytewise): ranges, ranks and pops walk it, so no
// operation loads the whole set except ZRANDMEMBER. Writes are one
// WriteBatch per primitive.

import { bytesToStr, strToBytes } from "../../net/bytes.ts";
import type { KeyMeta } from "../engine.ts";
import { type DBIterator, WriteBatch } from "../lsm/index.ts";
import { type LexRange, lexGteMin, lexLteMax, scoreGteMin, scoreLteMax, type ZEntry, type ZRangeSpec, type ZSetOps } from "../zset-ops.ts";
import { FLAG_BIG, encodeCollectionMeta, getF64, prefixEnd, putF64, rewriteCollectionMeta } from "./encoding.ts";
import { pickRandom, scanPrefix } from "./field-collection.ts";
import type { LsmDb, LsmMeta } from "./lsm-db.ts";
import { SCORE_BYTES, decodeScore, encodeScore } from "./score-encoding.ts";
import { encodingLimits } from "../memory/encoding-limits.ts";

/** zset-max-listpack-entries / -value (CONFIG SET): beyond them OBJECT ENCODING says "skiplist" (sticky FLAG_BIG). */
function beyondListpack(size: number, longestMember: number): boolean {
  return size > encodingLimits.zsetMaxListpackEntries || longestMember > encodingLimits.zsetMaxListpackValue;
}

export const MEMBER_TAG = 0x00;
export const INDEX_TAG = 0x01;
/** Index values: empty, or this marker for a score of -0 (the index key holds +0 so -0 and 0 sort as equal, as in Redis). */
const NEGATIVE_ZERO = new Uint8Array([1]);
const EMPTY = new Uint8Array(0);

/** The sub-keys of one version of a zset. */
class ZKeys {
  constructor(readonly prefix: Uint8Array) {}

  /** [start, end) of the score index. */
  get indexStart(): Uint8Array {
    return this.tagged(INDEX_TAG, 0);
  }

  get indexEnd(): Uint8Array {
    return this.tagged(INDEX_TAG + 1, 0);
  }

  /** The ZKeys made last, by LsmDb's shared prefixes: ZADD's score() and set() of a member, and its next members, share one. */
  private static last: ZKeys | null = null;

  static of(db: LsmDb, meta: LsmMeta): ZKeys {
    return ZKeys.ofPrefix(db.prefixOf(meta));
  }

  static forVersion(db: LsmDb, key: Uint8Array, version: number): ZKeys {
    return ZKeys.ofPrefix(db.subKeyPrefix(key, version));
  }

  private static ofPrefix(prefix: Uint8Array): ZKeys {
    const last = ZKeys.last;
    return last !== null && last.prefix === prefix ? last : (ZKeys.last = new ZKeys(prefix));
  }

  /** prefix, tag, then `extra` bytes for the caller to fill. */
  private tagged(tag: number, extra: number): Uint8Array {
    const prefix = this.prefix;
    const out = new Uint8Array(prefix.length + 1 + extra);
    // A loop: TypedArray set() of a prefix's 20-40 bytes cost more (5.8% of ZADD's profile).
    for (let i = 0; i < prefix.length; i++) out[i] = prefix[i];
    out[this.prefix.length] = tag;
    return out;
  }

  /** The prefix of the member sub-keys (they end where the index starts). */
  get membersStart(): Uint8Array {
    return this.tagged(MEMBER_TAG, 0);
  }

  /** member()'s array. */
  private memberKey: Uint8Array = EMPTY;

  /**
   * A member's sub-key, in an array reused while members keep their length
   * (its prefix and tag written once): valid until the next call, so callers
   * must not keep or change it (reads and batches copy what they take).
   */
  member(member: Uint8Array): Uint8Array {
    if (this.memberKey.length !== this.prefix.length + 1 + member.length) this.memberKey = this.tagged(MEMBER_TAG, member.length);
    copyInto(this.memberKey, this.prefix.length + 1, member);
    return this.memberKey;
  }

  /** The index key of (score, member); an empty member gives the start of the score's entries. */
  index(score: number, member: Uint8Array): Uint8Array {
    return this.writeIndex(this.tagged(INDEX_TAG, SCORE_BYTES + member.length), score, member);
  }

  /** indexForBatch()'s array. */
  private batchIndexKey: Uint8Array = EMPTY;

  /**
   * index() for a batch's put or delete, which copies the key: in an array
   * reused as member()'s is, valid until the next call.
   */
  indexForBatch(score: number, member: Uint8Array): Uint8Array {
    if (this.batchIndexKey.length !== this.prefix.length + 1 + SCORE_BYTES + member.length) this.batchIndexKey = this.tagged(INDEX_TAG, SCORE_BYTES + member.length);
    return this.writeIndex(this.batchIndexKey, score, member);
  }

  /** Writes score and member after the prefix and tag of `out`, an index key of their length. */
  private writeIndex(out: Uint8Array, score: number, member: Uint8Array): Uint8Array {
    const at = this.prefix.length + 1;
    encodeScore(score, out, at);
    copyInto(out, at + SCORE_BYTES, member);
    return out;
  }

  /** The entry of an index key and its value. */
  entry(key: Uint8Array, value: Uint8Array): ZEntry {
    const at = this.prefix.length + 1;
    const score = value.length > 0 ? -0 : decodeScore(key, at);
    return { member: bytesToStr(key.subarray(at + SCORE_BYTES)), score };
  }
}

/** A loop, not TypedArray set(): members are short (see ZKeys.tagged). */
function copyInto(out: Uint8Array, at: number, src: Uint8Array): void {
  for (let i = 0; i < src.length; i++) out[at + i] = src[i];
}

/** encodeMemberScore's result, reused: batches copy what they are given. */
const memberScore = new Uint8Array(8);

/** A member sub-key's value, valid until the next call. */
function encodeMemberScore(score: number): Uint8Array {
  putF64(memberScore, 0, score);
  return memberScore;
}

function decodeMemberScore(raw: Uint8Array): number {
  return getF64(raw, 0);
}

/** readMemberScore's buffer. */
const storedScore = new Uint8Array(8);

/** The score of the member sub-key memberKey, or null when it is missing: read into one buffer, not a copy per read. */
function readMemberScore(db: LsmDb, memberKey: Uint8Array): number | null {
  const n = db.engine.lsm.getInto(memberKey, storedScore);
  if (n === -1) return null;
  if (n !== 8) throw new Error(`lsm engine: a sorted set member's score has ${n === -2 ? "more than 8" : n} bytes`);
  return getF64(storedScore, 0);
}

/**
 * A walk over the score index in one direction. A boundary key B positions
 * it: forward at the first entry >= B, reverse at the last entry < B.
 */
class IndexWalk {
  private readonly it: DBIterator;

  constructor(
    db: LsmDb,
    readonly keys: ZKeys,
    readonly reverse: boolean,
  ) {
    this.it = db.engine.lsm.iterator({ gte: keys.indexStart, lt: keys.indexEnd });
  }

  /** Positions at the first entry in walk order. */
  start(): void {
    if (this.reverse) this.it.seekToLast();
    else this.it.seekToFirst();
  }

  seek(boundary: Uint8Array): void {
    this.it.seek(boundary);
    if (!this.reverse) return;
    if (this.it.valid()) this.it.prev();
    else this.it.seekToLast();
  }

  valid(): boolean {
    return this.it.valid();
  }

  entry(): ZEntry {
    return this.keys.entry(this.it.key(), this.it.value());
  }

  advance(): void {
    if (this.reverse) this.it.prev();
    else this.it.next();
  }

  /** Skips up to n entries. */
  skip(n: number): void {
    for (let i = 0; i < n && this.it.valid(); i++) this.advance();
  }

  close(): void {
    this.it.close();
  }
}

/** Whether a zset of `size` members, `member` being new, leaves listpack. */
function growsBig(size: number, member: Uint8Array): boolean {
  return beyondListpack(size, member.length);
}

export class LsmZSetOps implements ZSetOps {
  constructor(private readonly db: LsmDb) {}

  card(meta: KeyMeta): number {
    return (meta as LsmMeta).size;
  }

  score(meta: KeyMeta, member: Uint8Array): number | null {
    return readMemberScore(this.db, ZKeys.of(this.db, meta as LsmMeta).member(member));
  }

  set(key: Uint8Array, meta: KeyMeta | null, member: Uint8Array, score: number, oldScore?: number | null): boolean {
    const old = meta as LsmMeta | null;
    const version = old === null ? this.db.engine.newVersion() : old.version;
    const keys = old === null ? ZKeys.forVersion(this.db, key, version) : ZKeys.of(this.db, old);
    const batch = this.db.engine.batch();
    if (old === null) oldScore = null;
    else if (oldScore === undefined) oldScore = readMemberScore(this.db, keys.member(member));
    const size = (old === null ? 0 : old.size) + (oldScore === null ? 1 : 0);
    // Redis converts before inserting: the member that makes the set a skiplist keeps a -0 score.
    const big = (old !== null && (old.flags & FLAG_BIG) !== 0) || (oldScore === null && growsBig(size, member));
    if (oldScore !== null) batch.delete(keys.indexForBatch(oldScore, member));
    this.putEntry(batch, keys, member, big ? score : normalizeZero(score));
    if (oldScore === null) this.writeMeta(batch, key, old, version, big, size);
    this.db.engine.write(batch);
    return oldScore === null;
  }

  private putEntry(batch: WriteBatch, keys: ZKeys, member: Uint8Array, score: number): void {
    batch.put(keys.member(member), encodeMemberScore(score));
    batch.put(keys.indexForBatch(score, member), Object.is(score, -0) ? NEGATIVE_ZERO : EMPTY);
  }

  /**
   * Adds the metadata with a new size (or the key's deletion at 0) to batch;
   * version is old's when old is not null. The caller's meta object is
   * updated in place: ZADD passes it again for its next member.
   */
  private writeMeta(batch: WriteBatch, key: Uint8Array, old: LsmMeta | null, version: number, big: boolean, size: number): void {
    if (size === 0) {
      this.db.deleteInBatch(batch, old!);
      return;
    }
    // Only the size and flags change: the cached record is rewritten in place (LsmDb.recordToRewrite), meta's raw with it.
    const cached = old === null ? null : this.db.recordToRewrite(old);
    if (cached !== null) {
      rewriteCollectionMeta(cached, big ? FLAG_BIG : 0, size);
      this.db.putRewritten(batch, old!);
      return;
    }
    const raw = encodeCollectionMeta("zset", big ? FLAG_BIG : 0, old === null ? 0 : old.expireAt, version, size);
    this.db.putInBatch(batch, key, raw, old);
    if (old !== null) old.raw = raw;
  }

  remove(key: Uint8Array, meta: KeyMeta, members: string[]): number {
    const m = meta as LsmMeta;
    const keys = ZKeys.of(this.db, m);
    const found = new Map<string, number>();
    for (const member of members) {
      if (found.has(member)) continue;
      const raw = this.db.engine.lsm.get(keys.member(strToBytes(member)));
      if (raw !== undefined) found.set(member, decodeMemberScore(raw));
    }
    this.deleteEntries(key, m, keys, [...found].map(([member, score]) => ({ member, score })));
    return found.size;
  }

  /** Deletes entries known to exist, in one batch. */
  private deleteEntries(key: Uint8Array, meta: LsmMeta, keys: ZKeys, entries: ZEntry[]): void {
    if (entries.length === 0) return;
    const batch = new WriteBatch();
    for (const e of entries) {
      const member = strToBytes(e.member);
      batch.delete(keys.member(member));
      batch.delete(keys.indexForBatch(e.score, member));
    }
    this.writeMeta(batch, key, meta, meta.version, (meta.flags & FLAG_BIG) !== 0, meta.size - entries.length);
    this.db.engine.write(batch);
  }

  rank(meta: KeyMeta, member: string, reverse: boolean): number | null {
    const bytes = strToBytes(member);
    const score = this.score(meta, bytes);
    if (score === null) return null;
    // O(rank) as in Kvrocks: count the index entries before (or after) the member's.
    const keys = ZKeys.of(this.db, meta as LsmMeta);
    const at = keys.index(score, bytes);
    const bounds = reverse ? { gte: concatZero(at), lt: keys.indexEnd } : { gte: keys.indexStart, lt: at };
    const it = this.db.engine.lsm.iterator(bounds);
    let n = 0;
    for (it.seekToFirst(); it.valid(); it.next()) n++;
    it.close();
    return n;
  }

  /**
   * Positions walk at the first entry of a score or lex range in its
   * direction; returns the test for staying inside the range, or null when
   * it is empty.
   */
  private enter(walk: IndexWalk, meta: LsmMeta, spec: ZRangeSpec): ((e: ZEntry) => boolean) | null {
    const { keys, reverse } = walk;
    if (spec.by === "rank") {
      walk.start();
      walk.skip(spec.start);
      return () => true;
    }
    if (spec.by === "score") {
      const r = spec.range;
      const atScore = (score: number, after: boolean) => (after ? prefixEnd(keys.index(score, EMPTY)) : keys.index(score, EMPTY));
      walk.seek(reverse ? atScore(r.max, !r.maxExclusive) : atScore(r.min, r.minExclusive));
      return reverse ? (e) => scoreGteMin(e.score, r) : (e) => scoreLteMax(e.score, r);
    }
    const r = spec.range;
    const ends = this.ends(meta);
    if (ends === null || !lexRangeNonEmpty(r, ends)) return null;
    const [first, last] = ends;
    const bound = reverse ? r.max : r.min;
    // Lex ranges assume equal scores: then the index is in member order and a
    // seek finds the start. Otherwise walk from the end like Redis's listpack
    // scan (zzlFirstInLexRange); a skiplist's answer would depend on its levels.
    if (first.score === last.score && typeof bound === "string") {
      // Forward: first entry >= (min, or just past an exclusive min); reverse: last entry < (max, or just past an inclusive max).
      const pastBound = reverse ? !r.maxExclusive : r.minExclusive;
      walk.seek(keys.index(first.score, strToBytes(pastBound ? bound + "\0" : bound)));
    } else walk.start();
    const entered = reverse ? (e: ZEntry) => lexLteMax(e.member, r) : (e: ZEntry) => lexGteMin(e.member, r);
    while (walk.valid() && !entered(walk.entry())) walk.advance();
    return reverse ? (e) => lexGteMin(e.member, r) : (e) => lexLteMax(e.member, r);
  }

  /** The lowest and highest entries, or null for an empty index. */
  private ends(meta: LsmMeta): [ZEntry, ZEntry] | null {
    const keys = ZKeys.of(this.db, meta);
    const out: ZEntry[] = [];
    for (const reverse of [false, true]) {
      const walk = new IndexWalk(this.db, keys, reverse);
      walk.start();
      if (walk.valid()) out.push(walk.entry());
      walk.close();
    }
    return out.length === 2 ? [out[0], out[1]] : null;
  }

  /** Visits the entries of a range in walk order after skipping `offset`, while visit returns true. */
  private walkRange(meta: LsmMeta, spec: ZRangeSpec, reverse: boolean, offset: number, visit: (e: ZEntry) => boolean): void {
    const walk = new IndexWalk(this.db, ZKeys.of(this.db, meta), reverse);
    try {
      const inRange = this.enter(walk, meta, spec);
      if (inRange === null) return;
      walk.skip(offset);
      for (; walk.valid(); walk.advance()) {
        const e = walk.entry();
        if (!inRange(e) || !visit(e)) return;
      }
    } finally {
      walk.close();
    }
  }

  range(meta: KeyMeta, spec: ZRangeSpec, reverse: boolean, offset: number, limit: number): ZEntry[] {
    const m = meta as LsmMeta;
    if (spec.by === "rank") {
      // Rank ranges arrive clamped. Walk from the nearer end: O(distance + length).
      const length = spec.stop - spec.start + 1;
      limit = limit < 0 ? length : Math.min(limit, length);
      offset = 0;
      const fromOtherEnd = m.size - 1 - spec.stop;
      if (fromOtherEnd < spec.start && limit === length) {
        return this.range(meta, { by: "rank", start: fromOtherEnd, stop: m.size - 1 - spec.start }, !reverse, 0, -1).reverse();
      }
    }
    const out: ZEntry[] = [];
    if (limit === 0) return out;
    this.walkRange(m, spec, reverse, offset, (e) => out.push(e) !== limit);
    return out;
  }

  count(meta: KeyMeta, spec: ZRangeSpec): number {
    const m = meta as LsmMeta;
    // A range holding both ends (of equal scores, for lex) holds everything: no walk.
    const ends = this.ends(m);
    if (ends === null) return 0;
    const [first, last] = ends;
    if (spec.by === "score" && scoreGteMin(first.score, spec.range) && scoreLteMax(last.score, spec.range)) return m.size;
    if (spec.by === "lex" && first.score === last.score && lexGteMin(first.member, spec.range) && lexLteMax(last.member, spec.range)) return m.size;
    let n = 0;
    this.walkRange(m, spec, false, 0, () => ++n > 0);
    return n;
  }

  removeRange(key: Uint8Array, meta: KeyMeta, spec: ZRangeSpec): number {
    const m = meta as LsmMeta;
    const victims = this.range(m, spec, false, 0, -1);
    this.deleteEntries(key, m, ZKeys.of(this.db, m), victims);
    return victims.length;
  }

  pop(key: Uint8Array, meta: KeyMeta, count: number, highest: boolean): ZEntry[] {
    const m = meta as LsmMeta;
    const n = Math.min(count, m.size);
    const popped = this.range(m, { by: "rank", start: 0, stop: n - 1 }, highest, 0, -1);
    this.deleteEntries(key, m, ZKeys.of(this.db, m), popped);
    return popped;
  }

  /** O(size): the index has no rank counts to jump to a random position. */
  random(meta: KeyMeta, count: number, distinct: boolean): ZEntry[] {
    const m = meta as LsmMeta;
    const all = this.range(m, { by: "rank", start: 0, stop: m.size - 1 }, false, 0, -1);
    const out: ZEntry[] = [];
    pickRandom(all, count, distinct, (e) => out.push(e));
    return out;
  }

  scan(meta: KeyMeta, cursor: number, count: number, visit: (e: ZEntry) => void): number {
    const m = meta as LsmMeta;
    if ((m.flags & FLAG_BIG) === 0) {
      // A listpack-encoded zset is returned whole, in score order, as Redis does.
      for (const e of this.range(m, { by: "rank", start: 0, stop: m.size - 1 }, false, 0, -1)) visit(e);
      return 0;
    }
    const keys = ZKeys.of(this.db, m);
    return scanPrefix(this.db, keys.membersStart, cursor, count, (member, raw) => visit({ member: bytesToStr(member), score: decodeMemberScore(raw) }));
  }

  store(key: Uint8Array, entries: ZEntry[]): void {
    if (entries.length === 0) {
      this.db.delete(key);
      return;
    }
    const scores = new Map<string, number>(); // a repeated member (RESTORE) keeps its last score
    let longest = 0;
    for (const e of entries) {
      scores.set(e.member, e.score);
      longest = Math.max(longest, e.member.length);
    }
    // Like zsetConvertToListpackIfNeeded: the result's size decides, and a listpack reads -0 back as 0.
    const big = beyondListpack(scores.size, longest);
    const version = this.db.engine.newVersion();
    const keys = ZKeys.forVersion(this.db, key, version);
    const batch = new WriteBatch();
    for (const [member, score] of scores) this.putEntry(batch, keys, strToBytes(member), big ? score : normalizeZero(score));
    const raw = encodeCollectionMeta("zset", big ? FLAG_BIG : 0, 0, version, scores.size);
    this.db.putInBatch(batch, key, raw, this.db.lookup(key));
    this.db.engine.write(batch);
  }
}

/** A listpack stores scores as text and reads "-0" back as 0. */
function normalizeZero(score: number): number {
  return score === 0 ? 0 : score;
}

/** The smallest key after `key` itself (its extensions come after it). */
function concatZero(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

/**
 * zslIsInLexRange's test on the first and last members (its test of min > max
 * is implied: then no entry is both >= min and <= max, so the walk finds none).
 */
function lexRangeNonEmpty(r: LexRange, [first, last]: [ZEntry, ZEntry]): boolean {
  return lexGteMin(last.member, r) && lexLteMax(first.member, r);
}
