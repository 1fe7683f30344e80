/**
 * Run by history-scale.ts in its own process (`node --expose-gc`), so that the memory it reports
 * is the history index's alone: loads the index the history window uses from an audit directory,
 * then times what the window asks of it. Prints one JSON line.
 */
import { HistoryIndex } from '../../main/core/history-index.ts';
import { NodeFileSystem } from '../../main/node/node-file-system.ts';
import { workerReader } from '../../main/node/history-workers.ts';

const dir = process.argv[2]!;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (fn: () => unknown): number => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};

gc();
const before = process.memoryUsage();
const fs = new NodeFileSystem(process.getuid?.());
// As the history window loads it: the files parsed on worker threads (main/node/history-workers.ts).
const index = new HistoryIndex({ fs, reader: workerReader(fs) }, dir);
const t0 = performance.now();
await index.refresh();
const loadMs = performance.now() - t0;
gc();
const after = process.memoryUsage();
let round = 0;
// Each needle is new, so each query scans every row (the index keeps the last filter's scan).
const textMs = median(Array.from({ length: 5 }, () => time(() => index.query({ text: `bucket-${(round += 1) % 7}`, events: 'all' }, 0, 50))));
const profileMs = median(Array.from({ length: 5 }, () => time(() => index.query({ profile: `profile-${(round += 1) % 20}` }, 0, 50))));
const timelineNewMs = median(Array.from({ length: 5 }, () => time(() => index.timeline({ profile: `profile-${(round += 1) % 20}` }, 240))));
index.query({}, 0, 50);
const timelineAllMs = median(Array.from({ length: 5 }, () => time(() => index.timeline({}, 240))));
const activityMs = median(Array.from({ length: 3 }, () => time(() => index.activity(Date.now(), Date.now() - 7 * 86_400_000))));
const firstUseUs = time(() => {
  for (let i = 0; i < 1000; i += 1) index.firstUseBy(`profile-${i % 20}`, '/usr/local/bin/terraform', Date.now());
});
const mb = (n: number): number => n / 1024 / 1024;
process.stdout.write(
  `${JSON.stringify({
    rows: index.size,
    loadMs,
    heapMb: mb(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers),
    rssMb: mb(after.rss),
    textMs,
    profileMs,
    timelineNewMs,
    timelineAllMs,
    activityMs,
    firstUseUs,
  })}\n`,
);
