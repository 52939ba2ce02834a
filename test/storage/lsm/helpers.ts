/** Shared test helpers: temp dirs, seeded RNG, byte helpers. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const LONG = process.env.AIKV_LONG === '1';

export function hex(u: Uint8Array): string {
  return Buffer.from(u).toString('hex');
}

/** Crash tests: deterministic value per key, so stored values can be checked. */
export function valueFor(key: string): string {
  return (key + ':').repeat(1 + (key.length % 5)).padEnd(120, '.');
}
