// Disk errors as Redis reports them: a failed AOF write or fsync makes Redis
// refuse writes with "-MISCONF Errors writing to the AOF file: <strerror>"
// (server.c, writeCommandsGetDiskErrorMessage); the LSM engine answers the
// same when its WAL (or a flush/compaction) fails.

/** strerror(3) texts of the errors a write or sync can fail with; Node only gives the code. */
const STRERROR: Record<string, string> = {
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  EIO: "Input/output error",
  EDQUOT: "Disk quota exceeded",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EFBIG: "File too large",
  EBADF: "Bad file descriptor",
  EINVAL: "Invalid argument",
};

/** The reason part of the MISCONF error: strerror of the code, else the message. */
export function diskErrorReason(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code !== undefined ? STRERROR[code] : undefined) ?? e.message;
}

export function misconfError(e: Error): string {
  return `MISCONF Errors writing to the AOF file: ${diskErrorReason(e)}`;
}

type Log = (level: "notice" | "warning", msg: string) => void;

/**
 * After a disk error, retries once a second until writing works again, as
 * Redis retries a failed AOF write from its cron and clears the error on
 * success ("AOF write error looks solved"). `resume` returns whether the
 * store accepts writes again (false: busy, try later; throws: still failing).
 */
export class DiskErrorRecovery {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly log: Log,
    private readonly resume: () => boolean,
  ) {}

  failed(e: Error): void {
    if (this.timer !== null) return;
    this.log("warning", `Error writing to the data directory: ${diskErrorReason(e)} (${e.message}). Write commands are refused with -MISCONF; retrying every second`);
    this.timer = setInterval(() => this.retry(), 1000);
    this.timer.unref?.();
  }

  /** One attempt; logs and stops retrying when it succeeds. */
  retry(): void {
    let resumed: boolean;
    try {
      resumed = this.resume();
    } catch {
      return; // still failing: the next tick tries again
    }
    if (!resumed || this.timer === null) return;
    this.stop();
    this.log("warning", "Disk write error looks solved, AiKv can write again (memory flushed to tables, a fresh write-ahead log started)");
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
