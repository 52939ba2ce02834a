/**
 * Bun Worker entry: runs compactions off the main thread. The main thread
 * sends a job (input file numbers, preallocated output numbers, snapshot and
 * tombstone info); the worker reads inputs and writes + fsyncs outputs, and
 * replies with their metadata. Installing the version edit stays on the main
 * thread, which owns the MANIFEST. Memtable flushes use a second worker so
 * they never queue behind a long compaction.
 *
 * A job's compaction filter may ask the main thread (CompactionFilterHost):
 * `{id, query, request}` goes out, `{queryReply, ok, response | error}`
 * comes back. Jobs interleave while their filters wait for answers.
 */
import type { CompactionFilterHost } from './compaction.ts';
import { runCompactionJob, runFlushJob, type CompactionJob, type FlushJobSpec } from './compaction_job.ts';
import { threadCpuNs } from '../../util/thread-cpu.ts';
import { lowerThisThreadPriority } from '../../util/thread-priority.ts';

declare const self: Worker;

lowerThisThreadPriority();

let nextQuery = 0;
const pendingQueries = new Map<number, { resolve: (response: unknown) => void; reject: (e: Error) => void }>();

function hostFor(id: number): CompactionFilterHost {
  return {
    query: (request) =>
      new Promise((resolve, reject) => {
        const query = ++nextQuery;
        pendingQueries.set(query, { resolve, reject });
        self.postMessage({ id, query, request });
      }),
  };
}

type Message =
  | { id: number; job?: CompactionJob; flush?: FlushJobSpec; prefault?: number; reuse?: { memory: SharedArrayBuffer; zeroFrom: number } }
  | { queryReply: number; ok: boolean; response?: unknown; error?: string };

/** Zeroed shared memory of `size` bytes with its pages mapped (compaction_pool.ts prefaultedInWorker). */
function prefaulted(size: number): SharedArrayBuffer {
  const memory = new SharedArrayBuffer(size);
  const bytes = new Uint8Array(memory);
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 0;
  return memory;
}


self.onmessage = async (ev: MessageEvent<Message>) => {
  if ('queryReply' in ev.data) {
    const { queryReply, ok, response, error } = ev.data;
    const pending = pendingQueries.get(queryReply);
    pendingQueries.delete(queryReply);
    if (ok) pending?.resolve(response);
    else pending?.reject(new Error(error));
    return;
  }
  const { id, job, flush } = ev.data;
  if (ev.data.prefault !== undefined) {
    self.postMessage({ id, ok: true, result: prefaulted(ev.data.prefault) });
    return;
  }
  if (ev.data.reuse !== undefined) {
    // Mapped already: only the part that must start zeroed is written.
    const { memory, zeroFrom } = ev.data.reuse;
    new Uint8Array(memory, zeroFrom).fill(0);
    self.postMessage({ id, ok: true, result: memory });
    return;
  }
  try {
    const host = hostFor(id);
    const cpuBefore = threadCpuNs();
    const result = flush !== undefined ? await runFlushJob(flush, host) : await runCompactionJob(job!, host);
    // Jobs of several DBs (tests) may interleave while their filters await queries: then one counts some of another's CPU.
    result.cpuNs = threadCpuNs() - cpuBefore;
    self.postMessage({ id, ok: true, result });
  } catch (e) {
    const err = e as Error & { file?: string; offset?: number; detail?: string };
    self.postMessage({ id, ok: false, error: { name: err.name, message: err.message, file: err.file, offset: err.offset, detail: err.detail } });
  }
};
