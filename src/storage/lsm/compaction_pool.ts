/**
 * Process-wide compaction worker, shared by every open DB: spawning a Worker
 * (and compiling its modules) costs far more than a small compaction, and
 * jobs are self-contained (they carry their directory). The worker is unref'd
 * so it never keeps the process alive.
 */
import { CorruptionError } from './assert.ts';
import type { CompactionJob, CompactionJobResult, FlushJobSpec } from './compaction_job.ts';
import { runtimeModulePath } from '../../util/runtime-module.ts';

interface Call {
  /** A job's result; a prefault's memory. */
  resolve: (r: CompactionJobResult | SharedArrayBuffer) => void;
  reject: (e: Error) => void;
  /** Answers the job's compaction filter queries (on this thread). */
  onQuery: (request: unknown) => unknown;
}

/** Worker -> main thread: a job's filter asks (see compaction_worker.ts). */
interface QueryMessage {
  id: number;
  query: number;
  request: unknown;
}

interface WorkerError {
  name: string;
  message: string;
  file?: string;
  offset?: number;
  detail?: string;
}

/**
 * 'subcompaction': the second half of a compaction split in two
 * (DB.runCompaction); 'prefault': maps the pages of memory for the next
 * memtable (never queued behind a job).
 */
type PoolName = 'compaction' | 'subcompaction' | 'flush' | 'prefault';
const workers = new Map<PoolName, Worker>();
let seq = 0;
const calls = new Map<number, Call & { pool: PoolName }>();

function failAll(pool: PoolName, e: Error): void {
  for (const [id, c] of calls) {
    if (c.pool !== pool) continue;
    c.reject(e);
    calls.delete(id);
  }
  workers.get(pool)?.terminate();
  workers.delete(pool); // respawned on next use
}

function getWorker(pool: PoolName): Worker {
  const existing = workers.get(pool);
  if (existing !== undefined) return existing;
  const w = new Worker(runtimeModulePath('storage/lsm/compaction_worker.ts'));
  w.unref?.();
  w.onmessage = (ev: MessageEvent) => {
    if ((ev.data as Partial<QueryMessage>).query !== undefined) return answerQuery(w, ev.data as QueryMessage);
    const m = ev.data as { id: number; ok: boolean; result?: CompactionJobResult | SharedArrayBuffer; error?: WorkerError };
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
  w.onerror = (ev: ErrorEvent) => failAll(pool, new Error(`${pool} worker failed: ${ev.message}`));
  workers.set(pool, w);
  return w;
}

/** Replies to a filter query; a failing handler makes the filter keep what it asked about. */
function answerQuery(w: Worker, m: QueryMessage): void {
  const call = calls.get(m.id);
  try {
    if (call === undefined) throw new Error('query of a finished job');
    w.postMessage({ queryReply: m.query, ok: true, response: call.onQuery(m.request) });
  } catch (e) {
    w.postMessage({ queryReply: m.query, ok: false, error: (e as Error).message });
  }
}

const noQueries = (): never => {
  throw new Error('no compaction filter query handler');
};

function call<R extends CompactionJobResult | SharedArrayBuffer>(
  pool: PoolName,
  msg: { job?: CompactionJob; flush?: FlushJobSpec; prefault?: number; reuse?: { memory: SharedArrayBuffer; zeroFrom: number } },
  onQuery: ((request: unknown) => unknown) | undefined,
): Promise<R> {
  const w = getWorker(pool);
  const id = ++seq;
  return new Promise<R>((resolve, reject) => {
    calls.set(id, { resolve: resolve as (r: CompactionJobResult | SharedArrayBuffer) => void, reject, pool, onQuery: onQuery ?? noQueries });
    w.postMessage({ id, ...msg });
  });
}

/** worker: 0 for a whole compaction or the first half of a split one, 1 for the second half (its own worker). */
export function runInWorker(job: CompactionJob, onQuery?: (request: unknown) => unknown, worker: 0 | 1 = 0): Promise<CompactionJobResult> {
  return call<CompactionJobResult>(worker === 0 ? 'compaction' : 'subcompaction', { job }, onQuery);
}

export function runFlushInWorker(flush: FlushJobSpec, onQuery?: (request: unknown) => unknown): Promise<CompactionJobResult> {
  return call<CompactionJobResult>('flush', { flush }, onQuery);
}

/**
 * Zeroed shared memory of `bytes` whose pages are mapped, made on a worker
 * thread: a first touch costs ~26 us per 4 KiB page on this VM (a
 * memtable's ~1 us per entry), and allocating it on the main thread was
 * 2-4% of a write command's CPU there (the SharedArrayBuffer constructor).
 */
export function prefaultedInWorker(bytes: number): Promise<SharedArrayBuffer> {
  return call<SharedArrayBuffer>('prefault', { prefault: bytes }, undefined);
}

/** `memory` (a flushed memtable's, its pages mapped) with its bytes from zeroFrom on zeroed, on the prefault worker. */
export function zeroedInWorker(memory: SharedArrayBuffer, zeroFrom: number): Promise<SharedArrayBuffer> {
  return call<SharedArrayBuffer>('prefault', { reuse: { memory, zeroFrom } }, undefined);
}
