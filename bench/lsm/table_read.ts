// What a cold table read costs (not a test): opening a table (decoding its
// index) and reading every data block once, checksum included, for tables of
// both checksum formats (1: CRC32C in JS, 2: CRC32 via Bun.hash.crc32).
//   bun bench/lsm/table_read.ts [--entries=1000000]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KIND_PUT } from "../../src/storage/lsm/dbformat.ts";
import { Table } from "../../src/storage/lsm/table.ts";
import { TableBuilder } from "../../src/storage/lsm/table_builder.ts";
import { FORMAT_VERSION, FORMAT_VERSION_CRC32C } from "../../src/storage/lsm/table_format.ts";

const ENTRIES = Number(process.argv.find((a) => a.startsWith("--entries="))?.split("=")[1] ?? 1_000_000);
const ROUNDS = 5;
const dir = mkdtempSync(join(tmpdir(), "aikv-table-bench-"));
const value = new Uint8Array(100).fill(118);
const stats = { bytesRead: 0, blockReads: 0 };

function build(formatVersion: number): string {
  const path = join(dir, `000001-v${formatVersion}.sst`);
  const tb = TableBuilder.create(path, { blockSize: 4096, restartInterval: 16, bloomBitsPerKey: 10, compression: "none", formatVersion });
  for (let i = 0; i < ENTRIES; i++) tb.add(new TextEncoder().encode(`key:${String(i).padStart(12, "0")}`), i + 1, KIND_PUT, value);
  tb.finish();
  tb.close();
  return path;
}

try {
  for (const formatVersion of [FORMAT_VERSION_CRC32C, FORMAT_VERSION]) {
    const path = build(formatVersion);
    let openMs = Infinity;
    let readMs = Infinity;
    let blocks = 0;
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      const table = Table.open(path, 1, null, stats); // no block cache: every read decodes and verifies its block
      openMs = Math.min(openMs, performance.now() - t);
      blocks = table.numBlocks;
      t = performance.now();
      for (let b = 0; b < blocks; b++) table.blockAt(b);
      readMs = Math.min(readMs, performance.now() - t);
      table.unref();
    }
    console.log(
      `format ${formatVersion}: ${blocks} blocks; open ${openMs.toFixed(1)} ms; ` +
        `first read of a block (checksum verified) ${((readMs * 1000) / blocks).toFixed(2)} us (best of ${ROUNDS})`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
