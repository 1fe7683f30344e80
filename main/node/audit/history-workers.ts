/**
 * The history index's files read on worker threads: each file is parsed into a batch on one of
 * up to `threads` workers (history-worker.ts) while the index appends the batches before it, so
 * a long log loads in about the time of its share of the parsing on each core (issue 16 item 3).
 * The batches are what readBatch makes on this thread. A long log is never read here on purpose:
 * the agent answers on this thread. Where the workers cannot run (their script missing, a worker
 * that fails to start or dies), what is left is read here all the same, rather than no history,
 * and the log says why and that the agent is slower meanwhile.
 *
 * In the packaged app the script is inside app.asar, under the archive's integrity check: Electron
 * gives worker threads the ASAR file system since electron/electron#33216 (Electron 18), now by
 * the Node preload every worker inherits (#41080), so the path found beside this module's own
 * URL works there as it does in dist/.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../platform/worker-script.ts';
import { readBatch, threadReader } from '../../core/history/history-batch.ts';
import type { BatchJob, BatchReader, FileSystem, HistoryBatch } from '../../core/ports/ports.ts';

/** Below this many bytes to read, one thread is as fast: starting a worker costs about as much as parsing 4 MB. */
const MIN_BYTES = 16 * 1024 * 1024;

/** The worker's script: beside this module in the source tree, beside the bundle in dist/ (or one level up from a chunk). */
const findScript = (): string | undefined =>
  workerScript(import.meta.url, ['./history-worker.mjs', '../history-worker.mjs', './history-worker.ts']);

interface Pending {
  job: BatchJob;
  resolve: (batch: HistoryBatch | Promise<HistoryBatch>) => void;
}

type Answer = { batch: HistoryBatch } | { error: string };

/**
 * Runs `jobs` on up to `threads` workers, each taking the next job when done with its last, and
 * stops them when all are done. When the last worker is gone, what is left is read on this thread.
 */
function runPool(
  fs: FileSystem,
  workers: Worker[],
  jobs: readonly BatchJob[],
  onDead: (error: unknown) => void,
): Promise<HistoryBatch>[] {
  const queue: Pending[] = [];
  const results = jobs.map((job) => new Promise<HistoryBatch>((resolve) => queue.push({ job, resolve })));
  let live = workers.length;
  const inThread = (pending: Pending[]): void => {
    const batches = threadReader(fs).read(pending.map((p) => p.job));
    pending.forEach((p, k) => p.resolve(batches[k]!));
  };
  const next = (worker: Worker): void => {
    const pending = queue.shift();
    if (!pending) {
      void worker.terminate();
      return;
    }
    // Only these listeners come off: the Worker keeps its own on itself (they ref its port).
    const off = (): void => {
      worker.off('message', done).off('error', dead).off('exit', dead);
    };
    const done = (answer: Answer): void => {
      off();
      pending.resolve('batch' in answer ? answer.batch : readBatch(fs, pending.job));
      next(worker);
    };
    // A worker that fails or exits leaves its job to this thread and takes no more.
    const dead = (error: unknown): void => {
      off();
      onDead(error);
      live -= 1;
      inThread(live === 0 ? [pending, ...queue.splice(0)] : [pending]);
    };
    worker.once('message', done);
    worker.once('error', dead);
    worker.once('exit', dead);
    worker.postMessage(pending.job);
  };
  for (const worker of workers) next(worker);
  return results;
}

/** `n` workers running `script`, or why one could not be started (those started are stopped). */
function startWorkers(script: string, n: number): Worker[] | string {
  const workers: Worker[] = [];
  try {
    for (let k = 0; k < n; k += 1) workers.push(new Worker(script));
    return workers;
  } catch (error) {
    for (const worker of workers) void worker.terminate();
    return (error as Error).message;
  }
}

/**
 * A BatchReader on worker threads (one per core, and one at least: on a single core the worker
 * still keeps the parsing off this thread), used when the bytes to read are many (loading the
 * history window's index); small refreshes read on this thread. `warn` hears each time a long
 * read falls back to this thread, and why.
 */
export function workerReader(
  fs: FileSystem,
  options: { threads?: number; minBytes?: number; warn?: (message: string) => void } = {},
): BatchReader {
  const inThread = threadReader(fs);
  return {
    read(jobs) {
      const bytes = jobs.reduce((sum, j) => sum + j.size - j.offset, 0);
      if (jobs.length === 0 || bytes < (options.minBytes ?? MIN_BYTES)) return inThread.read(jobs);
      const fallBack = (why: string): void =>
        options.warn?.(
          `the history's worker thread ${why}: reading ${(bytes / 1e6).toFixed(1)} MB of history on the main thread, which slows the agent meanwhile; reinstall tray-cred if this repeats`,
        );
      const script = findScript();
      if (!script) {
        fallBack('has no script (history-worker.mjs is not beside the app)');
        return inThread.read(jobs);
      }
      const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), jobs.length));
      const workers = startWorkers(script, threads);
      if (typeof workers === 'string') {
        fallBack(`could not start (${workers})`);
        return inThread.read(jobs);
      }
      let told = false;
      return runPool(fs, workers, jobs, (error) => {
        if (told) return;
        told = true;
        fallBack(`stopped (${error instanceof Error ? error.message : `exit ${String(error)}`})`);
      });
    },
  };
}
