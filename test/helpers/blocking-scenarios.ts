// Multi-client blocking scenarios run against AiKv and a real redis-server:
// the transcripts (who got what, what is left) must be identical.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { hasRedisServer, startAikv, startRedis, type RunningServer } from "./server.ts";

export type Transcript = unknown[];
/** A scenario: drives fresh clients of one server and records what they see. */
export type Scenario = (client: () => Redis, log: Transcript) => Promise<void>;

/** Waits until the server reports `n` blocked clients. */
export async function blocked(r: Redis, n: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (new RegExp(`blocked_clients:${n}\\r?\\n`).test(await r.info("clients"))) return;
    await Bun.sleep(5);
  }
  throw new Error(`never saw ${n} blocked clients`);
}

/** Settles a pending reply into a loggable value (errors as "ERR:<message>"). */
export function settle(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => v,
    (e: Error) => `ERR:${e.message}`,
  );
}

/** One test per scenario and engine: AiKv's transcript must equal redis-server's (skipped without redis-server). */
export function compareScenarios(title: string, scenarios: Record<string, Scenario>, engines: readonly string[]): void {
  for (const engine of engines) {
    describe.skipIf(!hasRedisServer())(`${title} vs redis-server (${engine})`, () => {
      let aikv: RunningServer;
      let redis: RunningServer;
      beforeAll(async () => {
        [aikv, redis] = await Promise.all([startAikv(["--engine", engine]), startRedis()]);
      });
      afterAll(async () => {
        await Promise.all([aikv.stop(), redis.stop()]);
      });

      for (const [name, scenario] of Object.entries(scenarios)) {
        test(name, async () => {
          const run = async (srv: RunningServer) => {
            const log: Transcript = [];
            await srv.client().flushall();
            await scenario(() => srv.client(), log);
            return log;
          };
          const want = await run(redis);
          expect(await run(aikv)).toEqual(want);
        });
      }
    });
  }
}
