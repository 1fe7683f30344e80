/**
 * Run by history-scale.ts in its own process (`node --expose-gc`), so that the memory it reports
 * is the history index's alone: loads the index the history window uses from an audit directory,
 * then times what the window asks of it, then writes the sealed snapshot the tray app keeps and
 * times a second load that reads it (issue 16 item 3). Prints one JSON line.
 *
 * Usage: index-child.ts <audit dir> [<file holding the raw audit key>]; without a key file, the
 * audit key is the vault's in the audit dir's parent (the bench's world), from the keychain.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HistoryIndex } from '../../main/core/history/history-index.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { KeyringKeychain } from '../../main/node/platform/keyring-keychain.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { workerReader } from '../../main/node/audit/history-workers.ts';
import { CryptoRandom, SystemClock } from '../../main/node/platform/system-clock.ts';

const dir = process.argv[2]!;
const keyFile = process.argv[3];
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
const vault = new Vault(
  { fs, keychain: new KeyringKeychain(process.platform), random: new CryptoRandom(), clock: new SystemClock() },
  dirname(dir),
);
const auditKey = async (): Promise<Buffer> => (keyFile ? readFile(keyFile) : vault.loadAuditKey());
const scratch = await mkdtemp(join(tmpdir(), 'tray-cred-index-child-'));
const snapshot = { path: join(scratch, 'history-index.snapshot'), auditKey };
// As the history window loads it: the files parsed on worker threads (main/node/audit/history-workers.ts), no snapshot yet.
let index = new HistoryIndex({ fs, reader: workerReader(fs), snapshot }, dir);
const t0 = performance.now();
await index.refresh();
const loadMs = performance.now() - t0;
gc();
const after = process.memoryUsage();
let round = 0;
// Each needle is new, so each query scans every row (the index keeps the last filter's scan).
const textMs = median(
  Array.from({ length: 5 }, () =>
    time(() => index.query({ text: `bucket-${(round += 1) % 7}`, events: 'all' }, 0, 50)),
  ),
);
const profileMs = median(
  Array.from({ length: 5 }, () => time(() => index.query({ profile: `profile-${(round += 1) % 20}` }, 0, 50))),
);
const timelineNewMs = median(
  Array.from({ length: 5 }, () => time(() => index.timeline({ profile: `profile-${(round += 1) % 20}` }, 240))),
);
index.query({}, 0, 50);
const timelineAllMs = median(Array.from({ length: 5 }, () => time(() => index.timeline({}, 240))));
const activityMs = median(
  Array.from({ length: 3 }, () => time(() => index.activity(Date.now(), Date.now() - 7 * 86_400_000))),
);
const firstUseUs = time(() => {
  for (let i = 0; i < 1000; i += 1) index.firstUseBy(`profile-${i % 20}`, '/usr/local/bin/terraform', Date.now());
});
const mb = (n: number): number => n / 1024 / 1024;
// The snapshot the tray app writes once the index has loaded (started after the load by refresh itself; this waits for it).
const t1 = performance.now();
await index.saveSnapshot();
const snapshotWriteMs = performance.now() - t1;
const snapshotMb = mb((await fs.size(snapshot.path)) ?? NaN);
const rows = index.size;
const probe = JSON.stringify(index.query({ text: 'bucket-3', events: 'all' }, 0, 50));
index = new HistoryIndex({ fs, reader: workerReader(fs), snapshot }, dir);
const t2 = performance.now();
await index.refresh();
const snapshotLoadMs = performance.now() - t2;
gc();
gc(); // twice: the first index's transferred buffers are sometimes freed only by a second collection
const afterSnapshot = process.memoryUsage();
// Against the same baseline as heapMb (before anything was loaded): the first index is gone by now.
const snapshotHeapMb = mb(afterSnapshot.heapUsed + afterSnapshot.arrayBuffers - before.heapUsed - before.arrayBuffers);
const snapshotSame =
  index.size === rows && JSON.stringify(index.query({ text: 'bucket-3', events: 'all' }, 0, 50)) === probe;
await rm(scratch, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({
    rows,
    loadMs,
    heapMb: mb(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers),
    rssMb: mb(after.rss),
    textMs,
    profileMs,
    timelineNewMs,
    timelineAllMs,
    activityMs,
    firstUseUs,
    snapshotLoadMs,
    snapshotWriteMs,
    snapshotMb,
    snapshotHeapMb,
    snapshotSame,
  })}\n`,
);
