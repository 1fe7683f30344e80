/**
 * The keychain accounts of a vault's keys, named in a file of their own that imports nothing: a
 * program that only needs the names (the tests' cleanup deletes a sandbox's entries) does not
 * load the vault's codec with them.
 */

/** Keychain account of a vault's master key. */
export const masterKeyAccount = (vaultId: string): string => `master-key:${vaultId}`;
/** Keychain account of a new master key while `rekey` is under way. */
export const stagedKeyAccount = (vaultId: string): string => `master-key-next:${vaultId}`;
/** Keychain account of the key that chains the vault's audit log. */
export const auditKeyAccount = (vaultId: string): string => `audit-key:${vaultId}`;
