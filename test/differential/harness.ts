// Differential testing: the same seeded command sequence goes to AiKv and to a
// real redis-server 7.0.15, and every reply must be identical (RESP type and
// value). A mismatch fails the test with the seed, the command index, both
// replies and a shrunk regression case written to the temp directory, ready to
// be copied into test/differential/regressions/.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENGINES, hasRedisServer, startAikv, startRedis, type RunningServer } from "../helpers/server.ts";
import { Gen, type CommandSpec, type Family } from "./gen/gen.ts";
import { TYPE_MAKERS } from "./gen/type-makers.ts";
import { render, RespClient, type Reply } from "./resp-client.ts";

/** Commands per pipelined batch sent to both servers. */
const BATCH = 200;
/** Share of commands that create keys of other types, so WRONGTYPE paths are hit. */
const TYPE_MAKER_SHARE = 0.06;
/** Every RESP3_EVERY-th seed runs after HELLO 3. */
const RESP3_EVERY = 4;
/** Time allowed to shrink a failing sequence, and how many failing seeds per family get shrunk. */
const SHRINK_BUDGET_MS = 10000;
const SHRINKS_PER_FAMILY = 2;

export const REDIS_MISSING = !hasRedisServer();

export interface Mismatch {
  index: number;
  argv: string[];
  aikv: string;
  redis: string;
}

/** A pair of servers under comparison, and which commands AiKv implements. */
export interface Targets {
  aikv: RunningServer;
  redis: RunningServer;
  /** Lower-case command names ("object|encoding" for subcommands) AiKv knows. */
  available: Set<string>;
}

/** A saved failing (or once failing) sequence, replayed on every run. */
export interface RegressionCase {
  family: string;
  note: string;
  resp: 2 | 3;
  /** Set while the bug is not fixed yet: a mismatch is reported but does not fail. */
  open?: string;
  commands: string[][];
}

export function warnIfRedisMissing(): void {
  if (REDIS_MISSING) {
    console.warn("\n!!!!!!!! redis-server NOT FOUND: differential tests are SKIPPED (apt-get install redis-server) !!!!!!!!\n");
  }
}

/** Asks AiKv which of `names` it implements: anything but "unknown command/subcommand" counts. */
export async function probeCommands(port: number, names: Iterable<string>): Promise<Set<string>> {
  const list = [...new Set(names)];
  const conn = await RespClient.connect(port);
  try {
    const replies = await conn.pipeline(list.map((n) => n.split("|")));
    const known = new Set<string>();
    replies.forEach((r, i) => {
      if (!(r.t === "error" && /^ERR unknown (command|subcommand)/.test(r.v))) known.add(list[i]);
    });
    return known;
  } finally {
    conn.close();
  }
}

/** The spec key a command belongs to: "object|encoding" when the family declares it, else the name. */
function specKey(argv: readonly string[], specs: Record<string, CommandSpec>): string {
  const name = (argv[0] ?? "").toLowerCase();
  if (argv.length > 1) {
    const sub = `${name}|${argv[1].toLowerCase()}`;
    if (sub in specs) return sub;
  }
  return name;
}

function allSpecs(family: Family): Record<string, CommandSpec> {
  return { ...TYPE_MAKERS, ...family.commands };
}

/** The seeded sequence of a family: its available commands plus a few type makers. */
export function generate(family: Family, seed: number, count: number, available: Set<string>, keyPrefix = ""): string[][] {
  const g = new Gen(seed, 10, keyPrefix);
  const skipped = new Set([...Object.keys(family.pending ?? {}), ...(process.env.DIFF_SKIP ?? "").split(",")]);
  const own = Object.entries(family.commands).filter(([name, spec]) => (spec.unprobed || available.has(name)) && !skipped.has(name));
  const makers = Object.entries(TYPE_MAKERS).filter(([name]) => available.has(name) && !skipped.has(name));
  if (own.length === 0) return [];
  const out: string[][] = [];
  for (let i = 0; i < count; i++) {
    const pool = makers.length > 0 && g.chance(TYPE_MAKER_SHARE) ? makers : own;
    const [, spec] = g.weighted(pool, ([, s]) => s.weight ?? 1);
    out.push(spec.gen(g));
  }
  return out;
}

function repliesEqual(spec: CommandSpec | undefined, a: Reply, b: Reply): boolean {
  const na = spec?.normalize ? spec.normalize(a) : a;
  const nb = spec?.normalize ? spec.normalize(b) : b;
  return spec?.equal ? spec.equal(na, nb) : render(na) === render(nb);
}

/** Connects to both servers and runs `setup` on each; an AiKv error in it is a mismatch at index -1. */
async function connectBoth(t: Targets, setup: string[][]): Promise<{ a: RespClient; b: RespClient; failed: Mismatch | null }> {
  const [a, b] = await Promise.all([RespClient.connect(t.aikv.port), RespClient.connect(t.redis.port)]);
  if (setup.length === 0) return { a, b, failed: null };
  const [ra] = await Promise.all([a.pipeline(setup), b.pipeline(setup)]);
  const i = ra.findIndex((r) => r.t === "error");
  return { a, b, failed: i < 0 ? null : { index: -1, argv: setup[i], aikv: render(ra[i]), redis: "(setup)" } };
}

/**
 * Runs a sequence on fresh connections to both servers (after HELLO 3 when
 * resp is 3, and FLUSHALL when AiKv has it) and returns the first mismatch.
 * With `restartAikv`, AiKv is restarted between batches (every reply of a
 * batch is in, so every write was acknowledged) and both servers get new
 * connections, so connection state (SELECT, HELLO) is reset on both alike.
 */
