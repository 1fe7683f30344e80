import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { queryAuditLog, readAuditLog } from '../../main/core/audit/audit-reader.ts';
import { verifyAuditLog } from '../../main/core/audit/audit-verify.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { FakeClock } from '../fakes/fake-clock.ts';

const fs = new NodeFileSystem(process.getuid?.());
const key = Buffer.alloc(32, 9);
const caller = { pid: 7, ppid: 1, command: 'aws s3 ls', cwd: '/w' };

describe('AuditLog', () => {
  let dir: string;
  let log: AuditLog;
  const clock = new FakeClock();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-audit-'));
    log = new AuditLog({ fs, clock }, dir, key);
  });
  // Retried: a chain head a test's writer answered before writing may still land while the directory goes.
  afterEach(() => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }));

  async function fill(n: number): Promise<void> {
    for (let i = 0; i < n; i += 1)
      await log.append({ event: 'access', profile: `p${i}`, decision: 'allowed', caller, durationMs: i });
    // The chain head follows the answers (a request waits only for its own entry): the cut tests need it written.
    await log.flushed();
  }
  async function lines(): Promise<{ file: string; lines: string[] }> {
    const file = join(dir, (await readdir(dir)).filter((n) => n.endsWith('.jsonl'))[0]!);
    return { file, lines: (await readFile(file, 'utf8')).split('\n').filter(Boolean) };
  }
  const verify = () => verifyAuditLog(fs, dir, key);

  it('numbers, times and chains entries, and verifies them', async () => {
    await fill(5);
    const all = await readAuditLog(fs, dir);
    assert.deepEqual(
      all.map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(all[0]!.prev, '0'.repeat(64));
    assert.equal(all[3]!.prev, all[2]!.mac);
    assert.deepEqual(all[2]!.caller, caller);
    assert.equal(all[2]!.time, new Date(clock.now()).toISOString());
    assert.deepEqual(await verify(), { ok: true, entries: 5, files: 1, problem: undefined });
  });

  it('an empty log verifies', async () => {
    assert.equal((await verify()).ok, true);
  });

  it('writes concurrent appends in order with no gaps (group commit)', async () => {
    const entries = await Promise.all(
      Array.from({ length: 200 }, (_, i) => log.append({ event: 'access', profile: `c${i}`, decision: 'allowed' })),
    );
    assert.deepEqual(
      entries.map((e) => e.seq),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    assert.equal((await verify()).entries, 200);
  });

  const tampers: [string, (l: string[]) => string[], number, RegExp][] = [
    [
      'an edited decision',
      (l) => l.map((x, i) => (i === 2 ? x.replace('"allowed"', '"denied"') : x)),
      3,
      /MAC does not match/,
    ],
    [
      'an edited caller',
      (l) => l.map((x, i) => (i === 1 ? x.replace('aws s3 ls', 'aws s3 rb') : x)),
      2,
      /MAC does not match/,
    ],
    ['a deleted entry', (l) => l.filter((_, i) => i !== 2), 4, /entries 3\.\.3 are missing/],
    ['two swapped entries', (l) => [l[0]!, l[2]!, l[1]!, l[3]!, l[4]!], 3, /broken/],
    ['a line of junk', (l) => [l[0]!, 'junk', ...l.slice(1)], undefined as unknown as number, /not an audit entry/],
  ];
  for (const [what, change, seq, reason] of tampers) {
    it(`names the first bad entry after ${what}`, async () => {
      await fill(5);
      const { file, lines: l } = await lines();
      await writeFile(file, `${change(l).join('\n')}\n`);
      const report = await verify();
      assert.equal(report.ok, false);
      assert.match(report.problem!.reason, reason);
      if (seq !== undefined) assert.equal(report.problem!.seq, seq);
      assert.equal(report.problem!.line > 0, true);
    });
  }

  it('skips a line of JSON that is not an entry when reading, and verify names it', async () => {
    await fill(3);
    const { file, lines: l } = await lines();
    await writeFile(file, `${[l[0], '{"seq":1}', l[1], l[2]].join('\n')}\n`);
    assert.deepEqual(
      (await readAuditLog(fs, dir)).map((e) => e.seq),
      [1, 2, 3],
    );
    assert.deepEqual(
      (await queryAuditLog(fs, dir, { limit: 2 })).map((e) => e.seq),
      [2, 3],
    );
    const report = await verify();
    assert.deepEqual(report.problem, {
      file: basename(file),
      line: 2,
      seq: 1,
      reason: 'not an audit entry: the line was edited or damaged',
    });
    assert.equal(report.entries, 1);
  });

  it('an entry edited into a shape it never has is skipped when reading, named as an edit by verify, and written after', async () => {
    await fill(3);
    const { file, lines: l } = await lines();
    await writeFile(file, `${[l[0], l[1], l[2]!.replace('"allowed"', '"maybe"')].join('\n')}\n`);
    assert.deepEqual(
      (await readAuditLog(fs, dir)).map((e) => e.seq),
      [1, 2],
    );
    const next = await new AuditLog({ fs, clock }, dir, key).append({ event: 'lock' });
    assert.equal(next.seq, 4, "the writer needs only the last line's number and MAC to go on");
    const report = await verify();
    assert.equal(report.problem!.line, 3);
    assert.equal(report.problem!.seq, 3);
    assert.match(report.problem!.reason, /MAC does not match/);
  });

  it('detects entries cut off the end through the remembered head', async () => {
    await fill(5);
    const { file, lines: l } = await lines();
    await writeFile(file, `${l.slice(0, 3).join('\n')}\n`);
    const report = await verify();
    assert.equal(report.ok, false);
    assert.match(report.problem!.reason, /ends at entry 3 but entry 5 was written: entries were cut off/);
  });

  it('a write after entries were cut off records the cut instead of re-chaining over it', async () => {
    await fill(5);
    const { file, lines: l } = await lines();
    await writeFile(file, `${l.slice(0, 3).join('\n')}\n`);
    const fresh = new AuditLog({ fs, clock }, dir, key);
    const next = await fresh.append({ event: 'policy', profile: 'dev' });
    const all = await readAuditLog(fs, dir);
    assert.deepEqual(
      all.map((e) => e.event),
      ['access', 'access', 'access', 'tamper', 'policy'],
    );
    assert.equal(next.seq, 5);
    assert.match(all[3]!.reason!, /ended at entry 3 but entry 5 had been written: 2 entries were cut off/);
    const report = await verify();
    assert.equal(report.ok, false);
    assert.equal(report.problem!.seq, 4);
    assert.match(report.problem!.reason, /tampering was detected and recorded here/);
  });

  it('a write after the head was deleted records it', async () => {
    await fill(2);
    await rm(join(dir, 'head.json'));
    await new AuditLog({ fs, clock }, dir, key).append({ event: 'lock' });
    const all = await readAuditLog(fs, dir);
    assert.equal(all[2]!.event, 'tamper');
    assert.match(all[2]!.reason!, /head\.json\) was deleted/);
    assert.equal((await verify()).ok, false);
  });

  it('a log deleted whole does not verify when the vault says there was one', async () => {
    assert.equal((await verifyAuditLog(fs, dir, key)).ok, true);
    const report = await verifyAuditLog(fs, dir, key, { requireEntries: true });
    assert.equal(report.ok, false);
    assert.match(report.problem!.reason, /the log was deleted/);
  });

  it('detects an edited or missing head', async () => {
    await fill(2);
    const head = join(dir, 'head.json');
    const h = JSON.parse(await readFile(head, 'utf8')) as { seq: number };
    await writeFile(head, JSON.stringify({ ...h, seq: 1 }));
    assert.match((await verify()).problem!.reason, /head was edited/);
    await rm(head);
    assert.match((await verify()).problem!.reason, /head is missing/);
  });

  it('a log from another key does not verify', async () => {
    await fill(2);
    assert.match((await verifyAuditLog(fs, dir, Buffer.alloc(32, 1))).problem!.reason, /MAC does not match/);
  });

  it('repairs a torn last line, records the repair and keeps the chain valid', async () => {
    await fill(3);
    const { file } = await lines();
    await appendFile(file, '{"seq":4,"time":"2026-');
    assert.match((await verify()).problem!.reason, /torn/);
    const fresh = new AuditLog({ fs, clock }, dir, key);
    const next = await fresh.append({ event: 'access', profile: 'after', decision: 'allowed' });
    assert.equal(next.seq, 5);
    const all = await readAuditLog(fs, dir);
    assert.equal(all[3]!.event, 'repair');
    assert.match(all[3]!.reason!, /torn last line of 22 bytes/);
    assert.deepEqual((await verify()).ok, true);
  });

  it('picks up entries another process appended', async () => {
    await fill(2);
    const other = new AuditLog({ fs, clock }, dir, key);
    await other.append({ event: 'policy', profile: 'x' });
    const e = await log.append({ event: 'access', profile: 'y', decision: 'allowed' });
    assert.equal(e.seq, 4);
    assert.equal((await verify()).entries, 4);
  });

  it('rotates by size and keeps one chain across files', async () => {
    log = new AuditLog({ fs, clock }, dir, key, { maxFileBytes: 1000 });
    await fill(20);
    const files = (await readdir(dir)).filter((n) => n.endsWith('.jsonl'));
    assert.ok(files.length > 3, `expected several files, got ${files.length}`);
    assert.deepEqual(await verify(), { ok: true, entries: 20, files: files.length, problem: undefined });
    await rm(join(dir, files[1]!));
    assert.match((await verify()).problem!.reason, /missing/);
  });

  it('queries by profile and limit, newest last', async () => {
    await fill(6);
    await log.append({ event: 'access', profile: 'p1', decision: 'denied' });
    const p1 = await queryAuditLog(fs, dir, { profile: 'p1' });
    assert.deepEqual(
      p1.map((e) => e.decision),
      ['allowed', 'denied'],
    );
    assert.deepEqual(
      (await queryAuditLog(fs, dir, { limit: 2 })).map((e) => e.seq),
      [6, 7],
    );
  });

  it('queries the newest entries across files, as reading them all and keeping the last would', async () => {
    log = new AuditLog({ fs, clock }, dir, key, { maxFileBytes: 1000 });
    await fill(20);
    await log.append({ event: 'access', profile: 'p3', decision: 'denied' });
    assert.ok((await readdir(dir)).filter((n) => n.endsWith('.jsonl')).length > 3);
    const all = await readAuditLog(fs, dir);
    for (const limit of [1, 5, 20, 21, 100])
      assert.deepEqual(await queryAuditLog(fs, dir, { limit }), all.slice(-limit), `limit ${limit}`);
    assert.deepEqual(await queryAuditLog(fs, dir), all);
    assert.deepEqual(
      (await queryAuditLog(fs, dir, { profile: 'p3', limit: 5 })).map((e) => e.decision),
      ['allowed', 'denied'],
    );
    assert.deepEqual(
      (await queryAuditLog(fs, dir, { profile: 'p3', limit: 1 })).map((e) => e.seq),
      [21],
    );
    assert.deepEqual(await queryAuditLog(fs, join(dir, 'none'), { limit: 5 }), []);
  });

  it('refuses to write and says why when the directory cannot be written', async () => {
    const blocked = join(dir, 'file-not-dir');
    await writeFile(blocked, 'x');
    const bad = new AuditLog({ fs, clock }, join(blocked, 'audit'), key);
    await assert.rejects(
      bad.append({ event: 'lock' }),
      /audit log .* cannot be written .*nothing is served unrecorded/,
    );
  });
});
