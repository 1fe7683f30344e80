import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { KeychainError } from '../../main/core/errors.ts';
import { decryptVault, encryptVault } from '../../main/core/vault/vault-codec.ts';
import { generationAccount, VaultRollbackError } from '../../main/core/vault/vault-generation.ts';
import { masterKeyAccount, Vault } from '../../main/core/vault/vault.ts';
import { CryptoRandom } from '../../main/node/platform/system-clock.ts';
import { MemoryKeychain } from '../fakes/memory-keychain.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

const now = '2026-11-30T09:00:00.000Z';
const record = (policy: 'allow' | 'deny') => ({
  ...DEV_KEYS,
  policy,
  rememberMinutes: 0,
  createdAt: now,
  updatedAt: now,
});

describe('vault generation anchored in the keychain', async () => {
  const w = await makeWorld();
  after(() => w.close());
  const vaultId = await w.vault.vaultId();
  const anchor = () => w.keychain.entries.get(generationAccount(vaultId));

  it('bumps the generation inside the ciphertext on every write, and anchors it', async () => {
    assert.equal(anchor(), '1', 'init writes generation 1');
    const key = await w.vault.loadMasterKey();
    await w.vault.update(key, (d) => void (d.profiles.dev = record('allow')));
    await w.vault.update(key, (d) => void (d.profiles.dev = record('deny')));
    assert.equal(decryptVault(key, await readFile(w.vault.path)).generation, 3);
    assert.equal(anchor(), '3');
  });

  it('refuses an older genuine vault.json put back (a deny that became an allow again)', async () => {
    const key = await w.vault.loadMasterKey();
    await w.vault.update(key, (d) => void (d.profiles.dev = record('allow')));
    const old = await readFile(w.vault.path); // generation 4: dev allowed
    await w.vault.update(key, (d) => void (d.profiles.dev = record('deny')));
    await writeFile(w.vault.path, old);
    await assert.rejects(w.vault.read(key), (e: unknown) => {
      assert.ok(e instanceof VaultRollbackError);
      assert.equal(e.exitStatus, EXIT_STATUS.TAMPERED);
      assert.match(
        e.message,
        /is generation 4, but this keychain has seen generation 5: an older copy of vault\.json was put back/,
      );
      assert.match(e.message, /tray-cred doctor --accept-rollback/);
      return true;
    });
    await assert.rejects(
      w.vault.update(key, () => undefined),
      VaultRollbackError,
      'no write over a rolled-back vault either',
    );
    assert.equal(anchor(), '5', 'a refused read leaves the anchor where it was');

    assert.deepEqual(await w.vault.acceptRollback(key), { from: 5, to: 4 });
    assert.equal(anchor(), '4');
    assert.equal((await w.vault.read(key)).data.profiles.dev?.policy, 'allow', 'accepted: the old vault opens');
  });

  it('a write whose anchor could not be stored fails loudly, and the next read catches the anchor up', async () => {
    const key = await w.vault.loadMasterKey();
    const set = w.keychain.set.bind(w.keychain);
    w.keychain.set = async (account, secret) => {
      if (account === generationAccount(vaultId)) throw new KeychainError('could not reach the keychain (test)');
      return set(account, secret);
    };
    try {
      await assert.rejects(
        w.vault.update(key, (d) => void (d.profiles.dev = record('deny'))),
        KeychainError,
      );
    } finally {
      w.keychain.set = set;
    }
    assert.equal(anchor(), '4', 'the anchor lags by one');
    assert.equal((await w.vault.read(key)).data.generation, 5);
    assert.equal(anchor(), '5');
  });

  it('opens a vault written before generations existed as generation 0 and starts anchoring it', async () => {
    const key = await w.vault.loadMasterKey();
    w.keychain.entries.delete(generationAccount(vaultId));
    await writeFile(
      w.vault.path,
      encryptVault(key, vaultId, Buffer.alloc(12, 3), { profiles: { dev: record('allow') } }),
    );
    const { data } = await w.vault.read(key);
    assert.deepEqual({ ...data.profiles }, { dev: record('allow') });
    assert.equal(data.generation, 0);
    assert.equal(anchor(), '0');
    await w.vault.update(key, () => undefined);
    assert.equal(anchor(), '1');
  });

  it('recovery import into a fresh keychain anchors the vault it restores', async () => {
    const keys = await w.vault.exportKeys();
    const key = await w.vault.loadMasterKey();
    await w.vault.update(key, () => undefined);
    const old = await readFile(w.vault.path);
    await w.vault.update(key, () => undefined); // generation 3
    const fresh = new MemoryKeychain();
    const elsewhere = new Vault(
      { fs: w.fs, keychain: fresh, random: { bytes: (n) => Buffer.alloc(n, 1) }, clock: w.clock },
      w.vault.dir,
    );
    await elsewhere.importKeys(keys, false);
    assert.equal(fresh.entries.get(generationAccount(vaultId)), '3');
    assert.ok(fresh.entries.has(masterKeyAccount(vaultId)));
    assert.equal((await elsewhere.read(key)).data.generation, 3, 'the new machine opens the vault');
    await writeFile(w.vault.path, old);
    await assert.rejects(elsewhere.read(key), VaultRollbackError, 'and refuses an older one from then on');
  });

  it("reads the keychain anchor once for the file it checked, and again for any changed file (another process's write, then an old copy)", async (t) => {
    const fresh = await makeWorld();
    t.after(() => fresh.close());
    const other = fresh.vault; // another process's Vault over the same files
    const vaultId = await other.vaultId();
    const vault = new Vault(
      { fs: fresh.fs, keychain: fresh.keychain, random: { bytes: (n) => Buffer.alloc(n, 7) }, clock: fresh.clock },
      other.dir,
    );
    const key = await vault.loadMasterKey();
    await vault.update(key, (d) => void (d.profiles.dev = record('allow')));
    let reads = 0;
    const get = fresh.keychain.get.bind(fresh.keychain);
    fresh.keychain.get = async (account) => {
      if (account === generationAccount(vaultId)) reads += 1;
      return get(account);
    };
    try {
      for (let i = 0; i < 5; i += 1) await vault.read(key);
      await vault.update(key, (d) => void (d.profiles.dev = record('allow')));
      await vault.read(key);
      assert.equal(reads, 0, 'its own file, read and written again: no keychain round trip');
      const seen = await readFile(other.path);
      // Another process (a `tray-cred policy`) writes a newer vault; then the one this process saw is put back.
      await other.update(key, (d) => void (d.profiles.dev = record('deny')));
      await writeFile(other.path, seen);
      reads = 0;
      await assert.rejects(
        vault.read(key),
        VaultRollbackError,
        'the generation this process last saw, put back after a newer write, is still a rollback',
      );
      assert.equal(reads, 1, 'a changed file is checked against the keychain');
      vault.forgetAnchor();
      await assert.rejects(vault.read(key), VaultRollbackError);
    } finally {
      fresh.keychain.get = get;
      key.fill(0);
    }
  });
});

