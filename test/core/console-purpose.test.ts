/**
 * `purpose: 'console'` (tray-cred login, issue 14 item 3): a profile holding an IAM user's key is
 * served a federation token minted in the agent, through the same policy, prompt and audit entry;
 * the token is never cached as the profile's session; an MFA session-mode profile is refused.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Request, Response } from '../../helper/wire.ts';
import { parseConsoleCredentials } from '../../helper/console-wire.ts';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

type World = Awaited<ReturnType<typeof makeWorld>>;
const caller = { pid: 300, ppid: 200, command: 'tray-cred login prod', cwd: '/work' };
let n = 0;
const ask = (profile: string, purpose?: 'console'): Request => ({
  v: 1,
  id: `req-${++n}`,
  op: 'credentials',
  profile,
  caller,
  ...(purpose ? { purpose } : {}),
});
const ok = (r: Response): unknown => {
  assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.message}`);
  return r.result;
};

describe('credentials for the console (purpose console)', () => {
  let w: World;
  let admin: ProfileAdmin;

  beforeEach(async () => {
    w = await makeWorld();
    const key = await w.vault.loadMasterKey();
    admin = new ProfileAdmin(w.vault, w.audit);
    await admin.import(
      key,
      new Map([
        ['prod', PROD_KEYS],
        ['dev', DEV_KEYS],
      ]),
      { replace: false, source: 'test', sessionMode: true },
    );
    await admin.setPolicy(key, 'prod', 'allow', undefined);
    await admin.setPolicy(key, 'dev', 'ask', 0);
    await admin.setSts(key, 'dev', { sessionMode: true, mfaSerial: 'arn:aws:iam::123456789012:mfa/ann' });
    key.fill(0);
    await w.broker.unlock();
  });
  afterEach(() => w.close());
  const accesses = async () => (await w.entries()).filter((e) => e.event === 'access');

  it('a session-mode profile gets a federation token over its stored key, audited as federated, not cached', async () => {
    const { credentials, federated } = parseConsoleCredentials(ok(await w.handle(ask('prod', 'console'))));
    assert.equal(federated, true);
    assert.ok(credentials.SessionToken);
    assert.notEqual(credentials.AccessKeyId, PROD_KEYS.accessKeyId);
    assert.deepEqual(
      w.sts.calls.map((c) => [c.op, c.with, c.name]),
      [['GetFederationToken', PROD_KEYS.accessKeyId, 'tray-cred-prod']],
    );
    const entry = (await accesses()).at(-1)!;
    assert.deepEqual(
      [entry.decision, entry.served, entry.credentialId],
      ['allowed', 'federated', credentials.AccessKeyId],
    );
    // A client's request mints its own session: the console's token is not served to it.
    const client = ok(await w.handle(ask('prod'))) as { AccessKeyId: string };
    assert.notEqual(client.AccessKeyId, credentials.AccessKeyId);
    assert.deepEqual(
      w.sts.calls.map((c) => c.op),
      ['GetFederationToken', 'GetSessionToken'],
    );
    assert.deepEqual(
      w.broker.sessions().map((s) => s.profile),
      ['prod'],
    );
    assert.equal((await accesses()).at(-1)!.served, 'minted');
  });

  it('a role session stays a role session (federated false)', async () => {
    const key = await w.vault.loadMasterKey();
    assert.equal(
      await admin.setSource(key, 'admin', {
        kind: 'role',
        roleArn: 'arn:aws:iam::123456789012:role/Admin',
        sourceProfile: 'prod',
      }),
      'added',
    );
    await admin.setPolicy(key, 'admin', 'allow', undefined);
    key.fill(0);
    const { federated } = parseConsoleCredentials(ok(await w.handle(ask('admin', 'console'))));
    assert.equal(federated, false);
    assert.deepEqual(
      w.sts.calls.map((c) => c.op),
      ['GetSessionToken', 'AssumeRole'],
    );
  });

  it('the same gate: a guarded profile is prompted, and a deny reaches no STS', async () => {
    const key = await w.vault.loadMasterKey();
    await admin.setSts(key, 'dev', { mfaSerial: undefined });
    key.fill(0);
    const pending = w.handle(ask('dev', 'console'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: false });
    const r = await pending;
    assert.equal(r.ok ? undefined : r.error.code, 'DENIED');
    assert.deepEqual(w.sts.calls, []);
    assert.equal((await accesses()).at(-1)!.decision, 'denied');
  });

  it('an MFA session-mode profile is refused: GetFederationToken takes no code, so it would sign in without one', async () => {
    const pending = w.handle(ask('dev', 'console'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: true, mfaCode: '123456' });
    const r = await pending;
    assert.ok(!r.ok);
    assert.match(
      r.error.message,
      /asks for an MFA code in session mode, and the console's federation token \(GetFederationToken\) takes none: sign in through a role profile with MFA/,
    );
    assert.deepEqual(w.sts.calls, []);
  });
});
