import { describe, expect, spyOn, test } from 'bun:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32c, maskCrc, unmaskCrc } from '../../../src/storage/lsm/crc32c.ts';
import { ByteReader, ByteWriter, getFixed32, getVarint, putFixed32, putVarint, varintOut, WordCopier } from '../../../src/storage/lsm/coding.ts';
import { BlockBuilder } from '../../../src/storage/lsm/block_builder.ts';
import { Block, blockGet } from '../../../src/storage/lsm/block.ts';
import { bloomHash, bloomMayContain, buildBloom, buildLegacyBloom } from '../../../src/storage/lsm/bloom.ts';
import { LogWriter } from '../../../src/storage/lsm/log_writer.ts';
import { BLOCK_SIZE, CRC32_TYPE_OFFSET, FIRST, FULL, HEADER_SIZE, LAST, MIDDLE } from '../../../src/storage/lsm/log_format.ts';
import { readLogFile } from '../../../src/storage/lsm/log_reader.ts';
import { MemTable, memtableEntries, memtableMemoryBytes, placeOut } from '../../../src/storage/lsm/memtable.ts';
import { compareRanges, sortKeys } from '../../../src/storage/lsm/key_sort.ts';
import { TableBuilder } from '../../../src/storage/lsm/table_builder.ts';
import { Table } from '../../../src/storage/lsm/table.ts';
import { FORMAT_VERSION, FORMAT_VERSION_CRC32C } from '../../../src/storage/lsm/table_format.ts';
import { LruCache } from '../../../src/storage/lsm/cache.ts';
import { compareInternal, encodeInternalKey, ikeySeq, KIND_DELETE, KIND_PUT, KIND_RANGE_DELETE, KIND_SEEK, lookupOut, trailerHi, trailerLo } from '../../../src/storage/lsm/dbformat.ts';
import { FragmentedRangeDels } from '../../../src/storage/lsm/range_del.ts';
import { VersionEdit } from '../../../src/storage/lsm/version_edit.ts';
import { forEachRangeInBatch, OP_FIELDS, WriteBatch } from '../../../src/storage/lsm/write_batch.ts';
import { b, rmrf, rng, s, tempDir } from './helpers.ts';

