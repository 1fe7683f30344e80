/**
 * A worker thread of parallel audit verification: takes files from the queue it shares with the
 * other threads (audit-scan-queue.ts) and posts back their scans. It reads only the audit files
 * named by the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanQueue, type ScanJob } from './audit-scan-queue.ts';

const job = workerData as ScanJob & { key: Uint8Array };
try {
  parentPort?.postMessage(scanQueue(job.key, job));
} finally {
  job.key.fill(0);
}
