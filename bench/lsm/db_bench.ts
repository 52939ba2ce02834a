/**
 * db_bench-style benchmark: the LSM engine vs bun:sqlite (WAL mode) in the same run.
 *
 *   bun bench/lsm/db_bench.ts [--num=1000000] [--value_size=100] [--sync=no|everysec|always]
 *       [--benchmarks=fillseq,fillrandom,overwrite,readrandom,readmissing,seekrandom,readwhilewriting]
 *       [--engines=lsm,sqlite] [--compression=none|zstd] [--dir=/tmp/...] [--reads=N]
 *       [--use_existing_db=1 (with --dir: reads only, on the stores of an earlier run)]
 *       [--lsm_options='{"memtableSize":67108864}' (DBOptions overriding the library's defaults, for A/B runs)]
 *
 * Keys are 16 bytes, values `value_size` bytes (half random, half zeros, like
 * db_bench's compressible values). The sqlite puts between two ticks (about
 * 1024) share one transaction: the equivalent of the LSM's group commit
 * (all writes of one event-loop turn share one WAL write and one fsync).
 */
import { Database } from 'bun:sqlite';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { open } from '../../src/storage/lsm/index.ts';
import type { DB } from '../../src/storage/lsm/db.ts';
import type { DBOptions } from '../../src/storage/lsm/options.ts';
import { mulberry32 } from '../../src/util/prng.ts';

const args = new Map<string, string>();
for (const a of process.argv.slice(2)) {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  if (m) args.set(m[1], m[2]);
}
const NUM = Number(args.get('num') ?? 1_000_000);
const READS = Number(args.get('reads') ?? Math.min(NUM, 200_000));
const VALUE_SIZE = Number(args.get('value_size') ?? 100);
const SYNC = (args.get('sync') ?? 'no') as 'no' | 'everysec' | 'always';
const BENCHES = (args.get('benchmarks') ?? 'fillseq,fillrandom,overwrite,readrandom,readmissing,seekrandom,readwhilewriting').split(',');
const ENGINES = (args.get('engines') ?? 'lsm,sqlite').split(',');
const COMPRESSION = (args.get('compression') ?? 'none') as 'none' | 'zstd';
const ROOT = args.get('dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aikv-bench-'));
/** Like db_bench's --use_existing_db: run the read workloads on the stores a previous run with --dir left behind (no fills). */
const USE_EXISTING = args.get('use_existing_db') === '1';
const LSM_OPTIONS = JSON.parse(args.get('lsm_options') ?? '{}') as DBOptions;

// Deterministic PRNG so both engines see the same key order.
const rng = mulberry32;

function keyOf(i: number, out = new Uint8Array(16)): Uint8Array {
  // 16 ASCII digits, like db_bench's "%016d".
  let x = i;
  for (let p = 15; p >= 0; p--) {
    out[p] = 48 + (x % 10);
    x = Math.floor(x / 10);
  }
  return out;
}
function missingKeyOf(i: number): Uint8Array {
  const k = keyOf(i);
  k[15] = 0x2e; // '.' sorts between digits' neighbours: never written
  return k;
}

const valuePool = new Uint8Array(1 << 20);
{
  const r = rng(7);
  for (let i = 0; i < valuePool.length; i++) valuePool[i] = i % 100 < 50 ? Math.floor(r() * 256) : 0;
}
function valueOf(i: number): Uint8Array {
  const off = (i * 7919) % (valuePool.length - VALUE_SIZE);
  return valuePool.subarray(off, off + VALUE_SIZE);
}

function permutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const r = rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

interface Engine {
  name: string;
  put(k: Uint8Array, v: Uint8Array): void;
  get(k: Uint8Array): Uint8Array | undefined | null;
  seek(k: Uint8Array): Uint8Array | undefined;
  /** Called once per ~1000 ops: lets group commit / background work run. */
  tick(): Promise<void>;
  finishWrites(): Promise<void>;
  close(): Promise<void>;
  extra(): string;
}

