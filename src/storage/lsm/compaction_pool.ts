/**
 * Process-wide compaction worker, shared by every open DB: spawning a Worker
 * (and compiling its modules) costs far more than a small compaction, and
 * jobs are self-contained (they carry their directory). The worker is unref'd
 * so it never keeps the process alive.
 */
import { CorruptionError } from './assert.ts';
import type { CompactionJob, CompactionJobResult } from './compaction_job.ts';

interface Call {
  resolve: (r: CompactionJobResult) => void;
  reject: (e: Error) => void;
}

interface WorkerError {
  name: string;
  message: string;
  file?: string;
  offset?: number;
  detail?: string;
}

let worker: Worker | null = null;
let seq = 0;
const calls = new Map<number, Call>();

function failAll(e: Error): void {
  for (const c of calls.values()) c.reject(e);
  calls.clear();
  worker?.terminate();
  worker = null; // respawned on next use
}

function getWorker(): Worker {
  if (worker !== null) return worker;
  const w = new Worker(new URL('./compaction_worker.ts', import.meta.url).href);
  w.unref?.();
  w.onmessage = (ev: MessageEvent) => {
    const m = ev.data as { id: number; ok: boolean; result?: CompactionJobResult; error?: WorkerError };
    const call = calls.get(m.id);
    if (call === undefined) return;
    calls.delete(m.id);
    if (m.ok) {
      call.resolve(m.result!);
      return;
    }
    const e = m.error!;
    call.reject(
      e.name === 'CorruptionError' && e.file !== undefined
        ? new CorruptionError(e.file, e.offset ?? 0, e.detail ?? e.message)
        : Object.assign(new Error(e.message), { name: e.name }),
    );
  };
  w.onerror = (ev: ErrorEvent) => failAll(new Error(`compaction worker failed: ${ev.message}`));
  worker = w;
  return w;
}

export function runInWorker(job: CompactionJob): Promise<CompactionJobResult> {
  const w = getWorker();
  const id = ++seq;
  return new Promise((resolve, reject) => {
    calls.set(id, { resolve, reject });
    w.postMessage({ id, job });
  });
}
