// What the keyspace's reclaim filter costs a compaction (not a test):
// the same collection data (metadata + sub-keys, half of the keys deleted) is
// compacted by a DB with the filter and by one without, in the same run.
//   bun bench/lsm/reclaim_filter.ts [--keys=1000] [--fields=300]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open, WriteBatch, type DBOptions } from "../../src/storage/lsm/index.ts";
import { encodeCollectionMeta, metaKey, subKey, subKeyPrefix } from "../../src/storage/lsm-engine/encoding.ts";
import { reachableVersions } from "../../src/storage/lsm-engine/reclaim.ts";

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const KEYS = arg("keys", 1000);
const FIELDS = arg("fields", 300);
const enc = (s: string) => new TextEncoder().encode(s);

async function run(withFilter: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "aikv-reclaim-bench-"));
  let handlerMs = 0;
  let queries = 0;
  const options: DBOptions = { syncPolicy: "no", fsync: false, compactionMode: "worker" };
  const db = await open(dir, withFilter ? {
    ...options,
    compactionFilter: { module: new URL("../../src/storage/lsm-engine/reclaim-filter.ts", import.meta.url).pathname },
    onCompactionFilterQuery: (metaKeys) => {
      const t = performance.now();
      queries++;
      const answer = reachableVersions(db, metaKeys as Uint8Array[]);
      handlerMs += performance.now() - t;
      return answer;
    },
  } : options);
  for (let k = 0; k < KEYS; k++) {
    const key = enc(`hash:${k}`);
    const batch = new WriteBatch().put(metaKey(0, key), encodeCollectionMeta("hash", 0, 0, k + 1, FIELDS));
    const prefix = subKeyPrefix(0, key, k + 1);
    for (let f = 0; f < FIELDS; f++) batch.put(subKey(prefix, enc(`field:${f}`)), enc(`value:${f}`));
    db.write(batch);
  }
  await db.compactRange(); // everything in one level first (flushes without the filter doing anything)
  for (let k = 0; k < KEYS; k += 2) db.delete(metaKey(0, enc(`hash:${k}`)));
  const t = performance.now();
  const cpu = process.cpuUsage();
  await db.compactRange();
  const ms = performance.now() - t;
  const cpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
  const stats = db.stats();
  console.log(
    `${withFilter ? "filter   " : "no filter"}: compaction ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (all threads), entries left ${stats.tableEntries}, ` +
      `removed ${stats.filterRemovedEntries}, main-thread handler ${handlerMs.toFixed(1)} ms in ${queries} queries`,
  );
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`${KEYS} hashes x ${FIELDS} fields, every other hash deleted, then a full compaction:`);
for (let round = 0; round < 3; round++) {
  await run(false);
  await run(true);
}
