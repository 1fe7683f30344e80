import type { CallerClaim } from '../../../common/caller.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { KeyMismatchError, TrayCredError, VaultLockedError } from '../errors.ts';
import { withoutSecrets, type ProfileMeta, type ProfileRecord } from '../profiles/profile.ts';
import { reopenVault, vaultKeyOf } from './vault-codec.ts';
import { refusedRollback, VaultRollbackError } from './vault-generation.ts';
import type { Vault, VaultSnapshot } from './vault.ts';

/** What is kept between requests: the profiles without secrets, and the vault file to decrypt them from. */
interface Held {
  meta: Readonly<Record<string, ProfileMeta>>;
  sealed: Buffer;
  stamp: string | null;
}

const held = (s: VaultSnapshot): Held => ({ meta: withoutSecrets(s.data.profiles), sealed: s.sealed, stamp: s.stamp });

export interface KeyCustodyDeps {
  vault: Vault;
  audit: AuditLog;
  /**
   * Asked before an unlock the front end has not confirmed itself; `false` refuses it (the tray
   * runs Touch ID here on a Mac that has it, so no unlock skips it).
   */
  authorizeUnlock?: ((caller: CallerClaim | undefined) => Promise<boolean>) | undefined;
  /** Called once the key is held and the unlock recorded. */
  onUnlocked: () => void;
}

/**
 * Holds the master key, and only while unlocked, with the profiles' metadata; the secrets stay
 * encrypted between requests and are decrypted for each one ({@link withSecrets}). Counts locks (epochs),
 * so an unlock that was under way when a lock came does not undo it; picks up a key rotated by
 * `tray-cred rekey` when the vault no longer opens with the one it holds.
 */
export class KeyCustody {
  private readonly deps: KeyCustodyDeps;
  private epoch = 0;
  private key: Buffer | undefined;
  /** The vault key derived from {@link key} (vault-codec.ts), held and wiped with it: derived once per key, not per request. */
  private vaultKey: Buffer | undefined;
  private snapshot: Held | undefined;
  private unlocking: Promise<void> | undefined;
  /** The refused rollback last recorded, so a request after request against it is one entry. */
  private refused: string | undefined;

  constructor(deps: KeyCustodyDeps) {
    this.deps = deps;
  }

  get locked(): boolean {
    return this.key === undefined;
  }

  /** Profiles in the vault as last read; 0 while locked. */
  get profileCount(): number {
    return this.snapshot ? Object.keys(this.snapshot.meta).length : 0;
  }

  /** Two unlocks at once read the key once and record one unlock. */
  unlock(caller: CallerClaim | undefined, authorized: boolean): Promise<void> {
    this.unlocking ??= this.unlockNow(caller, authorized).finally(() => {
      this.unlocking = undefined;
    });
    return this.unlocking;
  }

  private async unlockNow(caller: CallerClaim | undefined, authorized: boolean): Promise<void> {
    if (this.key) return;
    const epoch = this.epoch;
    if (!authorized && this.deps.authorizeUnlock && !(await this.deps.authorizeUnlock(caller))) {
      throw new TrayCredError(
        'DENIED',
        'unlocking was not confirmed (Touch ID was cancelled or failed): unlock again and confirm it',
      );
    }
    const key = await this.deps.vault.loadMasterKey();
    let snapshot: VaultSnapshot;
    try {
      snapshot = await this.read(key);
    } catch (error) {
      key.fill(0);
      throw error;
    }
    if (this.epoch !== epoch) {
      // Locked (suspend, screen lock, the menu) while the key was being read: stay locked.
      key.fill(0);
      throw new VaultLockedError();
    }
    this.snapshot = held(snapshot);
    this.hold(key);
    this.deps.audit.holdKey();
    await this.deps.audit.append({ event: 'unlock', ...(caller ? { caller } : {}) });
    this.deps.onUnlocked();
  }

  /** Starts a lock: an unlock under way now will not take hold. */
  beginLock(): void {
    this.epoch += 1;
  }

  /** Zeroes the master key, and drops the profiles and the cached rollback anchor (the broker zeroes the audit key once the lock is recorded). */
  wipe(): void {
    this.key?.fill(0);
    this.key = undefined;
    this.vaultKey?.fill(0);
    this.vaultKey = undefined;
    this.snapshot = undefined;
    this.deps.vault.forgetAnchor();
  }

