/**
 * What LogWriter.addRecord costs per byte (staging copy, fragment headers,
 * checksum), in the tree given: records of one size, staged and handed to
 * /dev/null in groups of 20 (a server's event-loop turn logs one record of
 * ~50 KB under redis-benchmark -P 16 -c 50). Not a test.
 *
 *   ./node_modules/.bin/bun bench/lsm/log_writer.ts [tree=.] [record bytes=48000]
 */
import * as fs from 'node:fs';
import { resolve } from 'node:path';

const tree = resolve(process.argv[2] ?? '.');
const size = Number(process.argv[3] ?? 48_000);
const { LogWriter } = await import(`${tree}/src/storage/lsm/log_writer.ts`);
const w = new LogWriter('/dev/null', fs.openSync('/dev/null', 'w'), 0);
const record = new Uint8Array(size);
for (let i = 0; i < size; i++) record[i] = (i * 2654435761) >>> 24;
const bytesPerRound = 400e6;
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  let n = 0;
  for (let done = 0; done < bytesPerRound; done += size) {
    w.addRecord(record);
    if (++n % 20 === 0) w.flushToOs();
  }
  const ms = performance.now() - t;
  console.log(`${tree}: ${size}-byte records, ${((ms * 1e6) / bytesPerRound).toFixed(3)} ns/byte`);
}
