/**
 * A VersionEdit is one MANIFEST record: the delta between two versions.
 * Encoded as tagged fields (see FORMAT.md).
 */
import { ByteReader, ByteWriter } from './coding.ts';
import { ikeyUserKey } from './dbformat.ts';

export interface FileMeta {
  number: number;
  size: number;
  /** Internal keys. */
  smallest: Uint8Array;
  largest: Uint8Array;
  smallestSeq: number;
  largestSeq: number;
  /** Every range tombstone with seq <= cleanSeq has been applied to this file's points. */
  cleanSeq: number;
  numEntries: number;
}

export interface PersistedRangeDel {
  seq: number;
  start: Uint8Array;
  end: Uint8Array;
}

export function userRange(f: FileMeta): { lo: Uint8Array; hi: Uint8Array } {
  return { lo: ikeyUserKey(f.smallest), hi: ikeyUserKey(f.largest) };
}

const TAG_LOG_NUMBER = 2;
const TAG_NEXT_FILE = 3;
const TAG_LAST_SEQ = 4;
const TAG_DELETED_FILE = 5;
const TAG_NEW_FILE = 6;
const TAG_ADD_RANGE_DEL = 7;
const TAG_REMOVE_RANGE_DEL = 8;
const TAG_COMPACT_POINTER = 9;

export class VersionEdit {
  logNumber?: number;
  nextFileNumber?: number;
  lastSequence?: number;
  deleted: { level: number; number: number }[] = [];
  added: { level: number; file: FileMeta }[] = [];
  addRangeDels: PersistedRangeDel[] = [];
  removeRangeDels: number[] = [];
  compactPointers: { level: number; key: Uint8Array }[] = [];

  encode(): Uint8Array {
    const w = new ByteWriter(256);
    if (this.logNumber !== undefined) {
      w.varint(TAG_LOG_NUMBER);
      w.varint(this.logNumber);
    }
    if (this.nextFileNumber !== undefined) {
      w.varint(TAG_NEXT_FILE);
      w.varint(this.nextFileNumber);
    }
    if (this.lastSequence !== undefined) {
      w.varint(TAG_LAST_SEQ);
      w.varint(this.lastSequence);
    }
    for (const p of this.compactPointers) {
      w.varint(TAG_COMPACT_POINTER);
      w.varint(p.level);
      w.lenBytes(p.key);
    }
    for (const d of this.deleted) {
      w.varint(TAG_DELETED_FILE);
      w.varint(d.level);
      w.varint(d.number);
    }
    for (const { level, file: f } of this.added) {
      w.varint(TAG_NEW_FILE);
      w.varint(level);
      w.varint(f.number);
      w.varint(f.size);
      w.lenBytes(f.smallest);
      w.lenBytes(f.largest);
      w.varint(f.smallestSeq);
      w.varint(f.largestSeq);
      w.varint(f.cleanSeq);
      w.varint(f.numEntries);
    }
    for (const r of this.addRangeDels) {
      w.varint(TAG_ADD_RANGE_DEL);
      w.varint(r.seq);
      w.lenBytes(r.start);
      w.lenBytes(r.end);
    }
    for (const s of this.removeRangeDels) {
      w.varint(TAG_REMOVE_RANGE_DEL);
      w.varint(s);
    }
    return w.finish();
  }

  /** Throws RangeError/Error on malformed input; caller wraps with file/offset. */
  static decode(b: Uint8Array): VersionEdit {
    const e = new VersionEdit();
    const r = new ByteReader(b);
    while (!r.eof()) {
      const tag = r.varint();
      switch (tag) {
        case TAG_LOG_NUMBER:
          e.logNumber = r.varint();
          break;
        case TAG_NEXT_FILE:
          e.nextFileNumber = r.varint();
          break;
        case TAG_LAST_SEQ:
          e.lastSequence = r.varint();
          break;
        case TAG_COMPACT_POINTER:
          e.compactPointers.push({ level: r.varint(), key: r.lenBytes().slice() });
          break;
        case TAG_DELETED_FILE:
          e.deleted.push({ level: r.varint(), number: r.varint() });
          break;
        case TAG_NEW_FILE: {
          const level = r.varint();
          const file: FileMeta = {
            number: r.varint(),
            size: r.varint(),
            smallest: r.lenBytes().slice(),
            largest: r.lenBytes().slice(),
            smallestSeq: r.varint(),
            largestSeq: r.varint(),
            cleanSeq: r.varint(),
            numEntries: r.varint(),
          };
          e.added.push({ level, file });
          break;
        }
        case TAG_ADD_RANGE_DEL:
          e.addRangeDels.push({ seq: r.varint(), start: r.lenBytes().slice(), end: r.lenBytes().slice() });
          break;
        case TAG_REMOVE_RANGE_DEL:
          e.removeRangeDels.push(r.varint());
          break;
        default:
          throw new Error(`unknown version edit tag ${tag}`);
      }
    }
    return e;
  }
}
