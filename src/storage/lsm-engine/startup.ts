// What opening the LSM engine tells the operator: recovery progress and
// findings in the log, and for a corrupt file a start-up error that names
// the file and says what to do.

import { join } from "node:path";
import { CorruptionError, type RecoveryReport } from "../lsm/index.ts";
import { CHECKPOINTS_DIR } from "./checkpoints.ts";

export type StartupLog = (level: "notice" | "warning", msg: string) => void;

/** Logs what WAL recovery found (after the LSM opened). */
export function logRecovery(report: RecoveryReport, ms: number, log: StartupLog): void {
  if (report.walFiles.length > 0) {
    log("notice", `Write-ahead log replayed: ${report.recordsReplayed} records from ${report.walFiles.join(", ")} in ${(ms / 1000).toFixed(3)} seconds`);
  }
  for (const t of report.tornTails) {
    log("warning", `Dropped an incomplete write at the end of ${t.file} (offset ${t.offset}): the server stopped while writing it, so it was never acknowledged under appendfsync always`);
  }
  for (const s of report.salvaged) log("warning", `Skipped a damaged region of ${s.file} at offset ${s.offset}: ${s.reason} (its writes are lost)`);
  const gap = report.sequenceGap;
  if (gap !== null) {
    log(
      "warning",
      `Stopped replaying the write-ahead log at ${gap.file} (offset ${gap.offset}): its writes start at sequence ${gap.found}, but those before end at ${gap.expected - 1}. ` +
        `The writes in between never reached the disk (a power loss before their sync), so the later ones were dropped (from ${gap.dropped.join(", ")}); none was acknowledged under appendfsync always`,
    );
  }
}

/** The error to stop start-up with: for corruption, the file, the damage and the way out. */
export function openFailure(e: unknown, dir: string): Error {
  if (!(e instanceof CorruptionError)) return e as Error;
  const checkpoints = join(dir, CHECKPOINTS_DIR);
  const restore = `restore the data directory from a backup (e.g. a copy of the newest checkpoint in ${checkpoints}, made by SAVE/BGSAVE)`;
  const advice = e.file.endsWith(".log")
    ? `it is a write-ahead log: ${restore}, or move ${e.file} out of ${dir} to start without the writes it holds (they are lost)`
    : restore;
  return new Error(`${join(dir, e.file)} is corrupt (${e.detail}, at offset ${e.offset}): ${advice}`);
}
