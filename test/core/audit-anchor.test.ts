import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  ANCHOR_EVERY,
  auditAnchorAccount,
  readAuditAnchor,
  type AnchorPlace,
} from '../../main/core/audit/audit-anchor.ts';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { readAuditLog } from '../../main/core/audit/audit-reader.ts';
import { verifyAuditLog } from '../../main/core/audit/audit-verify.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { MemoryKeychain } from '../fakes/memory-keychain.ts';

const fs = new NodeFileSystem(process.getuid?.());
const key = Buffer.alloc(32, 9);
const vaultId = 'ab'.repeat(16);

describe('the audit chain anchored in the keychain', () => {
  let dir: string;
  let keychain: MemoryKeychain;
  let place: AnchorPlace;
  let writes: number;
  const clock = new FakeClock();
  const writer = (anchored = true) => new AuditLog({ fs, clock, ...(anchored ? { anchor: place } : {}) }, dir, key);
  // Without requireEntries: the anchor alone must tell a wipe from a log never written.
  const verify = async () => verifyAuditLog(fs, dir, key, { anchor: await readAuditAnchor(place) });
  /** `n` accesses, and the chain head after them (written once they are answered). */
  const fill = async (log: AuditLog, n: number) => {
    for (let i = 0; i < n; i += 1) await log.append({ event: 'access', profile: 'dev', decision: 'allowed' });
    await log.flushed();
  };
  const auditFiles = async () => (await readdir(dir)).filter((n) => n.endsWith('.jsonl'));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-anchor-'));
    keychain = new MemoryKeychain();
    place = { keychain, vaultId };
    writes = 0;
    const set = keychain.set.bind(keychain);
    keychain.set = async (account, secret) => {
      writes += 1;
      return set(account, secret);
    };
  });
  // Retried: a chain head a test's writer answered before writing may still land while the directory goes.
  afterEach(() => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }));

  it('anchors the first batch, then at once on lock, stop and rekey, else once per 100 entries (at most once a second) or 60 s', async () => {
    const log = writer();
    await fill(log, 1);
    assert.equal(writes, 1);
    await fill(log, 50);
    assert.equal(writes, 1, 'no keychain write per access');
    await log.append({ event: 'lock' });
    assert.equal(writes, 2);
    assert.equal((await readAuditAnchor(place))?.seq, 52);
    await fill(log, 99);
    assert.equal(writes, 2);
    await fill(log, 1);
    assert.equal(
      writes,
      2,
      '100 entries after the last anchor, but within a second of it (a load of more than 100 entries a second)',
    );
    clock.advance(ANCHOR_EVERY.minMs);
    await fill(log, 1);
    assert.equal(writes, 3, '100 entries after the last anchor and a second after it');
    assert.equal((await readAuditAnchor(place))?.seq, 153);
    clock.advance(60_000);
    await fill(log, 1);
    assert.equal(writes, 4, '60 s after the last anchor');
    for (const event of ['agent-stop', 'rekey'] as const) await log.append({ event });
    assert.equal(writes, 6);
    const anchor = await readAuditAnchor(place);
    const all = await readAuditLog(fs, dir);
    assert.deepEqual(anchor, { vaultId, first: all[0]!.mac, seq: all.at(-1)!.seq, mac: all.at(-1)!.mac });
    assert.equal((await verify()).ok, true);
  });

  it('a wipe (files and head gone) is reported by verify, and the writer records tamper instead of a silent new chain', async () => {
    const log = writer();
    await fill(log, 3);
    await log.append({ event: 'lock' });
    for (const name of await readdir(dir)) await rm(join(dir, name));
    const wiped = await verify();
    assert.equal(wiped.ok, false);
    assert.match(
      wiped.problem!.reason,
      /the log ends at entry 0 but the keychain anchored entry 4: the log was deleted/,
    );

    await writer().append({ event: 'agent-start' }); // the agent starting again
    const all = await readAuditLog(fs, dir);
    assert.deepEqual(
      all.map((e) => e.event),
      ['tamper', 'agent-start'],
    );
    assert.match(String(all[0]!.reason), /the audit log was deleted: the keychain had anchored entry 4/);
    const after = await verify();
    assert.equal(after.ok, false, 'the new chain carries the tamper entry: never "chain intact" again');
    assert.match(after.problem!.reason, /tampering was detected and recorded here: the audit log was deleted/);
  });

  it('a chain started again at entry 1 is reported, even when it is longer than the anchored one', async () => {
    await fill(writer(), 3);
    for (const name of await readdir(dir)) await rm(join(dir, name));
    const other = writer(false); // a writer that ignores the anchor, as tray-cred did before
    for (let i = 0; i < 6; i += 1) await other.append({ event: 'access', profile: 'prod', decision: 'allowed' });
    const r = await verify();
    assert.equal(r.ok, false);
    assert.equal(r.problem!.seq, 1);
    assert.match(r.problem!.reason, /the log starts a different chain than the one the keychain anchored/);
  });

  it('a cut below the anchor with an old head.json put back: verify reports it and the writer records tamper', async () => {
    const log = writer();
    await fill(log, 2);
    const [file] = await auditFiles();
    const oldLog = await readFile(join(dir, file!));
    const oldHead = await readFile(join(dir, 'head.json'));
    await fill(log, 3);
    await log.append({ event: 'lock' }); // anchored at 6
    await writeFile(join(dir, file!), oldLog);
    await writeFile(join(dir, 'head.json'), oldHead);
    assert.equal(
      (await verifyAuditLog(fs, dir, key, { requireEntries: true })).ok,
      true,
      'without the anchor the old head hides the cut',
    );
    const r = await verify();
    assert.equal(r.ok, false);
    assert.match(
      r.problem!.reason,
      /the log ends at entry 2 but the keychain anchored entry 6: 4 or more entries were cut off \(an older head\.json may have been put back\)/,
    );

    await writer().append({ event: 'agent-start' });
    const all = await readAuditLog(fs, dir);
    assert.deepEqual(
      all.map((e) => [e.seq, e.event]),
      [
        [1, 'access'],
        [2, 'access'],
        [3, 'tamper'],
        [4, 'agent-start'],
      ],
    );
    assert.match(String(all[2]!.reason), /the log ends at entry 2 but the keychain had anchored entry 6/);
  });

  it('entries after the last anchor can still be cut with an old head: the window SECURITY.md states', async () => {
    const log = writer();
    await log.append({ event: 'lock' }); // anchored at 1
    const [file] = await auditFiles();
    const oldLog = await readFile(join(dir, file!));
    const oldHead = await readFile(join(dir, 'head.json'));
    await fill(log, 5); // not anchored yet: fewer than 100 entries, less than 60 s
    await writeFile(join(dir, file!), oldLog);
    await writeFile(join(dir, 'head.json'), oldHead);
    assert.equal((await verify()).ok, true);
  });

  it('an access waits for its own entry on disk, not for an interval anchor; a lock waits for its anchor', {
    timeout: 20_000,
  }, async () => {
    const log = writer();
    await fill(log, 1);
    // From now on the keychain takes an anchor write only when the test lets it.
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const set = keychain.set.bind(keychain);
    keychain.set = async (account, secret) => {
      await gate;
      return set(account, secret);
    };
    clock.advance(60_000);
    // Due an interval anchor whose keychain write hangs: answered all the same (else this hangs and the test times out).
    await log.append({ event: 'access', profile: 'dev', decision: 'allowed' });
    assert.equal((await readAuditAnchor(place))?.seq, 1, 'the interval anchor is still being written');
    let answered = false;
    const lock = log.append({ event: 'lock' }).then(() => (answered = true));
    // Wait until the lock's entry and head are on disk, then let every pending callback run.
    while (!(await readFile(join(dir, 'head.json'), 'utf8').catch(() => '')).includes('"seq":3'))
      await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 50; i += 1) await new Promise((r) => setImmediate(r));
    assert.equal(answered, false, 'a lock is answered only once its anchor is written');
    release();
    await lock;
    assert.equal((await readAuditAnchor(place))?.seq, 3, 'the lock anchored after the interval write');
    assert.equal((await verify()).ok, true);
  });

  it('a new machine (a fresh keychain, the log restored from a backup) verifies, and its first write anchors the log', async () => {
    await fill(writer(), 4);
    const restored = await mkdtemp(join(tmpdir(), 'tray-cred-anchor-new-'));
    try {
      for (const name of await readdir(dir)) await copyFile(join(dir, name), join(restored, name));
      const fresh: AnchorPlace = { keychain: new MemoryKeychain(), vaultId };
      assert.equal(
        (await verifyAuditLog(fs, restored, key, { requireEntries: true, anchor: await readAuditAnchor(fresh) })).ok,
        true,
      );
      await new AuditLog({ fs, clock, anchor: fresh }, restored, key).append({ event: 'agent-start' });
      const anchor = await readAuditAnchor(fresh);
      assert.equal(anchor?.seq, 5);
      assert.equal(anchor?.first, (await readAuditLog(fs, restored))[0]!.mac);
      assert.equal((await verifyAuditLog(fs, restored, key, { requireEntries: true, anchor })).ok, true);
    } finally {
      await rm(restored, { recursive: true, force: true });
    }
  });

  it('refuses an anchor entry changed outside tray-cred', async () => {
    await keychain.set(auditAnchorAccount(vaultId), '{"seq":1}');
    await assert.rejects(readAuditAnchor(place), /is not an audit anchor: it was changed outside tray-cred/);
  });
});
