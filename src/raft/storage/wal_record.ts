import type { Entry, HardState, SnapshotMeta } from "../types.ts";
import { ByteReader, ByteWriter } from "./binary.ts";

// Payloads of the WAL records (file.ts frames them with length and CRC):
//   e  entries (an append at index i truncates >= i)
//   h  hard state
//   s  snapshot installed from the leader: the log is replaced by it
//   c  local snapshot at m.index, log compacted to i
//   b  segment base: the full state at rollover, so older segments can go
// Binary (storage, not wire): a kind byte, then the fields.
//   entries   u32 n | (u53 term | u53 index | u8 type (0 normal, 1 conf) | bytes data)*
//   meta      u53 index | u53 term | voters | learners   (ids: u32 n | u32 id*)
//   hard      u53 term | u32 vote | u53 commit
export type WalRecord =
  | { k: "e"; e: Entry[] }
  | { k: "h"; h: HardState }
  | { k: "s"; m: SnapshotMeta }
  | { k: "c"; m: SnapshotMeta; i: number }
  | { k: "b"; h: HardState; m: SnapshotMeta; ci: number; ct: number; e: Entry[] };

const KINDS = ["e", "h", "s", "c", "b"] as const;
const writer = new ByteWriter();

function writeIds(w: ByteWriter, ids: number[]): void {
  w.u32(ids.length);
  for (const id of ids) w.u32(id);
}

function readIds(r: ByteReader): number[] {
  const n = r.u32();
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(r.u32());
  return ids;
}

function writeEntries(w: ByteWriter, ents: Entry[]): void {
  w.u32(ents.length);
  for (const e of ents) {
    w.u53(e.term);
    w.u53(e.index);
    w.u8(e.type === "conf" ? 1 : 0);
    w.bytes(e.data);
  }
}

function readEntries(r: ByteReader): Entry[] {
  const n = r.u32();
  const ents: Entry[] = [];
  for (let i = 0; i < n; i++) ents.push({ term: r.u53(), index: r.u53(), type: r.u8() === 1 ? "conf" : "normal", data: r.bytes() });
  return ents;
}

function writeMeta(w: ByteWriter, meta: SnapshotMeta): void {
  w.u53(meta.index);
  w.u53(meta.term);
  writeIds(w, meta.conf.voters);
  writeIds(w, meta.conf.learners);
}

function readMeta(r: ByteReader): SnapshotMeta {
  return { index: r.u53(), term: r.u53(), conf: { voters: readIds(r), learners: readIds(r) } };
}

function writeHardState(w: ByteWriter, h: HardState): void {
  w.u53(h.term);
  w.u32(h.vote);
  w.u53(h.commit);
}

function readHardState(r: ByteReader): HardState {
  return { term: r.u53(), vote: r.u32(), commit: r.u53() };
}

// Appends the payload of rec to w.
export function writeWalRecord(w: ByteWriter, rec: WalRecord): void {
  w.u8(KINDS.indexOf(rec.k));
  switch (rec.k) {
    case "e":
      writeEntries(w, rec.e);
      break;
    case "h":
      writeHardState(w, rec.h);
      break;
    case "s":
      writeMeta(w, rec.m);
      break;
    case "c":
      writeMeta(w, rec.m);
      w.u53(rec.i);
      break;
    case "b":
      writeHardState(w, rec.h);
      writeMeta(w, rec.m);
      w.u53(rec.ci);
      w.u53(rec.ct);
      writeEntries(w, rec.e);
      break;
  }
}

export function encodeWalRecord(rec: WalRecord): Uint8Array {
  writeWalRecord(writer, rec);
  return writer.take();
}

// Entry data are views into `payload`, which the caller must not reuse.
export function decodeWalRecord(payload: Uint8Array): WalRecord {
  const r = new ByteReader(payload);
  const k = KINDS[r.u8()];
  switch (k) {
    case "e":
      return { k, e: readEntries(r) };
    case "h":
      return { k, h: readHardState(r) };
    case "s":
      return { k, m: readMeta(r) };
    case "c":
      return { k, m: readMeta(r), i: r.u53() };
    case "b":
      return { k, h: readHardState(r), m: readMeta(r), ci: r.u53(), ct: r.u53(), e: readEntries(r) };
  }
  throw new Error("bad WAL record kind");
}
