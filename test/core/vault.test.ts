import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { KeychainError, UsageError, VaultFileError } from '../../main/core/errors.ts';
import { decryptVault, encryptVault } from '../../main/core/vault/vault-codec.ts';
import { masterKeyAccount } from '../../main/core/vault/vault.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

const now = '2026-11-26T09:00:00.000Z';
const record = { ...DEV_KEYS, policy: 'allow' as const, rememberMinutes: 0, createdAt: now, updatedAt: now };

describe('Vault', async () => {
  const w = await makeWorld();
  after(() => w.close());

  it('round-trips profiles and writes the file 0600', async () => {
    const key = await w.vault.loadMasterKey();
    await w.vault.update(key, (d) => {
      d.profiles['team.dev-admin'] = record;
    });
    const { data } = await w.vault.read(key);
    assert.deepEqual(data.profiles['team.dev-admin'], record);
    assert.equal((await stat(w.vault.path)).mode & 0o777, 0o600);
  });

  it('reveals no key, secret, profile name or count in the file', async () => {
    const text = await readFile(w.vault.path, 'utf8');
    for (const needle of [
      DEV_KEYS.accessKeyId,
      DEV_KEYS.secretAccessKey,
      'team.dev-admin',
      'allow',
      Buffer.from(DEV_KEYS.secretAccessKey).toString('base64'),
    ]) {
      assert.ok(!text.includes(needle), `vault file contains ${needle}`);
    }
    const key = await w.vault.loadMasterKey();
    const vaultId = await w.vault.vaultId();
    const nonce = Buffer.alloc(12, 1);
    const one = encryptVault(key, vaultId, nonce, { profiles: { a: record } });
    const two = encryptVault(key, vaultId, nonce, { profiles: { a: record, b: record } });
    assert.equal(one.length, two.length, 'padding hides how many profiles there are');
  });

  it('refuses to init over an existing vault', async () => {
    const before = await readFile(w.vault.path);
    await assert.rejects(w.vault.init(), (e: unknown) => e instanceof UsageError && /already exists/.test(e.message));
    assert.deepEqual(await readFile(w.vault.path), before);
  });

  it('tells a wrong key apart from an edited file', async () => {
    const file = await readFile(w.vault.path);
    assert.throws(
      () => decryptVault(Buffer.alloc(32, 7), file),
      (e: unknown) => e instanceof VaultFileError && /different master key/.test(e.message),
    );
    const key = await w.vault.loadMasterKey();
    const doc = JSON.parse(file.toString('utf8')) as { data: string; vaultId: string };
    const body = Buffer.from(doc.data, 'base64');
    body[5]! ^= 1;
    const flipped = Buffer.from(JSON.stringify({ ...doc, data: body.toString('base64') }));
    assert.throws(
      () => decryptVault(key, flipped),
      (e: unknown) => e instanceof VaultFileError && /modified or damaged/.test(e.message),
    );
    const renamed = Buffer.from(JSON.stringify({ ...doc, vaultId: 'f'.repeat(32) }));
    assert.throws(() => decryptVault(key, renamed), /modified or damaged/, 'the header is authenticated too');
    assert.throws(() => decryptVault(key, Buffer.from('{"format":"x"}')), /not a tray-cred vault/);
    assert.throws(() => decryptVault(key, Buffer.from('garbage')), /not JSON/);
  });

  it('names the keychain entry when the key is missing, and passes keychain failures on', async () => {
    const account = masterKeyAccount(await w.vault.vaultId());
    const saved = w.keychain.entries.get(account)!;
    w.keychain.entries.delete(account);
    await assert.rejects(
      w.vault.loadMasterKey(),
      (e: unknown) => e instanceof KeychainError && e.message.includes(account) && /recovery import/.test(e.message),
    );
    w.keychain.entries.set(account, Buffer.alloc(5).toString('base64'));
    await assert.rejects(w.vault.loadMasterKey(), /not a 256-bit key/);
    w.keychain.entries.set(account, saved);
    w.keychain.unavailable = true;
    await assert.rejects(w.vault.loadMasterKey(), KeychainError);
    w.keychain.unavailable = false;
    assert.equal((await w.vault.loadMasterKey()).length, 32);
  });

  it('leaves the file untouched when a change throws', async () => {
    const before = await readFile(w.vault.path);
    const key = await w.vault.loadMasterKey();
    await assert.rejects(
      w.vault.update(key, () => {
        throw new UsageError('no');
      }),
      /no/,
    );
    assert.deepEqual(await readFile(w.vault.path), before);
  });

  it('says how to start when there is no vault', async () => {
    await writeFile(`${w.dir}/empty`, '');
    const { Vault } = await import('../../main/core/vault/vault.ts');
    const v = new Vault(
      { fs: w.fs, keychain: w.keychain, random: { bytes: (n) => Buffer.alloc(n) }, clock: w.clock },
      `${w.dir}/nowhere`,
    );
    await assert.rejects(v.loadMasterKey(), /tray-cred init/);
  });
});