describe('crc32c', () => {
  test('known vectors', () => {
    expect(crc32c(b('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    const inc = new Uint8Array(32).map((_, i) => i);
    expect(crc32c(inc)).toBe(0x46dd794e);
  }, 60_000);
  test('mask roundtrip', () => {
    const c = crc32c(b('foo'));
    expect(maskCrc(c)).not.toBe(c);
    expect(unmaskCrc(maskCrc(c))).toBe(c);
  }, 60_000);
  test('mask is an int32 of LevelDB\'s masked bits, stored and read back', () => {
    const buf = new Uint8Array(4);
    for (const c of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, crc32c(b('foo')), crc32c(b('123456789'))]) {
      const m = maskCrc(c);
      expect(m).toBe(m | 0);
      expect(m >>> 0).toBe(((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) % 2 ** 32);
      expect(unmaskCrc(m)).toBe(c);
      putFixed32(buf, 0, m);
      expect(unmaskCrc(getFixed32(buf, 0))).toBe(c);
    }
  }, 60_000);
});

describe('coding', () => {
  test('varint roundtrip incl. large values', () => {
    const buf = new Uint8Array(16);
    for (const v of [0, 1, 127, 128, 300, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]) {
      const end = putVarint(buf, 0, v);
      expect(getVarint(buf, 0)).toBe(true);
      expect(varintOut.value).toBe(v);
      expect(varintOut.offset).toBe(end);
    }
  }, 60_000);
  test('writer/reader', () => {
    const w = new ByteWriter(1);
    w.fixed64(2 ** 40 + 5);
    w.lenBytes(b('hello'));
    const r = new ByteReader(w.finish());
    expect(r.fixed64()).toBe(2 ** 40 + 5);
    expect(s(r.lenBytes())).toBe('hello');
    expect(r.eof()).toBe(true);
  }, 60_000);
  test('WordCopier copies every range as a byte loop does: any offsets and lengths, large and small sources, views, destinations and sources that change', () => {
    const rand = rng(7);
    const int = (n: number): number => Math.floor(rand() * n);
    const large = new Uint8Array(4096).map(() => int(256));
    const sources = [large, large.subarray(3, 3000), new Uint8Array(100).map(() => int(256)), new Uint8Array(1500).map(() => int(256))];
    const destinations = [new Uint8Array(8192), new Uint8Array(new SharedArrayBuffer(8192)).subarray(5)];
    const copier = new WordCopier();
    for (let i = 0; i < 3000; i++) {
      const src = sources[int(sources.length)];
      const dst = destinations[int(destinations.length)];
      const start = int(src.length);
      const end = start + int(Math.min(80, src.length - start + 1));
      const at = int(dst.length - 80);
      const expected = dst.slice();
      for (let j = start; j < end; j++) expected[at + j - start] = src[j];
      copier.copy(dst, at, src, start, end);
      expect(dst).toEqual(expected);
    }
  }, 60_000);
});

describe('internal keys', () => {
  test('ordering: user key asc, seq desc', () => {
    const a = encodeInternalKey(b('a'), 5, KIND_PUT);
    const a2 = encodeInternalKey(b('a'), 7, KIND_PUT);
    const bb = encodeInternalKey(b('b'), 1, KIND_PUT);
    expect(compareInternal(a2, a)).toBeLessThan(0);
    expect(compareInternal(a, bb)).toBeLessThan(0);
    expect(ikeySeq(encodeInternalKey(b('x'), 2 ** 50 + 3, KIND_DELETE))).toBe(2 ** 50 + 3);
  }, 60_000);
});

describe('block', () => {
  test('build, seek, iterate both ways', () => {
    const bb = new BlockBuilder(4);
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) keys.push(encodeInternalKey(b('key' + String(i).padStart(3, '0')), 1000 - i, KIND_PUT));
    for (const k of keys) bb.add(k, k.length, b('v' + s(k.subarray(0, k.length - 8))));
    const block = new Block(bb.finish().slice(), 'x', 0);
    const it = block.iterator();
    it.seekToFirst();
    let n = 0;
    while (it.valid()) {
      expect(compareInternal(it.ikey, keys[n])).toBe(0);
      n++;
      it.next();
    }
    expect(n).toBe(100);
    it.seekToLast();
    n = 99;
    while (it.valid()) {
      expect(compareInternal(it.ikey, keys[n])).toBe(0);
      n--;
      it.prev();
    }
    expect(n).toBe(-1);
    it.seekParts(b('key050'), 2000, 0xff);
    expect(s(it.uk)).toBe('key050');
    expect(s(it.value())).toBe('vkey050');
    it.seekParts(b('key0505'), 2000, 0xff);
    expect(s(it.uk)).toBe('key051');
    it.seekParts(b('zzz'), 2000, 0xff);
    expect(it.valid()).toBe(false);
  }, 60_000);

  test('a builder reused across blocks (reset): every restart point of each, more than its first restart array holds', () => {
    const bb = new BlockBuilder(1);
    for (const [count, prefix] of [[300, 'a'], [5, 'b'], [130, 'c']] as const) {
      const keys: Uint8Array[] = [];
      for (let i = 0; i < count; i++) keys.push(encodeInternalKey(b(prefix + String(i).padStart(4, '0')), 7, KIND_PUT));
      for (const k of keys) bb.add(k, k.length, b('v' + s(k.subarray(0, k.length - 8))));
      const contents = bb.finish().slice();
      // One restart per entry: count offsets, then their number.
      expect(getFixed32(contents, contents.length - 4)).toBe(count);
      expect(bb.currentSizeEstimate()).toBe(contents.length + 4 * count + 4);
      const block = new Block(contents, 'x', 0);
      for (const k of keys) {
        const user = k.subarray(0, k.length - 8);
        expect(blockGet(block, user, trailerHi(100), trailerLo(100, KIND_SEEK)), s(user)).toBe(true);
        expect(s(lookupOut.buf.subarray(lookupOut.voff, lookupOut.voff + lookupOut.vlen))).toBe('v' + s(user));
      }
      bb.reset();
      expect(bb.currentSizeEstimate()).toBe(8);
    }
  });
});

describe('bloom', () => {
  const n = 10000;
  const hashes = new Uint32Array(n);
  for (let i = 0; i < n; i++) hashes[i] = bloomHash(b('key' + i));
  const falsePositives = (f: Uint8Array) => {
    let fp = 0;
    for (let i = 0; i < n; i++) if (bloomMayContain(f, bloomHash(b('other' + i)))) fp++;
    return fp / n;
  };

  test("bloomHash is LevelDB's Hash (the filters of existing tables were built with it)", () => {
    // Values of the unsigned 32-bit arithmetic it replaced: every length of tail (0-3 bytes), high bytes.
    const inputs = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'hello, world', '\xff\xfe\xfd\xfc\xfb\xfa\xf9'];
    expect(inputs.map((s) => bloomHash(Uint8Array.from(s, (c) => c.charCodeAt(0))))).toEqual([
      3164544308, 678337968, 967615280, 2237464879, 3116905299, 1104331373, 375918613, 491080352,
    ]);
  });

  for (const [name, build] of [['cache-local (written)', buildBloom], ['LevelDB (older tables)', buildLegacyBloom]] as const) {
    test(`${name}: no false negatives, ~1% false positives at 10 bits/key`, () => {
      const f = build(hashes, n, 10);
      for (let i = 0; i < n; i++) expect(bloomMayContain(f, hashes[i])).toBe(true);
      expect(falsePositives(f)).toBeLessThan(0.02);
    });
  }

  test('cache-local: a key sets bits of one 64-byte line only', () => {
    for (let i = 0; i < 100; i++) {
      const f = buildBloom([hashes[i]], 1, 5120); // 10 lines for one key
      expect(f.length).toBe(10 * 64 + 2);
      expect(f[f.length - 1]).toBe(0x80);
      const lines = new Set<number>();
      for (let at = 0; at < f.length - 2; at++) if (f[at] !== 0) lines.add(at >> 6);
      expect(lines.size).toBe(1);
    }
  });

  test('an unknown filter encoding passes every key', () => {
    const f = buildBloom(hashes, n, 10);
    f[f.length - 1] = 0x81;
    expect(falsePositives(f)).toBe(1);
  });
});

describe('log', () => {
  test('roundtrip with fragmentation across 32KiB blocks', () => {
    const dir = tempDir();
    try {
      const p = path.join(dir, '000001.log');
      const w = LogWriter.create(p);
      const r = rng(1);
      const recs: Uint8Array[] = [];
      for (let i = 0; i < 200; i++) {
        const len = i % 17 === 0 ? 70000 + Math.floor(r() * 10000) : Math.floor(r() * 300);
        const d = new Uint8Array(len).map(() => Math.floor(r() * 256));
        recs.push(d);
        w.addRecord(d);
        if (i % 10 === 0) w.flushToOs();
      }
      w.close();
      const res = readLogFile(p, 'strict');
      expect(res.records.length).toBe(200);
      for (let i = 0; i < 200; i++) expect(Buffer.compare(res.records[i].data, recs[i])).toBe(0);
      expect(res.tornTailAt).toBeUndefined();
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('writeRecord writes the staged bytes and a record unstaged (writev) as addRecord + flushToOs would, resuming after short writes', () => {
    const dir = tempDir();
    const realWritev = fs.writevSync;
    // Every third writev writes only part of its parts (as a full disk or a signal may): at most 1000 bytes.
    let calls = 0;
    const short = spyOn(fs, 'writevSync').mockImplementation((fd: number, parts: readonly NodeJS.ArrayBufferView[]) => {
      if (++calls % 3 !== 0) return realWritev(fd, parts);
      let budget = 1000;
      const partial: Uint8Array[] = [];
      for (const p of parts as Uint8Array[]) {
        if (budget === 0) break;
        partial.push(p.subarray(0, Math.min(budget, p.length)));
        budget -= partial[partial.length - 1].length;
      }
      return realWritev(fd, partial);
    });
    try {
      const staged = path.join(dir, '000001.log');
      const direct = path.join(dir, '000002.log');
      const a = LogWriter.create(staged);
      const w = LogWriter.create(direct);
      const r = rng(3);
      const recs: Uint8Array[] = [];
      for (let i = 0; i < 120; i++) {
        const len = i % 13 === 0 ? 70000 + Math.floor(r() * 10000) : Math.floor(r() * 6000); // some under WRITEV_MIN_BYTES (staged)
        const d = new Uint8Array(len + 20).map(() => Math.floor(r() * 256));
        recs.push(d.subarray(10, 10 + len));
        a.addRecord(d, 10, 10 + len);
        if (i % 4 === 0) {
          w.addRecord(d, 10, 10 + len); // staged, then written with the next writeRecord
        } else {
          a.flushToOs();
          w.writeRecord(d, 10, 10 + len);
          expect(w.pendingBytes).toBe(0);
          expect(w.writtenBytes).toBe(a.writtenBytes);
        }
      }
      a.close();
      w.close();
      expect(calls).toBeGreaterThan(30);
      expect(Buffer.compare(fs.readFileSync(direct), fs.readFileSync(staged))).toBe(0);
      const back = readLogFile(direct, 'strict').records;
      expect(back.map((x) => Buffer.from(x.data).toString('hex'))).toEqual(recs.map((x) => Buffer.from(x).toString('hex')));
    } finally {
      short.mockRestore();
      rmrf(dir);
    }
  }, 60_000);

  /** A log of LevelDB's fragments (types 1-4, CRC32C), as AiKv wrote before CRC32 fragments. */
  function crc32cLog(records: Uint8Array[]): Uint8Array {
    const out = new ByteWriter();
    for (const data of records) {
      let p = 0;
      do {
        const leftover = BLOCK_SIZE - (out.len % BLOCK_SIZE);
        if (leftover < HEADER_SIZE) for (let i = 0; i < leftover; i++) out.byte(0);
        const n = Math.min(data.length - p, BLOCK_SIZE - (out.len % BLOCK_SIZE) - HEADER_SIZE);
        const first = p === 0;
        const last = p + n === data.length;
        const typed = new Uint8Array(1 + n);
        typed[0] = first && last ? FULL : first ? FIRST : last ? LAST : MIDDLE;
        typed.set(data.subarray(p, p + n), 1);
        out.fixed32(maskCrc(crc32c(typed)));
        out.byte(n & 0xff);
        out.byte(n >>> 8);
        out.bytes(typed);
        p += n;
      } while (p < data.length);
    }
    return out.finish();
  }

  test('logs of CRC32C fragments (types 1-4) are still read; new fragments are types 5-8 with CRC32; a flipped byte fails either checksum', () => {
    const dir = tempDir();
    try {
      const r = rng(2);
      const recs = Array.from({ length: 300 }, (_, i) => new Uint8Array(i % 100 === 50 ? 70000 : 1 + ((i * 37) % 500)).map(() => Math.floor(r() * 256)));
      const old = path.join(dir, '000001.log');
      fs.writeFileSync(old, crc32cLog(recs));
      const read = readLogFile(old, 'strict');
      expect(read.records.map((x) => Buffer.from(x.data).toString('hex'))).toEqual(recs.map((x) => Buffer.from(x).toString('hex')));

      const p = path.join(dir, '000002.log');
      const w = LogWriter.create(p);
      for (const d of recs) w.addRecord(d);
      w.addRecord(new Uint8Array(BLOCK_SIZE * 2 + 100).fill(7)); // FIRST, MIDDLE, LAST
      w.close();
      const written = new Uint8Array(fs.readFileSync(p));
      expect(written[6]).toBe(FULL + CRC32_TYPE_OFFSET);
      const back = readLogFile(p, 'strict').records;
      expect(back.length).toBe(recs.length + 1);
      expect(back[recs.length].data).toEqual(new Uint8Array(BLOCK_SIZE * 2 + 100).fill(7));

      for (const [file, bytes] of [[old, crc32cLog(recs)], [p, written]] as const) {
        // A byte of the first record's data: valid records follow, so this is corruption, not a torn tail.
        const damaged = bytes.slice();
        damaged[HEADER_SIZE] ^= 0x10;
        fs.writeFileSync(file, damaged);
        expect(() => readLogFile(file, 'strict')).toThrow(/checksum mismatch/);
      }
    } finally {
      rmrf(dir);
    }
  }, 60_000);
});

describe('key sort', () => {
  test('sortKeys orders keys in several buffers as a comparator sort does: mixed columns, long shared prefixes, keys equal after zero padding, many versions of one key', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const r = rng(seed);
      const heads = ['\x01\0\0\0\0key:0000', '\x02\0\0\0\0a-forty-byte-collection-prefix-0123456789', '\0count:\0\0\0\0', 'z'];
      const keys: Uint8Array[] = [];
      for (let i = 0; i < 5000; i++) {
        const pick = r();
        // One key's versions (hundreds), a few of a key equal to it after zero padding.
        if (pick < 0.1) keys.push(b(heads[2] + (r() < 0.03 ? '\0' : '')));
        else {
          let key = heads[Math.floor(r() * heads.length)] + String(Math.floor(r() * (pick < 0.5 ? 100 : 1e8))).padStart(Math.floor(r() * 9), '0');
          if (r() < 0.05) key += '\0'.repeat(1 + Math.floor(r() * 3)); // equal to a shorter key after zero padding
          keys.push(b(key));
        }
      }
      // Spread over buffers at random offsets, as a flush's WAL records are.
      const buffers = [new Uint8Array(200_000), new Uint8Array(200_000), new Uint8Array(200_000)];
      const n = keys.length;
      const bufferOf = new Int32Array(n);
      const starts = new Int32Array(n);
      const ends = new Int32Array(n);
      const used = [0, 0, 0];
      keys.forEach((key, id) => {
        const buf = Math.floor(r() * 3);
        bufferOf[id] = buf;
        starts[id] = used[buf] + Math.floor(r() * 4);
        buffers[buf].set(key, starts[id]);
        ends[id] = starts[id] + key.length;
        used[buf] = ends[id];
      });
      const seqs = Float64Array.from({ length: n }, (_, id) => n - id + Math.floor(r() * 3) * n); // unique
      const versionOrder = (x: number, y: number): number => seqs[y] - seqs[x];
      const ids = Int32Array.from({ length: n }, (_, i) => i);
      sortKeys({ buffers, bufferOf, starts, ends, hi: new Int32Array(n), lo: new Int32Array(n), versionOrder }, ids);
      const want = Array.from({ length: n }, (_, i) => i).sort((x, y) => compareRanges(keys[x], 0, keys[x].length, keys[y], 0, keys[y].length) || versionOrder(x, y));
      expect(Array.from(ids)).toEqual(want);
    }
  }, 60_000);
});

describe('memtable', () => {
  test('versions and snapshot reads', () => {
    const m = new MemTable(1);
    m.add(b('a'), 1, KIND_PUT, b('1'));
    m.add(b('a'), 3, KIND_PUT, b('3'));
    m.add(b('a'), 5, KIND_DELETE, new Uint8Array(0));
    m.add(b('b'), 2, KIND_PUT, b('b2'));
    expect(m.get(b('a'), 2)!.value).toEqual(b('1'));
    expect(m.get(b('a'), 4)!.value).toEqual(b('3'));
    expect(m.get(b('a'), 9)!.kind).toBe(KIND_DELETE);
    expect(m.get(b('c'), 9)).toBeNull();
    const it = m.iterator();
    it.seekToLast();
    expect(s(it.userKey())).toBe('b');
    it.prev();
    expect(it.seq()).toBe(1);
  }, 60_000);

  test('sequence numbers above 2^32 order versions, answer snapshot reads and reach a flush worker whole (memtableEntries)', () => {
    const sizeLimit = 64 * 1024;
    const m = new MemTable(1, sizeLimit, new SharedArrayBuffer(memtableMemoryBytes(sizeLimit)));
    const seqs = [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 52 + 3];
    for (const seq of seqs) m.add(b('a'), seq, KIND_PUT, b(`v${seq}`));
    m.add(b('b'), 2 ** 31, KIND_PUT, b('b'));
    // In-place overwrite keeps the newest node and takes the new sequence.
    m.put(b('b'), 2 ** 45 + 7, KIND_PUT, b('c'), true);
    for (const seq of seqs) {
      const got = m.get(b('a'), seq)!;
      expect([got.seq, s(got.value)]).toEqual([seq, `v${seq}`]);
    }
    expect(m.get(b('a'), 2 ** 52)!.seq).toBe(2 ** 32 + 1);
    expect(m.get(b('a'), 2 ** 32 - 2)).toBeNull();
    expect(m.get(b('b'), Number.MAX_SAFE_INTEGER)!.seq).toBe(2 ** 45 + 7);
    const it = m.iterator();
    const order: number[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) order.push(it.seq());
    expect(order).toEqual([...seqs].reverse().concat([2 ** 45 + 7]));
    const shared: number[] = [];
    memtableEntries(m.shared()!, (_ks, _ke, _vs, _ve, seq) => shared.push(seq));
    expect(shared).toEqual([...seqs, 2 ** 45 + 7]);
  }, 60_000);

  test('the newest-version index across its growth, and prefetch of present and absent keys, agree with a model', () => {
    const m = new MemTable(1); // no size given: the index starts small and doubles
    const model = new Map<string, string>();
    const random = rng(11);
    const hashes = new Int32Array(16);
    for (let seq = 1; seq <= 20_000; seq++) {
      // A batch of 16 keys, as the engine prefetches them: some written, some never.
      if (seq % 16 === 1) {
        for (let i = 0; i < 16; i++) hashes[i] = bloomHash(b(`k${Math.floor(random() * 6000)}`)) | 0;
        m.prefetch(hashes, 16);
      }
      const key = `k${Math.floor(random() * 3000)}`;
      m.put(b(key), seq, KIND_PUT, b(`${seq}`), random() < 0.5);
      model.set(key, `${seq}`);
    }
    for (let i = 0; i < 6000; i++) {
      const got = m.get(b(`k${i}`), Number.MAX_SAFE_INTEGER);
      expect(got === null ? undefined : s(got.value)).toBe(model.get(`k${i}`));
    }
  }, 60_000);

  test.each([false, true])('ordered reads across the sorted run and the skiplist, with iterators kept across write bursts (arrays in given memory: %p)', (given) => {
    // Given memory: arrays sized for 64 KiB that outgrow it (copies in fresh memory).
    const newMemtable = (): MemTable => (given ? new MemTable(1, 64 * 1024, new SharedArrayBuffer(memtableMemoryBytes(64 * 1024))) : new MemTable(1));
    for (let seed = 1; seed <= 3; seed++) {
      const r = rng(seed);
      const m = newMemtable();
      // Keys with a long shared prefix, prefixes of each other, and differences past the 6 abbreviated bytes.
      const keyOf = (): string => ['', 'pre', 'prefix-0000', 'prefix-0000-long-tail-'][Math.floor(r() * 4)] + String(Math.floor(r() * 400)).padStart(Math.floor(r() * 4), '7');
      type Entry = { key: string; seq: number };
      const entries: Entry[] = [];
      const order = (x: Entry, y: Entry): number => (x.key < y.key ? -1 : x.key > y.key ? 1 : y.seq - x.seq);
      let seq = 0;
      const its: { it: ReturnType<MemTable['iterator']>; seen: Entry[] }[] = [];
      let sorted: Entry[] = [];
      for (let step = 0; step < 200; step++) {
        const burst = r() < 0.1 ? 300 + Math.floor(r() * 1500) : Math.floor(r() * 20);
        for (let i = 0; i < burst; i++) {
          const e = { key: keyOf(), seq: ++seq };
          entries.push(e);
          m.add(b(e.key), e.seq, KIND_PUT, b('v' + e.seq));
        }
        if (its.length === 0 || r() < 0.3) its.push({ it: m.iterator(), seen: [] });
        const slot = its[Math.floor(r() * its.length)];
        const { it } = slot;
        if (burst > 0) sorted = entries.slice().sort(order);
        const at = (): Entry | null => (it.valid() ? { key: s(it.userKey())!, seq: it.seq() } : null);
        const op = r();
        if (op < 0.4 || !it.valid()) {
          const target = { key: keyOf(), seq: Math.floor(r() * (seq + 2)) };
          if (op < 0.1) it.seekToFirst();
          else if (op < 0.2) it.seekToLast();
          else it.seek(b(target.key), target.seq);
          slot.seen = sorted;
          const want = op < 0.1 ? sorted[0] : op < 0.2 ? sorted[sorted.length - 1] : sorted.find((e) => order(e, target) >= 0);
          expect(at()).toEqual(want ?? null);
          if (it.valid()) expect(s(it.value())).toBe('v' + it.seq());
        } else {
          // A kept iterator moves to the neighbour among the entries it was positioned on, or to a newer entry in between.
          const cur = at()!;
          const forward = op < 0.7;
          if (forward) it.next();
          else it.prev();
          const got = at();
          const old = forward ? slot.seen.find((e) => order(e, cur) > 0) : slot.seen.findLast((e) => order(e, cur) < 0);
          if (got === null) expect(old).toBeUndefined();
          else {
            expect(entries.some((e) => e.key === got.key && e.seq === got.seq)).toBe(true);
            expect(forward ? order(got, cur) > 0 : order(got, cur) < 0).toBe(true);
            if (old !== undefined) expect(forward ? order(got, old) <= 0 : order(got, old) >= 0).toBe(true);
          }
        }
      }
      expect(m.generation).toBeGreaterThan(2); // the run was rebuilt under live iterators
      for (const { key } of entries.slice(-50)) {
        const newest = entries.filter((e) => e.key === key).at(-1)!;
        expect(m.get(b(key), seq)!.value).toEqual(b('v' + newest.seq));
        const older = entries.filter((e) => e.key === key && e.seq < newest.seq).at(-1);
        expect(m.get(b(key), newest.seq - 1)?.value).toEqual(older === undefined ? undefined : b('v' + older.seq));
      }
    }
  }, 60_000);

  test('while ordered reads come often, inserts join the order at once; after a quiet stretch they wait for the next read again', () => {
    const r = rng(11);
    const m = new MemTable(1);
    const keys: string[] = [];
    let seq = 0;
    const put = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const key = 'k:' + String(Math.floor(r() * 1e9)).padStart(9, '0');
        keys.push(key);
        m.add(b(key), ++seq, KIND_PUT, b('v'));
      }
    };
    const scan = (): string[] => {
      const it = m.iterator();
      const got: string[] = [];
      for (it.seekToFirst(); it.valid(); it.next()) got.push(s(it.userKey())!);
      return got;
    };
    const sorted = (): string[] => keys.slice().sort();
    put(16_000);
    expect(scan()).toEqual(sorted()); // a rebuild
    const afterRebuild = m.generation;
    // Reads every few hundred writes: linked as they come (no rebuild, and nothing left pending at the read).
    for (let round = 0; round < 20; round++) {
      put(300);
      expect(m.pendingCount).toBe(round === 0 ? 300 : 0); // the first of these reads turns linking on insert on
      expect(scan()).toEqual(sorted());
    }
    expect(m.generation).toBe(afterRebuild);
    // A write burst of over 1/16 of the memtable with no read: linking on insert stops, and the entries wait.
    put(3_000);
    expect(m.pendingCount).toBeGreaterThan(0);
    expect(scan()).toEqual(sorted());
  }, 60_000);

  test('a put at a place (overwritePlaced) overwrites only the entry its key last put there, while it is still that key\'s newest: puts by place and by key agree with a model', () => {
    const r = rng(23);
    const m = new MemTable(1); // small: the newest-version index grows, moving slots
    // Keys of one length (a place of another key passes the length check), a few of them shared by many puts.
    const keyOf = (i: number): string => 'key:' + String(i).padStart(5, '0');
    const model = new Map<string, string>();
    const places = new Map<string, { slot: number; node: number }>();
    const versions = new Map<string, number>();
    let seq = 0;
    let placedWrites = 0;
    let refused = 0;
    for (let op = 0; op < 40_000; op++) {
      const key = keyOf(r() < 0.5 ? Math.floor(r() * 50) : Math.floor(r() * 5000));
      // Values of 1-3 bytes: a longer one than the entry's does not fit in place.
      const value = 'v'.repeat(1 + Math.floor(r() * 3)) + (op % 10);
      const kb = b(key);
      const vb = b(value);
      // The place of this key, or (a wrong hint) of another key's or a made-up one.
      const which = r();
      const place = which < 0.8 ? places.get(key) : which < 0.9 ? places.get(keyOf(Math.floor(r() * 50))) : { slot: 2 * Math.floor(r() * 4096), node: 1 + Math.floor(r() * m.count) };
      // Now and then an insert that keeps the older version (a snapshot or iterator was open): the old place is then stale.
      const inPlace = r() < 0.9;
      if (place !== undefined && inPlace && m.overwritePlaced(place.slot, place.node, kb, 0, kb.length, vb, 0, vb.length, ++seq, KIND_PUT)) {
        placedWrites++;
        expect(places.get(key)).toEqual(place); // only the key's own place may be taken
      } else {
        if (place !== undefined && inPlace) refused++;
        m.putRange(kb, 0, kb.length, vb, 0, vb.length, ++seq, KIND_PUT, inPlace);
        if (placeOut.node !== 0) places.set(key, { slot: placeOut.slot, node: placeOut.node });
        else places.delete(key);
      }
      model.set(key, value);
      versions.set(key, seq);
    }
    expect(placedWrites).toBeGreaterThan(10_000);
    expect(refused).toBeGreaterThan(1_000);
    for (const [key, value] of model) {
      const got = m.get(b(key), seq)!;
      expect(s(got.value)).toBe(value);
      expect(got.seq).toBe(versions.get(key)!);
    }
    // Every version a put left stays in order for a flush (memtableEntries reads the nodes, the iterator the order).
    const it = m.iterator();
    let last = '';
    for (it.seekToFirst(); it.valid(); it.next()) {
      const key = s(it.userKey())!;
      if (key !== last) expect(s(it.value())).toBe(model.get(key)!);
      last = key;
    }
  }, 60_000);
});

