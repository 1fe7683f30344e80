import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
