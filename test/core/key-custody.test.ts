import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { KeyCustody } from '../../main/core/vault/key-custody.ts';
import { SEALED } from '../../main/core/profiles/profile.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

const SESSION = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  sessionToken: 'FwoGZXIvYXdzEXAMPLEtokenEXAMPLEtoken',
};

describe('KeyCustody keeps no secret between requests', () => {
  let w: Awaited<ReturnType<typeof makeWorld>>;
  let custody: KeyCustody;

  beforeEach(async () => {
    w = await makeWorld();
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).import(
      key,
      new Map([
        ['dev', DEV_KEYS],
        ['temp', SESSION],
      ]),
      { replace: false, source: 'test', sessionMode: false },
    );
    key.fill(0);
    custody = new KeyCustody({ vault: w.vault, audit: w.audit, onUnlocked: () => undefined });
    await custody.unlock(undefined, true);
  });
  afterEach(() => w.close());

  it('holds the profiles without their secret key or session token, and decrypts them per use', async () => {
    const meta = await custody.profiles();
    assert.equal(JSON.stringify(meta).includes(DEV_KEYS.secretAccessKey), false);
    assert.equal(JSON.stringify(meta).includes(SESSION.sessionToken), false);
    assert.equal(meta.temp!.sessionToken, SEALED, 'a session token is known to exist, not what it is');
    assert.equal(meta.dev!.sessionToken, undefined);
    const served = await custody.withSecrets(false, async (p) => [p.dev!.secretAccessKey, p.temp!.sessionToken]);
    assert.deepEqual(served, [DEV_KEYS.secretAccessKey, SESSION.sessionToken]);
  });

  it('decrypts the vault as it is now when asked to recheck, and the one it held otherwise', async () => {
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).remove(key, 'dev');
    key.fill(0);
    assert.equal(
      await custody.withSecrets(false, async (p) => p.dev?.accessKeyId),
      DEV_KEYS.accessKeyId,
      'the file it last read',
    );
    assert.equal(await custody.withSecrets(true, async (p) => p.dev), undefined, 'the file on disk');
  });

  it('refuses once locked, and zeroes the key it held', async () => {
    const held = custody.current()!;
    custody.beginLock();
    custody.wipe();
    assert.ok(held.every((b) => b === 0));
    await assert.rejects(
      custody.withSecrets(false, async () => 'served'),
      { code: 'LOCKED' },
    );
    await assert.rejects(custody.profiles(), { code: 'LOCKED' });
  });

  it('records a refused rollback in the audit log once, however many requests meet it', async () => {
    const old = await w.fs.readFile(w.vault.path);
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).setPolicy(key, 'dev', 'deny', 0);
    key.fill(0);
    await w.fs.writeFileAtomic(w.vault.path, old!);
    for (let i = 0; i < 3; i += 1) await assert.rejects(custody.profiles(), { code: 'TAMPERED' });
    const refused = (await w.entries()).filter((e) => e.event === 'rollback');
    assert.equal(refused.length, 1);
    assert.match(
      String(refused[0]!.reason),
      /^vault\.json at generation \d+ was refused: this keychain has seen generation \d+ \(an older copy was put back\)$/,
    );
  });
});