async function openLsm(dir: string): Promise<Engine> {
  const db: DB = await open(dir, { syncPolicy: SYNC, compression: COMPRESSION, compactionMode: 'worker', ...LSM_OPTIONS });
  return {
    name: 'lsm',
    put: (k, v) => db.put(k, v),
    get: (k) => db.get(k),
    seek: (k) => {
      // A fresh iterator per seek, as db_bench's seekrandom: one kept for the
      // whole phase would pin the version it was made on (with the L0 backlog
      // the fills left) long after compactions replaced it.
      const it = db.iterator();
      it.seek(k);
      const v = it.valid() ? it.value() : undefined;
      it.close();
      return v;
    },
    tick: async () => {
      if (SYNC === 'always') await db.whenDurable();
      else await new Promise((r) => setImmediate(r));
      if (db.writeStall === 'stop') await db.whenWritable();
    },
    finishWrites: async () => {
      await db.whenDurable();
    },
    close: () => db.close(),
    extra: () => {
      const st = db.stats();
      const lv = st.levels
        .filter((l) => l.files > 0)
        .map((l) => `L${l.level}:${l.files}f/${(l.bytes / 1048576).toFixed(1)}MB`)
        .join(' ');
      return `WA=${st.writeAmplification.toFixed(2)} ${lv} cacheHit=${(st.blockCache.hitRate * 100).toFixed(1)}% stall=${st.stallMs.toFixed(0)}ms compactions=${st.compactions}+${st.trivialMoves}mv`;
    },
  };
}

function openSqlite(dir: string): Engine {
  fs.mkdirSync(dir, { recursive: true });
  const db = new Database(path.join(dir, 'bench.sqlite'));
  db.run('PRAGMA journal_mode = WAL');
  db.run(`PRAGMA synchronous = ${SYNC === 'always' ? 'FULL' : SYNC === 'everysec' ? 'NORMAL' : 'OFF'}`);
  db.run('PRAGMA cache_size = -65536'); // 64 MiB, same as the LSM block cache
  db.run('CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID');
  const put = db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
  const get = db.prepare('SELECT v FROM kv WHERE k = ?');
  const seek = db.prepare('SELECT v FROM kv WHERE k >= ? ORDER BY k LIMIT 1');
  let inTransaction = false;
  const commit = (): void => {
    if (!inTransaction) return;
    db.run('COMMIT');
    inTransaction = false;
  };
  return {
    name: 'sqlite',
    put: (k, v) => {
      if (!inTransaction) {
        db.run('BEGIN');
        inTransaction = true;
      }
      put.run(k, v);
    },
    get: (k) => (get.get(k) as { v: Uint8Array } | null)?.v,
    seek: (k) => (seek.get(k) as { v: Uint8Array } | null)?.v,
    tick: () => {
      commit();
      return new Promise((r) => setImmediate(r));
    },
    finishWrites: async () => commit(),
    close: async () => {
      commit();
      db.close();
    },
    extra: () => '',
  };
}

interface Result {
  ops: number;
  secs: number;
  /** Main-thread CPU seconds (excludes the flush/compaction workers). */
  cpuSecs: number;
  hist: hdr.Histogram;
  note: string;
}

