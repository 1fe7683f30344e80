import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { CallerClaim, Request, Response } from '../../helper/wire.ts';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { scrubCaller } from '../../main/core/approval/caller-redaction.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';
import { eventually } from '../node/processes.ts';

type World = Awaited<ReturnType<typeof makeWorld>>;
const caller = { pid: 300, ppid: 200, command: 'aws s3 ls', cwd: '/work' };
const ask = (profile: string, id = 'r1', c: CallerClaim = caller): Request => ({
  v: 1,
  id,
  op: 'credentials',
  profile,
  caller: c,
});
const errorCode = (r: Response): string | undefined => (r.ok ? undefined : r.error.code);
const flush = () => new Promise((r) => setImmediate(r));

describe('Broker', () => {
  let w: World;

  /** A world holding dev, prod (ask) and blocked (deny), unlocked. */
  async function stocked(options: Parameters<typeof makeWorld>[0] = {}): Promise<World> {
    const w = await makeWorld(options);
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).import(
      key,
      new Map([
        ['dev', DEV_KEYS],
        ['prod', PROD_KEYS],
        ['blocked', DEV_KEYS],
      ]),
      { replace: false, source: 'test', sessionMode: true },
    );
    await new ProfileAdmin(w.vault, w.audit).setPolicy(key, 'blocked', 'deny', undefined);
    await w.broker.unlock();
    return w;
  }

  beforeEach(async () => {
    w = await stocked();
  });
  afterEach(() => w.close());

  async function accesses() {
    return (await w.entries()).filter((e) => e.event === 'access');
  }

  it('serves an allow profile as credential_process JSON and records it', async () => {
    const r = await w.handle(ask('dev'));
    assert.deepEqual(r, {
      v: 1,
      id: 'r1',
      ok: true,
      result: { Version: 1, ...{ AccessKeyId: DEV_KEYS.accessKeyId, SecretAccessKey: DEV_KEYS.secretAccessKey } },
    });
    const [entry] = await accesses();
    assert.equal(entry!.decision, 'allowed');
    assert.equal(entry!.profile, 'dev');
    assert.deepEqual(entry!.caller, caller);
    assert.equal(entry!.requestId, 'r1');
    assert.ok(!JSON.stringify(await w.entries()).includes(DEV_KEYS.secretAccessKey));
  });

  it('defaults profiles named like prod to ask', async () => {
    const profiles = await w.broker.profiles();
    assert.deepEqual(
      profiles.map((p) => [p.name, p.policy]),
      [
        ['blocked', 'deny'],
        ['dev', 'allow'],
        ['prod', 'ask'],
      ],
    );
    assert.ok(!JSON.stringify(profiles).includes(PROD_KEYS.secretAccessKey));
  });

  it('denies a deny profile without asking', async () => {
    const r = await w.handle(ask('blocked'));
    assert.equal(errorCode(r), 'DENIED');
    assert.equal(w.approver.requests.length, 0);
    assert.equal((await accesses())[0]!.reason, 'the profile policy is deny');
  });

  it('reads the vault again after a prompt: a profile removed while a person decided is not served', async () => {
    const pending = w.handle(ask('prod'));
    await w.approver.untilOpen();
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).remove(key, 'prod');
    key.fill(0);
    w.approver.answer({ allow: true });
    const r = await pending;
    assert.equal(errorCode(r), 'UNKNOWN_PROFILE');
    assert.equal((await accesses()).at(-1)!.reason, 'removed while waiting for approval');
  });

  it('asks for an ask profile and serves it when approved', async () => {
    const pending = w.handle(ask('prod'));
    await w.approver.untilOpen();
    assert.deepEqual(w.approver.requests[0], {
      profile: 'prod',
      caller,
      verified: undefined,
      offer: { kinds: ['once'], minutes: 0 },
      unlock: false,
    });
    assert.equal(w.broker.status().pending, 1);
    w.approver.answer({ allow: true });
    const r = await pending;
    // prod is an ask profile with long-term keys, so session mode is on: the client gets STS session credentials.
    assert.ok(r.ok);
    const served = r.result as { AccessKeyId: string; SessionToken?: string; Expiration?: string };
    assert.match(served.AccessKeyId, /^ASIAFAKE/);
    assert.ok(served.SessionToken && served.Expiration);
    assert.ok(!JSON.stringify(r).includes(PROD_KEYS.secretAccessKey));
    assert.deepEqual(
      w.sts.calls.map((c) => [c.op, c.with]),
      [['GetSessionToken', PROD_KEYS.accessKeyId]],
    );
    const [entry] = await accesses();
    assert.deepEqual([entry!.decision, entry!.served, entry!.credentialId], ['approved', 'minted', served.AccessKeyId]);
    // not remembered: the next request asks again
    const again = w.handle(ask('prod', 'r2'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: false });
    assert.equal(errorCode(await again), 'DENIED');
    assert.deepEqual(
      (await accesses()).map((e) => e.decision),
      ['approved', 'denied'],
    );
  });

  it('denies after 50 s (the default) without an answer and closes the prompt', async () => {
    const pending = w.handle(ask('prod'));
    await w.approver.untilOpen();
    w.clock.advance(49_999);
    await flush();
    assert.equal(w.approver.open, 1);
    w.clock.advance(1);
    const r = await pending;
    assert.equal(errorCode(r), 'TIMEOUT');
    assert.match(r.ok ? '' : r.error.message, /within 50 s/);
    assert.equal(w.approver.aborted.length, 1);
    assert.equal((await accesses())[0]!.decision, 'timeout');
  });

  it('reads the time-out as each prompt opens: a changed setting applies to the next prompt, and each refusal names its own', async () => {
    await w.close();
    let seconds = 50;
    w = await stocked({ approvalTimeoutMs: () => seconds * 1000 });
    const first = w.handle(ask('prod', 'a'));
    await w.approver.untilOpen();
    seconds = 5; // `tray-cred settings approvalTimeoutSeconds 5` while the agent runs
    const second = w.handle(ask('prod', 'b'));
    await eventually('the second prompt queued', () => w.broker.status().pending === 2, 5_000);
    w.clock.advance(5_000);
    await eventually('the second prompt timed out after 5 s', () => w.broker.status().pending === 1, 5_000);
    const r2 = await second;
    assert.equal(errorCode(r2), 'TIMEOUT');
    assert.match(r2.ok ? '' : r2.error.message, /within 5 s/);
    assert.equal(w.approver.open, 1, 'the first prompt keeps the 50 s it opened with');
    w.clock.advance(45_000);
    const r1 = await first;
    assert.match(r1.ok ? '' : r1.error.message, /within 50 s/);
    assert.deepEqual(
      (await accesses()).map((e) => e.reason),
      ['no answer within 5 s', 'no answer within 50 s'],
    );
  });

  it('without a verified caller, identical requests each get their own prompt: a claim is not an identity', async () => {
    const both = [w.handle(ask('prod', 'a')), w.handle(ask('prod', 'b'))];
    await w.approver.untilOpen();
    while (w.broker.status().pending < 2) await flush();
    assert.equal(w.broker.status().pending, 2, 'both wait, in the queue');
    assert.deepEqual(
      w.broker.status().waiting.map((x) => x.who),
      ['aws s3 ls (pid 300, claimed) in /work', 'aws s3 ls (pid 300, claimed) in /work'],
    );
    w.approver.answer({ allow: true });
    await w.approver.untilOpen();
    w.approver.answer({ allow: false });
    const results = await Promise.all(both);
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, false],
    );
    assert.equal(w.approver.requests.length, 2);
    assert.deepEqual(
      w.approver.requests[0]!.offer,
      { kinds: ['once'], minutes: 0 },
      'nothing broader than once is offered on a claim',
    );
  });

  it('an unverified answer asking for a broad scope is narrowed to once', async () => {
    const first = w.handle(ask('prod'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: true, scope: { kind: 'any', minutes: 60 } });
    assert.equal((await first).ok, true);
    const second = w.handle(ask('prod', 'r2'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: false });
    assert.equal(errorCode(await second), 'DENIED');
    assert.deepEqual(
      (await accesses()).map((e) => [e.decision, e.approval]),
      [
        ['approved', { scope: 'once', grant: 'r1' }],
        ['denied', undefined],
      ],
    );
  });

  it('a lock while the batched last-used write runs waits for it: the vault opens after and holds the time', async () => {
    const usedAt = new Date(w.clock.now()).toISOString();
    assert.equal((await w.handle(ask('dev'))).ok, true);
    w.clock.advance(60_000); // the batched write starts now, on its timer
    await w.broker.lock('test');
    await w.broker.unlock();
    const dev = (await w.broker.profiles()).find((p) => p.name === 'dev');
    assert.equal(dev?.lastUsedAt, usedAt);
    assert.deepEqual(w.warnings, []);
  });

  it('lock wipes grants and cancels open prompts; requests while locked fail as LOCKED', async () => {
    const first = w.handle(ask('prod'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: true });
    await first;
    await w.broker.lock('test');
    assert.equal(w.broker.locked, true);
    assert.deepEqual(w.broker.status(), { locked: true, profiles: 0, pending: 0, waiting: [], agentPid: 4242 });
    const locked = await w.handle(ask('dev', 'l1'));
    assert.equal(errorCode(locked), 'LOCKED');
    assert.match(locked.ok ? '' : locked.error.message, /tray-cred unlock/);
    await w.broker.unlock();
    const afterUnlock = w.handle(ask('prod', 'u1'));
    await w.approver.untilOpen();
    const pendingLock = w.broker.lock('test again');
    assert.equal(errorCode(await afterUnlock), 'DENIED');
    await pendingLock;
    const decisions = (await w.entries()).map((e) => e.decision ?? e.event);
    assert.deepEqual(decisions.slice(-6), ['approved', 'lock', 'locked', 'unlock', 'lock', 'denied']);
    assert.equal((await accesses()).at(-1)!.reason, 'locked while waiting for approval');
  });

  it('answers unknown profiles, edited vaults and expired sessions clearly', async () => {
    assert.equal(errorCode(await w.handle(ask('nope'))), 'UNKNOWN_PROFILE');
    const key = await w.vault.loadMasterKey();
    const admin = new ProfileAdmin(w.vault, w.audit);
    await admin.add(
      key,
      'sess',
      { ...DEV_KEYS, sessionToken: 'tok', expiration: new Date(w.clock.now() + 3_600_000).toISOString() },
      false,
    );
    const r = await w.handle(ask('sess'));
    assert.ok(r.ok);
    assert.deepEqual(Object.keys(r.result as object), [
      'Version',
      'AccessKeyId',
      'SecretAccessKey',
      'SessionToken',
      'Expiration',
    ]);
    w.clock.advance(3_600_000);
    const expired = await w.handle(ask('sess', 'e'));
    assert.equal(errorCode(expired), 'EXPIRED');
    assert.match(expired.ok ? '' : expired.error.message, /expired at 2026-11-26T10:00:00.000Z/);
    await admin.remove(key, 'dev');
    assert.equal(
      errorCode(await w.handle(ask('dev', 'gone'))),
      'UNKNOWN_PROFILE',
      'a change by another process is seen without restart',
    );
    assert.deepEqual(
      (await accesses()).map((e) => e.decision),
      ['unknown-profile', 'allowed', 'expired', 'unknown-profile'],
    );
  });

  it('does not serve what it cannot record', async () => {
    await w.audit.flushed(); // a chain head still being written would land in the directory removed below
    await w.fs.remove(`${w.audit.dir}/head.json`);
    const { rm, writeFile } = await import('node:fs/promises');
    await rm(w.audit.dir, { recursive: true, force: true });
    await writeFile(w.audit.dir, 'not a directory');
    const r = await w.handle(ask('dev'));
    assert.equal(errorCode(r), 'ENVIRONMENT');
    assert.match(r.ok ? '' : r.error.message, /audit log .* cannot be written/);
  });

  it('does not serve past a last entry that is not an entry: TAMPERED, naming audit verify', async () => {
    const { appendFile, readdir } = await import('node:fs/promises');
    const [file] = (await readdir(w.audit.dir)).filter((n) => n.endsWith('.jsonl'));
    await appendFile(`${w.audit.dir}/${file}`, 'not an audit entry\n');
    // The writer sees the file grew and reads where the chain ends, as after another process wrote.
    const r = await w.handle(ask('dev'));
    assert.equal(errorCode(r), 'TAMPERED');
    assert.match(
      r.ok ? '' : r.error.message,
      /is not an audit entry.*nothing is served unrecorded: run `tray-cred audit verify`/,
    );
  });

  it('records last-used times in the vault later, not on every request', async () => {
    await w.handle(ask('dev'));
    let [dev] = (await w.broker.profiles()).filter((p) => p.name === 'dev');
    assert.equal(dev!.lastUsedAt, new Date(w.clock.now()).toISOString());
    const key = await w.vault.loadMasterKey();
    assert.equal((await w.vault.read(key)).data.profiles.dev!.lastUsedAt, undefined);
    w.clock.advance(60_000);
    await flush();
    // The timer has fired; its vault write takes real time (a busy machine took more than 50 ms).
    await eventually(
      'the last-used time in the vault',
      async () => !!(await w.vault.read(key)).data.profiles.dev!.lastUsedAt,
      10_000,
    );
    [dev] = (await w.broker.profiles()).filter((p) => p.name === 'dev');
    assert.ok(dev!.lastUsedAt);
  });

  it('writes last-used times within a second, and a burst of uses as one vault write', async () => {
    const key = await w.vault.loadMasterKey();
    const update = w.vault.update.bind(w.vault);
    let writes = 0;
    w.vault.update = ((...args: Parameters<typeof update>) => {
      writes += 1;
      return update(...args);
    }) as typeof update;
    for (let i = 0; i < 20; i++) {
      assert.equal((await w.handle(ask('dev', `r${i}`))).ok, true);
      w.clock.advance(40); // 20 uses over 800 ms
    }
    await flush();
    assert.equal(writes, 0, 'nothing is written before the second is up');
    assert.equal((await w.vault.read(key)).data.profiles.dev!.lastUsedAt, undefined);
    w.clock.advance(200); // one second after the first use
    await flush();
    await eventually(
      'the last-used time in the vault',
      async () => !!(await w.vault.read(key)).data.profiles.dev!.lastUsedAt,
      10_000,
    );
    assert.equal(writes, 1, 'twenty uses, one vault write');
    assert.equal(
      (await w.vault.read(key)).data.profiles.dev!.lastUsedAt,
      new Date(w.clock.now() - 200 - 40).toISOString(),
      'the vault holds the newest use',
    );
  });

  it('reports status and audits unlock and lock', async () => {
    assert.deepEqual(w.broker.status(), { locked: false, profiles: 3, pending: 0, waiting: [], agentPid: 4242 });
    await w.handle({ v: 1, id: 's', op: 'lock', caller });
    await w.handle({ v: 1, id: 's', op: 'unlock', caller });
    const admin = (await w.entries()).filter((e) => e.event === 'lock' || e.event === 'unlock').map((e) => e.event);
    assert.deepEqual(admin, ['unlock', 'lock', 'unlock']);
    assert.equal((await w.handle({ v: 1, id: 's', op: 'status' })).ok, true);
  });

  it('stays locked and says why when the keychain is unavailable', async () => {
    await w.broker.lock('t');
    w.keychain.unavailable = true;
    const r = await w.handle({ v: 1, id: 'u', op: 'unlock' });
    assert.equal(errorCode(r), 'KEYCHAIN');
    assert.equal(w.broker.locked, true);
    w.keychain.unavailable = false;
    assert.equal((await w.handle({ v: 1, id: 'u', op: 'unlock' })).ok, true);
  });

  it('keeps serving across a rekey by another process, taking the new key from the keychain', async () => {
    assert.equal((await w.handle(ask('dev', 'before'))).ok, true);
    const old = await w.vault.loadMasterKey();
    await w.vault.rekey(old);
    const results = await Promise.all([w.handle(ask('dev', 'a1')), w.handle(ask('dev', 'a2'))]);
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true],
    );
    assert.equal(w.broker.locked, false);
  });

  it('records and shows callers without the secrets in their command lines', async () => {
    const leaky = {
      ...caller,
      command: 'aws sts get-session-token --token-code 123456 --serial-number arn:x --password=hunter2',
    };
    await w.handle(ask('dev', 'leak', leaky));
    const [entry] = await accesses();
    assert.equal(
      entry!.caller!.command,
      'aws sts get-session-token --token-code [redacted] --serial-number arn:x --password=[redacted]',
    );
    assert.equal(scrubCaller(undefined), undefined);
  });

  it("records a caller's argv redacted by argument, and the command rebuilt from it", async () => {
    const argv = ['aws', 'ssm', 'put-parameter', '--type', 'SecureString', '--value', 'two words', '--name', 'p'];
    await w.handle(ask('dev', 'argv', { ...caller, command: argv.join(' '), argv }));
    const [entry] = await accesses();
    assert.deepEqual(entry!.caller!.argv, [
      'aws',
      'ssm',
      'put-parameter',
      '--type',
      'SecureString',
      '--value',
      '[redacted]',
      '--name',
      'p',
    ]);
    assert.equal(entry!.caller!.command, 'aws ssm put-parameter --type SecureString --value [redacted] --name p');
  });

  it('two unlocks at once read the key once and record one unlock', async () => {
    await w.broker.lock('t');
    await Promise.all([w.broker.unlock(), w.broker.unlock()]);
    assert.equal(
      (await w.entries()).filter((e) => e.event === 'unlock').length,
      2,
      'the one in beforeEach and one more',
    );
  });
});
