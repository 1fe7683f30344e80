import { join } from 'node:path';
import { UsageError, VaultFileError } from '../errors.ts';
import type { Clock, FileSystem, Keychain, Random } from '../ports/ports.ts';
import type { VaultKeys } from './recovery-kit.ts';
import { decryptVault, encryptVault, keyIdOf, readHeader, type VaultData } from './vault-codec.ts';
import { anchorGeneration, anchoredGeneration, GenerationGuard, VaultRollbackError } from './vault-generation.ts';
import { importKeys, missingKey, readKeyEntry } from './vault-keys.ts';
import { auditKeyAccount, masterKeyAccount, stagedKeyAccount } from './key-accounts.ts';
import { LIMITS, readCapped } from '../file-limits.ts';
import { FreshRead } from '../fresh-read.ts';

export { auditKeyAccount, masterKeyAccount, stagedKeyAccount };

export interface VaultDeps {
  fs: FileSystem;
  keychain: Keychain;
  random: Random;
  clock: Clock;
}

/** A snapshot of the vault, the file stamp it was read at, and the file itself (encrypted). */
export interface VaultSnapshot {
  data: VaultData;
  stamp: string | null;
  /** The file as read or written: what the agent keeps between requests instead of `data`. */
  sealed: Buffer;
}

/**
 * The encrypted vault file in the data directory and its keys in the keychain. Writes go
 * through a lock file, so the agent and `tray-cred` commands never overwrite each other.
 */
export class Vault {
  readonly path: string;
  private readonly lockPath: string;
  private readonly deps: VaultDeps;
  private readonly generations: GenerationGuard;
  private readonly stamps: FreshRead<string | null>;
  readonly dir: string;

  constructor(deps: VaultDeps, dir: string) {
    this.deps = deps;
    this.generations = new GenerationGuard(deps.keychain);
    this.dir = dir;
    this.path = join(dir, 'vault.json');
    this.lockPath = join(dir, 'vault.lock');
    this.stamps = new FreshRead(() => deps.fs.stamp(this.path));
  }

  async exists(): Promise<boolean> {
    return (await this.deps.fs.size(this.path)) !== null;
  }

  /** For commands that read what only a vault makes (the audit log): no vault is the user's to fix, not "no entries". */
  async requireExists(): Promise<void> {
    if (!(await this.exists())) throw this.noVault();
  }

  /** vault.json within its size cap (file-limits.ts), or `null`. */
  private file(): Promise<Buffer | null> {
    return readCapped(this.deps.fs, this.path, LIMITS.vault);
  }

  private async requireFile(): Promise<Buffer> {
    const file = await this.file();
    if (!file) throw this.noVault();
    return file;
  }

  private noVault(): VaultFileError {
    return new VaultFileError(
      `there is no vault at ${this.path}: run \`tray-cred init\` first (or set TRAY_CRED_HOME to where your vault is)`,
    );
  }

  /** Creates the master key and the audit key in the keychain and an empty vault. Refuses to overwrite. */
  async init(): Promise<string> {
    const { fs, keychain, random } = this.deps;
    await fs.ensurePrivateDir(this.dir);
    const release = await fs.lock(this.lockPath);
    try {
      if (await this.exists()) {
        throw new UsageError(
          `a vault already exists at ${this.path}: tray-cred init never overwrites one (remove it yourself only if you have a recovery kit or no longer need its keys)`,
        );
      }
      const vaultId = random.bytes(16).toString('hex');
      const masterKey = random.bytes(32);
      await keychain.set(masterKeyAccount(vaultId), masterKey.toString('base64'));
      await keychain.set(auditKeyAccount(vaultId), random.bytes(32).toString('base64'));
      await this.write(masterKey, vaultId, { profiles: {} });
      masterKey.fill(0);
      return vaultId;
    } finally {
      await release();
    }
  }

  /** The vault's id, from the clear header. */
  async vaultId(): Promise<string> {
    return readHeader(await this.requireFile()).vaultId;
  }

  /**
   * Reads the master key from the keychain. The caller owns the buffer and wipes it on lock.
   * When a `rekey` was cut off after the vault was re-encrypted, the new key is still waiting
   * in its staging entry: it is recognised by the vault's key id and put in place.
   */
  async loadMasterKey(): Promise<Buffer> {
    const { vaultId, keyId } = readHeader(await this.requireFile());
    const { keychain } = this.deps;
    const current = await readKeyEntry(keychain, masterKeyAccount(vaultId));
    if (current && keyIdOf(current) === keyId) return current;
    const next = await readKeyEntry(keychain, stagedKeyAccount(vaultId));
    if (next && keyIdOf(next) === keyId) {
      current?.fill(0);
      await keychain.set(masterKeyAccount(vaultId), next.toString('base64'));
      await keychain.delete(stagedKeyAccount(vaultId));
      return next;
    }
    next?.fill(0);
    if (current) return current; // decrypting reports the mismatch with its fix
    throw missingKey(this.path, masterKeyAccount(vaultId), 'master key');
  }

