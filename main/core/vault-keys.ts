import { KeychainError } from './errors.ts';
import { decodeBase64Bytes } from './key-bytes.ts';
import type { Keychain } from './ports.ts';

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
    throw new KeychainError(`the keychain entry "${account}" is not a 256-bit key: it was changed outside tray-cred; restore it with \`tray-cred recovery import <kit>\``);
  }
  return key;
}

/** No key where the vault needs one: on a new machine the recovery kit brings it. */
export function missingKey(path: string, account: string, what: string): KeychainError {
  return new KeychainError(
    `the OS keychain holds no ${what} for the vault at ${path} (entry "${account}"): on a new machine run \`tray-cred recovery import <kit>\`; if this is a fresh setup, run \`tray-cred init\` with an empty TRAY_CRED_HOME`,
  );
}
