import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT, run } from '../e2e/support.ts';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createSecretKey } from 'node:crypto';
import { fileName, parseRecord, sealEntry, GENESIS, type AuditInput } from '../../main/core/audit/audit-codec.ts';
import { readBatch, threadReader } from '../../main/core/history/history-batch.ts';
import { HistoryIndex } from '../../main/core/history/history-index.ts';
import type { BatchJob, HistoryBatch } from '../../main/core/ports/ports.ts';
import { workerReader } from '../../main/node/audit/history-workers.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';

const fs = new NodeFileSystem(process.getuid?.());
const key = createSecretKey(Buffer.alloc(32, 5));
const T0 = Date.parse('2026-11-26T09:00:00Z');

/** Entry `seq`: every kind of field the index keeps, verified on even entries, a command that repeats every 5. */
function input(seq: number): AuditInput {
  const caller = {
    pid: 100 + (seq % 3),
    ppid: 1,
    command: `aws s3 cp s3://Bucket-${seq % 5}/key ./`,
    cwd: `/home/ann/${seq % 4}`,
  };
  const verified = {
    method: 'SO_PEERCRED',
    peer: { pid: 7, uid: 1000 },
    requester: {
      pid: 100,
      startTime: String(seq),
      exe: '/usr/bin/aws',
      argv: ['/usr/bin/aws', 's3', 'cp'],
      cwd: '/srv',
    },
    ancestry: [{ pid: 99, exe: '/bin/bash', argv: ['bash'] }],
  };
  if (seq % 7 === 0) return { event: 'policy', profile: `p${seq % 3}`, reason: 'ask, remember 15 min' };
  return {
    event: 'access',
    profile: `p${seq % 3}`,
    decision: seq % 4 === 0 ? 'denied' : 'allowed',
    caller,
    ...(seq % 2 === 0 ? { verified } : {}),
    durationMs: seq % 9,
    ...(seq % 4 === 0 ? {} : { served: 'vault' as const, credentialId: 'AKIAIOSFODNN7EXAMPLE' }),
  };
}

/** Lines that are not records, each of a kind a hostile or damaged file holds; none of them may become a row. */
function hostileLines(seq: number, prev: string): string[] {
  const good = sealEntry(key, input(seq), seq, new Date(T0).toISOString(), prev).line;
  return [
    good.replace(/"event":"[a-z]+"/, '"event":"acc\\u0065ss","event":"forged"'), // a forged field: the last of two keys wins, and it is no event
    good.replace('"profile":', '"profile":7,"x":'), // a field of the wrong type
    good.replace(/"seq":\d+/, '"seq":1.5'),
    `{"seq":${seq},"time":"${new Date(T0).toISOString()}","event":"access","profile":"${'x'.repeat(70 * 1024)}"}`, // longer than any line tray-cred writes
    good.slice(0, -1), // cut short
    '[1,2,3]',
    good.replace(/"time":"[^"]+"/, '"time":"yesterday"'),
  ];
}

/** Writes `files` audit files of `per` entries each, hostile lines among them, a line of bad UTF-8 and a torn last line. */
async function writeLog(dir: string, files: number, per: number): Promise<void> {
  let prev = GENESIS;
  let seq = 1;
  for (let f = 0; f < files; f += 1) {
    const lines: (string | Buffer)[] = [];
    const first = seq;
    for (let k = 0; k < per; k += 1, seq += 1) {
      const sealed = sealEntry(key, input(seq), seq, new Date(T0 + seq * 60_000).toISOString(), prev);
      prev = sealed.entry.mac;
      lines.push(`${sealed.line}\n`);
      if (k === 3) lines.push(...hostileLines(seq, prev).map((l) => `${l}\n`));
      // Bad UTF-8 inside a record's string: decoded as U+FFFD on every thread, and shown as such.
      if (k === 5)
        lines.push(
          Buffer.concat([
            Buffer.from(
              `{"seq":${seq},"time":"${new Date(T0).toISOString()}","event":"access","profile":"p9","reason":"`,
            ),
            Buffer.from([0xc3, 0x28, 0xff]),
            Buffer.from('"}\n'),
          ]),
        );
    }
    await writeFile(
      join(dir, fileName(first)),
      Buffer.concat(lines.map((l) => (typeof l === 'string' ? Buffer.from(l) : l))),
      { mode: 0o600 },
    );
  }
  const last = (await readdir(dir)).sort().at(-1)!;
  await appendFile(
    join(dir, last),
    sealEntry(key, input(seq), seq, new Date(T0 + seq * 60_000).toISOString(), prev).line.slice(0, 80),
  );
}

