// What a point read of a table costs (not a test): a table shaped like the
// lsm engine's after a flush (metadata keys, then the sub-keys of a few
// collections: [0x02][slot][length][name][version][member], members
// `element:NNNNNN`, as redis-benchmark's SADD/HSET/ZADD write), then
// Table.findBlock (the index search) and Table.lookup (filter, index, data
// block) of random members, ns each. --range reads only that many members
// (hot blocks, in cache), to tell computing from waiting for memory.
// CPU-bound and in-process: run it in two trees, alternated, and compare medians.
//   bun bench/lsm/point_read.ts [--members=100000] [--range=100000]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bloomHash } from "../../src/storage/lsm/bloom.ts";
import { KIND_PUT, KIND_SEEK, trailerHi, trailerLo } from "../../src/storage/lsm/dbformat.ts";
import { Table } from "../../src/storage/lsm/table.ts";
import { TableBuilder } from "../../src/storage/lsm/table_builder.ts";
import { FORMAT_VERSION } from "../../src/storage/lsm/table_format.ts";

const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt);
const MEMBERS = arg("members", 100_000);
const RANGE = Math.min(arg("range", MEMBERS), MEMBERS);
const LOOKUPS = 1_000_000;
const ROUNDS = 3;
const SEQ = 1;

const enc = new TextEncoder();
const slotHead = (tag: number) => Uint8Array.from([tag, 0, 0, 0, 0]);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) at += (out.set(p, at), p.length);
  return out;
};
const u32 = (n: number) => Uint8Array.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const version = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 7]);
const subKeyPrefix = (name: string) => concat(slotHead(2), u32(name.length), enc.encode(name), version);
const memberKey = (prefix: Uint8Array, i: number) => concat(prefix, enc.encode(`element:${String(i).padStart(6, "0")}`));

const dir = mkdtempSync(join(tmpdir(), "aikv-point-read-"));
try {
  const keys: Uint8Array[] = [];
  for (let i = 0; i < MEMBERS; i++) keys.push(concat(slotHead(1), u32(16), enc.encode(`key:${String(i).padStart(12, "0")}`)));
  const prefixes = ["myhash", "mylist", "myset", "myzset"].map(subKeyPrefix);
  const members: Uint8Array[] = [];
  for (const prefix of prefixes) {
    for (let i = 0; i < MEMBERS; i++) {
      const k = memberKey(prefix, i);
      keys.push(k);
      if (prefix === prefixes[2]) members.push(k);
    }
  }
  keys.sort((a, b) => Buffer.compare(a, b));
  const path = join(dir, "000001.sst");
  const tb = TableBuilder.create(path, { blockSize: 4096, restartInterval: 16, bloomBitsPerKey: 10, compression: "none", formatVersion: FORMAT_VERSION });
  for (const k of keys) tb.add(k, SEQ, KIND_PUT, new Uint8Array(0));
  tb.finish();
  tb.close();
  const table = Table.open(path, 1, null, { bytesRead: 0, blockReads: 0 });
  // Spread over the set: with --range, every block of it still, but fewer keys per block.
  // In a shuffled order, read in turn: the blocks come at random, the keys (copies, allocated in that order) one after another.
  const picked = Array.from({ length: RANGE }, (_, i) => members[Math.floor((i * MEMBERS) / RANGE)]);
  let seed = 12345;
  for (let i = picked.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [picked[i], picked[j]] = [picked[j], picked[i]];
  }
  const reads = picked.map((k) => k.slice());
  const hashes = reads.map((k) => bloomHash(k));
  const hi = trailerHi(SEQ);
  const lo = trailerLo(SEQ, KIND_SEEK);
  const time = (name: string, read: (i: number) => boolean) => {
    const ns: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = Bun.nanoseconds();
      for (let i = 0; i < LOOKUPS; i++) if (!read(i % RANGE)) throw new Error(`${name}: member ${i % RANGE} not found`);
      ns.push((Bun.nanoseconds() - t0) / LOOKUPS);
    }
    console.log(`${name.padEnd(12)} ${ns.map((n) => n.toFixed(0).padStart(5)).join(" ")} ns (${ROUNDS} rounds)`);
  };
  console.log(`${keys.length} keys, ${table.numBlocks} blocks; reading ${RANGE} of ${MEMBERS} members of myset`);
  time("findBlock", (i) => table.findBlock(reads[i], hi, lo) < table.numBlocks);
  time("Table.lookup", (i) => table.lookup(reads[i], SEQ, hashes[i]));
  table.unref();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
