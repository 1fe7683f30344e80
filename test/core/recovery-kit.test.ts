import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../main/core/errors.ts';
import { checkPassphrase, openKit, sealKit } from '../../main/core/vault/recovery-kit.ts';
import { masterKeyAccount, stagedKeyAccount, Vault } from '../../main/core/vault/vault.ts';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { MemoryKeychain } from '../fakes/memory-keychain.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

const PASS = 'correct horse battery staple zebra';

describe('recovery kit', () => {
  it('opens with its passphrase and reveals nothing without it', async () => {
    const keys = { vaultId: 'a'.repeat(32), masterKey: randomBytes(32), auditKey: randomBytes(32) };
    const kit = await sealKit(keys, PASS, randomBytes);
    for (const k of [keys.masterKey, keys.auditKey]) {
      assert.ok(!kit.includes(k.toString('base64')) && !kit.includes(k.toString('hex')));
    }
    assert.match(kit, /"N": 131072/);
    const opened = await openKit(kit, PASS);
    assert.deepEqual(opened, keys);
    await assert.rejects(
      openKit(kit, `${PASS}!`),
      (e: unknown) => e instanceof UsageError && /passphrase is wrong/.test(e.message),
    );
    const doc = JSON.parse(kit) as Record<string, unknown>;
    await assert.rejects(
      openKit(JSON.stringify({ ...doc, vaultId: 'b'.repeat(32) }), PASS),
      /passphrase is wrong, or the kit was changed/,
    );
    await assert.rejects(openKit('{}', PASS), /not a tray-cred recovery kit/);
  });

  it('refuses guessable passphrases and says why', async () => {
    for (const weak of ['short', 'password1234', 'qwertyuiopasdf', 'aaaaaaaaaaaaaaaa', 'Password123456']) {
      await assert.rejects(
        checkPassphrase(weak),
        (e: unknown) => e instanceof UsageError && /passphrase/.test(e.message),
        weak,
      );
    }
    await checkPassphrase(PASS);
  });
});

describe('recovery onto a new keychain, and rekey', async () => {
  const w = await makeWorld();
  after(() => w.close());
  const key = await w.vault.loadMasterKey();
  await new ProfileAdmin(w.vault, w.audit).add(key, 'dev', DEV_KEYS, false);

  it('a kit and the backed-up vault open on a fresh keychain', async () => {
    const kit = await sealKit(await w.vault.exportKeys(), PASS, randomBytes);
    const fresh = new MemoryKeychain();
    const elsewhere = new Vault(
      { fs: w.fs, keychain: fresh, random: { bytes: randomBytes }, clock: w.clock },
      w.vault.dir,
    );
    await assert.rejects(elsewhere.loadMasterKey(), /holds no master key/);
    await elsewhere.importKeys(await openKit(kit, PASS), false);
    const { data } = await elsewhere.read(await elsewhere.loadMasterKey());
    assert.deepEqual(data.profiles.dev!.accessKeyId, DEV_KEYS.accessKeyId);
    assert.deepEqual(await elsewhere.loadAuditKey(), await w.vault.loadAuditKey());
    // a different key already there is not overwritten without --replace
    fresh.entries.set(masterKeyAccount(await w.vault.vaultId()), randomBytes(32).toString('base64'));
    await assert.rejects(elsewhere.importKeys(await openKit(kit, PASS), false), /already holds a different master key/);
    await elsewhere.importKeys(await openKit(kit, PASS), true);
  });

  it('rekey re-encrypts, retires the old key, and makes old kits refuse this vault', async () => {
    const oldKit = await sealKit(await w.vault.exportKeys(), PASS, randomBytes);
    const before = await readFile(w.vault.path, 'utf8');
    const old = await w.vault.loadMasterKey();
    const fresh = await w.vault.rekey(old);
    assert.notDeepEqual(fresh, old);
    assert.notEqual(await readFile(w.vault.path, 'utf8'), before);
    assert.deepEqual(await w.vault.loadMasterKey(), fresh);
    assert.equal(w.keychain.entries.has(stagedKeyAccount(await w.vault.vaultId())), false);
    assert.equal((await w.vault.read(fresh)).data.profiles.dev!.secretAccessKey, DEV_KEYS.secretAccessKey);
    await assert.rejects(w.vault.importKeys(await openKit(oldKit, PASS), true), /older master key/);
  });

  it('finishes a rekey cut off between re-encrypting and swapping the key', async () => {
    const vaultId = await w.vault.vaultId();
    const old = await w.vault.loadMasterKey();
    const saved = w.keychain.entries.get(masterKeyAccount(vaultId))!;
    const fresh = await w.vault.rekey(old);
    // Put the keychain back as it was just before the swap: old key in place, new one staged.
    w.keychain.entries.set(masterKeyAccount(vaultId), saved);
    w.keychain.entries.set(stagedKeyAccount(vaultId), fresh.toString('base64'));
    assert.deepEqual(await w.vault.loadMasterKey(), fresh);
    assert.equal(w.keychain.entries.get(masterKeyAccount(vaultId)), fresh.toString('base64'));
    assert.equal(w.keychain.entries.has(stagedKeyAccount(vaultId)), false);
  });

  it('a vault swapped for another one is refused with the fix', async () => {
    await writeFile(`${w.dir}/x`, '');
    const other = await makeWorld();
    try {
      const kit = await sealKit(await other.vault.exportKeys(), PASS, randomBytes);
      await assert.rejects(
        w.vault.importKeys(await openKit(kit, PASS), true),
        /the kit is for vault .* but the vault at/,
      );
    } finally {
      await other.close();
    }
  });
});