async function jobsOf(dir: string): Promise<BatchJob[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();
  return Promise.all(
    names.map(async (n) => ({ path: join(dir, n), offset: 0, size: (await stat(join(dir, n))).size })),
  );
}

/** The rows every line that parseRecord accepts becomes, read line by line without the batch reader: what the index must show. */
async function expectedSeqs(dir: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const job of await jobsOf(dir)) {
    const text = (await readFile(job.path)).toString('utf8');
    for (const line of text.slice(0, text.lastIndexOf('\n')).split('\n')) {
      const parsed = parseRecord(line);
      if (parsed.ok) seqs.push(parsed.record.seq);
    }
  }
  return seqs;
}

const plain = (b: HistoryBatch): unknown => ({
  ...b,
  numbers: Object.fromEntries(Object.entries(b.numbers).map(([k, v]) => [k, [...v]])),
  codes: Object.fromEntries(Object.entries(b.codes).map(([k, v]) => [k, [...v]])),
});

describe('history index on worker threads', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-history-workers-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('makes of each file, hostile lines included, exactly the batch this thread makes', async () => {
    await writeLog(dir, 5, 40);
    const jobs = await jobsOf(dir);
    const here = await Promise.all(threadReader(fs).read(jobs));
    const there = await Promise.all(workerReader(fs, { threads: 2, minBytes: 0 }).read(jobs));
    assert.deepEqual(there.map(plain), here.map(plain));
    const seqs = here.flatMap((b) => [...b.numbers.seq]);
    assert.deepEqual(
      seqs,
      await expectedSeqs(dir),
      'each line parseRecord accepts is one row, in order, and nothing else is',
    );
    assert.equal(seqs.length, 5 * 41, 'each entry and each line of bad UTF-8 is a row, no hostile line is');
    assert.equal(here[0]!.values.filter((v) => v === '\ufffd(\ufffd').length, 1, 'the bad bytes read as U+FFFD');
    assert.ok(here.at(-1)!.end < jobs.at(-1)!.size, 'the torn last line is left for later');
  });

  it('shows the same history as an index read on this thread, and reads what is appended later on this thread', async () => {
    await writeLog(dir, 6, 30);
    const here = new HistoryIndex({ fs }, dir);
    const there = new HistoryIndex({ fs, reader: workerReader(fs, { threads: 2, minBytes: 0 }) }, dir);
    await Promise.all([here.refresh(), there.refresh()]);
    assert.equal(there.size, here.size);
    for (const filter of [
      { events: 'all' as const },
      { text: 'BUCKET-3' },
      { text: '/home/ann/2', decision: 'allowed' as const },
      { profile: 'p1' },
      { text: 'remember', events: 'all' as const },
    ]) {
      assert.deepEqual(there.query(filter, 0, Infinity), here.query(filter, 0, Infinity), JSON.stringify(filter));
    }
    assert.deepEqual(there.timeline({}, 50), here.timeline({}, 50));
    assert.deepEqual(there.activity(T0 + 1e9, T0), here.activity(T0 + 1e9, T0));
    const names = (await readdir(dir)).sort();
    await appendFile(join(dir, names.at(-1)!), '\n');
    await Promise.all([here.refresh(), there.refresh()]);
    assert.deepEqual(there.query({ events: 'all' }, 0, 5), here.query({ events: 'all' }, 0, 5));
  });

  it('fails the batch of a file that cannot be read as this thread does, and reads the others', async () => {
    await writeLog(dir, 3, 10);
    const jobs = [...(await jobsOf(dir)), { path: join(dir, fileName(999)), offset: 0, size: 100 }];
    const [here, there] = [threadReader(fs).read(jobs), workerReader(fs, { threads: 2, minBytes: 0 }).read(jobs)];
    const [mine, theirs] = await Promise.all([Promise.allSettled(here), Promise.allSettled(there)]);
    assert.deepEqual(
      theirs.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'rejected'],
    );
    assert.deepEqual(
      mine.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'rejected'],
    );
    await assert.rejects(there.at(-1)!, /ENOENT/, "a worker's failure is read again here, and fails the same way");
    assert.deepEqual(
      theirs.slice(0, 3).map((r) => r.status === 'fulfilled' && r.value.count),
      mine.slice(0, 3).map((r) => r.status === 'fulfilled' && r.value.count),
    );
  });

  it('stops at a file cut short after its size was read, instead of waiting for bytes that never come', async () => {
    await writeLog(dir, 1, 10);
    const [job] = await jobsOf(dir);
    const batch = await readBatch(fs, { ...job!, size: job!.size + 1_000_000 });
    assert.equal(batch.count, (await expectedSeqs(dir)).length);
  });
});