  /**
   * Runs `fn` with a copy of the key, so a lock in the middle cannot zero the key under a vault
   * write; the copy is zeroed after. Throws LOCKED when locked.
   */
  async withKey<T>(fn: (key: Buffer) => Promise<T>): Promise<T> {
    // Picks up a key rotated by `tray-cred rekey` before using it.
    await this.profiles();
    if (!this.key) throw new VaultLockedError();
    const copy = Buffer.from(this.key);
    try {
      return await fn(copy);
    } finally {
      copy.fill(0);
    }
  }

  /** Keeps a snapshot written with `key`, unless the vault was locked or rekeyed meanwhile. */
  adopt(key: Buffer, snapshot: VaultSnapshot): void {
    if (this.key === key) this.snapshot = held(snapshot);
  }

  /** The key itself, for writes that must not outlive a lock (last-used times). */
  current(): Buffer | undefined {
    return this.key;
  }

  /** The vault's profiles without secrets, as they are on disk now (re-read when the file changed). Throws LOCKED. */
  async profiles(): Promise<Readonly<Record<string, ProfileMeta>>> {
    const key = this.key;
    if (!key) throw new VaultLockedError();
    const stamp = await this.deps.vault.stamp();
    if (this.snapshot && stamp === this.snapshot.stamp) return this.snapshot.meta;
    const fresh = await this.readFresh(key);
    if (fresh === 'retry') return this.profiles();
    const kept = held(fresh);
    if (this.key !== undefined) this.snapshot = kept;
    return kept.meta;
  }

  /**
   * Runs `fn` with the profiles decrypted for this use only, secrets included; nothing of them is
   * kept after. `recheck` re-reads a vault changed since {@link profiles} (a person was asked
   * meanwhile); without it the profiles are those of the same file. `fn` also gets the profiles
   * without secrets of that same file, as {@link profiles} returned them: the object differs only
   * when the file does. Throws LOCKED.
   */
  async withSecrets<T>(
    recheck: boolean,
    fn: (profiles: Readonly<Record<string, ProfileRecord>>, meta: Readonly<Record<string, ProfileMeta>>) => Promise<T>,
  ): Promise<T> {
    if (recheck || !this.snapshot) await this.profiles();
    const { vaultKey, snapshot } = this;
    if (!vaultKey || !snapshot) throw new VaultLockedError();
    return fn(reopenVault(vaultKey, snapshot.sealed), snapshot.meta);
  }

  /** Takes `key` as the master key, with the vault key derived from it; zeroes the ones held before. */
  private hold(key: Buffer): void {
    if (this.key !== key) this.key?.fill(0);
    this.vaultKey?.fill(0);
    this.key = key;
    this.vaultKey = vaultKeyOf(key);
  }

  /** Reads the vault; a refused rollback is recorded in the audit log (once for each old generation seen) before it is thrown. */
  private async read(key: Buffer): Promise<VaultSnapshot> {
    try {
      return await this.deps.vault.read(key);
    } catch (error) {
      const seen = error instanceof VaultRollbackError ? `${error.generation}/${error.anchored}` : undefined;
      if (error instanceof VaultRollbackError && seen !== this.refused) {
        this.refused = seen;
        await this.deps.audit.append(refusedRollback(error));
      }
      throw error;
    }
  }

  private async readFresh(key: Buffer): Promise<VaultSnapshot | 'retry'> {
    try {
      return await this.read(key);
    } catch (error) {
      if (!(error instanceof KeyMismatchError)) throw error;
    }
    // Locked meanwhile, or another request already took the new key: start over with what is current.
    if (this.key !== key) return 'retry';
    // `tray-cred rekey` re-encrypted the vault: take the new key from the keychain, as unlock would.
    const next = await this.deps.vault.loadMasterKey();
    if (this.key !== key) {
      next.fill(0);
      return 'retry';
    }
    let fresh: VaultSnapshot;
    try {
      fresh = await this.read(next);
    } catch (error) {
      next.fill(0);
      throw error;
    }
    this.hold(next);
    return fresh;
  }
}
