/**
 * The loop each thread of parallel `audit verify` runs (the worker threads and the main thread
 * alike): take the next file from a counter all threads share (so a slow file holds up one
 * thread, not a fixed run of files behind it), read it into a buffer the thread reuses
 * (audit-lines-sync.ts), and scan it (audit-chain-scan.ts). A file that fails stops every
 * thread: the full checks run instead.
 */
import { scanAuditFile, type FileScan } from '../../core/audit/audit-chain-scan.ts';
import { MAX_LINE_CHARS } from '../../core/audit/audit-codec.ts';
import { LineMac } from '../../core/audit/audit-line-mac.ts';
import { readAuditFileSync } from './audit-lines-sync.ts';

export interface ScanJob {
  paths: readonly string[];
  /** The entry numbers whose MACs to return (entry 1, the head's, the anchor's). */
  want: readonly number[];
  /** One Int32 in shared memory: the index of the next file to take. */
  next: Int32Array;
}

/** One file's scan, by its place in `paths`. */
export type IndexedScan = [index: number, scan: FileScan];

/** The first 8 MiB is what the writer rotates at; a longer file grows the buffer. */
const FIRST_BUFFER = 8 * 1024 * 1024 + 64 * 1024;

/** Scans files from the shared counter until none are left or one fails; throws when a file cannot be read. */
export function scanQueue(rawKey: Uint8Array, job: ScanJob): IndexedScan[] {
  const mac = new LineMac(rawKey, MAX_LINE_CHARS);
  const done: IndexedScan[] = [];
  let buf: Buffer = Buffer.allocUnsafe(FIRST_BUFFER);
  try {
    for (let i = Atomics.add(job.next, 0, 1); i < job.paths.length; i = Atomics.add(job.next, 0, 1)) {
      const read = readAuditFileSync(job.paths[i]!, buf);
      buf = read.buf;
      const scan = read.tooLarge ? { ok: false as const } : scanAuditFile(mac, buf, read.length, job.want);
      done.push([i, scan]);
      if (!scan.ok) Atomics.store(job.next, 0, job.paths.length);
    }
  } finally {
    mac.wipe();
    Atomics.store(job.next, 0, job.paths.length); // after a throw too: the others stop, and the full checks run
  }
  return done;
}
