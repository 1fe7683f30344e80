import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Request, Response } from '../../helper/wire.ts';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { redact } from '../../main/core/sources/command.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

type World = Awaited<ReturnType<typeof makeWorld>>;
const caller = { pid: 300, ppid: 200, command: 'aws s3 ls', cwd: '/work' };
let n = 0;
const ask = (profile: string): Request => ({ v: 1, id: `req-${++n}`, op: 'credentials', profile, caller });
const creds = (r: Response) => {
  assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.message}`);
  return r.result as { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string; Expiration?: string };
};
const code = (r: Response): string | undefined => (r.ok ? undefined : r.error.code);
const MFA = 'arn:aws:iam::123456789012:mfa/ann';
const ROLE = 'arn:aws:iam::123456789012:role/Admin';

describe('temporary credentials', () => {
  let w: World;
  let admin: ProfileAdmin;
  let key: Buffer;

  beforeEach(async () => {
    w = await makeWorld();
    key = await w.vault.loadMasterKey();
    admin = new ProfileAdmin(w.vault, w.audit);
    await admin.import(
      key,
      new Map([
        ['base', DEV_KEYS],
        ['prod', PROD_KEYS],
      ]),
      { replace: false, source: 'test', sessionMode: true },
    );
    await admin.setPolicy(key, 'prod', 'allow', undefined);
    await w.broker.unlock();
  });
  afterEach(() => w.close());
  const accesses = async () => (await w.entries()).filter((e) => e.event === 'access');

  it('session mode serves STS session credentials, reuses them until 15 minutes remain, then mints again', async () => {
    const first = creds(await w.handle(ask('prod')));
    assert.notEqual(first.AccessKeyId, PROD_KEYS.accessKeyId);
    assert.ok(first.SessionToken && first.Expiration);
    w.clock.advance(44 * 60_000);
    assert.deepEqual(creds(await w.handle(ask('prod'))), first);
    w.clock.advance(60_001);
    const third = creds(await w.handle(ask('prod')));
    assert.notEqual(third.AccessKeyId, first.AccessKeyId);
    assert.deepEqual(
      w.sts.calls.map((c) => c.op),
      ['GetSessionToken', 'GetSessionToken'],
    );
    assert.deepEqual(
      (await accesses()).map((e) => e.served),
      ['minted', 'cache', 'minted'],
    );
    assert.equal((await accesses())[0]!.credentialId, first.AccessKeyId);
  });

  it('profiles without session mode are served from the vault as they are', async () => {
    const r = creds(await w.handle(ask('base')));
    assert.deepEqual(r, { Version: 1, AccessKeyId: DEV_KEYS.accessKeyId, SecretAccessKey: DEV_KEYS.secretAccessKey });
    assert.equal((await accesses())[0]!.served, 'vault');
    assert.equal(w.sts.calls.length, 0);
  });

  it('lock empties the cache; sessions lists and forget drops a session', async () => {
    const first = creds(await w.handle(ask('prod')));
    const listed = await w.handle({ v: 1, id: 's', op: 'sessions' });
    assert.ok(listed.ok);
    assert.deepEqual(
      (listed.result as { profile: string; kind: string; accessKeyIdSuffix: string; mintedFor: string }[]).map((s) => [
        s.profile,
        s.kind,
        s.accessKeyIdSuffix,
        s.mintedFor,
      ]),
      [['prod', 'session-token', first.AccessKeyId.slice(-4), 'aws s3 ls']],
    );
    assert.ok(!JSON.stringify(listed).includes(first.SecretAccessKey));
    const forgot = await w.handle({ v: 1, id: 'f', op: 'forget', profile: 'prod' });
    assert.deepEqual(forgot.ok && forgot.result, { forgotten: true });
    const second = creds(await w.handle(ask('prod')));
    assert.notEqual(second.AccessKeyId, first.AccessKeyId);
    await w.broker.lock('test');
    await w.broker.unlock();
    const third = creds(await w.handle(ask('prod')));
    assert.notEqual(third.AccessKeyId, second.AccessKeyId);
    assert.equal(w.sts.calls.length, 3);
    assert.ok((await w.entries()).some((e) => e.event === 'forget' && e.profile === 'prod'));
  });

  it('concurrent requests share one mint', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => w.handle(ask('prod'))));
    assert.equal(new Set(results.map((r) => creds(r).AccessKeyId)).size, 1);
    assert.equal(w.sts.calls.length, 1);
    const served = (await accesses()).map((e) => e.served);
    assert.deepEqual(
      [served.filter((s) => s === 'minted').length, served.filter((s) => s === 'cache').length],
      [1, 19],
    );
  });

  it('asks for an MFA code even for an allow profile, passes it to STS once, and never records it', async () => {
    await admin.setSts(key, 'prod', { mfaSerial: MFA });
    w.sts.expectedCode = '914273';
    const pending = w.handle(ask('prod'));
    await w.approver.untilOpen();
    assert.equal(w.approver.requests[0]!.mfaSerial, MFA);
    w.approver.answer({ allow: true, mfaCode: '914273' });
    creds(await pending);
    assert.deepEqual(w.sts.calls[0]!.mfa, { serialNumber: MFA, tokenCode: '914273' });
    // cached: no prompt, no MFA
    creds(await w.handle(ask('prod')));
    assert.equal(w.approver.requests.length, 1);
    assert.ok(!JSON.stringify(await w.entries()).includes('914273'));
  });

  it('a wrong or missing MFA code is refused with the reason', async () => {
    await admin.setSts(key, 'prod', { mfaSerial: MFA });
    const wrong = w.handle(ask('prod'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: true, mfaCode: '000000' });
    const r = await wrong;
    assert.equal(code(r), 'UPSTREAM');
    assert.match(r.ok ? '' : r.error.message, /invalid MFA one time pass code/);
    const none = w.handle(ask('prod'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: true });
    assert.equal(code(await none), 'DENIED');
    assert.deepEqual(
      (await accesses()).map((e) => e.decision),
      ['error', 'denied'],
    );
  });

  it('assumes chained roles with the source profile, carrying the request id as the session name', async () => {
    await admin.setSource(key, 'admin', {
      kind: 'role',
      roleArn: ROLE,
      sourceProfile: 'base',
      externalId: 'ext-1',
      durationSeconds: 3600,
    });
    await admin.setSource(key, 'deep', {
      kind: 'role',
      roleArn: 'arn:aws:iam::210987654321:role/Deep',
      sourceProfile: 'admin',
      mfaSerial: MFA,
    });
    await admin.setPolicy(key, 'admin', 'allow', undefined);
    await admin.setPolicy(key, 'deep', 'allow', undefined);
    const request = ask('deep');
    const pending = w.handle(request);
    await w.approver.untilOpen();
    w.approver.answer({ allow: true, mfaCode: '123456' });
    const r = creds(await pending);
    assert.deepEqual(
      w.sts.calls.map((c) => [c.op, c.with, c.roleArn, c.externalId, c.mfa?.tokenCode]),
      [
        ['AssumeRole', DEV_KEYS.accessKeyId, ROLE, 'ext-1', undefined],
        [
          'AssumeRole',
          w.sts.calls[0] ? 'ASIAFAKE000000000001' : '',
          'arn:aws:iam::210987654321:role/Deep',
          undefined,
          '123456',
        ],
      ],
    );
    assert.equal(w.sts.calls[1]!.roleSessionName, `tray-cred-${request.id}`);
    const entry = (await accesses())[0]!;
    assert.deepEqual(
      [entry.sessionName, entry.credentialId, entry.served],
      [`tray-cred-${request.id}`, r.AccessKeyId, 'minted'],
    );
    // the intermediate role is cached too: asking for it needs no STS call
    creds(await w.handle(ask('admin')));
    assert.equal(w.sts.calls.length, 2);
  });

  it('a role with MFA over a source session with MFA on the same device takes one code, once per session, not per hop', async () => {
    await admin.setSts(key, 'prod', { mfaSerial: MFA });
    await admin.setSource(key, 'prodadmin', { kind: 'role', roleArn: ROLE, sourceProfile: 'prod', mfaSerial: MFA });
    await admin.setPolicy(key, 'prodadmin', 'allow', undefined);
    w.sts.expectedCode = '914273';
    const pending = w.handle(ask('prodadmin'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: true, mfaCode: '914273' });
    creds(await pending);
    // The code goes to GetSessionToken; AssumeRole runs on that MFA session without a second code.
    assert.deepEqual(
      w.sts.calls.map((c) => [c.op, c.mfa?.tokenCode]),
      [
        ['GetSessionToken', '914273'],
        ['AssumeRole', undefined],
      ],
    );
    creds(await w.handle(ask('prodadmin')));
    assert.equal(w.approver.requests.length, 1, 'cached: no second prompt, no second code');
    assert.equal(w.sts.calls.length, 2);
  });

  it('refuses role loops and missing source profiles clearly', async () => {
    await admin.setSource(key, 'a', { kind: 'role', roleArn: ROLE, sourceProfile: 'b' });
    await admin.setSource(key, 'b', { kind: 'role', roleArn: ROLE, sourceProfile: 'a' });
    await admin.setSource(key, 'orphan', { kind: 'role', roleArn: ROLE, sourceProfile: 'gone' });
    for (const p of ['a', 'orphan']) await admin.setPolicy(key, p, 'allow', undefined);
    const loop = await w.handle(ask('a'));
    assert.match(loop.ok ? '' : loop.error.message, /role chain a -> b -> a loops/);
    const orphan = await w.handle(ask('orphan'));
    assert.match(orphan.ok ? '' : orphan.error.message, /takes its keys from "gone", which is not in the vault/);
    await assert.rejects(
      admin.setSource(key, 'self', { kind: 'role', roleArn: ROLE, sourceProfile: 'self' }),
      /its own source profile/,
    );
    await assert.rejects(
      admin.setSource(key, 'bad', { kind: 'role', roleArn: 'not-an-arn', sourceProfile: 'base' }),
      /profile "bad": --role-arn takes a role ARN like arn:aws:iam::123456789012:role\/name, not "not-an-arn"/,
    );
  });

  describe('external commands', () => {
    const future = () => new Date(w.clock.now() + 3_600_000).toISOString();
    const json = (o: object): string => `printf '%s' '${JSON.stringify(o)}'`;
    const cases: { name: string; command: () => string; code?: string; message?: RegExp }[] = [
      {
        name: 'valid JSON with a session',
        command: () =>
          json({
            Version: 1,
            AccessKeyId: 'ASIAEXTERNAL0000001',
            SecretAccessKey: 's3cr3t',
            SessionToken: 't',
            Expiration: future(),
          }),
      },
      {
        name: 'invalid JSON',
        command: () => "echo '{not json'",
        code: 'UPSTREAM',
        message: /printed no valid credential_process JSON/,
      },
      {
        name: 'JSON of the wrong shape',
        command: () => json({ Version: 2, AccessKeyId: 'x' }),
        code: 'UPSTREAM',
        message: /no valid credential_process JSON/,
      },
      {
        name: 'expired credentials',
        command: () =>
          json({
            Version: 1,
            AccessKeyId: 'ASIAEXTERNAL0000001',
            SecretAccessKey: 's',
            SessionToken: 't',
            Expiration: '2020-01-01T00:00:00Z',
          }),
        code: 'EXPIRED',
        message: /already expired/,
      },
      {
        name: 'a non-zero exit',
        command: () => 'echo "token wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY is bad" >&2; exit 3',
        code: 'UPSTREAM',
        message: /failed with exit status 3/,
      },
      { name: 'a hang', command: () => 'sleep 30', code: 'UPSTREAM', message: /did not finish within 1 s/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        await admin.setSource(key, 'ext', { kind: 'command', command: c.command(), timeoutSeconds: 1 });
        await admin.setPolicy(key, 'ext', 'allow', undefined);
        const r = await w.handle(ask('ext'));
        const entry = (await accesses()).at(-1)!;
        if (!c.code) {
          assert.equal(creds(r).AccessKeyId, 'ASIAEXTERNAL0000001');
          assert.equal(entry.served, 'minted');
          assert.equal(creds(await w.handle(ask('ext'))).AccessKeyId, 'ASIAEXTERNAL0000001');
          assert.equal((await accesses()).at(-1)!.served, 'cache', 'cached until its expiration');
          return;
        }
        assert.equal(code(r), c.code);
        assert.match(r.ok ? '' : r.error.message, c.message!);
        assert.match(entry.reason ?? '', c.message!);
        assert.ok(
          !JSON.stringify(await w.entries()).includes(DEV_KEYS.secretAccessKey),
          'stderr is scrubbed before it is recorded',
        );
      });
    }
  });

  it('redacts key-like runs from text', () => {
    assert.equal(redact(`bad key ${DEV_KEYS.secretAccessKey}\n  and more`), 'bad key [redacted] and more');
  });

  it('a role is as guarded as the profiles whose keys it uses', async () => {
    await admin.setSource(key, 'admin', { kind: 'role', roleArn: ROLE, sourceProfile: 'base' });
    await admin.setPolicy(key, 'admin', 'allow', undefined);
    await admin.setPolicy(key, 'base', 'deny', undefined);
    const denied = await w.handle(ask('admin'));
    assert.equal(code(denied), 'DENIED');
    assert.match(denied.ok ? '' : denied.error.message, /the policy of its source profile "base" is deny/);
    assert.equal(w.sts.calls.length, 0);
    await admin.setPolicy(key, 'base', 'ask', undefined);
    const pending = w.handle(ask('admin'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: true });
    creds(await pending);
    assert.deepEqual(
      (await accesses()).map((e) => e.decision),
      ['denied', 'approved'],
    );
  });

  it('a lock during a mint neither serves nor caches what it brings back', async () => {
    const future = new Date(w.clock.now() + 3_600_000).toISOString();
    const doc = JSON.stringify({
      Version: 1,
      AccessKeyId: 'ASIAEXTERNAL0000001',
      SecretAccessKey: 's',
      SessionToken: 't',
      Expiration: future,
    });
    await admin.setSource(key, 'slow', { kind: 'command', command: `sleep 0.5; printf '%s' '${doc}'` });
    await admin.setPolicy(key, 'slow', 'allow', undefined);
    const pending = w.handle(ask('slow'));
    await new Promise((r) => setTimeout(r, 150));
    await w.broker.lock('test');
    const r = await pending;
    assert.equal(code(r), 'LOCKED');
    await w.broker.unlock();
    const listed = await w.handle({ v: 1, id: 's', op: 'sessions' });
    assert.deepEqual(listed.ok && listed.result, []);
    const entry = (await accesses()).at(-1)!;
    assert.deepEqual([entry.decision, entry.served], ['locked', undefined]);
  });

  it('turning a profile with stored keys into a role needs --replace', async () => {
    await assert.rejects(
      admin.setSource(key, 'base', { kind: 'role', roleArn: ROLE, sourceProfile: 'prod' }),
      /holds stored keys, which this would delete: pass --replace/,
    );
    assert.equal((await w.vault.read(key)).data.profiles.base!.accessKeyId, DEV_KEYS.accessKeyId);
    assert.equal(
      await admin.setSource(key, 'base', { kind: 'role', roleArn: ROLE, sourceProfile: 'prod' }, true),
      'updated',
    );
  });
});