describe('table', () => {
  test('point lookups agree with a model: keys that prefix one another, shared prefixes, several versions per key', () => {
    const dir = tempDir();
    try {
      for (const seed of [1, 2, 3]) {
        const r = rng(seed);
        const alphabet = [0x00, 0x61, 0x62, 0xff];
        const randomKey = () => Uint8Array.from({ length: Math.floor(r() * 7) }, () => alphabet[Math.floor(r() * alphabet.length)]);
        const hexOf = (k: Uint8Array) => Buffer.from(k).toString('hex');
        const keys = new Map<string, Uint8Array>();
        for (let i = 0; i < 400; i++) {
          const k = randomKey();
          keys.set(hexOf(k), k);
        }
        // And runs of keys with a long common prefix, as a collection's sub-keys (prefix ++ 8-byte position).
        for (let i = 0; i < 300; i++) {
          const k = new Uint8Array(20);
          k.fill(0x61, 0, 12);
          new DataView(k.buffer).setBigUint64(12, BigInt(i * (seed + 1)));
          keys.set(hexOf(k), k);
        }
        // User keys ascending (bytewise), each with 1-3 versions, newest first (internal key order).
        const sorted = [...keys.values()].sort((x, y) => Buffer.compare(x, y));
        const versions = new Map<string, number[]>();
        let seq = 1;
        for (const k of sorted) versions.set(hexOf(k), Array.from({ length: 1 + Math.floor(r() * 3) }, () => (seq += 1 + Math.floor(r() * 3))).reverse());
        const p = path.join(dir, `000009-${seed}.sst`);
        // Blocks of several restart intervals (the scan from a restart meets the next one's entry, whose shared length is 0).
        const tb = TableBuilder.create(p, { blockSize: 1024, restartInterval: 1 + seed * 2, bloomBitsPerKey: 10, compression: 'none', formatVersion: FORMAT_VERSION });
        // Some values of 128 bytes or more: their entry headers' varints take two bytes.
        const valueOf = (k: Uint8Array, v: number) => `${hexOf(k)}@${v}`.padEnd(v % 5 === 0 ? 200 : 0, '.');
        for (const k of sorted) for (const v of versions.get(hexOf(k))!) tb.add(k, v, KIND_PUT, b(valueOf(k, v)));
        tb.finish();
        tb.close();
        const t = Table.open(p, 9, null, { bytesRead: 0, blockReads: 0 });
        try {
          for (let i = 0; i < 3000; i++) {
            const k = i % 2 === 0 ? sorted[Math.floor(r() * sorted.length)] : randomKey();
            const snapshot = Math.floor(r() * (seq + 2));
            const want = versions.get(hexOf(k))?.find((v) => v <= snapshot);
            const got = t.get(k, snapshot);
            expect(got === null ? null : s(got.value)).toBe(want === undefined ? null : valueOf(k, want));
          }
        } finally {
          t.unref();
        }
      }
    } finally {
      rmrf(dir);
    }
  });

  test('point lookups agree with a model when runs of index keys share long prefixes (collections\' sub-keys) and the first block\'s keys share less than the index keys do', () => {
    const dir = tempDir();
    try {
      for (const seed of [1, 2, 3, 4]) {
        const r = rng(seed);
        const hexOf = (k: Uint8Array) => Buffer.from(k).toString('hex');
        const bytes = (...parts: (Uint8Array | string | number[])[]) => Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x) : Buffer.from(x))));
        // Every index key starts with head (as the engine's keys of one slot do); the table's first keys share less of it, or are shorter.
        const head = Uint8Array.from([0x02, 0, 0, 0, 0, 0, 0, 0, 5]);
        const keys = new Map<string, Uint8Array>();
        const add = (k: Uint8Array) => keys.set(hexOf(k), k);
        // (Not in the last: there the first block ends in a collection's members, so the index keys share all of head.)
        if (seed !== 4) for (let n = 0; n <= head.length; n++) add(head.subarray(0, n));
        // Below head, but with high bytes where the keys after them have low ones: a search that took them to share head would misplace them.
        add(bytes([0x01], new Uint8Array(40).fill(0xff)));
        add(bytes(head.subarray(0, 8), [4], new Uint8Array(30).fill(0xff)));
        for (let i = 0; i < 40; i++) add(bytes([0x01], Uint8Array.from({ length: 12 }, () => Math.floor(r() * 256))));
        // Collections: head ++ name ++ 8-byte version ++ member, members with decimal digits (one number in 6 bytes for whole runs of blocks).
        for (let c = 0; c < 4; c++) {
          const prefix = bytes(head, `${"abcd"[c]}set`, [0, 0, 0, 0, 0, 0, c, 7]);
          add(prefix);
          for (let i = 0; i < 150 * (seed + c); i++) {
            const member = bytes(prefix, `member-${String(Math.floor(r() * 1e6)).padStart(6 + (i % 3), '0')}`);
            add(member);
            // Members that prefix one another, and ones with zero bytes where others end.
            if (i % 17 === 0) add(bytes(member, [0]));
            if (i % 23 === 0) add(member.subarray(0, member.length - 1 - (i % 4)));
          }
          // After the members, keys that differ from them early, with the same first bytes after head: often in the block after the members' last one.
          for (let i = 0; i < 3; i++) add(bytes(prefix, `~${i}`));
        }
        const sorted = [...keys.values()].sort((x, y) => Buffer.compare(x, y));
        const versions = new Map<string, number[]>();
        let seq = 1;
        for (const k of sorted) versions.set(hexOf(k), Array.from({ length: 1 + Math.floor(r() * 2) }, () => (seq += 1 + Math.floor(r() * 3))).reverse());
        const p = path.join(dir, `000010-${seed}.sst`);
        // Restart interval 1 in some: the search of a block compares every kind of key there; large blocks in some: the first holds all the keys below head and a collection's first members.
        const tb = TableBuilder.create(p, { blockSize: 256 << seed, restartInterval: seed === 2 ? 6 : 1, bloomBitsPerKey: 10, compression: 'none', formatVersion: FORMAT_VERSION });
        const valueOf = (k: Uint8Array, v: number) => `${hexOf(k)}@${v}`;
        for (const k of sorted) for (const v of versions.get(hexOf(k))!) tb.add(k, v, KIND_PUT, b(valueOf(k, v)));
        tb.finish();
        tb.close();
        const t = Table.open(p, 10, null, { bytesRead: 0, blockReads: 0 });
        try {
          expect(t.numBlocks).toBeGreaterThan(20);
          for (let i = 0; i < 6000; i++) {
            let k = sorted[Math.floor(r() * sorted.length)];
            // Keys next to stored ones: a byte changed, cut short, or extended.
            const change = Math.floor(r() * 6);
            if (change === 0 && k.length > 0) {
              k = k.slice();
              k[Math.floor(r() * k.length)] += r() < 0.5 ? 1 : -1;
            } else if (change === 1) k = k.subarray(0, Math.floor(r() * k.length));
            else if (change === 2) k = bytes(k, [Math.floor(r() * 256)]);
            const snapshot = Math.floor(r() * (seq + 2));
            const want = versions.get(hexOf(k))?.find((v) => v <= snapshot);
            const got = t.get(k, snapshot);
            expect(got === null ? null : s(got.value), hexOf(k)).toBe(want === undefined ? null : valueOf(k, want));
          }
        } finally {
          t.unref();
        }
      }
    } finally {
      rmrf(dir);
    }
  });

  test('point lookups in a block whose keys share bytes of the last key\'s trailer (BlockBuilder.add, as tables before ec8a9b1) agree with a model', () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = rng(seed);
      // 0x01 is a PUT trailer's first byte: [0x10, 0x01...] shares two bytes with [0x10]'s internal key.
      const alphabet = [0x00, 0x01, 0x10];
      const hexOf = (k: Uint8Array) => Buffer.from(k).toString('hex');
      const keys = new Map<string, Uint8Array>();
      for (let i = 0; i < 150; i++) {
        const k = Uint8Array.from({ length: 1 + Math.floor(r() * 4) }, () => alphabet[Math.floor(r() * alphabet.length)]);
        keys.set(hexOf(k), k);
      }
      const sorted = [...keys.values()].sort((x, y) => Buffer.compare(x, y));
      const seqOf = (k: Uint8Array) => 1 + (k.length % 3);
      const valueOf = (k: Uint8Array) => `${hexOf(k)}`.padEnd(k.length === 2 ? 130 : 0, '.');
      const builder = new BlockBuilder(2 + seed * 3);
      for (const k of sorted) {
        const ikey = encodeInternalKey(k, seqOf(k), KIND_PUT);
        builder.add(ikey, ikey.length, b(valueOf(k)));
      }
      const block = new Block(builder.finish(), 'test', 0);
      for (const k of sorted) {
        expect(blockGet(block, k, trailerHi(1e6), trailerLo(1e6, KIND_SEEK)), hexOf(k)).toBe(true);
        expect(s(lookupOut.buf.subarray(lookupOut.voff, lookupOut.voff + lookupOut.vlen))).toBe(valueOf(k));
      }
      for (let i = 0; i < 300; i++) {
        const k = Uint8Array.from({ length: Math.floor(r() * 6) }, () => alphabet[Math.floor(r() * alphabet.length)]);
        expect(blockGet(block, k, trailerHi(1e6), trailerLo(1e6, KIND_SEEK)), hexOf(k)).toBe(keys.has(hexOf(k)));
      }
    }
  });

  test('a table is the same bytes whether its builder reuses buffers of a larger or an abandoned table, and whether its caller gives the shared prefixes', () => {
    const dir = tempDir();
    try {
      const opts = { blockSize: 512, restartInterval: 4, bloomBitsPerKey: 10, compression: 'none' as const };
      const key = (i: number) => b(`sub-key-prefix-${String(i).padStart(6, '0')}`);
      const build = (name: string, count: number, giveShared: boolean): Buffer => {
        const p = path.join(dir, name);
        const tb = TableBuilder.create(p, opts);
        let last: Uint8Array | null = null;
        for (let i = 0; i < count; i++) {
          const k = key(i);
          let shared = 0;
          if (last !== null) while (shared < k.length && shared < last.length && k[shared] === last[shared]) shared++;
          tb.add(k, 1000 - i, KIND_PUT, b(`v${i}`), k.length, 0, undefined, giveShared && last !== null ? shared : -1);
          last = k;
        }
        tb.finish();
        tb.close();
        return fs.readFileSync(p);
      };
      const fresh = build('000001.sst', 300, false);
      // A larger table first (its hashes and filter buffers stay larger than the next one needs), and one abandoned midway.
      build('000002.sst', 20_000, false);
      const big = TableBuilder.create(path.join(dir, '000003.sst'), opts);
      for (let i = 0; i < 5000; i++) big.add(key(i), 7, KIND_PUT, b('x'));
      big.abandon();
      expect(build('000004.sst', 300, false).equals(fresh)).toBe(true);
      expect(build('000005.sst', 300, true).equals(fresh)).toBe(true);
    } finally {
      rmrf(dir);
    }
  }, 60_000);

  test('keys out of internal-key order are refused; long keys sharing a prefix read back', () => {
    const dir = tempDir();
    try {
      const opts = { blockSize: 256, restartInterval: 4, bloomBitsPerKey: 10, compression: 'none' as const };
      const refused = (first: [string, number, number], second: [string, number, number]): void => {
        const tb = TableBuilder.create(path.join(dir, '000001.sst'), opts);
        tb.add(b(first[0]), first[1], first[2], b('v'));
        expect(() => tb.add(b(second[0]), second[1], second[2], b('v'))).toThrow('table keys out of order');
        tb.abandon();
      };
      refused(['b', 5, KIND_PUT], ['a', 9, KIND_PUT]); // a smaller key
      refused(['ab', 5, KIND_PUT], ['a', 9, KIND_PUT]); // a prefix of the last key
      refused(['a', 5, KIND_PUT], ['a', 6, KIND_PUT]); // a newer version after an older one
      refused(['a', 5, KIND_DELETE], ['a', 5, KIND_PUT]); // the same sequence number: kind descending
      refused(['a', 5, KIND_PUT], ['a', 5, KIND_PUT]); // the same entry twice
      // Keys that grow past the last key's buffer and share long prefixes, versions whose trailers share bytes, prefixes of
      // one another; in blocks of several entries and of one each (each entry then its block's first and its index separator).
      for (const blockSize of [256, 1]) {
        const p = path.join(dir, `00000${blockSize === 1 ? 3 : 2}.sst`);
        const tb = TableBuilder.create(p, { ...opts, blockSize });
        const want: [string, number][] = [];
        const long = 'x'.repeat(50);
        for (const k of ['a', 'ab', 'abc', long, long + 'y'.repeat(150), long + 'y'.repeat(150) + 'z', long + 'z']) {
          for (const seq of [0x1000002, 0x1000001, 0x3, 0x2]) {
            tb.add(b(k), seq, KIND_PUT, b(`${k.length}@${seq}`));
            want.push([k, seq]);
          }
        }
        tb.finish();
        tb.close();
        const t = Table.open(p, 2, null, { bytesRead: 0, blockReads: 0 });
        const it = t.iterator();
        const got: [string, number][] = [];
        for (it.seekToFirst(); it.valid(); it.next()) {
          got.push([Buffer.from(it.userKey()).toString(), it.seq()]);
          expect(s(it.value())).toBe(`${it.userKey().length}@${it.seq()}`);
        }
        it.close();
        expect(got).toEqual(want);
        // Point reads find each block by its index separator (the last key of the block).
        for (const [k, seq] of want) expect(s(t.get(b(k), seq)!.value)).toBe(`${k.length}@${seq}`);
        t.unref();
      }
    } finally {
      rmrf(dir);
    }
  });

  test('write and read back, with zstd, in both checksum formats', () => {
    const dir = tempDir();
    try {
      for (const [compression, formatVersion] of [['none', FORMAT_VERSION], ['zstd', FORMAT_VERSION], ['none', FORMAT_VERSION_CRC32C]] as const) {
        const p = path.join(dir, `000007-${compression}-${formatVersion}.sst`);
        const tb = TableBuilder.create(p, { blockSize: 1024, restartInterval: 16, bloomBitsPerKey: 10, compression, formatVersion });
        for (let i = 0; i < 5000; i++) tb.add(b('k' + String(i).padStart(5, '0')), 10 + i, i % 7 === 0 ? KIND_DELETE : KIND_PUT, i % 7 === 0 ? new Uint8Array(0) : b('value-' + i + '-'.repeat(20)));
        const { props } = tb.finish();
        tb.close();
        expect(props.numEntries).toBe(5000);
        const cache = new LruCache<Block>(1 << 20);
        const t = Table.open(p, 7, cache, { bytesRead: 0, blockReads: 0 });
        expect(s(t.get(b('k00043'), 1e9)!.value)).toBe('value-43' + '-'.repeat(20));
        expect(t.get(b('k00043'), 5)).toBeNull(); // newer than snapshot
        expect(t.get(b('k00049'), 1e9)!.kind).toBe(KIND_DELETE);
        expect(t.get(b('nope'), 1e9)).toBeNull();
        const it = t.iterator();
        let n = 0;
        for (it.seekToFirst(); it.valid(); it.next()) n++;
        expect(n).toBe(5000);
        it.seek(b('k04999'), 1e9);
        expect(s(it.userKey())).toBe('k04999');
        it.prev();
        expect(s(it.userKey())).toBe('k04998');
        it.close();
        t.unref();
        if (compression === 'zstd') expect(fs.statSync(p).size).toBeLessThan(fs.statSync(path.join(dir, `000007-none-${FORMAT_VERSION}.sst`)).size);
        // A flipped byte in the first data block fails its checksum in either format.
        const bytes = fs.readFileSync(p);
        bytes[10] ^= 1;
        fs.writeFileSync(p, bytes);
        const damaged = Table.open(p, 7, null, { bytesRead: 0, blockReads: 0 });
        expect(() => damaged.get(b('k00000'), 1e9)).toThrow('block checksum mismatch');
        damaged.unref();
      }
    } finally {
      rmrf(dir);
    }
  }, 60_000);
});