export async function runSequence(
  t: Targets,
  cmds: readonly string[][],
  resp: 2 | 3,
  specs: Record<string, CommandSpec>,
  restartAikv?: () => Promise<void>,
): Promise<Mismatch | null> {
  const hello: string[][] = resp === 3 ? [["HELLO", "3"]] : [];
  let { a, b, failed } = await connectBoth(t, t.available.has("flushall") ? [...hello, ["FLUSHALL"]] : hello);
  try {
    if (failed !== null) return failed;
    for (let start = 0; start < cmds.length; start += BATCH) {
      if (restartAikv !== undefined && start > 0) {
        a.close();
        b.close();
        await restartAikv();
        ({ a, b, failed } = await connectBoth(t, hello));
        if (failed !== null) return failed;
      }
      const batch = cmds.slice(start, start + BATCH);
      const [ra, rb] = await Promise.all([a.pipeline(batch), b.pipeline(batch)]);
      for (let i = 0; i < batch.length; i++) {
        if (!repliesEqual(specs[specKey(batch[i], specs)], ra[i], rb[i])) {
          return { index: start + i, argv: batch[i], aikv: render(ra[i]), redis: render(rb[i]) };
        }
      }
    }
    return null;
  } finally {
    a.close();
    b.close();
  }
}

/**
 * Greedy delta debugging: drops chunks of commands (halving the chunk size)
 * as long as the shortened sequence still shows a mismatch at its end.
 */
async function shrink(t: Targets, cmds: string[][], resp: 2 | 3, specs: Record<string, CommandSpec>): Promise<string[][]> {
  const deadline = Date.now() + SHRINK_BUDGET_MS;
  const stillFails = async (seq: string[][]) => {
    const m = await runSequence(t, seq, resp, specs);
    return m !== null && m.index === seq.length - 1;
  };
  let seq = cmds;
  for (let chunk = Math.max(1, Math.floor(seq.length / 2)); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    for (let i = 0; i + 1 < seq.length && Date.now() < deadline; ) {
      const end = Math.min(i + chunk, seq.length - 1); // the failing command is always kept
      const candidate = [...seq.slice(0, i), ...seq.slice(end)];
      if (await stillFails(candidate)) seq = candidate;
      else i += chunk;
    }
    if (Date.now() >= deadline) break;
  }
  return seq;
}

function describeMismatch(where: string, m: Mismatch, cmds: readonly string[][]): string {
  const context = cmds
    .slice(Math.max(0, m.index - 8), m.index)
    .map((c, i) => `    #${m.index - Math.min(8, m.index) + i} ${JSON.stringify(c)}`)
    .join("\n");
  return [
    `differential mismatch ${where} at command #${m.index}: ${JSON.stringify(m.argv)}`,
    `  aikv:  ${m.aikv}`,
    `  redis: ${m.redis}`,
    `  preceding commands:\n${context}`,
  ].join("\n");
}

/** Registers the differential tests of one family: SEEDS seeds × COMMANDS commands, per engine. */
export function diffTests(family: Family, opts: { seeds?: number; commands?: number } = {}): void {
  const seeds = Number(process.env.DIFF_SEEDS ?? opts.seeds ?? 20);
  const commands = Number(process.env.DIFF_COMMANDS ?? opts.commands ?? 2000);
  const firstSeed = Number(process.env.DIFF_SEED ?? 1);
  warnIfRedisMissing();
  for (const engine of ENGINES) {
    describe.skipIf(REDIS_MISSING)(`differential ${family.name} (${engine})`, () => {
      let t: Targets;
      let shrinksLeft = SHRINKS_PER_FAMILY;
      beforeAll(async () => {
        const [aikv, redis] = await Promise.all([startAikv(["--engine", engine]), startRedis()]);
        const specs = allSpecs(family);
        t = { aikv, redis, available: await probeCommands(aikv.port, [...Object.entries(specs).filter(([, s]) => !s.unprobed).map(([n]) => n), "flushall"]) };
        const missing = Object.entries(family.commands)
          .filter(([n, spec]) => !spec.unprobed && !t.available.has(n))
          .map(([n]) => n);
        if (missing.length > 0) console.warn(`[diff ${family.name}] not implemented in AiKv yet, not generated: ${missing.join(" ")}`);
      }, 60000);
      afterAll(async () => {
        await Promise.all([t?.aikv.stop(), t?.redis.stop()]);
      }, 60000);

      for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
        const resp: 2 | 3 = seed % RESP3_EVERY === 0 ? 3 : 2;
        test(`seed ${seed} × ${commands} commands (RESP${resp})`, async () => {
          const prefix = t.available.has("flushall") ? "" : `s${seed}:`;
          const cmds = generate(family, seed, commands, t.available, prefix);
          const specs = allSpecs(family);
          const m = await runSequence(t, cmds, resp, specs);
          if (m === null) return;
          const where = `in ${family.name} (${engine}, seed ${seed}, RESP${resp})`;
          let report = describeMismatch(where, m, cmds);
          if (m.index >= 0) {
            const failing = cmds.slice(0, m.index + 1);
            const canShrink = t.available.has("flushall") && shrinksLeft-- > 0;
            const shrunk = canShrink ? await shrink(t, failing, resp, specs) : failing;
            const file = join(tmpdir(), `aikv-diff-${family.name}-seed${seed}-resp${resp}.json`);
            const rc: RegressionCase = { family: family.name, note: `found by seed ${seed}: ${JSON.stringify(m.argv)}`, resp, commands: shrunk };
            writeFileSync(file, JSON.stringify(rc, null, 1) + "\n");
            report += `\n  regression case (${shrunk.length} commands) written to ${file}; copy it into test/differential/regressions/`;
          }
          expect(report).toBe("no mismatch");
        }, 60000);
      }
    });
  }
}
