import { readEntries, readMeta, writeEntries, writeMeta } from "../transport/codec.ts";
import type { Entry, HardState, SnapshotMeta } from "../types.ts";
import { ByteReader, ByteWriter } from "../wire.ts";

// Payloads of the WAL records (file.ts frames them with length and CRC):
//   e  entries (an append at index i truncates >= i)
//   h  hard state
//   s  snapshot installed from the leader: the log is replaced by it
//   c  local snapshot at m.index, log compacted to i
//   b  segment base: the full state at rollover, so older segments can go
// Binary: a kind byte, then the fields (entries and snapshot metadata as on
// the wire, see transport/codec.ts).
export type WalRecord =
  | { k: "e"; e: Entry[] }
  | { k: "h"; h: HardState }
  | { k: "s"; m: SnapshotMeta }
  | { k: "c"; m: SnapshotMeta; i: number }
  | { k: "b"; h: HardState; m: SnapshotMeta; ci: number; ct: number; e: Entry[] };

const KINDS = ["e", "h", "s", "c", "b"] as const;
const writer = new ByteWriter();

function writeHardState(w: ByteWriter, h: HardState): void {
  w.u53(h.term);
  w.u32(h.vote);
  w.u53(h.commit);
}

function readHardState(r: ByteReader): HardState {
  return { term: r.u53(), vote: r.u32(), commit: r.u53() };
}

export function encodeWalRecord(rec: WalRecord): Uint8Array {
  writer.u8(KINDS.indexOf(rec.k));
  switch (rec.k) {
    case "e":
      writeEntries(writer, rec.e);
      break;
    case "h":
      writeHardState(writer, rec.h);
      break;
    case "s":
      writeMeta(writer, rec.m);
      break;
    case "c":
      writeMeta(writer, rec.m);
      writer.u53(rec.i);
      break;
    case "b":
      writeHardState(writer, rec.h);
      writeMeta(writer, rec.m);
      writer.u53(rec.ci);
      writer.u53(rec.ct);
      writeEntries(writer, rec.e);
      break;
  }
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
