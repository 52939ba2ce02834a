// The RESP parser's CPU per command, and the look ahead's (Server.prefetchKeys
// records each pipelined command's argument ranges before it runs), in
// process, for this tree's parser against another tree's: both are loaded
// and fed the same -P 16 batches in alternation (A B B A...), so the load on
// a shared machine falls on both alike; medians of the process's CPU time
// (time waiting for a core is not counted).
//
//   ./node_modules/.bin/bun bench/parse.ts OTHER_TREE [get,set,sadd,...] [rounds]
//
// "ahead": the look ahead records every command of a batch, then next() takes
// them (reads whose keys are prefetched); "next": next() alone (reads the
// look ahead stops early, RPOP mylist...). A tree from before scanFrame
// (e109c48 and earlier) is driven through scanArgs, as its server did.

import { join, resolve } from "node:path";

const other = resolve(process.argv[2] ?? ".");
const tests = (process.argv[3] ?? "get,set,sadd,hset").split(",");
const rounds = Number(process.argv[4] ?? 40);
const KEYSPACE = 100_000;
const rand = () => String(Math.floor(Math.random() * KEYSPACE)).padStart(12, "0");
const TESTS: Record<string, () => string[]> = {
  get: () => ["GET", `key:${rand()}`],
  set: () => ["SET", `key:${rand()}`, "xxx"],
  sadd: () => ["SADD", "myset", `element:${rand()}`],
  hset: () => ["HSET", "myhash", `element:${rand()}`, "xxx"],
  mset: () => ["MSET", ...Array.from({ length: 10 }, () => [`key:${rand()}`, "xxx"]).flat()],
};
const encode = (argv: string[]) => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;

/** The parser API both kinds of tree have, and the look ahead as each tree's server runs it. */
interface Parser {
  feed(chunk: Uint8Array): void;
  next(): Uint8Array[] | null;
  recycle(args: Uint8Array[], kept: number): void;
  detach(): void;
  scanFrame?(): boolean;
  framesAhead?: number;
  frameArgc?(f: number): number;
  argEnd?(f: number, i: number): number;
  scanArgs?(visit: (buf: Uint8Array, index: number, argc: number, start: number, end: number) => boolean): void;
}
let sink = 0;
const visit = (_buf: Uint8Array, _index: number, _argc: number, start: number, end: number) => {
  sink += end - start;
  return true;
};

async function load(tree: string): Promise<{ ahead: (batches: Uint8Array[]) => void; next: (batches: Uint8Array[]) => void }> {
  const { RespParser } = await import(resolve(tree, "src/net/resp-parser.ts"));
  const limits = { maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 };
  const lookAhead = (p: Parser) => {
    if (p.scanFrame === undefined) p.scanArgs!(visit);
    else for (let f = 0; f < p.framesAhead! || p.scanFrame(); f++) sink += p.argEnd!(f, p.frameArgc!(f) - 1);
  };
  // One function per tree and path, so each call site sees one parser class.
  const run = (p: Parser, ahead: boolean) => (batches: Uint8Array[]) => {
    for (const b of batches) {
      p.feed(b);
      if (ahead) lookAhead(p);
      for (let argv = p.next(); argv !== null; argv = p.next()) {
        sink += argv.length;
        p.recycle(argv, 0);
      }
      p.detach();
    }
  };
  return { ahead: run(new RespParser(limits), true), next: run(new RespParser(limits), false) };
}

const trees = [join(import.meta.dir, ".."), other];
const parsers = [await load(trees[0]), await load(trees[1])];
/** This process's CPU time in ns (getrusage: exact, unlike schedstat's, which lags a running thread by up to a tick). */
function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`ns per command, medians of ${rounds} rounds: this tree (A) and ${other} (B)`);
for (const test of tests) {
  const batches = Array.from({ length: 256 }, () => Buffer.from(Array.from({ length: 16 }, () => encode(TESTS[test]())).join(""), "latin1"));
  const line: string[] = [];
  for (const path of ["ahead", "next"] as const) {
    const ns: number[][] = [[], []];
    // The first rounds warm the JIT up: not counted.
    for (let r = -5; r < rounds; r++) {
      for (const t of r % 2 === 0 ? [0, 1] : [1, 0]) {
        const start = cpuNs();
        for (let k = 0; k < 10; k++) parsers[t][path](batches);
        if (r >= 0) ns[t].push((cpuNs() - start) / (10 * 256 * 16));
      }
    }
    const [a, b] = [median(ns[0]), median(ns[1])];
    line.push(`${path} A ${a.toFixed(0)} B ${b.toFixed(0)} A/B ${(a / b).toFixed(2)}`);
  }
  console.log(`${test.padEnd(5)} ${line.join(" | ")}`);
}
if (sink === 0) console.log("(nothing parsed)");
