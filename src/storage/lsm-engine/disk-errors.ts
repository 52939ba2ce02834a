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
