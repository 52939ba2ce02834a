// Reads the memtable dumps of dump_memtables.ts (the format is described there).
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Bytes before an entry's key. */
export const ENTRY_HEADER = 16;

/** A dumped memtable: its entries' keys and values back to back in one arena (as in a memtable), in insertion order. */
export interface DumpedMemtable {
  arena: Uint8Array;
  keyStarts: Int32Array;
  keyEnds: Int32Array;
  valueEnds: Int32Array;
  seqs: Float64Array;
  kinds: Uint8Array;
}

export function readDump(file: string): DumpedMemtable {
  const d = readFileSync(file);
  // Shared memory, as a flush worker reads a memtable's.
  const arena = new Uint8Array(new SharedArrayBuffer(d.length));
  const keyStarts: number[] = [];
  const keyEnds: number[] = [];
  const valueEnds: number[] = [];
  const seqs: number[] = [];
  const kinds: number[] = [];
  let at = 0;
  let used = 0;
  while (at < d.length) {
    const keyLength = d.readUInt16LE(at);
    const valueLength = d.readUInt16LE(at + 2);
    seqs.push(d.readDoubleLE(at + 4));
    kinds.push(d[at + 12]);
    at += ENTRY_HEADER;
    arena.set(d.subarray(at, at + keyLength + valueLength), used);
    keyStarts.push(used);
    keyEnds.push(used + keyLength);
    valueEnds.push(used + keyLength + valueLength);
    used += keyLength + valueLength;
    at += keyLength + valueLength;
  }
  return {
    arena,
    keyStarts: Int32Array.from(keyStarts),
    keyEnds: Int32Array.from(keyEnds),
    valueEnds: Int32Array.from(valueEnds),
    seqs: Float64Array.from(seqs),
    kinds: Uint8Array.from(kinds),
  };
}

/** The dumps mem-0.bin, mem-1.bin, ... in dir. */
export function readDumps(dir: string, count: number): DumpedMemtable[] {
  return Array.from({ length: count }, (_, i) => readDump(join(dir, `mem-${i}.bin`)));
}