/** CPU time of this thread: on a shared/loaded machine wall time mostly measures the scheduler. */
function threadCpu(): number {
  const p = process as unknown as { threadCpuUsage?: () => { user: number; system: number } };
  const u = p.threadCpuUsage ? p.threadCpuUsage() : process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function newHist(): hdr.Histogram {
  // Units of 100ns, up to 100 s.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 1_000_000_000, numberOfSignificantValueDigits: 3 });
}

async function runWrites(e: Engine, order: Uint32Array | null, n: number): Promise<Result> {
  const h = newHist();
  const t0 = performance.now();
  const c0 = threadCpu();
  for (let i = 0; i < n; i++) {
    const id = order === null ? i : order[i];
    const s = performance.now();
    e.put(keyOf(id), valueOf(id + i));
    h.recordValue(Math.max(1, Math.round((performance.now() - s) * 10000)));
    if ((i & 1023) === 1023) await e.tick();
  }
  await e.finishWrites();
  return { ops: n, secs: (performance.now() - t0) / 1000, cpuSecs: threadCpu() - c0, hist: h, note: '' };
}

async function runReads(e: Engine, n: number, kind: 'get' | 'missing' | 'seek'): Promise<Result> {
  const h = newHist();
  const r = rng(99);
  let found = 0;
  const t0 = performance.now();
  const c0 = threadCpu();
  for (let i = 0; i < n; i++) {
    const id = Math.floor(r() * NUM);
    const k = kind === 'missing' ? missingKeyOf(id) : keyOf(id);
    const s = performance.now();
    const v = kind === 'seek' ? e.seek(k) : e.get(k);
    h.recordValue(Math.max(1, Math.round((performance.now() - s) * 10000)));
    if (v !== undefined && v !== null) found++;
    if ((i & 4095) === 4095) await e.tick();
  }
  return { ops: n, secs: (performance.now() - t0) / 1000, cpuSecs: threadCpu() - c0, hist: h, note: `found=${found}` };
}

/** Writer and reader interleaved on one event loop; compaction runs in the worker meanwhile. */
async function runReadWhileWriting(e: Engine, n: number): Promise<Result> {
  const h = newHist();
  const r = rng(5);
  let writes = 0;
  const t0 = performance.now();
  const c0 = threadCpu();
  for (let i = 0; i < n; i++) {
    if ((i & 63) === 0) {
      for (let j = 0; j < 64; j++) {
        const id = Math.floor(r() * NUM);
        e.put(keyOf(id), valueOf(id + writes++));
      }
    }
    const id = Math.floor(r() * NUM);
    const s = performance.now();
    e.get(keyOf(id));
    h.recordValue(Math.max(1, Math.round((performance.now() - s) * 10000)));
    if ((i & 1023) === 1023) await e.tick();
  }
  await e.finishWrites();
  return { ops: n, secs: (performance.now() - t0) / 1000, cpuSecs: threadCpu() - c0, hist: h, note: `writes=${writes}` };
}

function fmt(r: Result): string {
  const us = (p: number) => (r.hist.getValueAtPercentile(p) / 10).toFixed(1);
  const cpuOps = Math.round(r.ops / Math.max(r.cpuSecs, 1e-9)).toLocaleString('en-US');
  return `${Math.round(r.ops / r.secs).toLocaleString('en-US').padStart(10)} ops/s (${cpuOps.padStart(9)} per main-thread CPU s)  p50=${us(50)}us p99=${us(99)}us p99.9=${us(99.9)}us max=${(r.hist.maxValue / 10).toFixed(0)}us ${r.note}`;
}

async function main(): Promise<void> {
  console.log(`db_bench: num=${NUM} reads=${READS} value_size=${VALUE_SIZE} sync=${SYNC} compression=${COMPRESSION} dir=${ROOT}`);
  if (args.has('lsm_options')) console.log(`lsm options: ${JSON.stringify(LSM_OPTIONS)}`);
  console.log(`bun ${Bun.version}, ${os.cpus().length} cpus, ${os.cpus()[0]?.model ?? '?'}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const results = new Map<string, Map<string, Result>>();
  const randOrder = permutation(NUM, 1);
  const overOrder = permutation(NUM, 2);
  for (const engName of ENGINES) {
    const res = new Map<string, Result>();
    results.set(engName, res);
    const mk = async (sub: string): Promise<Engine> => (engName === 'lsm' ? openLsm(path.join(ROOT, engName + '-' + sub)) : openSqlite(path.join(ROOT, engName + '-' + sub)));
    const report = (name: string, r: Result, e: Engine) => {
      res.set(name, r);
      console.log(`${engName.padEnd(7)} ${name.padEnd(17)} ${fmt(r)} ${e.extra()}`);
    };
    if (BENCHES.includes('fillseq') && !USE_EXISTING) {
      const e = await mk('seq');
      report('fillseq', await runWrites(e, null, NUM), e);
      await e.close();
    }
    const e = await mk('rand');
    if (BENCHES.some((b) => b !== 'fillseq') && !USE_EXISTING) report('fillrandom', await runWrites(e, randOrder, NUM), e);
    if (BENCHES.includes('overwrite') && !USE_EXISTING) report('overwrite', await runWrites(e, overOrder, NUM), e);
    if (BENCHES.includes('readrandom')) report('readrandom', await runReads(e, READS, 'get'), e);
    if (BENCHES.includes('readmissing')) report('readmissing', await runReads(e, READS, 'missing'), e);
    if (BENCHES.includes('seekrandom')) report('seekrandom', await runReads(e, READS, 'seek'), e);
    if (BENCHES.includes('readwhilewriting')) report('readwhilewriting', await runReadWhileWriting(e, READS), e);
    await e.close();
  }
  const lsm = results.get('lsm');
  const sq = results.get('sqlite');
  if (lsm && sq) {
    console.log('\nratio lsm/sqlite: wall-clock throughput | per main-thread CPU second');
    for (const [name, r] of lsm) {
      const o = sq.get(name);
      if (o) console.log(`  ${name.padEnd(17)} ${(r.ops / r.secs / (o.ops / o.secs)).toFixed(2)}x | ${(o.cpuSecs / r.cpuSecs).toFixed(2)}x`);
    }
  }
  if (!args.has('dir')) fs.rmSync(ROOT, { recursive: true, force: true });
}

await main();
