/** Invariant checks. Failing one means a bug in this library, not bad input. */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(cond: unknown, msg?: string): asserts cond {
  if (!cond) throw new AssertionError(msg ?? 'LSM invariant violated');
}

/** Data on disk is not what we wrote: always names the file and byte offset. */
export class CorruptionError extends Error {
  override name = 'CorruptionError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`corruption in ${file} at offset ${offset}: ${detail}`);
  }
}