describe('range tombstone fragments', () => {
  test('covers respects seq and snapshot', () => {
    const f = new FragmentedRangeDels([
      { start: b('b'), end: b('f'), seq: 10 },
      { start: b('d'), end: b('h'), seq: 20 },
    ]);
    expect(f.covers(b('a'), 1, 100)).toBe(false);
    expect(f.covers(b('c'), 5, 100)).toBe(true);
    expect(f.covers(b('c'), 15, 100)).toBe(false);
    expect(f.covers(b('e'), 15, 100)).toBe(true);
    expect(f.covers(b('e'), 15, 19)).toBe(false);
    expect(f.covers(b('g'), 5, 15)).toBe(false);
    expect(f.covers(b('h'), 5, 100)).toBe(false);
  }, 60_000);
});

describe('version edit', () => {
  test('roundtrip', () => {
    const e = new VersionEdit();
    e.logNumber = 4;
    e.lastSequence = 2 ** 40;
    e.added.push({ level: 2, file: { number: 9, size: 100, smallest: encodeInternalKey(b('a'), 1, 1), largest: encodeInternalKey(b('z'), 2, 1), smallestSeq: 1, largestSeq: 2, cleanSeq: 3, numEntries: 5 } });
    e.deleted.push({ level: 1, number: 3 });
    e.addRangeDels.push({ seq: 7, start: b('a'), end: b('c') });
    e.removeRangeDels.push(6);
    const d = VersionEdit.decode(e.encode());
    expect(d.logNumber).toBe(4);
    expect(d.lastSequence).toBe(2 ** 40);
    expect(d.added[0].file.number).toBe(9);
    expect(d.deleted).toEqual([{ level: 1, number: 3 }]);
    expect(s(d.addRangeDels[0].end)).toBe('c');
    expect(d.removeRangeDels).toEqual([6]);
  }, 60_000);
});

