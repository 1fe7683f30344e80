import { KeychainError, TamperedError } from '../errors.ts';
import type { Keychain } from '../ports/ports.ts';

/**
 * The vault's generation, anchored outside the data directory. Every write of vault.json bumps
 * the generation inside the ciphertext; the keychain keeps the highest generation seen. An
 * older genuine vault.json put back by someone who can write the data directory (but not the
 * keychain) has a lower generation than the anchor and is refused.
 *
 * The anchor is written after the vault: when that keychain write fails, the command fails
 * with the keychain's error, the vault on disk is the new one and the anchor lags by one; the
 * next read catches it up. A vault above the anchor (a write whose anchor lagged, or a vault
 * made before generations existed, read as generation 0) moves the anchor up.
 */
export const generationAccount = (vaultId: string): string => `vault-generation:${vaultId}`;

/** A rolled-back vault: an older genuine vault.json than the keychain has seen. */
export class VaultRollbackError extends TamperedError {
  readonly generation: number;
  readonly anchored: number;
  constructor(path: string, generation: number, anchored: number) {
    super(
      `the vault at ${path} is generation ${generation}, but this keychain has seen generation ${anchored}: an older copy of vault.json was put back (a rollback can turn a deny back into an allow). Restore the newest vault.json from your backup; if you put the old one back on purpose, run \`tray-cred doctor --accept-rollback\``,
    );
    this.generation = generation;
    this.anchored = anchored;
  }
}

/** The audit entry of a refused rollback: recorded once per process, so a log shows when an old vault.json appeared. */
export function refusedRollback(error: VaultRollbackError): { event: 'rollback'; reason: string } {
  return {
    event: 'rollback',
    reason: `vault.json at generation ${error.generation} was refused: this keychain has seen generation ${error.anchored} (an older copy was put back)`,
  };
}

/** The highest generation this keychain has seen for the vault, or `null` before the first. */
export async function anchoredGeneration(keychain: Keychain, vaultId: string): Promise<number | null> {
  const stored = await keychain.get(generationAccount(vaultId));
  if (stored === null) return null;
  const n = Number(stored);
  if (!/^\d{1,15}$/.test(stored) || !Number.isSafeInteger(n)) {
    throw new KeychainError(
      `the keychain entry "${generationAccount(vaultId)}" is not a generation number: it was changed outside tray-cred; run \`tray-cred doctor --accept-rollback\` to anchor the vault as it is now`,
    );
  }
  return n;
}

/** Records `generation` as the highest seen. */
export async function anchorGeneration(keychain: Keychain, vaultId: string, generation: number): Promise<void> {
  await keychain.set(generationAccount(vaultId), String(generation));
}

/** Refuses a vault below the anchor; moves the anchor up to a vault above it. */
async function checkGeneration(keychain: Keychain, vaultId: string, generation: number, path: string): Promise<void> {
  const anchored = await anchoredGeneration(keychain, vaultId);
  if (anchored !== null && generation < anchored) throw new VaultRollbackError(path, generation, anchored);
  if (anchored === null || generation > anchored) await anchorGeneration(keychain, vaultId, generation);
}

/** Moves the anchor up to `generation` (never down): for a vault restored with `recovery import`. */
export async function raiseAnchor(keychain: Keychain, vaultId: string, generation: number): Promise<void> {
  const anchored = await anchoredGeneration(keychain, vaultId);
  if (anchored === null || generation > anchored) await anchorGeneration(keychain, vaultId, generation);
}

/**
 * The anchor as one process last checked it (issue 16): a vault read asks the keychain only when
 * the file is not the one last checked or written here (its stamp names the inode, size, mtime
 * and ctime), so an agent reading its own vault again costs no keychain round trip. A changed file
 * is checked against the keychain, which another process (a `tray-cred` command, `doctor
 * --accept-rollback`) may have moved. Every write still anchors. `forget` on lock: the next
 * unlock reads the keychain again.
 */
export class GenerationGuard {
  private readonly keychain: Keychain;
  private known: { vaultId: string; generation: number; stamp: string } | undefined;

  constructor(keychain: Keychain) {
    this.keychain = keychain;
  }

  async check(vaultId: string, generation: number, stamp: string | null, path: string): Promise<void> {
    const k = this.known?.vaultId === vaultId ? this.known : undefined;
    if (k && stamp !== null && k.stamp === stamp && k.generation === generation) return;
    await checkGeneration(this.keychain, vaultId, generation, path);
    this.remember(vaultId, generation, stamp);
  }

  /** After this process wrote `generation` (stamped `stamp`): anchors it. */
  async written(vaultId: string, generation: number, stamp: string | null): Promise<void> {
    this.known = undefined;
    await anchorGeneration(this.keychain, vaultId, generation);
    this.remember(vaultId, generation, stamp);
  }

  forget(): void {
    this.known = undefined;
  }

  private remember(vaultId: string, generation: number, stamp: string | null): void {
    this.known = stamp === null ? undefined : { vaultId, generation, stamp };
  }
}
