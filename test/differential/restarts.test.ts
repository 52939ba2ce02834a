// Persistence checked by the differential harness: AiKv on the lsm engine with
// `appendfsync always` is killed with SIGKILL and restarted on its directory
// after every batch of a seeded sequence, while redis-server keeps running.
// Replies must stay identical to Redis's, so every acknowledged write of every
// data type survived the crash, and nothing else came back (deleted members,
// stale versions of overwritten keys, expired keys), DBSIZE included.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAikv, startRedis } from "../helpers/server.ts";
import { bitmapsFamily } from "./gen/bitmaps.ts";
import { TYPE_MAKERS } from "./gen/type-makers.ts";
import { hashesFamily } from "./gen/hashes.ts";
import { keysFamily } from "./gen/keys.ts";
import { listsFamily } from "./gen/lists.ts";
import { setsFamily } from "./gen/sets.ts";
import { sortFamily } from "./gen/sort.ts";
import { streamsFamily } from "./gen/streams.ts";
import { stringsFamily } from "./gen/strings.ts";
import { zsetsFamily } from "./gen/zsets.ts";
import { generate, probeCommands, REDIS_MISSING, runSequence, warnIfRedisMissing, type Targets } from "./harness.ts";

/** The families whose state is data (connection, transaction and script state does not survive a restart in Redis either). */
const FAMILIES = [stringsFamily, bitmapsFamily, keysFamily, listsFamily, hashesFamily, setsFamily, zsetsFamily, sortFamily, streamsFamily];
/** Seeds per family (a restart after each 200-command batch); DIFF_RESTART_SEEDS raises it for longer runs. */
const SEEDS = Number(process.env.DIFF_RESTART_SEEDS ?? 1);
const COMMANDS = 1200;
const AIKV_ARGS = ["--engine", "lsm", "--appendfsync", "always"];

warnIfRedisMissing();

describe.skipIf(REDIS_MISSING)("differential with a SIGKILL and restart of AiKv (lsm, appendfsync always) after every batch", () => {
  let t: Targets;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "aikv-restarts-"));
    const [aikv, redis] = await Promise.all([startAikv(AIKV_ARGS, { dir }), startRedis()]);
    t = { aikv, redis, available: new Set() };
  }, 60000);
  afterAll(async () => {
    await Promise.all([t?.aikv.stop(), t?.redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }, 60000);

  const restartAikv = async () => {
    await t.aikv.stop(); // SIGKILL
    t.aikv = await startAikv(AIKV_ARGS, { dir });
  };

  FAMILIES.forEach((family, f) => {
    for (let s = 0; s < SEEDS; s++) {
      const seed = 1000 + 100 * f + s; // not the seeds of the families' own runs
      const resp: 2 | 3 = (f + s) % 2 === 0 ? 2 : 3;
      test(`${family.name}: seed ${seed} × ${COMMANDS} commands (RESP${resp})`, async () => {
        const specs = { ...TYPE_MAKERS, ...family.commands };
        t.available = await probeCommands(t.aikv.port, [...Object.entries(specs).filter(([, spec]) => !spec.unprobed).map(([name]) => name), "flushall"]);
        const cmds = generate(family, seed, COMMANDS, t.available);
        const m = await runSequence(t, cmds, resp, specs, restartAikv);
        const report =
          m === null ? "no mismatch" : `mismatch in ${family.name} (seed ${seed}, RESP${resp}) at #${m.index} ${JSON.stringify(m.argv)}\n  aikv:  ${m.aikv}\n  redis: ${m.redis}`;
        expect(report).toBe("no mismatch");
      }, 120000);
    }
  });
});
