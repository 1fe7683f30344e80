/**
 * `tray-cred audit verify` on every core: the main thread and a worker thread per other core
 * take the files one at a time from a shared queue and check every line's MAC and link
 * (audit-scan-queue.ts, audit-chain-scan.ts); the files' scans are then stitched together with
 * the chain head and the keychain's anchor. Nothing is accepted that the sequential verify would
 * refuse: whenever the fast pass cannot accept the whole log, the sequential verifyAuditLog runs
 * and names the problem.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../platform/worker-script.ts';
import { createSecretKey } from 'node:crypto';
import type { AuditAnchor } from '../../core/audit/audit-anchor.ts';
import { chainHolds, type FileScan } from '../../core/audit/audit-chain-scan.ts';
import { GENESIS, isAuditFile } from '../../core/audit/audit-codec.ts';
import { readHead } from '../../core/audit/audit-head.ts';
import { verifyAuditLog, type VerifyReport } from '../../core/audit/audit-verify.ts';
import type { FileSystem } from '../../core/ports/ports.ts';
import { scanQueue, type IndexedScan, type ScanJob } from './audit-scan-queue.ts';

/** Below this many files one thread is as fast: a worker costs about as much as reading a file. */
const MIN_FILES = 4;

/** The worker's script: beside this module in the source tree, beside the bundle in dist/. */
const findScript = (): string | undefined =>
  workerScript(import.meta.url, ['./audit-verify-worker.mjs', './audit-verify-worker.ts']);

function startWorker(
  script: string,
  rawKey: Buffer,
  job: ScanJob,
): { done: Promise<IndexedScan[]>; stop: () => Promise<number> } {
  const key = new Uint8Array(rawKey);
  const worker = new Worker(script, { workerData: { ...job, key } });
  key.fill(0); // workerData was copied into the worker's message when it was made; the worker zeroes its own copy
  const done = new Promise<IndexedScan[]>((resolve, reject) => {
    worker.once('message', (scans: IndexedScan[]) => resolve(scans));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`an audit verify worker exited with ${code}`)));
  });
  return { done, stop: () => worker.terminate() };
}

/** Every file's scan in order, from this thread and a worker per script in `scripts`; throws when a file cannot be read. */
async function scanAll(
  scripts: readonly string[],
  rawKey: Buffer,
  paths: string[],
  want: number[],
): Promise<FileScan[]> {
  const job: ScanJob = { paths, want, next: new Int32Array(new SharedArrayBuffer(4)) };
  const workers = scripts.map((script) => startWorker(script, rawKey, job));
  // Settled here, so that a worker stopped after this thread failed leaves no unhandled rejection.
  const theirs = Promise.all(workers.map((w) => w.done));
  void theirs.catch(() => undefined);
  try {
    const mine = scanQueue(rawKey, job);
    // A file no thread reached (one failed before it) stays refused.
    const scans = Array.from(paths, (): FileScan => ({ ok: false }));
    for (const [i, scan] of [...mine, ...(await theirs).flat()]) scans[i] = scan;
    return scans;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/**
 * The same report as verifyAuditLog, checked on up to `threads` threads (this one and workers;
 * by default one per core) when the log has enough files to pay for a worker's start. This
 * thread's share is synchronous, so its event loop waits: for a short-lived command like
 * `tray-cred audit verify`, not for the agent or the app's main process.
 */
export async function verifyAuditLogParallel(
  fs: FileSystem,
  dir: string,
  rawKey: Buffer,
  options: { requireEntries?: boolean; anchor?: AuditAnchor | null; threads?: number } = {},
): Promise<VerifyReport> {
  const files = (await fs.list(dir)).filter(isAuditFile);
  if (files.length === 0) return verifyAuditLog(fs, dir, rawKey, options);
  // This thread scans too; a worker per other core (and file) when the log is long enough to pay for starting one.
  const script = files.length >= MIN_FILES ? findScript() : undefined;
  const scripts: string[] = script
    ? Array.from({ length: Math.min(options.threads ?? availableParallelism(), files.length) - 1 }, () => script)
    : [];
  const anchor = options.anchor ?? null;
  const head = await readHead(fs, dir, createSecretKey(rawKey));
  const want = [1, ...(head.ok ? [head.seq] : []), ...(anchor ? [anchor.seq] : [])];
  let scans: FileScan[];
  try {
    scans = await scanAll(
      scripts,
      rawKey,
      files.map((f) => join(dir, f)),
      want,
    );
  } catch {
    return verifyAuditLog(fs, dir, rawKey, options); // a file vanished or could not be read: the full checks say which
  }
  const held = chainHolds(scans, { head, anchor, requireEntries: options.requireEntries === true, genesis: GENESIS });
  if (!held) return verifyAuditLog(fs, dir, rawKey, options);
  return { ok: true, entries: held.entries, files: files.length, problem: undefined };
}
