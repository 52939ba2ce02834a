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

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SERVER_MEMTABLE_BYTES } from "../../src/storage/lsm-engine/cache-budget.ts";
import { memtableEntries, type MemTable } from "../../src/storage/lsm/memtable.ts";
import { ENTRY_HEADER } from "./memtable_dumps.ts";
import { openWorkloadServer } from "./workload.ts";

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const OUT = arg("dir", "/tmp/aikv-memtables");
const COUNT = Number(arg("count", "5"));

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
const workload = await openWorkloadServer(SERVER_MEMTABLE_BYTES);
let dumps = 0;
await workload.feed(3, async (round) => {
  const file = join(OUT, `mem-${dumps++}.bin`);
  writeFileSync(file, dumped(workload.memtable()));
  console.log(`${file}: the memtable of round ${round + 1}`);
  if (dumps === COUNT) return false;
  await workload.engine.lsm.flush();
  return true;
});
await workload.close();
process.exit(0);
