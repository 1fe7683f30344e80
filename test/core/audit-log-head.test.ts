/**
 * How often the chain head is written under load (issue 16 item 2): once the queue is empty, or
 * HEAD_EVERY_MS after the last. The real file system, with the test holding the log's appends.
 * What a request waits for, and the attacks on the lagging head, are in audit-head-after.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { HEAD_EVERY_MS } from '../../main/core/audit/audit-head.ts';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import type { AuditEntry } from '../../main/core/audit/audit-codec.ts';
import { verifyAuditLog } from '../../main/core/audit/audit-verify.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { FakeClock } from '../fakes/fake-clock.ts';

const key = Buffer.alloc(32, 5);

/** The real file system, with gates the test opens: on the log's appends, and on head.json's writes (whose seqs it records). */
class HeldFileSystem extends NodeFileSystem {
  holdAppends = false;
  holdHeads = false;
  readonly heads: number[] = [];
  private waiting: (() => void)[] = [];

  release(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const go of w) go();
  }

  get held(): number {
    return this.waiting.length;
  }

  private gate(on: boolean): Promise<void> {
    return on ? new Promise((go) => this.waiting.push(go)) : Promise.resolve();
  }

  override async appendDurable(path: string, data: string | Buffer): Promise<void> {
    await this.gate(this.holdAppends);
    return super.appendDurable(path, data);
  }

  override async writeFileAtomic(
    path: string,
    data: string | Buffer,
    options?: { replaceOnly?: boolean },
  ): Promise<void> {
    if (basename(path) === 'head.json') {
      this.heads.push((JSON.parse(String(data)) as { seq: number }).seq);
      await this.gate(this.holdHeads);
    }
    return super.writeFileAtomic(path, data, options);
  }
}

const turns = async (n = 50): Promise<void> => {
  for (let i = 0; i < n; i += 1) await new Promise((r) => setImmediate(r));
};

describe('AuditLog: the chain head after the answer', () => {
  let dir: string;
  let fs: HeldFileSystem;
  let clock: FakeClock;
  let log: AuditLog;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-head-'));
    fs = new HeldFileSystem(process.getuid?.());
    clock = new FakeClock();
    log = new AuditLog({ fs, clock }, dir, key);
  });
  afterEach(async () => {
    await log.flushed();
    await rm(dir, { recursive: true, force: true });
  });

  /** Until a write reaches a gate the test holds (file operations take thread-pool round trips). */
  const heldOne = async (): Promise<void> => {
    for (let i = 0; fs.held === 0; i += 1) {
      if (i > 5000) assert.fail('no write reached the gate');
      await new Promise((r) => setTimeout(r, 1));
    }
    await turns();
  };
  const access = (n: number): Promise<AuditEntry> =>
    log.append({ event: 'access', profile: `p${n}`, decision: 'allowed' });

  it('under load the head is skipped while more entries wait, but written once the queue empties and at least every HEAD_EVERY_MS', async () => {
    fs.holdAppends = true;
    const a = access(1);
    await heldOne();
    const b = access(2); // queued behind the held batch
    fs.release();
    await a;
    await heldOne();
    const c = access(3); // queued behind b's held batch
    fs.release();
    await b;
    await heldOne();
    fs.holdAppends = false;
    fs.release();
    await c;
    await log.flushed();
    assert.deepEqual(
      fs.heads.filter((s) => s > 0),
      [1, 3],
      'the first batch (no head yet) and the last (the queue empty); not the middle one',
    );

    // The same, HEAD_EVERY_MS after the last head: a batch with more waiting writes it all the same.
    fs.heads.length = 0;
    fs.holdAppends = true;
    const d = access(4);
    await heldOne();
    const e = access(5);
    clock.advance(HEAD_EVERY_MS);
    fs.holdAppends = false;
    fs.release();
    await Promise.all([d, e]);
    await log.flushed();
    assert.deepEqual(fs.heads, [4, 5]);
    assert.equal((await verifyAuditLog(fs, dir, key)).ok, true);
  });
});
