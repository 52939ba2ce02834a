/**
 * Bun Worker entry: runs compactions off the main thread. The main thread
 * sends a job (input file numbers, preallocated output numbers, snapshot and
 * tombstone info); the worker reads inputs and writes + fsyncs outputs, and
 * replies with their metadata. Installing the version edit stays on the main
 * thread, which owns the MANIFEST. Memtable flushes use a second worker so
 * they never queue behind a long compaction.
 */
import { runCompactionJob, runFlushJob, type CompactionJob, type FlushJobSpec } from './compaction_job.ts';

declare const self: Worker;

self.onmessage = async (ev: MessageEvent<{ id: number; job?: CompactionJob; flush?: FlushJobSpec }>) => {
  const { id, job, flush } = ev.data;
  try {
    const result = flush !== undefined ? await runFlushJob(flush) : await runCompactionJob(job!);
    self.postMessage({ id, ok: true, result });
  } catch (e) {
    const err = e as Error & { file?: string; offset?: number; detail?: string };
    self.postMessage({ id, ok: false, error: { name: err.name, message: err.message, file: err.file, offset: err.offset, detail: err.detail } });
  }
};
