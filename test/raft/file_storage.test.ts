import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";

// Generous: CI machines may be heavily loaded (fsync, CPU starvation).
setDefaultTimeout(60_000);
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CorruptLogError, FileStorage } from "../../src/raft/storage/file.ts";
import type { Entry } from "../../src/raft/types.ts";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "aikv-raft-fs-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const conf = { voters: [1, 2, 3], learners: [] };
const ent = (index: number, term: number, s = `e${index}`): Entry => ({ index, term, type: "normal", data: new TextEncoder().encode(s) });
const range = (lo: number, hi: number, term: number) => Array.from({ length: hi - lo + 1 }, (_, i) => ent(lo + i, term));
const all = (s: FileStorage) => s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity);

describe("FileStorage (segmented WAL with CRC)", () => {
  test("restart resumes exactly: entries, hard state, conf", () => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf });
    s.append(range(1, 10, 1));
    s.setHardState({ term: 3, vote: 2, commit: 7 });
    s.sync();
    s.close();
    const r = new FileStorage(d);
    expect(r.initialState()).toEqual({ hardState: { term: 3, vote: 2, commit: 7 }, confState: conf });
    expect(all(r)).toEqual(range(1, 10, 1));
    expect(r.term(10)).toBe(1);
  });

  test("conflicting appends truncate the suffix, also after replay", () => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf });
    s.append(range(1, 5, 1));
    s.append(range(3, 4, 2));
    s.sync();
    const r = new FileStorage(d);
    expect(all(r).map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 2],
    ]);
  });

  test("unsynced writes are lost on crash (nothing is acknowledged before fsync)", () => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf });
    s.append(range(1, 3, 1));
    s.sync();
    s.append(range(4, 6, 1)); // no sync: "crash" now (no close)
    const r = new FileStorage(d);
    expect(r.lastIndex()).toBe(3);
  });

  test("snapshot + compaction survive restart", () => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf });
    s.append(range(1, 20, 1));
    s.sync();
    s.createSnapshot(15, conf, new Uint8Array([1, 2, 3]));
    s.compact(12);
    const r = new FileStorage(d);
    expect(r.firstIndex()).toBe(13);
    expect(r.lastIndex()).toBe(20);
    expect(r.snapshot().meta.index).toBe(15);
    expect([...r.snapshot().data]).toEqual([1, 2, 3]);
    expect(r.term(12)).toBe(1);
  });

  test("a snapshot written off the event loop survives restart; a stale one is ignored", async () => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf });
    s.append(range(1, 20, 1));
    s.sync();
    expect((await s.createSnapshotAsync(15, conf, new Uint8Array([4, 5]))).meta).toEqual({ index: 15, term: 1, conf });
    expect((await s.createSnapshotAsync(10, conf, new Uint8Array([9]))).meta.index).toBe(15);
    s.compact(12);
    const r = new FileStorage(d);
    expect(r.snapshot().meta.index).toBe(15);
    expect([...r.snapshot().data]).toEqual([4, 5]);
    expect(r.firstIndex()).toBe(13);
  });

  test("a snapshot file left half-written by a crash is removed on restart", () => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf });
    s.close();
    writeFileSync(join(d, "snap-0000000000000042.snap.tmp"), new Uint8Array([1, 2, 3]));
    new FileStorage(d).close();
    expect(readdirSync(d).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  test("installed snapshot replaces the log, also after restart", () => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf });
    s.append(range(1, 10, 1));
    s.sync();
    s.applySnapshot({ meta: { index: 30, term: 4, conf }, data: new Uint8Array([9]) });
    s.append(range(31, 32, 4));
    s.sync();
    const r = new FileStorage(d);
    expect(r.firstIndex()).toBe(31);
    expect(all(r).map((e) => e.index)).toEqual([31, 32]);
    expect(r.snapshot().meta).toEqual({ index: 30, term: 4, conf });
  });

  test("segments roll over and old ones are deleted", () => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf, segmentBytes: 2000 });
    for (let i = 1; i <= 200; i++) {
      s.append([ent(i, 1, "x".repeat(50))]);
      s.setHardState({ term: 1, vote: 1, commit: i });
      s.sync();
      if (i % 50 === 0) {
        s.createSnapshot(i - 10, conf, new Uint8Array([i]));
        s.compact(i - 20);
      }
    }
    const segs = readdirSync(d).filter((f) => f.startsWith("wal-"));
    expect(segs.length).toBe(1);
    const r = new FileStorage(d);
    expect(r.lastIndex()).toBe(200);
    expect(r.firstIndex()).toBe(181);
    expect(r.initialState().hardState.commit).toBe(200);
    expect(r.snapshot().meta.index).toBe(190);
  });

  test("torn tail in the last segment is truncated", () => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf });
    s.append(range(1, 5, 1));
    s.sync();
    s.close();
    const seg = join(d, readdirSync(d).find((f) => f.startsWith("wal-"))!);
    appendFileSync(seg, new Uint8Array([0, 0, 1, 0, 7, 7, 7])); // half a record
    const r = new FileStorage(d);
    expect(r.lastIndex()).toBe(5);
    r.append(range(6, 6, 1));
    r.sync();
    r.close();
    expect(new FileStorage(d).lastIndex()).toBe(6);
  });

  test("appends overwrite a preallocated zero tail: the file grows a chunk at a time", () => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf });
    s.append(range(1, 1, 1));
    s.sync();
    const seg = join(d, readdirSync(d).find((f) => f.startsWith("wal-"))!);
    const size = statSync(seg).size;
    expect(size).toBeGreaterThanOrEqual(1 << 20);
    for (let i = 2; i <= 50; i++) {
      s.append(range(i, i, 1));
      s.sync();
    }
    expect(statSync(seg).size).toBe(size);
    s.close();
    // Restarts find the records' end in the zeros and keep appending there.
    const r = new FileStorage(d);
    expect(all(r)).toEqual(range(1, 50, 1));
    r.append(range(51, 60, 2));
    r.sync();
    r.close();
    expect(statSync(seg).size).toBe(size);
    expect(all(new FileStorage(d))).toEqual([...range(1, 50, 1), ...range(51, 60, 2)]);
  });

  test("a torn write in the zero tail is cut off, and later records are never followed by its leftovers", () => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf });
    s.append(range(1, 5, 1));
    s.sync();
    const seg = join(d, readdirSync(d).find((f) => f.startsWith("wal-"))!);
    const end = readFileSync(seg).findLastIndex((b) => b !== 0) + 1;
    // Two more records, unsynced, of which a crash kept only the second.
    s.append(range(6, 6, 1));
    s.append(range(7, 7, 1));
    s.sync();
    s.close();
    const whole = readFileSync(seg);
    const firstLen = 8 + ((whole[end]! << 24) | (whole[end + 1]! << 16) | (whole[end + 2]! << 8) | whole[end + 3]!);
    whole.fill(0, end, end + firstLen);
    writeFileSync(seg, whole);
    const r = new FileStorage(d);
    expect(r.lastIndex()).toBe(5);
    // A record of exactly the lost one's length would have put the kept
    // record right behind it again.
    r.append([ent(6, 2, "e6")]);
    r.sync();
    r.close();
    expect(all(new FileStorage(d))).toEqual([...range(1, 5, 1), ent(6, 2, "e6")]);
  });

  // Writes a damaged copy of the first segment as a fake older (sealed)
  // segment in front of the log: replay must report it.
  const expectCorruptSealedSegment = (damage: (seg: Uint8Array) => void) => {
    const d = tmp();
    const s = new FileStorage(d, { initialConf: conf, segmentBytes: 300 });
    for (let i = 1; i <= 20; i++) {
      s.append([ent(i, 1, "y".repeat(40))]);
      s.sync();
    }
    s.close();
    const segs = readdirSync(d).filter((f) => f.startsWith("wal-")).sort();
    const bad = new Uint8Array(readFileSync(join(d, segs[0]!)));
    damage(bad);
    writeFileSync(join(d, "wal-0000000000.log"), bad);
    expect(() => new FileStorage(d)).toThrow(CorruptLogError);
  };

  test("data after the zero tail of a sealed segment is reported as corruption", () => {
    expectCorruptSealedSegment((seg) => (seg[seg.length - 1] = 1));
  });

  test("checksum mismatch in a sealed segment is reported, not ignored", () => {
    expectCorruptSealedSegment((seg) => (seg[12] = seg[12]! ^ 0xff));
  });
});