// ---- the workers as packed in app.asar (issue 25) ----
/**
 * The packaged app runs from `resources/app.asar/dist/app/` (its chunks in `chunks/`) with any
 * cwd, and the archive holds no node_modules for the worker. Here the same layout is a folder
 * named app.asar, holding the real built worker (dist/app/history-worker.mjs) and this module
 * bundled as a chunk, run from another cwd: a path resolved from the cwd or the checkout, or a
 * worker that needs a package, falls back to the main thread, which the reader reports.
 */
describe('history workers laid out as in app.asar', () => {
  let root: string;
  const APP = (): string => join(root, 'resources', 'app.asar', 'dist', 'app');
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tray-cred-asar-'));
    const worker = join(ROOT, 'dist', 'app', 'history-worker.mjs');
    assert.ok(existsSync(worker), `${worker} is missing: run \`node build/bundle.ts\` (build/test.sh does) first`);
    await mkdir(join(APP(), 'chunks'), { recursive: true });
    await copyFile(worker, join(APP(), 'history-worker.mjs'));
    await build({
      stdin: {
        contents: [
          `export { workerReader } from ${JSON.stringify(join(ROOT, 'main/node/audit/history-workers.ts'))};`,
          `export { threadReader } from ${JSON.stringify(join(ROOT, 'main/core/history/history-batch.ts'))};`,
          `export { NodeFileSystem } from ${JSON.stringify(join(ROOT, 'main/node/platform/node-file-system.ts'))};`,
        ].join('\n'),
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: join(APP(), 'chunks', 'reader.mjs'),
      logLevel: 'error',
    });
    await mkdir(join(root, 'log'));
    await mkdir(join(root, 'elsewhere'));
    await writeLog(join(root, 'log'), 4, 60);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  /** Reads the log with the bundled reader (workers for any size) from another cwd; what it warned and whether the batches match this thread's. */
  async function readFromArchive(): Promise<{ warnings: string[]; same: boolean; rows: number }> {
    const script = `
      const { workerReader, threadReader, NodeFileSystem } = await import(${JSON.stringify(pathToFileURL(join(APP(), 'chunks', 'reader.mjs')).href)});
      const { readdir, stat } = await import('node:fs/promises');
      const dir = ${JSON.stringify(join(root, 'log'))};
      const fs = new NodeFileSystem(process.getuid());
      const jobs = await Promise.all((await readdir(dir)).sort().map(async (n) => ({ path: dir + '/' + n, offset: 0, size: (await stat(dir + '/' + n)).size })));
      const warnings = [];
      const there = await Promise.all(workerReader(fs, { threads: 2, minBytes: 0, warn: (m) => warnings.push(m) }).read(jobs));
      const here = await Promise.all(threadReader(fs).read(jobs));
      const key = (b) => JSON.stringify([b.count, b.end, [...b.numbers.seq]]);
      console.log(JSON.stringify({ warnings, same: there.map(key).join() === here.map(key).join(), rows: here.reduce((s, b) => s + b.count, 0) }));
    `;
    // A file, not -e: a worker inherits the process's execArgv, and --input-type would fail it.
    await writeFile(join(root, 'elsewhere', 'read.mjs'), script);
    const r = await run(process.execPath, ['read.mjs'], { cwd: join(root, 'elsewhere'), env: process.env });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { warnings: string[]; same: boolean; rows: number };
  }

  it('reads a long log on worker threads from inside the archive, whatever the cwd', async () => {
    const read = await readFromArchive();
    assert.deepEqual(read.warnings, [], 'no fall-back to the main thread');
    assert.equal(read.same, true);
    assert.equal(read.rows, 4 * 61);
  });

  it('says so when the worker cannot run there, and still shows the history (the check above can fail)', async () => {
    await rm(join(APP(), 'history-worker.mjs'));
    const read = await readFromArchive();
    assert.equal(read.warnings.length, 1, read.warnings.join('\n'));
    assert.match(read.warnings[0]!, /worker thread has no script .*on the main thread, which slows the agent/);
    assert.equal(read.same, true);
  });
});
// ---- end app.asar ----