  /**
   * Replaces the master key: the new key is staged in the keychain, the vault re-encrypted and
   * read back with it, and only then is the new key put in place of the old. A crash at any
   * point leaves a vault that one of the two keys opens.
   */
  async rekey(oldKey: Buffer): Promise<Buffer> {
    const { fs, keychain, random } = this.deps;
    const release = await fs.lock(this.lockPath);
    try {
      const vaultId = await this.vaultId();
      const { data } = await this.read(oldKey);
      const newKey = random.bytes(32);
      await keychain.set(stagedKeyAccount(vaultId), newKey.toString('base64'));
      await this.write(newKey, vaultId, data);
      const check = await this.read(newKey);
      if (JSON.stringify(check.data) !== JSON.stringify(data))
        throw new VaultFileError(
          'the re-encrypted vault did not read back the same: the old key still opens the old contents',
        );
      await keychain.set(masterKeyAccount(vaultId), newKey.toString('base64'));
      await keychain.delete(stagedKeyAccount(vaultId));
      return newKey;
    } finally {
      await release();
    }
  }

  /** The vault's keys, for a recovery kit. */
  async exportKeys(): Promise<VaultKeys> {
    return {
      vaultId: await this.vaultId(),
      masterKey: await this.loadMasterKey(),
      auditKey: await this.loadAuditKey(),
    };
  }

  /**
   * Puts a recovery kit's keys into this machine's keychain, after checking that they belong to
   * the vault here (when there is one). An existing different key is replaced only when asked.
   */
  async importKeys(keys: VaultKeys, replace: boolean): Promise<void> {
    await importKeys(this.deps.keychain, this.path, await this.file(), keys, replace);
  }

  /** Reads the audit chain's key from the keychain. */
  async loadAuditKey(): Promise<Buffer> {
    return this.loadKey(auditKeyAccount(await this.vaultId()), 'audit key');
  }

  private async loadKey(account: string, what: string): Promise<Buffer> {
    const key = await readKeyEntry(this.deps.keychain, account);
    if (key === null) throw missingKey(this.path, account, what);
    return key;
  }

  async read(masterKey: Buffer): Promise<VaultSnapshot> {
    // The file and the keychain's anchor are read one after the other: a writer that replaces the
    // file and raises the anchor in between makes this read's file look older than the anchor.
    // Such a file has been replaced since (its stamp changed): read again. Only a file that stays
    // below the anchor is a rollback.
    for (let attempt = 1; ; attempt += 1) {
      const { fs } = this.deps;
      const stamp = await fs.stamp(this.path);
      const file = await this.file();
      if (!file)
        throw new VaultFileError(
          `the vault at ${this.path} is gone: restore vault.json from your backup, or run \`tray-cred init\``,
        );
      const data = decryptVault(masterKey, file);
      try {
        await this.generations.check(readHeader(file).vaultId, data.generation ?? 0, stamp, this.path);
        return { data, stamp, sealed: file };
      } catch (error) {
        if (!(error instanceof VaultRollbackError) || attempt >= 3 || (await fs.stamp(this.path)) === stamp)
          throw error;
      }
    }
  }

  /** Writes the next generation, then anchors it (vault-generation.ts says what a failed anchor means). */
  private async write(masterKey: Buffer, vaultId: string, data: VaultData): Promise<Omit<VaultSnapshot, 'data'>> {
    data.generation = (data.generation ?? 0) + 1;
    const sealed = Buffer.from(encryptVault(masterKey, vaultId, this.deps.random.bytes(12), data));
    await this.deps.fs.writeFileAtomic(this.path, sealed);
    const stamp = await this.deps.fs.stamp(this.path);
    await this.generations.written(vaultId, data.generation, stamp);
    return { sealed, stamp };
  }

  /** Drops the cached rollback anchor (on lock): the next read asks the keychain. */
  forgetAnchor(): void {
    this.generations.forget();
  }

  /** Anchors the vault on disk as it is, even below the anchor; both generations are for the audit entry. */
  async acceptRollback(masterKey: Buffer): Promise<{ from: number | null; to: number }> {
    const release = await this.deps.fs.lock(this.lockPath);
    try {
      const file = await this.requireFile();
      const vaultId = readHeader(file).vaultId;
      const to = decryptVault(masterKey, file).generation ?? 0;
      const from = await anchoredGeneration(this.deps.keychain, vaultId).catch(() => null);
      await anchorGeneration(this.deps.keychain, vaultId, to);
      this.generations.forget();
      return { from, to };
    } finally {
      await release();
    }
  }

  /** The stamp of the file now (taken after this call; concurrent callers share one stat), to tell whether a snapshot is stale. */
  stamp(): Promise<string | null> {
    return this.stamps.get();
  }

  /**
   * Reads the newest vault under the lock, lets `change` edit it, and writes it back atomically.
   * `change` may throw to abandon the write.
   */
  async update<T>(masterKey: Buffer, change: (data: VaultData) => T): Promise<{ result: T; snapshot: VaultSnapshot }> {
    const { fs } = this.deps;
    const release = await fs.lock(this.lockPath);
    try {
      const vaultId = await this.vaultId();
      const { data } = await this.read(masterKey);
      const result = change(data);
      return { result, snapshot: { data, ...(await this.write(masterKey, vaultId, data)) } };
    } finally {
      await release();
    }
  }

  /** ISO time now, for profile metadata. */
  nowIso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }
}
