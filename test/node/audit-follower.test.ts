/**
 * The follower against the real writer in the same process: rotation by size, a line written
 * in two parts, and a log replaced by a new chain (said once, followed from its new end).
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { AuditEntry } from '../../main/core/audit/audit-codec.ts';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { AuditFollower, endOfLog } from '../../main/node/audit/audit-follower.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { FakeClock } from '../fakes/fake-clock.ts';

const fs = new NodeFileSystem(process.getuid?.());
const key = Buffer.alloc(32, 5);

describe('AuditFollower', () => {
  let dir: string;
  let seen: AuditEntry[] = [];
  let said: string[];
  const clock = new FakeClock();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-follow-'));
    seen = [] as AuditEntry[];
    said = [];
  });
  // Retried: a chain head a test's writer answered before writing may still land while the directory goes.
  afterEach(() => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }));
  const follower = async (): Promise<AuditFollower> =>
    new AuditFollower(
      { fs, dir, onEntry: (e) => seen.push(e), onReplaced: (m) => said.push(m) },
      await endOfLog(fs, dir),
    );
  const fill = async (log: AuditLog, n: number, from = 0): Promise<void> => {
    for (let i = 0; i < n; i += 1) await log.append({ event: 'access', profile: `p${from + i}`, decision: 'allowed' });
    await log.flushed(); // the chain head follows the answers: these tests replace the files under it
  };

  it('gives each appended entry once, in order, across files the writer rotates to', async () => {
    const log = new AuditLog({ fs, clock }, dir, key, { maxFileBytes: 600 });
    await fill(log, 3);
    const f = await follower();
    await f.poll();
    assert.equal(seen.length, 0, 'what was there before is not followed');
    await fill(log, 20, 3);
    await f.poll();
    await f.poll();
    assert.ok((await readdir(dir)).filter((n) => n.endsWith('.jsonl')).length >= 3, 'the writer rotated');
    assert.deepEqual(
      seen.map((e) => e.seq),
      Array.from({ length: 20 }, (_, i) => i + 4),
    );
    assert.deepEqual(said, []);
  });

  it('waits for the rest of a line being written', async () => {
    const log = new AuditLog({ fs, clock }, dir, key);
    await fill(log, 1);
    const f = await follower();
    const other = await mkdtemp(join(tmpdir(), 'tray-cred-follow-src-'));
    try {
      await fill(new AuditLog({ fs, clock }, other, key), 2);
      const [, line] = (await readFile(join(other, 'audit-000000000001.jsonl'), 'utf8')).split('\n');
      await appendFile(join(dir, 'audit-000000000001.jsonl'), line!.slice(0, 40));
      await f.poll();
      assert.equal(seen.length, 0);
      await appendFile(join(dir, 'audit-000000000001.jsonl'), `${line!.slice(40)}\n`);
      await f.poll();
      assert.deepEqual(
        seen.map((e) => e.seq),
        [2],
      );
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('says once that the log was replaced and goes on from the new end', async () => {
    await fill(new AuditLog({ fs, clock }, dir, key), 5);
    const f = await follower();
    for (const n of await readdir(dir)) await rm(join(dir, n));
    const fresh = new AuditLog({ fs, clock }, dir, key);
    await fill(fresh, 2);
    await f.poll();
    assert.equal(said.length, 1);
    assert.match(
      said[0]!,
      /was replaced \(audit-000000000001\.jsonl shrank\); its chain restarted: following from its new end \(entry 2\)/,
    );
    await fill(fresh, 1, 9);
    await f.poll();
    assert.deepEqual(
      seen.map((e) => [e.seq, e.profile]),
      [[3, 'p9']],
    );
    assert.equal(said.length, 1);
  });
});
