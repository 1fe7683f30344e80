/**
 * The history at a glance, over real chained files: the timeline's buckets against the entries
 * counted one by one, "never seen before" marks derived from the history alone, each profile's
 * activity, and one access's full story with claimed and verified fields apart.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isVerifiedCaller } from '../../common/caller.ts';
import type { HistoryFilter } from '../../common/history.ts';
import { accessStory, readEntry } from '../../main/core/history/access-story.ts';
import type { AuditInput } from '../../main/core/audit/audit-codec.ts';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { queryAuditLog, readAuditLog } from '../../main/core/audit/audit-reader.ts';
import { HistoryIndex } from '../../main/core/history/history-index.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { accessInput } from '../fakes/access-history.ts';
import { FakeClock } from '../fakes/fake-clock.ts';

const fs = new NodeFileSystem(process.getuid?.());
const key = Buffer.alloc(32, 5);
const DAY = 24 * 3600 * 1000;
const TF = '/usr/local/bin/terraform';
const AWS = '/usr/bin/aws';

describe('history insight', () => {
  let dir: string;
  let clock: FakeClock;
  let log: AuditLog;
  let index: HistoryIndex;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-insight-'));
    clock = new FakeClock();
    log = new AuditLog({ fs, clock }, dir, key, { maxFileBytes: 4096 });
    index = new HistoryIndex({ fs }, dir);
  });
  afterEach(async () => {
    await log.flushed(); // the chain head follows the answers: let it land before the dir goes
    await rm(dir, { recursive: true, force: true });
  });

  async function at(ms: number, input: AuditInput): Promise<number> {
    clock.advance(ms);
    return (await log.append(input)).seq;
  }

  it('counts the same accesses per decision and bucket as the entries say, for every filter', async () => {
    const decisions = ['allowed', 'approved', 'remembered', 'denied', 'timeout', 'locked', 'error'] as const;
    const written: { time: number; profile: string; decision: string }[] = [];
    for (let n = 0; n < 300; n += 1) {
      const profile = ['dev', 'prod', 'ci'][n % 3]!;
      const decision = decisions[(n * 7 + (n >> 3)) % 7]!;
      clock.advance(((n * 37) % 11) * 7 * 60_000 + 1000);
      written.push({ time: clock.now(), profile, decision });
      await log.append(accessInput({ profile, decision, exe: n % 2 ? TF : AWS }));
      if (n % 50 === 0) await log.append({ event: 'unlock' });
    }
    await index.refresh();
    const filters: HistoryFilter[] = [
      {},
      { profile: 'prod' },
      { decision: 'denied' },
      { text: 'terraform' },
      {
        profile: 'dev',
        from: new Date(written[100]!.time).toISOString(),
        to: new Date(written[200]!.time).toISOString(),
      },
    ];
    for (const filter of filters) {
      const t = index.timeline(filter, 60);
      assert.ok(
        t.bucketMs > 0 && (t.to - t.from) / t.bucketMs <= 61,
        `at most about 60 buckets for ${JSON.stringify(filter)}`,
      );
      const expected = new Map<string, number[]>();
      const { rows } = index.query(filter, 0, Infinity);
      for (const row of rows) {
        const counts = expected.get(row.decision!) ?? new Array<number>((t.to - t.from) / t.bucketMs).fill(0);
        counts[Math.floor((Date.parse(row.time) - t.from) / t.bucketMs)]! += 1;
        expected.set(row.decision!, counts);
      }
      assert.equal(t.total, rows.length, JSON.stringify(filter));
      assert.deepEqual(new Map(t.series.map((s) => [s.decision, s.counts])), expected, JSON.stringify(filter));
    }
    const prod = index.timeline({ profile: 'prod' }, 60);
    assert.equal(prod.total, written.filter((w) => w.profile === 'prod').length);
  });

  it("marks a program's first use of a profile, not its next, and forgets uses older than 90 days", async () => {
    const first = await at(1000, accessInput({ profile: 'prod', decision: 'approved', exe: AWS }));
    const again = await at(60_000, accessInput({ profile: 'prod', decision: 'approved', exe: AWS }));
    const second = await at(60_000, accessInput({ profile: 'prod', decision: 'approved', exe: TF }));
    const otherProfile = await at(60_000, accessInput({ profile: 'dev', decision: 'allowed', exe: TF }));
    const unverified = await at(60_000, accessInput({ profile: 'prod', decision: 'approved' }));
    const deniedOnly = await at(60_000, accessInput({ profile: 'prod', decision: 'denied', exe: '/tmp/x' }));
    const afterDenial = await at(60_000, accessInput({ profile: 'prod', decision: 'approved', exe: '/tmp/x' }));
    const returning = await at(91 * DAY, accessInput({ profile: 'prod', decision: 'approved', exe: AWS }));
    const within = await at(89 * DAY, accessInput({ profile: 'prod', decision: 'approved', exe: AWS }));
    await index.refresh();
    const marks = Object.fromEntries(
      Object.entries({
        first,
        again,
        second,
        otherProfile,
        unverified,
        deniedOnly,
        afterDenial,
        returning,
        within,
      }).map(([k, seq]) => [k, index.isFirstUse(seq)]),
    );
    assert.deepEqual(marks, {
      first: true,
      again: false,
      second: true,
      otherProfile: true,
      unverified: false,
      deniedOnly: true,
      afterDenial: true,
      returning: true,
      within: false,
    });
    const now = clock.now();
    assert.equal(index.firstUseBy('prod', AWS, now), false, 'used a moment ago');
    assert.equal(index.firstUseBy('prod', TF, now), true, 'terraform last used prod 180 days ago');
    assert.equal(index.firstUseBy('prod', TF, now - 100 * DAY), false, 'then it had used it 80 days before');
    assert.equal(index.firstUseBy('prod', '/usr/bin/new', now), true);
    assert.equal(index.firstUseBy('nope', AWS, now), true);
    const row = index.query({ profile: 'prod' }, 0, 1).rows[0]!;
    assert.equal(row.program, AWS);
    assert.equal(index.query({ text: 'terraform' }, 0, 10).total, 2, 'the verified program is searched');
  });

  it("sums each profile's activity: last use, 24 h and 7 d, denials and verified programs since the start", async () => {
    await at(1000, accessInput({ profile: 'prod', decision: 'approved', exe: AWS }));
    await at(8 * DAY, accessInput({ profile: 'prod', decision: 'approved', exe: TF }));
    await at(2 * DAY, accessInput({ profile: 'prod', decision: 'denied', exe: '/tmp/evil' }));
    await at(23 * 3600 * 1000, accessInput({ profile: 'prod', decision: 'remembered', exe: TF }));
    await at(60_000, accessInput({ profile: 'dev', decision: 'timeout' }));
    await index.refresh();
    const now = clock.now();
    const lastServed = new Date(now - 60_000).toISOString();
    assert.deepEqual(index.activity(now, now - 7 * DAY), [
      { profile: 'dev', lastUsed: null, uses24h: 0, uses7d: 0, denials: 1, byDecision: { timeout: 1 }, programs: [] },
      {
        profile: 'prod',
        lastUsed: lastServed,
        uses24h: 1,
        uses7d: 2,
        denials: 1,
        byDecision: { approved: 1, denied: 1, remembered: 1 },
        programs: [{ exe: TF, uses: 2 }],
      },
    ]);
    assert.deepEqual(index.activity(now, 0).find((a) => a.profile === 'prod')?.programs, [
      { exe: TF, uses: 2 },
      { exe: AWS, uses: 1 },
    ]);
    assert.deepEqual(
      index.activity(now, now - DAY / 2).find((a) => a.profile === 'prod')?.byDecision,
      { remembered: 1 },
      'since 12 hours: only the newest',
    );
  });

  const kinds: [string, Parameters<typeof accessInput>[0], (s: ReturnType<typeof accessStory>) => void][] = [
    [
      'vault',
      { profile: 'dev', decision: 'allowed', exe: AWS, served: 'vault', credentialId: 'AKIAIOSFODNN7EXAMPLE' },
      (s) =>
        assert.equal(
          s.cloudTrail,
          'aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=AKIAIOSFODNN7EXAMPLE',
        ),
    ],
    [
      'cached',
      {
        profile: 'prod',
        decision: 'remembered',
        exe: TF,
        served: 'cache',
        credentialId: 'ASIAEXAMPLEEXAMPLE12',
        approval: { scope: 'run', grant: 'req-prompt-1' },
      },
      (s) => assert.deepEqual(s.approval, { scope: 'run', grant: 'req-prompt-1' }),
    ],
    [
      'minted',
      {
        profile: 'prod',
        decision: 'approved',
        exe: TF,
        served: 'minted',
        credentialId: 'ASIAEXAMPLEEXAMPLE34',
        sessionName: 'tray-cred-ann-1764147600',
        approval: { scope: 'once', grant: 'req-x' },
      },
      (s) => assert.equal(s.sessionName, 'tray-cred-ann-1764147600'),
    ],
    [
      'external',
      { profile: 'sso', decision: 'allowed', exe: AWS, served: 'minted', credentialId: 'ASIAEXAMPLEEXAMPLE56' },
      (s) => assert.equal(s.served, 'minted'),
    ],
    [
      'denied',
      { profile: 'prod', decision: 'denied', exe: '/tmp/evil', reason: 'denied at the prompt' },
      (s) => assert.deepEqual([s.cloudTrail, s.served, s.reason], [null, null, 'denied at the prompt']),
    ],
    [
      'remembered, unverified',
      { profile: 'prod', decision: 'remembered', served: 'cache', command: '/usr/local/bin/terraform apply' },
      (s) => assert.equal(s.verified, null),
    ],
  ];
  for (const [kind, spec, check] of kinds) {
    it(`tells a ${kind} access in full, the claim apart from what was verified`, async () => {
      await at(1000, { event: 'unlock' });
      const seq = await at(
        1000,
        accessInput({ ...spec, command: spec.command ?? 'aws s3 ls --claimed', requestId: 'req-42' }),
      );
      await at(1000, { event: 'lock' });
      const entry = await readEntry(fs, dir, seq);
      assert.ok(entry, 'the entry is found by its number');
      const story = accessStory(entry, { anchoredSeq: seq - 1, firstUse: true });
      assert.equal(story.seq, seq);
      assert.equal(story.anchored, false, 'the anchor stops before it');
      assert.equal(accessStory(entry, { anchoredSeq: seq, firstUse: false }).anchored, true);
      assert.equal(story.claimed?.command, spec.command ?? 'aws s3 ls --claimed');
      assert.equal(story.requestId, 'req-42');
      if (spec.exe) {
        assert.equal(story.verified?.requester.exe, spec.exe);
        assert.notEqual(story.verified?.requester.exe, story.claimed?.command, 'verified and claimed are kept apart');
        assert.deepEqual(
          story.verified?.ancestry.map((p) => p.exe),
          ['/usr/bin/bash', '/usr/lib/systemd/systemd'],
        );
      }
      check(story);
    });
  }

  it('finds an entry in any rotated file, and nothing for a number never written or a hostile verified field', async () => {
    const seqs: number[] = [];
    for (let n = 0; n < 40; n += 1)
      seqs.push(await at(1000, accessInput({ profile: 'dev', decision: 'allowed', exe: AWS })));
    assert.ok((await fs.list(dir)).filter((f) => f.endsWith('.jsonl')).length > 2, 'several files');
    for (const seq of [seqs[0]!, seqs[17]!, seqs.at(-1)!]) assert.equal((await readEntry(fs, dir, seq))?.seq, seq);
    assert.equal(await readEntry(fs, dir, 10_000), undefined);
    // The codec does not read an entry whose verified field has a shape the agent never writes, so no story shows it as verified.
    const odd = {
      ...accessInput({ profile: 'dev', decision: 'allowed' }),
      verified: { method: 'SO_PEERCRED', peer: { pid: 1, uid: 0 }, requester: { exe: 42 }, ancestry: [] },
    } as unknown as AuditInput;
    assert.equal(await readEntry(fs, dir, await at(1000, odd)), undefined);
    assert.equal(isVerifiedCaller(odd.verified), false, 'a verified field of the wrong shape is not shown as verified');
  });
});

describe('queryAuditLog from the end', () => {
  it('reads back across chunk boundaries and a hostile 300 KB line exactly what reading every file gives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tray-cred-tail-'));
    try {
      const clock = new FakeClock();
      const log = new AuditLog({ fs, clock }, dir, key);
      for (let n = 0; n < 1200; n += 1) {
        clock.advance(1000);
        await log.append(accessInput({ profile: n % 3 ? 'dev' : 'prod', decision: 'allowed', exe: AWS }));
      }
      // A hand-edited line longer than any read chunk, in the middle of the file.
      const path = join(dir, (await fs.list(dir)).find((f) => f.endsWith('.jsonl'))!);
      const lines = (await readFile(path, 'utf8')).split('\n');
      lines.splice(600, 0, 'x'.repeat(300_000));
      await writeFile(path, lines.join('\n'));
      const all = await readAuditLog(fs, dir);
      assert.equal(all.length, 1200);
      assert.ok(
        (await fs.size(join(dir, (await fs.list(dir)).find((f) => f.endsWith('.jsonl'))!)))! > 1_000_000,
        'several chunks',
      );
      for (const limit of [1, 50, 599, 601, 1200, 5000]) {
        assert.deepEqual(
          (await queryAuditLog(fs, dir, { limit })).map((e) => e.seq),
          all.slice(-limit).map((e) => e.seq),
          `limit ${limit}`,
        );
      }
      assert.deepEqual(
        (await queryAuditLog(fs, dir, { profile: 'prod', limit: 300 })).map((e) => e.seq),
        all
          .filter((e) => e.profile === 'prod')
          .slice(-300)
          .map((e) => e.seq),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
