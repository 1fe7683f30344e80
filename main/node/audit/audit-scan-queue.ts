/**
 * The loop each thread of parallel `audit verify` runs (the worker threads and the main thread
 * alike): take the next file from a counter all threads share (so a slow file holds up one
 * thread, not a fixed run of files behind it), read it into a buffer the thread reuses, and scan
 * it (audit-chain-scan.ts). A file that fails stops every thread: the full checks run instead.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { scanAuditFile, type FileScan } from '../../core/audit/audit-chain-scan.ts';
import { MAX_LINE_CHARS } from '../../core/audit/audit-codec.ts';
import { LineMac } from '../../core/audit/audit-line-mac.ts';
import { LIMITS } from '../../core/file-limits.ts';

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

/**
 * Reads the file at `path` into `buf` (or a longer one), up to the audit file cap plus a byte:
 * the full checks refuse a file over the cap, so the scan must not accept one.
 */
function readInto(path: string, buf: Buffer): { buf: Buffer; length: number } {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (buf.length > LIMITS.auditFile.bytes) return { buf, length };
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, LIMITS.auditFile.bytes + 1));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) return { buf, length };
      length += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Scans files from the shared counter until none are left or one fails; throws when a file cannot be read. */
export function scanQueue(rawKey: Uint8Array, job: ScanJob): IndexedScan[] {
  const mac = new LineMac(rawKey, MAX_LINE_CHARS);
  const done: IndexedScan[] = [];
  let buf: Buffer = Buffer.allocUnsafe(FIRST_BUFFER);
  try {
    for (let i = Atomics.add(job.next, 0, 1); i < job.paths.length; i = Atomics.add(job.next, 0, 1)) {
      const read = readInto(job.paths[i]!, buf);
      buf = read.buf;
      const scan = read.length > LIMITS.auditFile.bytes ? { ok: false as const } : scanAuditFile(mac, buf, read.length, job.want);
      done.push([i, scan]);
      if (!scan.ok) Atomics.store(job.next, 0, job.paths.length);
    }
  } finally {
    mac.wipe();
    Atomics.store(job.next, 0, job.paths.length); // after a throw too: the others stop, and the full checks run
  }
  return done;
}
