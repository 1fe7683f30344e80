/**
 * A worker thread of the history index (history-workers.ts): reads each audit file range it is
 * sent into a batch (history-batch.ts) and posts it back, its arrays transferred. A range it
 * cannot read is answered with the error's message, and the parent reads that range itself.
 */
import { parentPort } from 'node:worker_threads';
import { batchBuffers, readBatch } from '../../core/history/history-batch.ts';
import type { BatchJob } from '../../core/ports/ports.ts';
import { NodeFileSystem } from '../platform/node-file-system.ts';

const fs = new NodeFileSystem(process.getuid?.());
const port = parentPort!;
port.on('message', (job: BatchJob) => {
  readBatch(fs, job).then(
    (batch) => port.postMessage({ batch }, batchBuffers(batch)),
    (error: unknown) => port.postMessage({ error: String(error) }),
  );
});
