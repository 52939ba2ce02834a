// Writes the memtables of background.ts's workload (bench-vs-redis's write
// tests: SET, INCR, LPUSH, RPOP, SADD, HSET, ZADD, 100k each, -P 16,
// -r 100000, three rounds, into the server's 32 MiB memtable) to files, for
// the A/B benches of single steps of a flush or compaction (sort_ab.ts,
// merge_ab.ts): each full memtable's entries in insertion order (a flush's
// input), one file each, DIR/mem-N.bin. An entry: key length and value
// length (uint16 LE each), sequence number (float64 LE), kind (uint8),
// 3 bytes of padding, then the key's and the value's bytes.
//
//   ./node_modules/.bin/bun bench/lsm/dump_memtables.ts [--dir=/tmp/aikv-memtables] [--count=5]

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommandLine } from "../../src/config/cli.ts";
import { Client } from "../../src/net/client.ts";
import { Server } from "../../src/server.ts";
import { SERVER_MEMTABLE_BYTES } from "../../src/storage/lsm-engine/cache-budget.ts";
import { LsmEngine } from "../../src/storage/lsm-engine/lsm-engine.ts";
import { memtableEntries, type MemTable } from "../../src/storage/lsm/memtable.ts";
import { ENTRY_HEADER } from "./memtable_dumps.ts";

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const OUT = arg("dir", "/tmp/aikv-memtables");
const COUNT = Number(arg("count", "5"));
const PIPELINE = 16;
const KEYSPACE = 100_000;
const rand = () => Math.floor(Math.random() * KEYSPACE);
const TESTS: (() => string[])[] = [
  () => ["SET", `key:${rand()}`, "xxx"],
  () => ["INCR", `counter:${rand()}`],
  () => ["LPUSH", "mylist", "xxx"],
  () => ["RPOP", "mylist"],
  () => ["SADD", "myset", `element:${rand()}`],
  () => ["HSET", "myhash", `element:${rand()}`, "xxx"],
  () => ["ZADD", "myzset", String(rand()), `element:${rand()}`],
];
const encode = (argv: string[]) => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;

/** A shared memtable's entries in this file's format. */
function dumped(memtable: MemTable): Buffer {
  const shared = memtable.shared();
  if (shared === null) throw new Error("the memtable is not in shared memory");
  const parts: Buffer[] = [];
  const fields: number[] = [];
  const arena = memtableEntries(shared, (keyStart, keyEnd, valueStart, valueEnd, seq, kind) => fields.push(keyStart, keyEnd, valueStart, valueEnd, seq, kind));
  for (let i = 0; i < fields.length; i += 6) {
    const [keyStart, keyEnd, valueStart, valueEnd, seq, kind] = fields.slice(i, i + 6);
    const header = Buffer.alloc(ENTRY_HEADER);
    header.writeUInt16LE(keyEnd - keyStart, 0);
    header.writeUInt16LE(valueEnd - valueStart, 2);
    header.writeDoubleLE(seq, 4);
    header.writeUInt8(kind, 12);
    parts.push(header, Buffer.from(arena.subarray(keyStart, keyEnd)), Buffer.from(arena.subarray(valueStart, valueEnd)));
  }
  return Buffer.concat(parts);
}

mkdirSync(OUT, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), "aikv-dump-"));
const cli = parseCommandLine(["--save", "", "--engine", "lsm"], "bench");
if (cli.kind === "exit") throw new Error("cli");
const engine = await LsmEngine.open({
  dir,
  dbCount: 16,
  syncPolicy: "no",
  tuning: { memtableSize: SERVER_MEMTABLE_BYTES + (8 << 20), l0CompactionTrigger: 1000, l0SlowdownTrigger: 1000, l0StopTrigger: 1000, fsync: false },
});
const server = new Server(cli.config, engine);
const client = new Client(server, null, 1);
const feed = (d: Uint8Array) => (server as unknown as { onData(c: Client, d: Uint8Array): void }).onData(client, d);
const lsm = engine.lsm as unknown as { mem: MemTable };
// As background.ts: the first memtable takes shared memory only if the prefault worker is in time.
for (let waited = 0; lsm.mem.shared() === null; waited += 20) {
  if (waited > 30_000) throw new Error("the first memtable got no shared memory in 30 s");
  await new Promise((r) => setTimeout(r, 20));
}
let dumps = 0;
feeding: for (let round = 0; round < 3; round++)
  for (const make of TESTS)
    for (let b = 0; b < KEYSPACE / PIPELINE; b++) {
      feed(Buffer.from(Array.from({ length: PIPELINE }, () => encode(make())).join(""), "latin1"));
      if (b % 64 === 0) await new Promise((r) => setImmediate(r));
      if (lsm.mem.approximateSize < SERVER_MEMTABLE_BYTES) continue;
      const file = join(OUT, `mem-${dumps++}.bin`);
      writeFileSync(file, dumped(lsm.mem));
      console.log(`${file}: the memtable of round ${round + 1}`);
      if (dumps === COUNT) break feeding;
      await engine.lsm.flush();
    }
await engine.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
