/**
 * Crash-test writer (spawned by crash.test.ts, killed with SIGKILL).
 * Prints "A <key>" for each put and "D <key>" for each delete only after
 * whenDurable() resolved, so the parent knows what was acknowledged; "I <key>"
 * announces a delete before it is issued (its outcome is unknown until "D").
 * argv: dir prefix syncPolicy seed
 */
import * as fs from 'node:fs';
import { open, WriteBatch } from '../../../src/storage/lsm/index.ts';
import { rng, valueFor } from './helpers.ts';

const [dir, prefix, policy, seedStr] = process.argv.slice(2);
const r = rng(Number(seedStr));
const enc = new TextEncoder();


const db = await open(dir, {
  syncPolicy: policy as 'always' | 'everysec' | 'no',
  memtableSize: 32 * 1024,
  targetFileSize: 16 * 1024,
  l1TargetBytes: 64 * 1024,
  levelMultiplier: 4,
  l0CompactionTrigger: 2,
  compactionMode: 'worker',
  subcompactions: 2, // kills also land mid split compaction
});
const live: string[] = [];
let n = 0;
// Synchronous writes to fd 1: a delete intent is in the pipe before the delete is issued.
const out = (s: string) => {
  fs.writeSync(1, s);
};
out('READY\n');
for (;;) {
  const group = 1 + Math.floor(r() * 20);
  const lines: string[] = [];
  const useBatch = r() < 0.3;
  const wb = new WriteBatch();
  for (let i = 0; i < group; i++) {
    if (live.length > 10 && r() < 0.15) {
      const k = live.splice(Math.floor(r() * live.length), 1)[0];
      out(`I ${k}\n`); // may become durable even if never acknowledged
      if (useBatch) wb.delete(enc.encode(k));
      else db.delete(enc.encode(k));
      lines.push(`D ${k}\n`);
    } else {
      const k = `${prefix}-${String(n++).padStart(7, '0')}`;
      if (useBatch) wb.put(enc.encode(k), enc.encode(valueFor(k)));
      else db.put(enc.encode(k), enc.encode(valueFor(k)));
      live.push(k);
      lines.push(`A ${k}\n`);
    }
  }
  if (useBatch) db.write(wb);
  if (policy === 'always') await db.whenDurable();
  else await new Promise((res) => setImmediate(res));
  out(lines.join(''));
}
