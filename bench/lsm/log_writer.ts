/**
 * What logging a record costs the main thread per byte, as DB.commitGroup
 * logs a server turn's record (~50 KB under redis-benchmark -P 16 -c 50):
 * framing, checksum, copies, and the write to /dev/null (no page cache, so
 * the user-space part shows). Uses LogWriter.writeRecord where the tree has
 * it, else addRecord + flushToOs (before it). Not a test.
 *
 *   ./node_modules/.bin/bun bench/lsm/log_writer.ts [tree=.] [record bytes=48000]
 */
import * as fs from 'node:fs';
import { resolve } from 'node:path';

const tree = resolve(process.argv[2] ?? '.');
const size = Number(process.argv[3] ?? 48_000);
const { LogWriter } = await import(`${tree}/src/storage/lsm/log_writer.ts`);
const w = new LogWriter('/dev/null', fs.openSync('/dev/null', 'w'), 0);
const unstaged = typeof w.writeRecord === 'function';
const record = new Uint8Array(size);
for (let i = 0; i < size; i++) record[i] = (i * 2654435761) >>> 24;
const bytesPerRound = 400e6;
for (let round = 0; round < 5; round++) {
  const t = performance.now();
  for (let done = 0; done < bytesPerRound; done += size) {
    if (unstaged) w.writeRecord(record);
    else {
      w.addRecord(record);
      w.flushToOs();
    }
  }
  const ms = performance.now() - t;
  console.log(`${tree} (${unstaged ? 'writeRecord' : 'addRecord + flushToOs'}): ${size}-byte records, ${((ms * 1e6) / bytesPerRound).toFixed(3)} ns/byte`);
}
