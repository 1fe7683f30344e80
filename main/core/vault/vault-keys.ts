import { KeychainError, UsageError } from '../errors.ts';
import { decodeBase64Bytes } from './key-bytes.ts';
import type { Keychain } from '../ports/ports.ts';
import type { VaultKeys } from './recovery-kit.ts';
import { decryptVault, keyIdOf, readHeader } from './vault-codec.ts';
import { raiseAnchor } from './vault-generation.ts';
import { auditKeyAccount, masterKeyAccount } from './key-accounts.ts';

/**
 * A 256-bit key from its keychain entry (base64 text), read through the keychain's binary API
 * and decoded without passing through a string: the caller owns the Buffer and zeroes it.
 * `null` when there is no entry.
 */
export async function readKeyEntry(keychain: Keychain, account: string): Promise<Buffer | null> {
  const stored = await keychain.getBytes(account);
  if (stored === null) return null;
  const key = decodeBase64Bytes(stored);
  stored.fill(0);
  if (key?.length !== 32) {
    key?.fill(0);
    throw new KeychainError(
      `the keychain entry "${account}" is not a 256-bit key: it was changed outside tray-cred; restore it with \`tray-cred recovery import <kit>\``,
    );
  }
  return key;
}

/** No key where the vault needs one: on a new machine the recovery kit brings it. */
export function missingKey(path: string, account: string, what: string): KeychainError {
  return new KeychainError(
    `the OS keychain holds no ${what} for the vault at ${path} (entry "${account}"): on a new machine run \`tray-cred recovery import <kit>\`; if this is a fresh setup, run \`tray-cred init\` with an empty TRAY_CRED_HOME`,
  );
}

/** What `Vault.importKeys` does, given vault.json as read (`null` when there is none). */
export async function importKeys(
  keychain: Keychain,
  path: string,
  file: Buffer | null,
  keys: VaultKeys,
  replace: boolean,
): Promise<void> {
  if (file) {
    const h = readHeader(file);
    if (h.vaultId !== keys.vaultId) {
      throw new UsageError(
        `the kit is for vault ${keys.vaultId}, but the vault at ${path} is ${h.vaultId}: use the kit made for this vault, or put the matching vault.json there first`,
      );
    }
    if (keyIdOf(keys.masterKey) !== h.keyId) {
      throw new UsageError(
        'the kit holds an older master key than the one this vault is encrypted with (was `tray-cred rekey` run after the kit was made?): use the newest kit',
      );
    }
  }
  const existing = await keychain.get(masterKeyAccount(keys.vaultId));
  if (existing !== null && existing !== keys.masterKey.toString('base64') && !replace) {
    throw new UsageError(
      `the keychain already holds a different master key for vault ${keys.vaultId}: pass --replace to overwrite it`,
    );
  }
  await keychain.set(masterKeyAccount(keys.vaultId), keys.masterKey.toString('base64'));
  await keychain.set(auditKeyAccount(keys.vaultId), keys.auditKey.toString('base64'));
  // A new machine anchors the vault it restores; a later rollback is then caught here too.
  if (file) await raiseAnchor(keychain, keys.vaultId, decryptVault(keys.masterKey, file).generation ?? 0);
}
