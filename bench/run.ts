// Throughput of AiKv against a real redis-server, side by side, using
// ../shared/tools/bench-vs-redis.sh (redis-benchmark, alternating rounds,
// medians). Not a test: numbers depend on the machine and never fail CI.
//
//   ./node_modules/.bin/bun bench/run.ts [extra bench-vs-redis.sh options, e.g. -n 100000 -k 1]
//
// Environment: AIKV_ENGINE (default memory), BENCH_TESTS (default set,get,incr,mset).

import { existsSync } from "node:fs";
import { join } from "node:path";
import { startAikv } from "../test/helpers/server.ts";

const script = join(import.meta.dir, "../../shared/tools/bench-vs-redis.sh");
if (!existsSync(script)) {
  console.error(`bench-vs-redis.sh not found at ${script} (expected ../shared/tools beside the repository)`);
  process.exit(2);
}
const engine = process.env.AIKV_ENGINE ?? "memory";
const tests = process.env.BENCH_TESTS ?? "set,get,incr,mset";
const extra = process.argv.slice(2);

const srv = await startAikv(["--engine", engine]);
const summary: string[] = [];
try {
  for (const pipeline of ["16", "1"]) {
    console.log(`\n== AiKv (${engine}) vs redis-server: -t ${tests} -P ${pipeline} ${extra.join(" ")}`);
    const run = Bun.spawn(["bash", script, String(srv.port), "-t", tests, "-P", pipeline, ...extra], { stdout: "pipe", stderr: "inherit" });
    const out = await new Response(run.stdout).text();
    process.stdout.write(out);
    if ((await run.exited) !== 0) throw new Error(`bench-vs-redis.sh exited with ${run.exitCode}`);
    const geomean = /geomean ratio ([\d.]+)/.exec(out)?.[1] ?? "?";
    summary.push(`-P ${pipeline.padEnd(2)}  geomean ratio ${geomean}  (AiKv ops/s ÷ redis ops/s; 1.00 = parity)`);
  }
  console.log(`\n== summary (${engine})\n${summary.join("\n")}`);
} finally {
  await srv.stop();
}
