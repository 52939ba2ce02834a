// Raw fsync latency of the disk under the raft WAL: append records to a
// file with a sync after each (what a WAL pays per group commit).
//   bun bench/raft/fsync.ts [--n 500] [--bytes 4096] [--dir /tmp]
// bench.ts runs the same probe next to its measurements.
import { build } from "hdr-histogram-js";
import { closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

export function fsyncProbe(n: number, bytes: number, kind: "fdatasync" | "fsync", dir = tmpdir()): string {
  const sync = kind === "fdatasync" ? fdatasyncSync : fsyncSync;
  const rec = new Uint8Array(bytes).fill(120);
  const tmp = mkdtempSync(join(dir, "aikv-fsync-"));
  const fd = openSync(join(tmp, "probe"), "a");
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
  rmSync(tmp, { recursive: true, force: true });
  const ms = (p: number) => (hist.getValueAtPercentile(p) / 1000).toFixed(2);
  return `${kind} of ${bytes} B appends: ${(n / el).toFixed(0)}/s  p50=${ms(50)}ms  p99=${ms(99)}ms  max=${(hist.maxValue / 1000).toFixed(2)}ms`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { n: { type: "string", default: "500" }, bytes: { type: "string", default: "4096" }, dir: { type: "string", default: tmpdir() } },
  });
  for (const kind of ["fdatasync", "fsync"] as const) console.log(fsyncProbe(Number(values.n), Number(values.bytes), kind, values.dir));
}
