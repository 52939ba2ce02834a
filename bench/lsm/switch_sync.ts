/**
 * Where a write-heavy load's WAL syncs run: 1.2M puts (24-byte keys, 60-byte
 * values, an event-loop turn every 1000) under everysec with 32 MiB
 * memtables (five switches), in the tree given. Prints its pid; run it under
 * strace to see which thread each fdatasync blocked, for how long:
 *
 *   strace -f -qq -e trace=fdatasync -T -o /tmp/syncs.txt ./node_modules/.bin/bun bench/lsm/switch_sync.ts [tree=.]
 *   grep "^PID " /tmp/syncs.txt    # the main thread's (PID as printed): <seconds> at the end of each line
 *
 * Not a test.
 */
import * as fs from "node:fs";
import { resolve } from "node:path";

const tree = resolve(process.argv[2] ?? ".");
const { open } = await import(`${tree}/src/storage/lsm/index.ts`);
const dir = fs.mkdtempSync("/tmp/walsw-");
const db = await open(dir, { syncPolicy: "everysec", memtableSize: 32 << 20, compactionMode: "worker" });
const key = new Uint8Array(24).fill(97);
const value = new Uint8Array(60).fill(98);
let x = 12345;
const t0 = performance.now();
for (let i = 0; i < 1_200_000; i++) {
  x = (Math.imul(x, 1103515245) + 12345) >>> 0;
  for (let k = 0; k < 8; k++) key[16 + k] = 48 + ((x >>> (k * 4)) & 15);
  db.put(key, value);
  if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
}
const secs = (performance.now() - t0) / 1000;
await db.close();
fs.rmSync(dir, { recursive: true });
console.log(`${tree}: ${secs.toFixed(1)} s of puts, pid ${process.pid}`);
