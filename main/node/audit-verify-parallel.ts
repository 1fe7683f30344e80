/**
 * `tray-cred audit verify` on every core: the files are split into contiguous runs, one worker
 * thread each, which check every line's MAC and link (audit-chain-scan.ts); the runs are then
 * stitched together with the chain head and the keychain's anchor. Nothing is accepted that the
 * sequential verify would refuse: whenever the fast pass cannot accept the whole log, the
 * sequential verifyAuditLog runs and names the problem.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createSecretKey } from 'node:crypto';
import type { AuditAnchor } from '../core/audit-anchor.ts';
import { chainHolds, type FileScan } from '../core/audit-chain-scan.ts';
import { GENESIS, isAuditFile } from '../core/audit-codec.ts';
import { readHead } from '../core/audit-head.ts';
import { verifyAuditLog, type VerifyReport } from '../core/audit-verify.ts';
import type { FileSystem } from '../core/ports.ts';

/** Below this many files one thread is as fast: a worker costs about as much as reading a file. */
const MIN_FILES = 4;

/** The worker's script: beside this module in the source tree, beside the bundle in dist/. */
function workerScript(): string | undefined {
  for (const name of ['./audit-verify-worker.mjs', './audit-verify-worker.ts']) {
    const path = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

function runWorker(script: string, rawKey: Buffer, paths: string[], want: number[]): Promise<FileScan[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { key: new Uint8Array(rawKey), paths, want } });
    worker.once('message', (scans: FileScan[]) => resolve(scans));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`an audit verify worker exited with ${code}`));
    });
  });
}

/** Splits `items` into at most `n` contiguous runs of near-equal length. */
function runs<T>(items: readonly T[], n: number): T[][] {
  const size = Math.ceil(items.length / n);
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/** The same report as verifyAuditLog, computed on up to `threads` worker threads when the log is long. */
export async function verifyAuditLogParallel(
  fs: FileSystem,
  dir: string,
  rawKey: Buffer,
  options: { requireEntries?: boolean; anchor?: AuditAnchor | null; threads?: number } = {},
): Promise<VerifyReport> {
  const files = (await fs.list(dir)).filter(isAuditFile);
  const threads = Math.min(options.threads ?? availableParallelism(), files.length);
  const script = workerScript();
  if (files.length < MIN_FILES || threads < 2 || !script) return verifyAuditLog(fs, dir, rawKey, options);
  const anchor = options.anchor ?? null;
  const head = await readHead(fs, dir, createSecretKey(rawKey));
  const want = [1, ...(head.ok ? [head.seq] : []), ...(anchor ? [anchor.seq] : [])];
  let scans: FileScan[];
  try {
    scans = (await Promise.all(runs(files, threads).map((run) => runWorker(script, rawKey, run.map((f) => join(dir, f)), want)))).flat();
  } catch {
    return verifyAuditLog(fs, dir, rawKey, options); // a file vanished or could not be read: the full checks say which
  }
  const held = chainHolds(scans, { head, anchor, requireEntries: options.requireEntries === true, genesis: GENESIS });
  if (!held) return verifyAuditLog(fs, dir, rawKey, options);
  return { ok: true, entries: held.entries, files: files.length, problem: undefined };
}
