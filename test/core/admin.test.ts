import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import {
  checkPolicy,
  checkProfileName,
  checkRememberMinutes,
  defaultPolicy,
} from '../../main/core/profiles/profile.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

describe('ProfileAdmin', async () => {
  const w = await makeWorld();
  after(() => w.close());
  const admin = new ProfileAdmin(w.vault, w.audit);
  const key = await w.vault.loadMasterKey();
  const profiles = async () => (await w.vault.read(key)).data.profiles;

  it('imports with default policies, skips existing profiles unless replace, and keeps policies on replace', async () => {
    const first = await admin.import(
      key,
      new Map([
        ['dev', DEV_KEYS],
        ['prod-eu', PROD_KEYS],
      ]),
      { replace: false, source: 'creds' },
    );
    assert.deepEqual(first, { added: ['dev', 'prod-eu'], replaced: [], skipped: [] });
    assert.equal((await profiles())['prod-eu']!.policy, 'ask');
    assert.equal((await profiles()).dev!.policy, 'allow');
    await admin.setPolicy(key, 'dev', 'deny', 5);
    const second = await admin.import(
      key,
      new Map([
        ['dev', PROD_KEYS],
        ['new', DEV_KEYS],
      ]),
      { replace: false, source: 'creds' },
    );
    assert.deepEqual(second, { added: ['new'], replaced: [], skipped: ['dev'] });
    assert.equal((await profiles()).dev!.accessKeyId, DEV_KEYS.accessKeyId);
    const third = await admin.import(key, new Map([['dev', PROD_KEYS]]), { replace: true, source: 'creds' });
    assert.deepEqual(third.replaced, ['dev']);
    const dev = (await profiles()).dev!;
    assert.equal(dev.accessKeyId, PROD_KEYS.accessKeyId);
    assert.deepEqual([dev.policy, dev.rememberMinutes], ['deny', 5]);
  });

  it('adds, refuses a duplicate without replace, rotates with it, and removes', async () => {
    assert.equal(await admin.add(key, 'solo', DEV_KEYS, false), 'added');
    await assert.rejects(admin.add(key, 'solo', PROD_KEYS, false), /exists already: pass --replace/);
    assert.equal(await admin.add(key, 'solo', PROD_KEYS, true), 'replaced');
    assert.equal((await profiles()).solo!.secretAccessKey, PROD_KEYS.secretAccessKey);
    await admin.remove(key, 'solo');
    assert.equal((await profiles()).solo, undefined);
    await assert.rejects(admin.remove(key, 'solo'), /no profile "solo"/);
    await assert.rejects(admin.setPolicy(key, 'solo', 'ask', undefined), /no profile "solo"/);
  });

  it('audits every change, never with a secret', async () => {
    const entries = await w.entries();
    assert.deepEqual(
      entries.map((e) => e.event),
      ['import', 'policy', 'import', 'import', 'add', 'add', 'remove'],
    );
    const text = JSON.stringify(entries);
    for (const secret of [DEV_KEYS.secretAccessKey, PROD_KEYS.secretAccessKey]) assert.ok(!text.includes(secret));
  });
});

describe('profile checks', () => {
  it('guards names containing prod by default', () => {
    assert.deepEqual(['prod', 'my-PROD-eu', 'production', 'dev', 'staging'].map(defaultPolicy), [
      'ask',
      'ask',
      'ask',
      'allow',
      'allow',
    ]);
  });
  it('rejects bad input with the fix in the message', () => {
    assert.throws(() => checkProfileName('-x'), /not a usable profile name/);
    assert.throws(() => checkPolicy('maybe'), /use allow, ask or deny/);
    assert.throws(() => checkRememberMinutes(2000), /from 0 to 1440/);
    assert.throws(() => checkRememberMinutes(1.5), /whole minutes/);
    assert.equal(checkRememberMinutes(15), 15);
  });
});

describe('a role over a role session (role chaining) is configured with at most an hour', async () => {
  const w = await makeWorld();
  after(() => w.close());
  const admin = new ProfileAdmin(w.vault, w.audit);
  const key = await w.vault.loadMasterKey();
  const AWS_SAYS = 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.';
  const role = (sourceProfile: string, durationSeconds?: number) => ({
    kind: 'role' as const,
    roleArn: `arn:aws:iam::123456789012:role/${sourceProfile}-admin`,
    sourceProfile,
    ...(durationSeconds ? { durationSeconds } : {}),
  });
  const sso = {
    kind: 'sso' as const,
    startUrl: 'https://example.awsapps.com/start',
    region: 'eu-west-1',
    accountId: '123456789012',
    roleName: 'Developer',
  };

  it('refuses more than 3600 s over a role or an sso profile with AWS reason and the fix; keys get 12 hours', async () => {
    await admin.add(key, 'base', DEV_KEYS, false);
    await admin.setSource(key, 'ops', role('base', 43_200));
    await admin.setSource(key, 'team', sso);
    for (const source of ['ops', 'team'])
      await assert.rejects(admin.setSource(key, `over-${source}`, role(source, 7200)), (e: unknown) => {
        assert.ok(e instanceof Error && e.message.includes(`"${AWS_SAYS}"`), String(e));
        assert.match(
          e.message,
          new RegExp(`^profile "over-${source}" asks for 7200 s of .*--source-profile ${source} --duration 3600\`$`),
        );
        return true;
      });
    await admin.setSource(key, 'over-ops', role('ops', 3600));
    assert.equal((await w.vault.read(key)).data.profiles['over-ops']?.source?.kind, 'role');
  });

  it('refuses turning a source into a role under a role that asks for more than an hour', async () => {
    await admin.add(key, 'keys', DEV_KEYS, false);
    await admin.setSource(key, 'long', role('keys', 7200));
    await assert.rejects(
      admin.setSource(key, 'keys', role('base'), true),
      (e: unknown) => e instanceof Error && e.message.startsWith('profile "long" asks for 7200 s'),
    );
    assert.equal((await w.vault.read(key)).data.profiles.keys?.accessKeyId, DEV_KEYS.accessKeyId, 'nothing changed');
  });
});
