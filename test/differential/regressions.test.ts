// Replays every saved mismatch (test/differential/regressions/*.json) against
// AiKv and redis-server. A case marked "open" is a known, unfixed bug: it is
// reported but does not fail, and reported again once it passes.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ENGINES, startAikv, startRedis } from "../helpers/server.ts";
import { FAMILIES } from "./gen/index.ts";
import { TYPE_MAKERS } from "./gen/type-makers.ts";
import { probeCommands, REDIS_MISSING, runSequence, warnIfRedisMissing, type RegressionCase, type Targets } from "./harness.ts";

const DIR = join(import.meta.dir, "regressions");
const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();
warnIfRedisMissing();

for (const engine of ENGINES) {
  describe.skipIf(REDIS_MISSING)(`differential regressions (${engine})`, () => {
    let t: Targets;
    beforeAll(async () => {
      const [aikv, redis] = await Promise.all([startAikv(["--engine", engine]), startRedis()]);
      t = { aikv, redis, available: await probeCommands(aikv.port, ["flushall"]) };
    }, 60000);
    afterAll(async () => {
      await Promise.all([t?.aikv.stop(), t?.redis.stop()]);
    }, 60000);

    test.each(files)("%s", async (file) => {
      const rc = JSON.parse(readFileSync(join(DIR, file), "utf8")) as RegressionCase;
      // The family supplies normalizers for unordered replies; a case may outlive its family's generator.
      const family = FAMILIES.find((f) => f.name === rc.family);
      const m = await runSequence(t, rc.commands, rc.resp, { ...TYPE_MAKERS, ...family?.commands });
      const outcome = m === null ? "no mismatch" : `mismatch at #${m.index} ${JSON.stringify(m.argv)}\n  aikv:  ${m.aikv}\n  redis: ${m.redis}`;
      if (rc.open !== undefined) {
        if (m === null) console.warn(`[regression ${file}] marked open (${rc.open}) but passes now: remove "open"`);
        else console.warn(`[regression ${file}] open (${rc.open}): ${outcome}`);
        return;
      }
      expect(outcome).toBe("no mismatch");
    });
  });
}
