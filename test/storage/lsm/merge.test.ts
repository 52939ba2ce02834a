/**
 * MergingIterator against a reference merge: the sorted list of all the
 * children's entries (ties: the earlier child first). Its forward moves keep
 * the current child while its next entry sorts below the smallest other
 * child (MergingIterator.second); these tests check that order and what a
 * compaction writes from it: tables byte for byte the same as from the
 * reference, with overlapping inputs, deletions, snapshots and range
 * deletions.
 */
import { describe, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import { CompactionRunner, type CompactionParams } from '../../../src/storage/lsm/compaction.ts';
import { compareBytes, fileName, KIND_DELETE, KIND_PUT } from '../../../src/storage/lsm/dbformat.ts';
import { MergingIterator, type InternalIterator } from '../../../src/storage/lsm/iterator.ts';
import { MemTable } from '../../../src/storage/lsm/memtable.ts';
import { Table } from '../../../src/storage/lsm/table.ts';
import { TableBuilder } from '../../../src/storage/lsm/table_builder.ts';
import type { RangeTombstone } from '../../../src/storage/lsm/range_del.ts';
import { b, rmrf, rng, tempDir } from './helpers.ts';

interface Entry {
  key: Uint8Array;
  seq: number;
  kind: number;
  value: Uint8Array;
  child: number;
}

/** Internal-key order, then the earlier child (the order of MergingIterator's ties). */
function entryOrder(x: Entry, y: Entry): number {
  return compareBytes(x.key, y.key) || y.seq - x.seq || y.kind - x.kind || x.child - y.child;
}

/** The reference: entries in order, one after the other. */
class SortedEntries implements InternalIterator {
  private i = 0;
  constructor(private readonly entries: Entry[]) {}
  valid(): boolean {
    return this.i >= 0 && this.i < this.entries.length;
  }
  seekToFirst(): void {
    this.i = 0;
  }
  seekToLast(): void {
    this.i = this.entries.length - 1;
  }
  seek(userKey: Uint8Array, seq: number): void {
    this.i = this.entries.findIndex((e) => compareBytes(e.key, userKey) > 0 || (compareBytes(e.key, userKey) === 0 && e.seq <= seq));
    if (this.i < 0) this.i = this.entries.length;
  }
  next(): void {
    this.i++;
  }
  prev(): void {
    this.i--;
  }
  private get e(): Entry {
    return this.entries[this.i];
  }
  userKey(): Uint8Array {
    return this.e.key;
  }
  keyBuffer(): Uint8Array {
    return this.e.key;
  }
  keyOffset(): number {
    return 0;
  }
  keyLength(): number {
    return this.e.key.length;
  }
  seq(): number {
    return this.e.seq;
  }
  kind(): number {
    return this.e.kind;
  }
  value(): Uint8Array {
    return this.e.value;
  }
  valueBuffer(): Uint8Array {
    return this.e.value;
  }
  valueStart(): number {
    return 0;
  }
  valueEnd(): number {
    return this.e.value.length;
  }
  close(): void {}
}

/**
 * Entries for `children` inputs, as a compaction's: keys of a few
 * collections (long shared heads) and plain keys, each child holding runs
 * of neighbours and some keys the others hold too (older or newer
 * versions); puts and deletions; a sequence number each, or, with
 * duplicates, some entries repeated in another child (ties).
 */
function randomInputs(seed: number, children: number, duplicates: boolean): Entry[][] {
  const r = rng(seed);
  const heads = ['\x02\0\0\0\0\0\0\0\x06myzset\0\x06aI\x82u\x99\xe0\0element:', '\x02\0\0\0\0\0\0\0\x06mylist\0\x06aI\x84\x1dy\x98\x7f\xff\xff\xff\xff', '\x01\0\0\0\0ckey:', 'z'];
  const keyOf = (): string => {
    const head = heads[Math.floor(r() * heads.length)];
    return head + String(Math.floor(r() * (r() < 0.5 ? 40 : 4000)));
  };
  let seq = 1;
  const inputs: Entry[][] = [];
  for (let c = 0; c < children; c++) {
    const entries: Entry[] = [];
    // An empty child now and then.
    const n = r() < 0.1 ? 0 : Math.floor(r() * 400);
    let key = keyOf();
    for (let i = 0; i < n; i++) {
      // Runs: the next key is often this one's neighbour, or another version of it.
      const roll = r();
      if (roll < 0.2) key = keyOf();
      else if (roll < 0.7) key = key + String.fromCharCode(48 + Math.floor(r() * 10));
      const kind = r() < 0.3 ? KIND_DELETE : KIND_PUT;
      entries.push({ key: b(key), seq: seq++, kind, value: kind === KIND_DELETE ? new Uint8Array(0) : b(`v${seq}`), child: c });
    }
    inputs.push(entries);
  }
  if (duplicates)
    for (let c = 1; c < children; c++)
      for (const e of inputs[c - 1]) if (r() < 0.2) inputs[c].push({ ...e, value: b(`${Buffer.from(e.value).toString('latin1')} of ${c}`), child: c });
  for (const entries of inputs) entries.sort(entryOrder);
  return inputs;
}

let tablesMade = 0;

/**
 * The merge's children over the inputs, in turn a table's iterator (small
 * blocks: many block starts) and a memtable's.
 */
function children(inputs: Entry[][], dir: string): InternalIterator[] {
  return inputs.map((entries, i) => {
    if (i % 2 === 1) {
      const m = new MemTable(1);
      for (const e of entries) m.add(e.key, e.seq, e.kind, e.value);
      return m.iterator();
    }
    const number = ++tablesMade;
    const file = fileName(dir, number, 'sst');
    const builder = TableBuilder.create(file, { blockSize: 256, restartInterval: 4, bloomBitsPerKey: 10, compression: 'none' });
    for (const e of entries) builder.add(e.key, e.seq, e.kind, e.value);
    builder.finish();
    builder.close();
    return Table.open(file, number, null, { bytesRead: 0, blockReads: 0 }).iterator();
  });
}

function sorted(inputs: Entry[][]): Entry[] {
  return inputs.flat().sort(entryOrder);
}

function at(it: InternalIterator): string {
  return it.valid() ? `${Buffer.from(it.userKey()).toString('latin1')}@${it.seq()}/${it.kind()}=${Buffer.from(it.value()).toString('latin1')}` : '(end)';
}

describe('MergingIterator', () => {
  test('forward: the reference order, ties to the earlier child, with children that run out and empty ones', () => {
    const dir = tempDir();
    for (let seed = 1; seed <= 30; seed++) {
      const inputs = randomInputs(seed, 1 + (seed % 6), true);
      const merged = new MergingIterator(children(inputs, dir));
      const reference = new SortedEntries(sorted(inputs));
      const got: string[] = [];
      const want: string[] = [];
      for (merged.seekToFirst(); merged.valid(); merged.next()) got.push(at(merged));
      for (reference.seekToFirst(); reference.valid(); reference.next()) want.push(at(reference));
      expect(got).toEqual(want);
      merged.close();
    }
    rmrf(dir);
  });

  test('seeks, then moves both ways, as the reference', () => {
    const dir = tempDir();
    for (let seed = 1; seed <= 30; seed++) {
      const inputs = randomInputs(100 + seed, 1 + (seed % 6), false);
      const all = sorted(inputs);
      if (all.length === 0) continue;
      const r = rng(seed);
      const merged = new MergingIterator(children(inputs, dir));
      const reference = new SortedEntries(all);
      merged.seekToFirst();
      reference.seekToFirst();
      for (let op = 0; op < 300; op++) {
        const roll = r();
        if (roll < 0.05) {
          merged.seekToFirst();
          reference.seekToFirst();
        } else if (roll < 0.1) {
          merged.seekToLast();
          reference.seekToLast();
        } else if (roll < 0.2 || !reference.valid()) {
          const target = all[Math.floor(r() * all.length)];
          const seq = r() < 0.5 ? target.seq : Number.MAX_SAFE_INTEGER;
          merged.seek(target.key, seq);
          reference.seek(target.key, seq);
        } else if (roll < 0.75) {
          merged.next();
          reference.next();
        } else {
          merged.prev();
          reference.prev();
        }
        expect(at(merged)).toBe(at(reference));
      }
      merged.close();
    }
    rmrf(dir);
  });

  test('a compaction of overlapping inputs with deletions, snapshots and range deletions writes the same tables as from the reference order', () => {
    const dir = tempDir();
    try {
      for (let seed = 1; seed <= 20; seed++) {
        const inputs = randomInputs(200 + seed, 2 + (seed % 5), false);
        const all = sorted(inputs);
        const maxSeq = all.reduce((m, e) => Math.max(m, e.seq), 0);
        const r = rng(seed);
        const rangeDels: RangeTombstone[] = [];
        for (let i = 0; i < 3 && all.length > 0; i++) {
          const x = all[Math.floor(r() * all.length)].key;
          const y = all[Math.floor(r() * all.length)].key;
          const [start, end] = compareBytes(x, y) <= 0 ? [x, y] : [y, x];
          rangeDels.push({ start, end, seq: Math.floor(r() * maxSeq) });
        }
        const smallestSnapshot = Math.floor(maxSeq * r());
        const params = (outputNumber: number): CompactionParams => ({
          dir,
          outputNumbers: [outputNumber, outputNumber + 1, outputNumber + 2, outputNumber + 3],
          // Small outputs: the runs of one key must not be split across files either way.
          targetFileSize: 2048,
          bottommost: seed % 2 === 0,
          smallestSnapshot,
          rangeDels,
          table: { blockSize: 512, restartInterval: 16, bloomBitsPerKey: 10, compression: 'none' },
          sync: false,
        });
        const merged = new MergingIterator(children(inputs, dir));
        const fromMerge = new CompactionRunner(merged, params(10_000), null);
        fromMerge.step(Number.MAX_SAFE_INTEGER);
        merged.close();
        const fromReference = new CompactionRunner(new SortedEntries(all), params(20_000), null);
        fromReference.step(Number.MAX_SAFE_INTEGER);
        expect(fromMerge.stats).toEqual(fromReference.stats);
        expect(fromMerge.outputs.length).toBe(fromReference.outputs.length);
        for (let i = 0; i < fromMerge.outputs.length; i++) {
          const got = fs.readFileSync(fileName(dir, fromMerge.outputs[i].number, 'sst'));
          const want = fs.readFileSync(fileName(dir, fromReference.outputs[i].number, 'sst'));
          expect(got.equals(want)).toBe(true);
        }
        for (const o of [...fromMerge.outputs, ...fromReference.outputs]) fs.unlinkSync(fileName(dir, o.number, 'sst'));
      }
    } finally {
      rmrf(dir);
    }
  });
});
