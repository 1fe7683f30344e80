/**
 * A key rotation run for any front end (the CLI's `rotate` and `doctor`, the tray's "Rotate now"):
 * the steps with the master key, each outcome (or where it stopped) audited in one line.
 */
import type { AuditLog } from '../../core/audit/audit-log.ts';
import type { AccessKeys, Clock } from '../../core/ports/ports.ts';
import { KeyRotation, type RotationOutcome } from '../../core/sources/key-rotation.ts';
import type { Vault } from '../../core/vault/vault.ts';

const suffix = (id: string): string => `…${id.slice(-4)}`;

/** One line for the terminal and the audit entry: key ids by their last four characters, as the console shows them. */
function describeRotation(name: string, o: RotationOutcome): string | undefined {
  switch (o.kind) {
    case 'rotated':
      return `rotated the key of "${name}": ${suffix(o.newKeyId)} is stored and works, ${suffix(o.oldKeyId)} is deleted in IAM`;
    case 'finished':
      return `finished the rotation of "${name}" begun at ${o.startedAt}: ${suffix(o.newKeyId)} is stored and works, ${suffix(o.oldKeyId)} is deleted in IAM`;
    case 'undone':
      return `undid the rotation of "${name}" cut off at ${o.startedAt} before its new key was stored${o.deleted.length ? ` (deleted ${o.deleted.map(suffix).join(', ')} in IAM)` : ''}; the old key stays`;
    case 'none':
      return undefined;
  }
}

/** What a rotation needs: the CLI's context, or the tray app's broker (its "Rotate now"). */
export interface RotationDeps {
  audit: Pick<AuditLog, 'append'>;
  withKey<T>(fn: (key: Buffer) => Promise<T>): Promise<T>;
  vault: Vault;
  clock: Clock;
  /** IAM's access keys (the composition root's aws-clients.ts). */
  keys: AccessKeys;
}

/**
 * The rotation steps with the master key, each outcome (or where it stopped) audited. The settle
 * waits use the clock's timers, which do not keep a process alive, so a timer of our own keeps the
 * process running until the steps are done.
 */
export async function runRotation(
  d: RotationDeps,
  name: string,
  fn: (rotation: KeyRotation) => Promise<RotationOutcome[]>,
): Promise<string[]> {
  const { audit } = d;
  const alive = setInterval(() => undefined, 60_000);
  try {
    const outcomes = await d.withKey((key) =>
      fn(new KeyRotation({ vault: d.vault, key, keys: d.keys, clock: d.clock })),
    );
    const lines = outcomes.map((o) => describeRotation(name, o)).filter((l): l is string => l !== undefined);
    for (const reason of lines) await audit.append({ event: 'rotate', profile: name, reason });
    return lines;
  } catch (error) {
    await audit.append({
      event: 'rotate',
      profile: name,
      reason: `stopped: ${(error as Error).message}`.slice(0, 1000),
    });
    throw error;
  } finally {
    clearInterval(alive);
  }
}
