import { join } from 'node:path';
import { KeychainError, UsageError, VaultFileError } from './errors.ts';
import type { Clock, FileSystem, Keychain, Random } from './ports.ts';
import { decryptVault, encryptVault, readHeader, type VaultData } from './vault-codec.ts';

/** Keychain account of a vault's master key. */
export const masterKeyAccount = (vaultId: string): string => `master-key:${vaultId}`;
/** Keychain account of the key that chains the vault's audit log. */
export const auditKeyAccount = (vaultId: string): string => `audit-key:${vaultId}`;

export interface VaultDeps {
  fs: FileSystem;
  keychain: Keychain;
  random: Random;
  clock: Clock;
}

/** A snapshot of the vault and the file stamp it was read at. */
export interface VaultSnapshot {
  data: VaultData;
  stamp: string | null;
}

/**
 * The encrypted vault file in the data directory and its keys in the keychain. Writes go
 * through a lock file, so the agent and `tray-cred` commands never overwrite each other.
 */
export class Vault {
  readonly path: string;
  private readonly lockPath: string;
  private readonly deps: VaultDeps;
  readonly dir: string;

  constructor(deps: VaultDeps, dir: string) {
    this.deps = deps;
    this.dir = dir;
    this.path = join(dir, 'vault.json');
    this.lockPath = join(dir, 'vault.lock');
  }

  async exists(): Promise<boolean> {
    return (await this.deps.fs.size(this.path)) !== null;
  }

  /** Creates the master key and the audit key in the keychain and an empty vault. Refuses to overwrite. */
  async init(): Promise<string> {
    const { fs, keychain, random } = this.deps;
    await fs.ensurePrivateDir(this.dir);
    const release = await fs.lock(this.lockPath);
    try {
      if (await this.exists()) {
        throw new UsageError(`a vault already exists at ${this.path}: tray-cred init never overwrites one (remove it yourself only if you have a recovery kit or no longer need its keys)`);
      }
      const vaultId = random.bytes(16).toString('hex');
      const masterKey = random.bytes(32);
      await keychain.set(masterKeyAccount(vaultId), masterKey.toString('base64'));
      await keychain.set(auditKeyAccount(vaultId), random.bytes(32).toString('base64'));
      await fs.writeFileAtomic(this.path, encryptVault(masterKey, vaultId, random.bytes(12), { profiles: {} }));
      masterKey.fill(0);
      return vaultId;
    } finally {
      await release();
    }
  }

  /** The vault's id, from the clear header. */
  async vaultId(): Promise<string> {
    const file = await this.deps.fs.readFile(this.path);
    if (!file) throw new VaultFileError(`there is no vault at ${this.path}: run \`tray-cred init\` first (or set TRAY_CRED_HOME to where your vault is)`);
    return readHeader(file).vaultId;
  }

  /** Reads the master key from the keychain. The caller owns the buffer and wipes it on lock. */
  async loadMasterKey(): Promise<Buffer> {
    return this.loadKey(masterKeyAccount(await this.vaultId()), 'master key');
  }

  /** Reads the audit chain's key from the keychain. */
  async loadAuditKey(): Promise<Buffer> {
    return this.loadKey(auditKeyAccount(await this.vaultId()), 'audit key');
  }

  private async loadKey(account: string, what: string): Promise<Buffer> {
    const stored = await this.deps.keychain.get(account);
    if (stored === null) {
      throw new KeychainError(
        `the OS keychain holds no ${what} for the vault at ${this.path} (entry "${account}"): on a new machine run \`tray-cred recovery import <kit>\`; if this is a fresh setup, run \`tray-cred init\` with an empty TRAY_CRED_HOME`,
      );
    }
    const key = Buffer.from(stored, 'base64');
    if (key.length !== 32) throw new KeychainError(`the keychain entry "${account}" is not a 256-bit key: it was changed outside tray-cred; restore it with \`tray-cred recovery import <kit>\``);
    return key;
  }

  async read(masterKey: Buffer): Promise<VaultSnapshot> {
    const { fs } = this.deps;
    const stamp = await fs.stamp(this.path);
    const file = await fs.readFile(this.path);
    if (!file) throw new VaultFileError(`the vault at ${this.path} is gone: restore vault.json from your backup, or run \`tray-cred init\``);
    return { data: decryptVault(masterKey, file), stamp };
  }

  /** The stamp of the file now, to tell whether a snapshot is stale. */
  stamp(): Promise<string | null> {
    return this.deps.fs.stamp(this.path);
  }

  /**
   * Reads the newest vault under the lock, lets `change` edit it, and writes it back atomically.
   * `change` may throw to abandon the write.
   */
  async update<T>(masterKey: Buffer, change: (data: VaultData) => T): Promise<{ result: T; snapshot: VaultSnapshot }> {
    const { fs, random } = this.deps;
    const release = await fs.lock(this.lockPath);
    try {
      const vaultId = await this.vaultId();
      const { data } = await this.read(masterKey);
      const result = change(data);
      await fs.writeFileAtomic(this.path, encryptVault(masterKey, vaultId, random.bytes(12), data));
      return { result, snapshot: { data, stamp: await fs.stamp(this.path) } };
    } finally {
      await release();
    }
  }

  /** ISO time now, for profile metadata. */
  nowIso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }
}
