/**
 * Issue 16 item 2: a request waits for its own entry's data sync and nothing else. The chain
 * head is written after the answers, one write after another, coalesced; these tests hold the
 * head's write at the port boundary (the file system) to show what is answered while it waits,
 * and attack the lagging head: it must never name an entry that is not on disk, never go
 * backwards, and a cut made while it is in flight must still be caught once it lands.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { verifyAuditLog } from '../../main/core/audit/audit-verify.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { FakeClock } from '../fakes/fake-clock.ts';

const key = Buffer.alloc(32, 7);

/** The real file system, with the chain head's writes held at a gate the test opens, or failing. */
class GatedHeadFs extends NodeFileSystem {
  open = true;
  failing = 0;
  private waiters: (() => void)[] = [];
  /** The entry each head write named, and how many entries the log held on disk at that moment. */
  readonly written: { seq: number; onDisk: number }[] = [];

  release(): void {
    this.open = true;
    for (const w of this.waiters.splice(0)) w();
  }

  override async writeFileAtomic(
    path: string,
    data: string | Buffer,
    options: { replaceOnly?: boolean } = {},
  ): Promise<void> {
    if (basename(path) === 'head.json') {
      if (!this.open) await new Promise<void>((r) => this.waiters.push(r));
      if (this.failing > 0) {
        this.failing -= 1;
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      const dir = join(path, '..');
      const files = (await readdir(dir)).filter((n) => n.endsWith('.jsonl'));
      const onDisk = (
        await Promise.all(
          files.map(async (f) => (await readFile(join(dir, f), 'utf8')).split('\n').filter(Boolean).length),
        )
      ).reduce((a, b) => a + b, 0);
      this.written.push({ seq: (JSON.parse(String(data)) as { seq: number }).seq, onDisk });
    }
    return super.writeFileAtomic(path, data, options);
  }
}

describe('the chain head follows the answers (issue 16 item 2)', () => {
  let dir: string;
  let fs: GatedHeadFs;
  let log: AuditLog;
  const clock = new FakeClock();
  const access = (profile: string) => log.append({ event: 'access', profile, decision: 'allowed' });
  const headSeq = async () => (JSON.parse(await readFile(join(dir, 'head.json'), 'utf8')) as { seq: number }).seq;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-head-'));
    fs = new GatedHeadFs(process.getuid?.());
    log = new AuditLog({ fs, clock }, dir, key);
  });
  // Retried: a chain head a test's writer answered before writing may still land while the directory goes.
  afterEach(() => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }));

  it('answers an access once its entry is on disk while the head write is held, then coalesces the heads it missed', {
    timeout: 20_000,
  }, async () => {
    await access('first'); // a process's first entry waits for its head
    assert.equal(await headSeq(), 1);
    fs.open = false;
    // Each of these resolves with the head write held (else the test hangs and times out).
    for (const p of ['a', 'b', 'c']) await access(p);
    assert.equal(await headSeq(), 1, 'the head is still being written');
    assert.equal((await verifyAuditLog(fs, dir, key)).entries, 4, 'a head behind the log verifies');
    fs.release();
    await log.flushed();
    assert.equal(await headSeq(), 4);
    // The new log's head (0), 1, then the held write of 2, then one write for 3 and 4 together.
    assert.deepEqual(
      fs.written.map((w) => w.seq),
      [0, 1, 2, 4],
    );
    for (const w of fs.written) assert.ok(w.seq <= w.onDisk, `a head named entry ${w.seq} with ${w.onDisk} on disk`);
  });

  it('a lock waits for its head: after a lock the head names it', { timeout: 20_000 }, async () => {
    await access('first');
    await access('second');
    fs.open = false;
    let answered = false;
    const lock = log.append({ event: 'lock' }).then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(answered, false, 'a lock is not answered before its head is written');
    fs.release();
    await lock;
    assert.equal(await headSeq(), 3);
  });

  it('a cut made while the head write is in flight is caught once it lands', { timeout: 20_000 }, async () => {
    await access('first');
    fs.open = false;
    await access('a');
    await access('b');
    const [file] = (await readdir(dir)).filter((n) => n.endsWith('.jsonl'));
    const lines = (await readFile(join(dir, file!), 'utf8')).split('\n').filter(Boolean);
    await writeFile(join(dir, file!), `${lines.slice(0, 1).join('\n')}\n`); // the attacker cuts 2 and 3
    fs.release();
    await log.flushed();
    const report = await verifyAuditLog(fs, dir, key);
    assert.equal(report.ok, false);
    assert.match(report.problem!.reason, /entries were cut off/);
  });

  it('a head write that fails leaves the head behind, never ahead; the access stands and a later write catches up', {
    timeout: 20_000,
  }, async () => {
    await access('first');
    fs.failing = 1;
    const entry = await access('a'); // served: its entry is on disk
    assert.equal(entry.seq, 2);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await headSeq(), 1);
    assert.equal((await verifyAuditLog(fs, dir, key)).ok, true);
    await access('b');
    await log.flushed();
    assert.equal(await headSeq(), 3);
    fs.failing = 100;
    await access('c');
    await assert.rejects(log.flushed(), /chain head|cannot be written.*free disk space/);
    fs.failing = 0;
  });
});
