/** Shared test helpers: temp dirs, seeded RNG, byte helpers. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DBOptions } from '../../../src/storage/lsm/index.ts';
import { mulberry32 } from '../../../src/util/prng.ts';

export function tempDir(prefix = 'aikv-lsm-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmrf(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs `test` in a fresh temp dir, removed afterwards. */
export async function inTempDir(test: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    await test(dir);
  } finally {
    rmrf(dir);
  }
}

/** Tiny memtables, tables and levels: a few thousand keys span every level. */
export const smallOptions: DBOptions = {
  syncPolicy: 'no',
  fsync: false,
  memtableSize: 8 * 1024,
  targetFileSize: 8 * 1024,
  l1TargetBytes: 32 * 1024,
  levelMultiplier: 4,
  l0CompactionTrigger: 2,
};

const te = new TextEncoder();
const td = new TextDecoder();
export const b = (s: string): Uint8Array => te.encode(s);
export const s = (u: Uint8Array | undefined): string | undefined => (u === undefined ? undefined : td.decode(u));

/** Seeded PRNG for reproducible model and crash runs. */
export const rng = mulberry32;

export const LONG = process.env.AIKV_LONG === '1';

export function hex(u: Uint8Array): string {
  return Buffer.from(u).toString('hex');
}

/** Crash tests: deterministic value per key, so stored values can be checked. */
export function valueFor(key: string): string {
  return (key + ':').repeat(1 + (key.length % 5)).padEnd(120, '.');
}
