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
