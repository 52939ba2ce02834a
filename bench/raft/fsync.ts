// Raw fsync latency of the disk under the raft WAL: append N small records
// to a file with an fsync after each (what a WAL pays per group commit).
//   bun bench/raft/fsync.ts [--n 500] [--bytes 4096] [--dir /tmp]
import { build } from "hdr-histogram-js";
import { closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { n: { type: "string", default: "500" }, bytes: { type: "string", default: "4096" }, dir: { type: "string", default: tmpdir() } },
});
const n = Number(values.n);
const rec = new Uint8Array(Number(values.bytes)).fill(120);
const dir = mkdtempSync(join(values.dir, "aikv-fsync-"));
for (const [name, sync] of [["fdatasync", fdatasyncSync], ["fsync", fsyncSync]] as const) {
  const fd = openSync(join(dir, name), "a");
  const hist = build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    writeSync(fd, rec);
    sync(fd);
    hist.recordValue(Math.max(1, Math.round((performance.now() - s) * 1000)));
  }
  const el = (performance.now() - t0) / 1000;
  closeSync(fd);
  const ms = (p: number) => (hist.getValueAtPercentile(p) / 1000).toFixed(2);
  console.log(`${name.padEnd(9)} ${values.bytes}B appends: ${(n / el).toFixed(0)}/s  p50=${ms(50)}ms  p99=${ms(99)}ms  max=${(hist.maxValue / 1000).toFixed(2)}ms`);
}
rmSync(dir, { recursive: true, force: true });
