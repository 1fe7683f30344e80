import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Vault } from '../../main/core/vault/vault.ts';
import { CryptoRandom } from '../../main/node/platform/system-clock.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { MemoryKeychain } from '../fakes/memory-keychain.ts';
import { makeWorld } from '../fakes/world.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { offerVaultInit } = await import('../../main/electron/first-run.ts');

describe('first run', () => {
  let w: Awaited<ReturnType<typeof makeWorld>>;
  let fresh: Vault;
  let keychain: MemoryKeychain;
  beforeEach(async () => {
    electron.reset();
    w = await makeWorld();
    keychain = new MemoryKeychain();
    fresh = new Vault({ fs: w.fs, keychain, random: new CryptoRandom(), clock: w.clock }, join(w.dir, 'fresh'));
  });
  afterEach(() => w.close());

  it('asks nothing when the vault exists', async () => {
    assert.deepEqual(await offerVaultInit(w.vault), { vault: 'exists' });
    assert.equal(electron.dialog.boxes.length, 0);
  });

  it('creates the vault and its key when the user says so', async () => {
    const result = offerVaultInit(fresh);
    const box = await electron.dialog.untilShown();
    assert.equal(box.options.message, 'Create a tray-cred vault?');
    assert.ok(box.options.detail!.includes(fresh.path));
    box.click('Create vault');
    const done = await result;
    assert.equal(done.vault, 'created');
    assert.ok((await stat(fresh.path)).isFile());
    assert.ok(await keychain.get(`master-key:${await fresh.vaultId()}`));
  });

  it('creates nothing when the user quits', async () => {
    const result = offerVaultInit(fresh);
    (await electron.dialog.untilShown()).click('Quit');
    assert.deepEqual(await result, { vault: 'declined' });
    assert.equal(await fresh.exists(), false);
  });

  it('shows why the vault could not be created, without a stack', async () => {
    keychain.set = async () => {
      throw new Error('the Secret Service is not running: start gnome-keyring');
    };
    const result = offerVaultInit(fresh);
    (await electron.dialog.untilShown()).click('Create vault');
    const error = await electron.dialog.untilShown(2);
    assert.equal(error.options.message, 'tray-cred could not create the vault');
    assert.equal(error.options.detail, 'the Secret Service is not running: start gnome-keyring');
    error.click('OK');
    assert.deepEqual(await result, { vault: 'declined' });
  });
});
