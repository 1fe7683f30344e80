import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { AuditInput } from '../../main/core/audit/audit-codec.ts';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { HistoryIndex } from '../../main/core/history/history-index.ts';
import type { FileSystem } from '../../main/core/ports/ports.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { FakeClock } from '../fakes/fake-clock.ts';

const fs = new NodeFileSystem(process.getuid?.());
const key = Buffer.alloc(32, 3);
const ROW_KEYS = [
  'seq',
  'time',
  'event',
  'profile',
  'decision',
  'command',
  'verified',
  'claimed',
  'cwd',
  'pid',
  'ppid',
  'durationMs',
  'reason',
  'served',
  'credentialId',
  'program',
  'firstUse',
].sort();

/** The FileSystem port, counting the bytes the index reads. */
function counting(inner: FileSystem): FileSystem & { bytesRead: number } {
  const wrapped = Object.create(inner) as FileSystem & { bytesRead: number };
  wrapped.bytesRead = 0;
  wrapped.readRange = async (path, start, length) => {
    const b = await inner.readRange(path, start, length);
    wrapped.bytesRead += b.length;
    return b;
  };
  return wrapped;
}

const caller = (command: string, cwd = '/home/ann/app') => ({ pid: 100, ppid: 1, command, cwd });

describe('HistoryIndex', () => {
  let dir: string;
  let clock: FakeClock;
  let log: AuditLog;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-history-'));
    clock = new FakeClock();
    log = new AuditLog({ fs, clock }, dir, key);
  });
  afterEach(async () => {
    await log.flushed(); // the chain head follows the answers: let it land before the dir goes
    await rm(dir, { recursive: true, force: true });
  });

  async function record(inputs: AuditInput[]): Promise<void> {
    for (const input of inputs) {
      clock.advance(60_000);
      await log.append(input);
    }
  }

  const sample: AuditInput[] = [
    { event: 'unlock' },
    {
      event: 'access',
      profile: 'dev',
      decision: 'allowed',
      caller: caller('aws s3 ls'),
      durationMs: 3,
      served: 'vault',
      credentialId: 'AKIAIOSFODNN7EXAMPLE',
    },
    {
      event: 'access',
      profile: 'prod',
      decision: 'denied',
      caller: caller('aws s3 rb s3://Payroll', '/srv/ops'),
      reason: 'denied at the prompt',
      durationMs: 4000,
    },
    {
      event: 'access',
      profile: 'prod',
      decision: 'approved',
      caller: caller('terraform apply'),
      durationMs: 2500,
      served: 'minted',
      credentialId: 'ASIAEXAMPLE',
    },
    { event: 'policy', profile: 'prod', reason: 'ask, remember 15 min' },
    {
      event: 'access',
      profile: 'dev',
      decision: 'allowed',
      caller: caller('aws sts get-caller-identity'),
      durationMs: 2,
      served: 'vault',
    },
  ];

  it('shows the verified requesting program as verified, and a claim about another process beside it', async () => {
    const verified = {
      method: 'SO_PEERCRED',
      peer: { pid: 301, uid: 0 },
      requester: { pid: 299, startTime: '1', exe: '/usr/bin/node', argv: ['node', 'deploy.js'], cwd: '/srv/app' },
      ancestry: [{ pid: 10, exe: '/usr/bin/bash', argv: ['-bash'] }],
    };
    await record([
      {
        event: 'access',
        profile: 'prod',
        decision: 'allowed',
        caller: { pid: 300, ppid: 299, command: '/bin/sh -c tray-cred-helper prod', cwd: '/srv/app' },
        verified,
      },
      {
        event: 'access',
        profile: 'prod',
        decision: 'allowed',
        caller: { pid: 299, ppid: 10, command: 'node deploy.js', cwd: '/srv/app' },
        verified,
      },
    ]);
    const index = new HistoryIndex({ fs }, dir);
    await index.refresh();
    const [same, other] = index.query({}, 0, 50).rows;
    assert.deepEqual(
      [other!.command, other!.verified, other!.claimed, other!.cwd, other!.pid, other!.ppid],
      ['node deploy.js', true, '/bin/sh -c tray-cred-helper prod', '/srv/app', 299, 10],
    );
    assert.equal(same!.claimed, null, 'a claim about the verified process itself adds nothing');
    assert.deepEqual(
      index.query({ text: 'TRAY-CRED-HELPER' }, 0, 50).rows.map((r) => r.seq),
      [other!.seq],
      'the search finds the claim too',
    );
  });

  it('pages the access history newest first, and every filter narrows it', async () => {
    await record(sample);
    const index = new HistoryIndex({ fs }, dir);
    await index.refresh();
    const all = index.query({}, 0, 50);
    assert.equal(all.total, 4);
    assert.deepEqual(
      all.rows.map((r) => r.seq),
      [6, 4, 3, 2],
    );
    assert.deepEqual(all.profiles, ['dev', 'prod']);
    const served = all.rows[3]!;
    assert.deepEqual(served, {
      seq: 2,
      time: new Date(Date.parse('2026-11-26T09:00:00Z') + 2 * 60_000).toISOString(),
      event: 'access',
      profile: 'dev',
      decision: 'allowed',
      command: 'aws s3 ls',
      verified: false,
      claimed: null,
      cwd: '/home/ann/app',
      pid: 100,
      ppid: 1,
      durationMs: 3,
      reason: null,
      served: 'vault',
      credentialId: 'AKIAIOSFODNN7EXAMPLE',
      program: null,
      firstUse: false,
    });

    const seqs = (filter: Parameters<HistoryIndex['query']>[0]): number[] =>
      index.query(filter, 0, 50).rows.map((r) => r.seq);
    assert.deepEqual(seqs({ events: 'all' }), [6, 5, 4, 3, 2, 1]);
    assert.deepEqual(seqs({ profile: 'prod' }), [4, 3]);
    assert.deepEqual(seqs({ profile: 'prod', events: 'all' }), [5, 4, 3]);
    assert.deepEqual(seqs({ profile: 'nope' }), []);
    assert.deepEqual(seqs({ decision: 'denied' }), [3]);
    assert.deepEqual(seqs({ decision: 'timeout' }), []);
    assert.deepEqual(seqs({ text: 'PAYROLL' }), [3], 'text matches the command, whatever the case');
    assert.deepEqual(seqs({ text: 'srv/OPS' }), [3], 'and the cwd');
    assert.deepEqual(seqs({ text: 'at the prompt' }), [3], 'and the reason');
    assert.deepEqual(seqs({ text: 'DEV' }), [6, 2], 'and the profile');
    assert.deepEqual(seqs({ text: 'remember', events: 'all' }), [5]);
    assert.deepEqual(seqs({ text: '  ' }), [6, 4, 3, 2], 'blank text does not narrow');
    const t = (seq: number): string => new Date(Date.parse('2026-11-26T09:00:00Z') + seq * 60_000).toISOString();
    assert.deepEqual(seqs({ from: t(3), to: t(6) }), [4, 3], 'from is inclusive, to exclusive');
    assert.deepEqual(seqs({ from: t(3), decision: 'approved', text: 'terraform' }), [4]);

    const page1 = index.query({ events: 'all' }, 0, 4);
    const page2 = index.query({ events: 'all' }, 4, 4);
    assert.deepEqual(
      [...page1.rows, ...page2.rows].map((r) => r.seq),
      [6, 5, 4, 3, 2, 1],
    );
    assert.equal(page2.total, 6);
    assert.equal(page2.offset, 4);
    assert.deepEqual(index.query({ events: 'all' }, 10, 4).rows, []);
    assert.throws(() => index.query({ from: 'yesterday' }, 0, 5), /ISO 8601/);
    assert.throws(() => index.query({}, -1, 5), /offset/);

    assert.deepEqual(
      index.recent(2).map((r) => [r.seq, r.profile, r.command]),
      [
        [6, 'dev', 'aws sts get-caller-identity'],
        [4, 'prod', 'terraform apply'],
      ],
    );
  });

  it('rows hold only the HistoryRow fields, never the chain MAC, request id or anything else in the entry', async () => {
    await record([
      {
        event: 'access',
        profile: 'dev',
        decision: 'allowed',
        requestId: 'req-1',
        sessionName: 'tray-cred-req-1',
        caller: caller('aws s3 ls'),
      },
    ]);
    const text = (await fs.readFile(join(dir, (await readdir(dir)).find((n) => n.endsWith('.jsonl'))!)))!.toString();
    await appendFile(
      join(dir, 'audit-000000000001.jsonl'),
      `${text.trim().replace('"seq":1', '"seq":2').replace('"profile":"dev"', '"profile":"dev","secretAccessKey":"leak","decision2":"x"')}\n`,
    );
    const index = new HistoryIndex({ fs }, dir);
    await index.refresh();
    const rows = index.query({}, 0, 10).rows;
    assert.equal(rows.length, 2);
    for (const row of rows) assert.deepEqual(Object.keys(row).sort(), ROW_KEYS);
    assert.doesNotMatch(JSON.stringify(rows), /leak|req-1|"mac"|"prev"/);
  });

  it('refresh reads only what was appended, across rotation to new files', async () => {
    log = new AuditLog({ fs, clock }, dir, key, { maxFileBytes: 700 });
    const cfs = counting(fs);
    const index = new HistoryIndex({ fs: cfs }, dir);
    await index.refresh();
    assert.equal(index.query({}, 0, 10).total, 0, 'a log with no files is an empty history');
    let expected = 0;
    for (let round = 0; round < 6; round += 1) {
      const batch = Array.from(
        { length: 3 },
        (_, i): AuditInput => ({
          event: 'access',
          profile: `p${round}`,
          decision: 'allowed',
          caller: caller(`aws s3 ls round-${round}-${i}`),
        }),
      );
      await record(batch);
      expected += batch.length;
      await index.refresh();
      const page = index.query({}, 0, 500);
      assert.equal(page.total, expected);
      assert.deepEqual(
        page.rows.map((r) => r.seq),
        Array.from({ length: expected }, (_, i) => expected - i),
        'every entry once, newest first',
      );
    }
    const files = (await readdir(dir)).filter((n) => n.endsWith('.jsonl'));
    assert.ok(files.length >= 3, `the log rotated (${files.length} files)`);
    const totalBytes = (await Promise.all(files.map(async (n) => (await fs.size(join(dir, n)))!))).reduce(
      (a, b) => a + b,
      0,
    );
    assert.equal(cfs.bytesRead, totalBytes, 'each byte of the log was read exactly once');
  });

  it('leaves a torn last line for later and shows it once it is whole', async () => {
    const file = join(dir, 'audit-000000000001.jsonl');
    const line = (seq: number, profile: string): string =>
      `${JSON.stringify({ seq, time: '2026-11-26T09:00:00.000Z', event: 'access', profile, decision: 'allowed', prev: '0', mac: '0' })}\n`;
    const third = line(3, 'half');
    await writeFile(file, line(1, 'a') + line(2, 'b') + third.slice(0, 20));
    const index = new HistoryIndex({ fs }, dir);
    await index.refresh();
    assert.deepEqual(
      index.query({}, 0, 10).rows.map((r) => r.profile),
      ['b', 'a'],
    );
    await appendFile(file, third.slice(20));
    await index.refresh();
    assert.deepEqual(
      index.query({}, 0, 10).rows.map((r) => r.profile),
      ['half', 'b', 'a'],
    );
    await appendFile(file, 'not json at all\n');
    await index.refresh();
    assert.equal(index.query({}, 0, 10).total, 3, 'a damaged line is skipped, not fatal');
  });

  it('skips JSON that is not an entry, as `tray-cred audit` does', async () => {
    await record(sample.slice(0, 2));
    const wrongDecision = JSON.stringify({
      seq: 3,
      time: '2026-11-26T10:00:00.000Z',
      event: 'access',
      profile: 'x',
      decision: 'maybe',
    });
    await appendFile(join(dir, 'audit-000000000001.jsonl'), `{"seq":1}\n${wrongDecision}\n[]\n`);
    const index = new HistoryIndex({ fs }, dir);
    await index.refresh();
    assert.deepEqual(
      index.query({ events: 'all' }, 0, 10).rows.map((r) => r.seq),
      [2, 1],
    );
  });

  it('starts over when the log is replaced by a shorter one', async () => {
    await record(sample);
    const index = new HistoryIndex({ fs }, dir);
    await index.refresh();
    assert.equal(index.query({}, 0, 10).total, 4);
    const file = join(dir, 'audit-000000000001.jsonl');
    await writeFile(
      file,
      `${JSON.stringify({ seq: 1, time: '2026-11-26T10:00:00.000Z', event: 'access', profile: 'restored', decision: 'denied' })}\n`,
    );
    await index.refresh();
    const page = index.query({}, 0, 10);
    assert.deepEqual(
      page.rows.map((r) => r.profile),
      ['restored'],
    );
    assert.deepEqual(page.profiles, ['restored']);
  });

  it('answers filtered queries over 100,000 entries', async () => {
    const N = 100_000;
    const start = Date.parse('2026-01-01T00:00:00Z');
    const decisions = ['allowed', 'allowed', 'allowed', 'denied', 'approved'];
    const lines: string[] = [];
    // Written as text, not through AuditLog: the index does not check MACs, and 100,000 HMACs and fsyncs would take minutes.
    for (let i = 1; i <= N; i += 1) {
      const time = new Date(start + i * 1000).toISOString();
      lines.push(
        i % 1000 === 0
          ? `{"seq":${i},"time":"${time}","event":"lock","reason":"idle","prev":"","mac":""}`
          : `{"seq":${i},"time":"${time}","event":"access","profile":"team-${i % 7}","decision":"${decisions[i % 5]}","caller":{"pid":${i},"ppid":1,"command":"aws s3 cp s3://bucket-${i % 100}/Key-${i} .","cwd":"/home/ann/proj-${i % 13}"},"durationMs":${i % 50},"served":"vault","prev":"","mac":""}`,
      );
    }
    await writeFile(join(dir, 'audit-000000000001.jsonl'), `${lines.slice(0, N / 2).join('\n')}\n`);
    await writeFile(
      join(dir, `audit-${String(N / 2 + 1).padStart(12, '0')}.jsonl`),
      `${lines.slice(N / 2).join('\n')}\n`,
    );
    const index = new HistoryIndex({ fs }, dir);
    let t = performance.now();
    await index.refresh();
    const loadMs = performance.now() - t;
    assert.equal(index.size, N);

    t = performance.now();
    const page = index.query({ profile: 'team-3', decision: 'denied', text: 'BUCKET-8/' }, 0, 5);
    const filterMs = performance.now() - t;
    const want = [];
    for (let i = N; i >= 1; i -= 1) if (i % 1000 !== 0 && i % 7 === 3 && i % 5 === 3 && i % 100 === 8) want.push(i);
    assert.equal(page.total, want.length);
    assert.deepEqual(
      page.rows.map((r) => r.seq),
      want.slice(0, 5),
    );
    assert.equal(page.rows[0]!.command, `aws s3 cp s3://bucket-8/Key-${want[0]} .`);

    t = performance.now();
    let scrolled = 0;
    for (let offset = 0; offset < 20_000; offset += 500)
      scrolled += index.query({ events: 'access' }, offset, 500).rows.length;
    const scrollMs = performance.now() - t;
    assert.equal(scrolled, 20_000);
    const deep = index.query({}, 50_000, 3);
    assert.equal(deep.total, N - N / 1000);
    // Newest first skipping every 1000th (a lock): the 50,000th access from the end.
    const accessSeqs = [];
    for (let i = N; i >= 1 && accessSeqs.length < 50_003; i -= 1) if (i % 1000 !== 0) accessSeqs.push(i);
    assert.deepEqual(
      deep.rows.map((r) => r.seq),
      accessSeqs.slice(50_000, 50_003),
    );

    await appendFile(
      join(dir, `audit-${String(N / 2 + 1).padStart(12, '0')}.jsonl`),
      `${JSON.stringify({ seq: N + 1, time: new Date(start + (N + 1) * 1000).toISOString(), event: 'access', profile: 'team-3', decision: 'denied', caller: { pid: 1, ppid: 1, command: 'aws s3 ls s3://bucket-8/new', cwd: '/' } })}\n`,
    );
    t = performance.now();
    await index.refresh();
    const live = index.query({ profile: 'team-3', decision: 'denied', text: 'BUCKET-8/' }, 0, 2);
    const liveMs = performance.now() - t;
    assert.equal(live.total, want.length + 1);
    assert.equal(live.rows[0]!.seq, N + 1, 'a new entry shows at the top of the same filter');
    console.log(
      `# 100,000 entries: load ${loadMs.toFixed(0)} ms, new filter ${filterMs.toFixed(1)} ms, 40 pages of 500 ${scrollMs.toFixed(1)} ms, refresh+requery after 1 append ${liveMs.toFixed(1)} ms`,
    );
  });
});