test('WriteBatch.ops notes where each op\'s key and value are, as decoding the batch finds them (short and long parts, past its first capacity)', () => {
  const random = rng(5);
  const batch = new WriteBatch();
  const bytes = (n: number): Uint8Array => new Uint8Array(n).map(() => Math.floor(random() * 256));
  for (let round = 0; round < 3; round++) {
    batch.clear();
    const want: [number, number[], number[]][] = [];
    for (let i = 0; i < 40; i++) {
      const head = bytes(Math.floor(random() * 30));
      const rest = bytes(Math.floor(random() * (i % 7 === 0 ? 300 : 30)));
      const value = bytes(Math.floor(random() * (i % 5 === 0 ? 200 : 20)));
      const key = [...head, ...rest];
      const op = Math.floor(random() * 5);
      if (op === 0) batch.put(new Uint8Array(key), value);
      else if (op === 1) batch.putJoined(head, rest, value);
      else if (op === 2) batch.delete(new Uint8Array(key));
      else if (op === 3) batch.deleteJoined(head, rest);
      else batch.deleteRange(new Uint8Array(key), value);
      want.push([op === 4 ? KIND_RANGE_DELETE : op < 2 ? KIND_PUT : KIND_DELETE, key, op === 2 || op === 3 ? [] : [...value]]);
    }
    const rep = batch.rep.view();
    new DataView(rep.buffer).setUint32(8, batch.count, true); // the header's count, as DB.write fills it in
    const decoded: [number, number[], number[]][] = [];
    expect(forEachRangeInBatch(rep, (kind, ks, ke, vs, ve) => decoded.push([kind, [...rep.subarray(ks, ke)], [...rep.subarray(vs, ve)]]))).toBe(true);
    expect(decoded).toEqual(want);
    const noted: [number, number[], number[]][] = [];
    for (let i = 0; i < batch.count; i++) {
      const [kind, ks, ke, vs, ve] = batch.ops.subarray(i * OP_FIELDS, (i + 1) * OP_FIELDS);
      noted.push([kind, [...rep.subarray(ks, ke)], [...rep.subarray(vs, ve)]]);
    }
    expect(noted).toEqual(want);
  }
});

test('WriteBatch putJoined/deleteJoined encode as put/delete of the joined key; ByteWriter.bytes copies a buffer\'s bytes but a few at its ends', () => {
  const joined = new WriteBatch().putJoined(b('ab'), b('cde'), b('v')).deleteJoined(b('x'), b('yz'));
  const whole = new WriteBatch().put(b('abcde'), b('v')).delete(b('xyz'));
  expect(joined.count).toBe(2);
  expect(joined.rep.view()).toEqual(whole.rep.view());
  const w = new ByteWriter(4);
  const src = new Uint8Array(300).map((_, i) => i);
  w.bytes(src, 0, 70);
  w.bytes(src, 0, 3);
  w.bytes(src, 5, 6);
  w.bytes(src, 12, 100); // copied whole over the last 12 bytes written, which are put back
  w.bytes(src, 200, 290);
  expect([...w.view()]).toEqual([...src.subarray(0, 70), 0, 1, 2, 5, ...src.subarray(12, 100), ...src.subarray(200, 290)]);
  const fresh = new ByteWriter(4);
  fresh.bytes(src, 12, 20); // fewer bytes written than skipped: a plain copy
  expect([...fresh.view()]).toEqual([...src.subarray(12, 20)]);
});
