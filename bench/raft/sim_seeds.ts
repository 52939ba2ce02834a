// Long deterministic-simulation run: N seeds of test/raft/sim.ts (same
// configurations as the CI test, see simConfig), reporting progress and
// every failing seed with the command that replays it.
//   bun bench/raft/sim_seeds.ts --seeds 20000 [--from 1] [--steps 3000]
// Exit status 1 if any seed failed.
import { parseArgs } from "node:util";
import { Sim, simConfig } from "../../test/raft/sim.ts";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1000" },
    from: { type: "string", default: "1" },
    steps: { type: "string", default: "3000" },
    every: { type: "string", default: "100" }, // progress line every N seeds
  },
});
const from = Number(values.from);
const count = Number(values.seeds);
const steps = Number(values.steps);
const every = Number(values.every);

const failures: number[] = [];
let ops = 0;
let committed = 0;
const t0 = performance.now();
for (let seed = from; seed < from + count; seed++) {
  try {
    const r = new Sim(simConfig(seed, steps)).run();
    ops += r.history.length;
    committed += r.stats.committed;
  } catch (e) {
    failures.push(seed);
    console.log(`FAIL seed=${seed} steps=${steps}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    console.log(`  replay: AIKV_SIM_SEED=${seed} AIKV_SIM_STEPS=${steps} bun test test/raft/sim.test.ts`);
  }
  const done = seed - from + 1;
  if (done % every === 0 || done === count) {
    const s = (performance.now() - t0) / 1000;
    console.log(`seeds ${from}..${seed}: ${done} run, ${failures.length} failed, ${ops} client ops, ${committed} entries committed, ${s.toFixed(0)} s`);
  }
}
process.exit(failures.length > 0 ? 1 : 0);
