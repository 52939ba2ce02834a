// What a table's filter check costs on a database whose filters are far larger
// than the CPU caches (not a test): LevelDB's double-hashing filter (k probes
// anywhere in the filter, written by versions before the cache-local one)
// against the cache-local filter tables are written with now (every probe in
// one 64-byte line). Filters of --tables tables of --keys keys each (default
// 40 x 500k = 20M keys, ~25 MB of filters, as a 20M-key database's tables),
// then random lookups of keys that are in a table (positives, all k probes)
// and of keys that are not (negatives).
// Each filter is measured in its own process: in one process the second
// measured ran up to 2x slower (bloomMayContain's code compiled for the first).
//   bun bench/lsm/bloom.ts [--tables=40] [--keys=500000]

import { bloomHash, bloomMayContain, buildBloom, buildLegacyBloom } from "../../src/storage/lsm/bloom.ts";

const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt);
const TABLES = arg("tables", 40);
const KEYS = arg("keys", 500_000);
const LOOKUPS = 2_000_000;
const ROUNDS = 3;

const FILTERS = { "legacy (LevelDB)": buildLegacyBloom, "cache-local": buildBloom };
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
if (only === undefined) {
  for (const name of Object.keys(FILTERS)) {
    const child = Bun.spawnSync([process.execPath, import.meta.path, ...process.argv.slice(2), `--only=${name}`], { stdout: "inherit", stderr: "inherit" });
    if (child.exitCode !== 0) process.exit(1);
  }
  process.exit(0);
}
const build = FILTERS[only as keyof typeof FILTERS];
if (build === undefined) throw new Error(`--only: one of ${Object.keys(FILTERS).join(", ")}`);

const enc = new TextEncoder();
const keyHash = (i: number) => bloomHash(enc.encode(`key:${String(i).padStart(12, "0")}`));
const tableHashes: Uint32Array[] = [];
for (let t = 0; t < TABLES; t++) {
  const h = new Uint32Array(KEYS);
  for (let i = 0; i < KEYS; i++) h[i] = keyHash(t * KEYS + i);
  tableHashes.push(h);
}
// Lookups: a random table and a key of it (positive) or a key of no table (negative).
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const lookupTable = new Uint32Array(LOOKUPS);
const positive = new Uint32Array(LOOKUPS);
const negative = new Uint32Array(LOOKUPS);
for (let i = 0; i < LOOKUPS; i++) {
  const t = Math.floor(rand() * TABLES);
  lookupTable[i] = t;
  positive[i] = tableHashes[t][Math.floor(rand() * KEYS)];
  negative[i] = keyHash(TABLES * KEYS + i);
}

{
  const name = only;
  const filters = tableHashes.map((h) => build(h, h.length, 10));
  const bytes = filters.reduce((s, f) => s + f.length, 0);
  const time = (hashes: Uint32Array) => {
    let best = Infinity;
    let hits = 0;
    for (let r = 0; r < ROUNDS; r++) {
      hits = 0;
      const t0 = performance.now();
      for (let i = 0; i < LOOKUPS; i++) if (bloomMayContain(filters[lookupTable[i]], hashes[i])) hits++;
      best = Math.min(best, performance.now() - t0);
    }
    return { ns: (best * 1e6) / LOOKUPS, rate: hits / LOOKUPS };
  };
  const pos = time(positive);
  const neg = time(negative);
  if (pos.rate !== 1) throw new Error(`${name}: a false negative`);
  console.log(
    `${name}: ${(bytes / 2 ** 20).toFixed(1)} MiB of filters; positive lookup ${pos.ns.toFixed(0)} ns, ` +
      `negative ${neg.ns.toFixed(0)} ns, false positives ${(neg.rate * 100).toFixed(2)} % (best of ${ROUNDS} x ${LOOKUPS} lookups)`,
  );
}