describe('a reader racing a writer is not a rollback', async () => {
  const w = await makeWorld();
  after(() => w.close());

  it('reads again when another process replaced the file and raised the anchor between its file read and its anchor check', async () => {
    const key = await w.vault.loadMasterKey();
    await w.vault.update(key, (d) => void (d.profiles.dev = record('allow')));
    // A second process's view of the same vault (its own cache), whose file reads let the writer in between.
    let raceOnce = true;
    const racing = Object.create(w.fs) as typeof w.fs;
    racing.readFile = async (path) => {
      const bytes = await w.fs.readFile(path);
      if (raceOnce && path === w.vault.path) {
        raceOnce = false;
        await w.vault.update(key, (d) => void (d.profiles.dev = record('deny')));
      }
      return bytes;
    };
    const reader = new Vault(
      { fs: racing, keychain: w.keychain, random: new CryptoRandom(), clock: w.clock },
      join(w.dir, 'data'),
    );
    const read = await reader.read(key);
    assert.equal(raceOnce, false, 'the writer did run between the file read and the check');
    assert.equal(read.data.profiles.dev?.policy, 'deny', 'the newer file, read again');
    // A file that stays below the anchor is still a rollback.
    const old = await readFile(w.vault.path);
    await w.vault.update(key, (d) => void (d.profiles.dev = record('allow')));
    await writeFile(w.vault.path, old);
    await assert.rejects(
      new Vault(
        { fs: w.fs, keychain: w.keychain, random: new CryptoRandom(), clock: w.clock },
        join(w.dir, 'data'),
      ).read(key),
      VaultRollbackError,
    );
  });
});
