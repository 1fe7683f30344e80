import type { Command } from 'commander';
import type { AuditLog } from '../../core/audit-log.ts';
import { UsageError } from '../../core/errors.ts';
import type { AccessKeys, Clock } from '../../core/ports.ts';
import { checkProfileName, type ProfileRecord } from '../../core/profile.ts';
import { KeyRotation, type RotationOutcome } from '../../core/sources/key-rotation.ts';
import { agentForget, passAgentGate } from '../agent-gate.ts';
import { AwsAccessKeys } from '../aws-access-keys.ts';
import type { CliContext } from '../context.ts';
import type { Vault } from '../../core/vault.ts';

const suffix = (id: string): string => `…${id.slice(-4)}`;

/** One line for the terminal and the audit entry: key ids by their last four characters, as the console shows them. */
export function describeRotation(name: string, o: RotationOutcome): string | undefined {
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

/**
 * Runs rotation steps with the master key, recording each outcome (or where it stopped) in the
 * audit log. The settle waits use the clock's timers, which do not keep a process alive, so a
 * timer of our own keeps the command running until the steps are done.
 */
export async function withRotation(c: CliContext, name: string, fn: (rotation: KeyRotation) => Promise<RotationOutcome[]>): Promise<string[]> {
  return runRotation({ audit: await c.audit(), withKey: (use) => c.withKey(use), vault: c.vault, clock: c.clock }, name, fn);
}

/** What a rotation needs: the CLI's context, or the tray app's broker (its "Rotate now"). */
export interface RotationDeps {
  audit: Pick<AuditLog, 'append'>;
  withKey<T>(fn: (key: Buffer) => Promise<T>): Promise<T>;
  vault: Vault;
  clock: Clock;
  /** IAM through the AWS SDK unless given. */
  keys?: AccessKeys | undefined;
}

/** {@link withRotation} for any front end: the steps with the master key, each outcome (or where it stopped) audited. */
export async function runRotation(d: RotationDeps, name: string, fn: (rotation: KeyRotation) => Promise<RotationOutcome[]>): Promise<string[]> {
  const { audit } = d;
  const alive = setInterval(() => undefined, 60_000);
  try {
    const outcomes = await d.withKey((key) => fn(new KeyRotation({ vault: d.vault, key, keys: d.keys ?? new AwsAccessKeys(), clock: d.clock })));
    const lines = outcomes.map((o) => describeRotation(name, o)).filter((l): l is string => l !== undefined);
    for (const reason of lines) await audit.append({ event: 'rotate', profile: name, reason });
    return lines;
  } catch (error) {
    await audit.append({ event: 'rotate', profile: name, reason: `stopped: ${(error as Error).message}`.slice(0, 1000) });
    throw error;
  } finally {
    clearInterval(alive);
  }
}

export function registerRotate(program: Command, ctx: () => CliContext): void {
  program
    .command('rotate')
    .description("replace a profile's IAM access key: create a new one, store and prove it, delete the old one (approved like any use of the key)")
    .argument('<profile>')
    .action(async (name: string) => {
      const c = ctx();
      checkProfileName(name);
      await passAgentGate(c, name, `tray-cred rotate ${name}`);
      try {
        const lines = await withRotation(c, name, async (r) => {
          const { earlier, now } = await r.rotate(name);
          return [earlier, now];
        });
        for (const line of lines) c.out(`${line[0]!.toUpperCase()}${line.slice(1)}.\n`);
      } finally {
        await agentForget(c, name, `tray-cred rotate ${name}`);
      }
    });

  program
    .command('rotate-after')
    .description('flag the key of a profile in `list`, `doctor` and the tray once it is older than this many days')
    .argument('<profile>')
    .argument('<days>', '1-3650, or off')
    .action(async (name: string, daysText: string) => {
      const c = ctx();
      const days = daysText === 'off' ? undefined : Number(daysText);
      if (days !== undefined && (!/^\d+$/.test(daysText) || days < 1 || days > 3650)) throw new UsageError(`rotate-after takes whole days from 1 to 3650, or off, not "${daysText}"`);
      await c.withKey((key) =>
        c.vault.update(key, (data) => {
          const p: ProfileRecord | undefined = data.profiles[name];
          if (!p) throw new UsageError(`there is no profile "${name}" in the vault: see \`tray-cred list\``);
          if (!p.accessKeyId || p.sessionToken) throw new UsageError(`profile "${name}" holds no long-term key to rotate`);
          if (days === undefined) delete p.rotateAfterDays;
          else p.rotateAfterDays = days;
          p.updatedAt = c.vault.nowIso();
        }),
      );
      await (await c.audit()).append({ event: 'policy', profile: name, reason: days === undefined ? 'rotate_after_days off' : `rotate_after_days ${days}` });
      c.out(days === undefined ? `Profile "${name}": no rotation reminder.\n` : `Profile "${name}": its key is flagged once it is ${days} days old.\n`);
    });
}
