// A/B of two trees' Table.lookup on a list's pops from a table (not a test):
// a table shaped like a flush of redis-benchmark's LPUSH (one list's
// sub-keys [0x02][slot][length][name][version][position], 3-byte values,
// after some metadata keys), read as RPOP reads it: positions descending,
// from the tail, each once. Each tree opens its own copy of the table and
// the two are timed in turn (ABBA), in thread CPU ns per lookup; prints the
// medians and the median of the pairs' B/A ratios.
// --order=random reads the same positions shuffled (point reads that are not
// a streak: what the hints must not make slower).
//   bun bench/lsm/list_pops_ab.ts TREE_A TREE_B [--positions=200000] [--rounds=20] [--order=desc|asc|random]

import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { median, threadCpuNs } from "./measure.ts";

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const POSITIONS = Number(arg("positions", "200000"));
const ROUNDS = Number(arg("rounds", "20"));
const ORDER = arg("order", "desc");
const SEQ = 5;
const trees = process.argv.slice(2).filter((a) => !a.startsWith("--")).map((t) => resolve(t));
if (trees.length !== 2 || !["desc", "asc", "random"].includes(ORDER)) throw new Error("usage: list_pops_ab.ts TREE_A TREE_B [--positions=N] [--rounds=N] [--order=desc|asc|random]");

interface TreeModules {
  Table: typeof import("../../src/storage/lsm/table.ts").Table;
  TableBuilder: typeof import("../../src/storage/lsm/table_builder.ts").TableBuilder;
  format: typeof import("../../src/storage/lsm/table_format.ts");
  dbformat: typeof import("../../src/storage/lsm/dbformat.ts");
  bloomHash: typeof import("../../src/storage/lsm/bloom.ts").bloomHash;
}
const load = async (tree: string): Promise<TreeModules> => ({
  Table: (await import(join(tree, "src/storage/lsm/table.ts"))).Table,
  TableBuilder: (await import(join(tree, "src/storage/lsm/table_builder.ts"))).TableBuilder,
  format: await import(join(tree, "src/storage/lsm/table_format.ts")),
  dbformat: await import(join(tree, "src/storage/lsm/dbformat.ts")),
  bloomHash: (await import(join(tree, "src/storage/lsm/bloom.ts"))).bloomHash,
});
const mods = [await load(trees[0]), await load(trees[1])];

const enc = new TextEncoder();
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) at += (out.set(p, at), p.length);
  return out;
};
const u32 = (n: number): Uint8Array => Uint8Array.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const listPrefix = concat(Uint8Array.from([2, 0, 0, 0, 0]), u32(6), enc.encode("mylist"), Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 7]));
// LPUSH's positions count down from 0 (encoding.ts putPosition: high word + 2^31, low word).
const positionKey = (p: number): Uint8Array => concat(listPrefix, u32(Math.floor(p / 2 ** 32) + 2 ** 31), u32(p >>> 0));

const dir = mkdtempSync(join(tmpdir(), "aikv-list-pops-"));
try {
  const keys: Uint8Array[] = [];
  for (let i = 0; i < 1000; i++) keys.push(concat(Uint8Array.from([1, 0, 0, 0, 0]), u32(16), enc.encode(`key:${String(i).padStart(12, "0")}`)));
  const positions: Uint8Array[] = [];
  for (let i = 0; i < POSITIONS; i++) positions.push(positionKey(-1 - i));
  keys.push(...positions);
  keys.sort((a, b) => Buffer.compare(a, b));
  const path = join(dir, "000001.sst");
  const { TableBuilder, format, dbformat } = mods[0];
  const tb = TableBuilder.create(path, { blockSize: 4096, restartInterval: 16, bloomBitsPerKey: 10, compression: "none", formatVersion: format.FORMAT_VERSION });
  const value = enc.encode("xxx");
  for (const k of keys) tb.add(k, SEQ, dbformat.KIND_PUT, value);
  tb.finish();
  tb.close();
  copyFileSync(path, join(dir, "000002.sst"));
  // RPOP pops the tail: the oldest push, the highest position; reads go down from it.
  positions.sort((a, b) => (ORDER === "asc" ? 1 : -1) * Buffer.compare(a, b));
  if (ORDER === "random") {
    let seed = 12345;
    for (let i = positions.length - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (i + 1);
      [positions[i], positions[j]] = [positions[j], positions[i]];
    }
  }
  const reads = positions.map((k) => k.slice());
  const hashes = reads.map((k) => mods[0].bloomHash(k));
  const stats = { bytesRead: 0, blockReads: 0 };
  const tables = mods.map((m, i) => m.Table.open(join(dir, `00000${i + 1}.sst`), i + 1, null, stats));
  const lookups = mods.map((_, i) => {
    const table = tables[i];
    return (): number => {
      const t0 = threadCpuNs();
      for (let j = 0; j < reads.length; j++) if (!table.lookup(reads[j], SEQ, hashes[j])) throw new Error(`tree ${i}: position ${j} not found`);
      return (threadCpuNs() - t0) / reads.length;
    };
  });
  const ns: number[][] = [[], []];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    const pair = [0, 0];
    for (const t of order) pair[t] = lookups[t]();
    if (r < 2) continue; // JIT warm-up
    ns[0].push(pair[0]);
    ns[1].push(pair[1]);
    ratios.push(pair[1] / pair[0]);
  }
  console.log(`${reads.length} lookups (${ORDER}), ${tables[0].numBlocks} blocks: A ${median(ns[0]).toFixed(1)} B ${median(ns[1]).toFixed(1)} ns/lookup (medians of ${ns[0].length})  B/A ${median(ratios).toFixed(3)}`);
  for (const t of tables) t.unref();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
