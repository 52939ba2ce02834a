// Errors raised while parsing configuration values.

/** A rejected value or directive; the message is Redis's reason text ("argument must be 'yes' or 'no'"). */
export class ConfigError extends Error {}

/**
 * A rejected CONFIG SET; the message is the whole Redis error text without the
 * "ERR " code ("CONFIG SET failed (possibly related to argument 'x') - ...").
 */
export class ConfigSetError extends Error {}

/** strerror() texts for the file errors configuration handling can meet. */
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  EROFS: "Read-only file system",
  ENOSPC: "No space left on device",
};

/** The C library's text for a Node/Bun file error, as Redis prints it. */
export function strerror(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return STRERROR[err.code ?? ""] ?? err.message;
}
