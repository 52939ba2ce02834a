// The write workload of the lsm worker benches (background.ts,
// dump_memtables.ts): bench-vs-redis --aof's write tests as redis-benchmark
// sends them (100k commands each, -P 16, -r 100000), fed in process to a
// server's keyspace over an lsm engine of its own, round after round; the
// caller decides what happens to each full memtable.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommandLine } from "../../src/config/cli.ts";
import { Client } from "../../src/net/client.ts";
import { Server } from "../../src/server.ts";
import { LsmEngine } from "../../src/storage/lsm-engine/lsm-engine.ts";
import type { MemTable } from "../../src/storage/lsm/memtable.ts";

const PIPELINE = 16;
const KEYSPACE = 100_000;
const rand = () => Math.floor(Math.random() * KEYSPACE);
/** redis-benchmark's write tests, by name: each call makes one command's arguments. */
export const WORKLOAD_TESTS: [string, () => string[]][] = [
  ["set", () => ["SET", `key:${rand()}`, "xxx"]],
  ["incr", () => ["INCR", `counter:${rand()}`]],
  ["lpush", () => ["LPUSH", "mylist", "xxx"]],
  ["rpop", () => ["RPOP", "mylist"]],
  ["sadd", () => ["SADD", "myset", `element:${rand()}`]],
  ["hset", () => ["HSET", "myhash", `element:${rand()}`, "xxx"]],
  ["zadd", () => ["ZADD", "myzset", String(rand()), `element:${rand()}`]],
];
const encode = (argv: string[]) => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;

export interface WorkloadServer {
  dir: string;
  engine: LsmEngine;
  /** The DB's memtable, which a caller's full-memtable step reads (a private part of the DB). */
  memtable(): MemTable;
  /** Feeds `rounds` rounds of the tests; after each pipeline whose writes leave the memtable at memtableBytes or more, awaits onFull, and stops when it returns false. */
  feed(rounds: number, onFull: (round: number, test: string) => Promise<boolean>, onTestFed?: (round: number, test: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** A server (no sockets) over an lsm engine in a new dir whose memtables hold memtableBytes; flushes and compactions are the caller's. */
export async function openWorkloadServer(memtableBytes: number): Promise<WorkloadServer> {
  const dir = mkdtempSync(join(tmpdir(), "aikv-workload-"));
  const cli = parseCommandLine(["--save", "", "--engine", "lsm"], "bench");
  if (cli.kind === "exit") throw new Error("cli");
  const engine = await LsmEngine.open({
    dir,
    dbCount: 16,
    syncPolicy: "no",
    // Room past memtableBytes, where the callers cut; compactions are the callers' own.
    tuning: { memtableSize: memtableBytes + (8 << 20), l0CompactionTrigger: 1000, l0SlowdownTrigger: 1000, l0StopTrigger: 1000, fsync: false },
  });
  const server = new Server(cli.config, engine);
  const client = new Client(server, null, 1);
  const onData = (d: Uint8Array) => (server as unknown as { onData(c: Client, d: Uint8Array): void }).onData(client, d);
  const lsm = engine.lsm as unknown as { mem: MemTable };
  // The DB's first memtable takes shared memory only if the prefault worker makes it before writes fill
  // the memtable past a few pages (DB.prepareMemory): on a loaded machine, wait for it.
  for (let waited = 0; lsm.mem.shared() === null; waited += 20) {
    if (waited > 30_000) throw new Error("the first memtable got no shared memory in 30 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    dir,
    engine,
    memtable: () => lsm.mem,
    async feed(rounds, onFull, onTestFed) {
      for (let round = 0; round < rounds; round++) {
        for (const [test, make] of WORKLOAD_TESTS) {
          for (let b = 0; b < KEYSPACE / PIPELINE; b++) {
            onData(Buffer.from(Array.from({ length: PIPELINE }, () => encode(make())).join(""), "latin1"));
            if (b % 64 === 0) await new Promise((r) => setImmediate(r));
            if (lsm.mem.approximateSize >= memtableBytes && !(await onFull(round, test))) return;
          }
          onTestFed?.(round, test);
        }
      }
    },
    async close() {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
