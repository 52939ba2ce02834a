/** Shared test helpers: temp dirs, seeded RNG, byte helpers. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../../src/util/prng.ts';

export function tempDir(prefix = 'aikv-lsm-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmrf(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

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
