// Raw fsync latency of the disk under the raft WAL: append records to a
// file with a sync after each (what a WAL pays per group commit), or write
// them over a zero-filled file (what FileStorage's preallocated segments
// do: no size change for fdatasync to write). CPU per sync is this thread's
// (the syscall's kernel time included).
//   bun bench/raft/fsync.ts [--n 500] [--bytes 4096] [--dir /tmp]
// bench.ts runs the same probe next to its measurements.
import { build } from "hdr-histogram-js";
import { closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

export function fsyncProbe(n: number, bytes: number, kind: "fdatasync" | "fsync", dir = tmpdir(), overwrite = false): string {
  const sync = kind === "fdatasync" ? fdatasyncSync : fsyncSync;
  const rec = new Uint8Array(bytes).fill(120);
  const tmp = mkdtempSync(join(dir, "aikv-fsync-"));
  const fd = openSync(join(tmp, "probe"), overwrite ? "w+" : "a");
  if (overwrite) {
    writeSync(fd, new Uint8Array(n * bytes), 0, n * bytes, 0);
    fdatasyncSync(fd);
  }
  const hist = build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    if (overwrite) writeSync(fd, rec, 0, bytes, i * bytes);
    else writeSync(fd, rec);
    sync(fd);
    hist.recordValue(Math.max(1, Math.round((performance.now() - s) * 1000)));
  }
  const el = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  closeSync(fd);
  rmSync(tmp, { recursive: true, force: true });
  const ms = (p: number) => (hist.getValueAtPercentile(p) / 1000).toFixed(2);
  return `${kind} of ${bytes} B ${overwrite ? "overwrites of zeros" : "appends"}: ${(n / el).toFixed(0)}/s  p50=${ms(50)}ms  p90=${ms(90)}ms  p99=${ms(99)}ms  max=${(hist.maxValue / 1000).toFixed(2)}ms  cpu=${((cpu.user + cpu.system) / n).toFixed(0)}us/sync`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { n: { type: "string", default: "500" }, bytes: { type: "string", default: "4096" }, dir: { type: "string", default: tmpdir() } },
  });
  for (const kind of ["fdatasync", "fsync"] as const) {
    for (const overwrite of [false, true]) console.log(fsyncProbe(Number(values.n), Number(values.bytes), kind, values.dir, overwrite));
  }
}
