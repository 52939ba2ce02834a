import { describe, expect, test } from 'bun:test';
import { compareRanges, sortKeys } from '../../../src/storage/lsm/key_sort.ts';

/** A deterministic PRNG in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** sortKeys over keys (each id's key in one buffer, versions ordered by id descending), checked against a comparator sort. */
function expectSortedAsComparator(keys: Uint8Array[]): void {
  const n = keys.length;
  const buffer = new Uint8Array(keys.reduce((size, key) => size + key.length, 0));
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  let used = 0;
  keys.forEach((key, id) => {
    buffer.set(key, used);
    starts[id] = used;
    ends[id] = used += key.length;
  });
  const versionOrder = (x: number, y: number): number => y - x;
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  sortKeys({ buffers: [buffer], bufferOf: null, starts, ends, hi: new Int32Array(n), lo: new Int32Array(n), versionOrder }, ids);
  const want = Array.from({ length: n }, (_, i) => i).sort((x, y) => compareRanges(keys[x], 0, keys[x].length, keys[y], 0, keys[y].length) || versionOrder(x, y));
  expect(Array.from(ids)).toEqual(want);
}

describe('key sort by packed bits', () => {
  test('keys that differ in a few bits of their abbreviation: decimal digits, a counter, single bits, the top bit of a byte', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const r = rng(seed);
      const keys: Uint8Array[] = [];
      for (let i = 0; i < 6000; i++) {
        const shape = Math.floor(r() * 5);
        const key = new Uint8Array(4 + 8 + Math.floor(r() * 3));
        key.set([7, 7, 7, shape]);
        const body = key.subarray(4);
        if (shape === 0) for (let j = 0; j < 5; j++) body[j] = 0x30 + Math.floor(r() * 10); // digits: the low 4 bits of bytes
        else if (shape === 1) body.set([0x7f, 0xff, 0xff, 0xff, 0xff, 0xfe + Math.floor(r() * 2), Math.floor(r() * 256), Math.floor(r() * 256)]); // a counter: fields across bytes
        else if (shape === 2) for (let j = 0; j < 8; j++) body[j] = r() < 0.5 ? 0x80 : 0x01; // a bit at each end of every byte
        else if (shape === 3) for (let j = 0; j < 8; j++) body[j] = Math.floor(r() * 256); // every bit: a byte-wise pass first
        else body[Math.floor(r() * 8)] = 1 << Math.floor(r() * 8);
        // A few keys repeat (versions), some are one byte shorter (equal after zero padding).
        keys.push(r() < 0.1 && keys.length > 0 ? keys[Math.floor(r() * keys.length)] : r() < 0.05 ? key.subarray(0, key.length - 1) : key);
      }
      expectSortedAsComparator(keys);
    }
  });

  test('groups of every size around the insertion sort and digit width bounds', () => {
    const r = rng(99);
    for (const n of [2, 31, 32, 33, 34, 63, 64, 65, 200, 1000, 2049, 5000]) {
      const bits = 1 + Math.floor(r() * 31);
      const keys = Array.from({ length: n }, () => {
        const value = Math.floor(r() * 2 ** bits);
        const key = new Uint8Array(9);
        key[0] = 0x42;
        new DataView(key.buffer).setUint32(1, Math.floor(value / 2 ** 8));
        key[5] = value & 0xff;
        return key;
      });
      expectSortedAsComparator(keys);
    }
  });
});
