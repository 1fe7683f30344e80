/**
 * A worker thread of parallel audit verification: scans the files it is given (audit-chain-scan.ts)
 * and posts back one FileScan per file. It reads only the audit files named by the parent.
 */
import { createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { scanAuditFile, type FileScan } from '../core/audit-chain-scan.ts';

interface Job {
  key: Uint8Array;
  paths: string[];
  want: number[];
}

const job = workerData as Job;
const key = createSecretKey(Buffer.from(job.key));
job.key.fill(0);
const scans: FileScan[] = job.paths.map((path) => scanAuditFile(key, readFileSync(path), job.want));
parentPort?.postMessage(scans);
