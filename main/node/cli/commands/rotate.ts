import type { Command } from 'commander';
import { UsageError } from '../../../core/errors.ts';
import { checkProfileName, type ProfileRecord } from '../../../core/profiles/profile.ts';
import type { KeyRotation, RotationOutcome } from '../../../core/sources/key-rotation.ts';
import { commandAgent } from '../../client/agent-client.ts';
import { runRotation } from '../../aws/rotation-run.ts';
import type { CliContext } from '../context.ts';

/** {@link runRotation} with the CLI's context. */
export async function withRotation(
  c: CliContext,
  name: string,
  fn: (rotation: KeyRotation) => Promise<RotationOutcome[]>,
): Promise<string[]> {
  return runRotation(
    {
      audit: await c.audit(),
      withKey: (use) => c.withKey(use),
      vault: c.vault,
      clock: c.clock,
      keys: c.aws.accessKeys,
    },
    name,
    fn,
  );
}

export function registerRotate(program: Command, ctx: () => CliContext): void {
  program
    .command('rotate')
    .description(
      "replace a profile's IAM access key: create a new one, store and prove it, delete the old one (approved like any use of the key)",
    )
    .argument('<profile>')
    .action(async (name: string) => {
      const c = ctx();
      checkProfileName(name);
      const agent = commandAgent(c);
      // The use of the key goes through the agent's pipeline like a client's request (lock, policy,
      // approval prompt, audit entry) before anything changes; what it answers is dropped.
      await agent.credentials(name, {
        needs: 'rotating uses the key, so the agent decides it like any use (policy, approval, audit)',
        refused: 'not approved',
      });
      try {
        const lines = await withRotation(c, name, async (r) => {
          const { earlier, now } = await r.rotate(name);
          return [earlier, now];
        });
        for (const line of lines) c.out(`${line[0]!.toUpperCase()}${line.slice(1)}.\n`);
      } finally {
        await agent.forgetQuietly(name);
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
      if (days !== undefined && (!/^\d+$/.test(daysText) || days < 1 || days > 3650))
        throw new UsageError(`rotate-after takes whole days from 1 to 3650, or off, not "${daysText}"`);
      await c.withKey((key) =>
        c.vault.update(key, (data) => {
          const p: ProfileRecord | undefined = data.profiles[name];
          if (!p) throw new UsageError(`there is no profile "${name}" in the vault: see \`tray-cred list\``);
          if (!p.accessKeyId || p.sessionToken)
            throw new UsageError(`profile "${name}" holds no long-term key to rotate`);
          if (days === undefined) delete p.rotateAfterDays;
          else p.rotateAfterDays = days;
          p.updatedAt = c.vault.nowIso();
        }),
      );
      await (await c.audit()).append({
        event: 'policy',
        profile: name,
        reason: days === undefined ? 'rotate_after_days off' : `rotate_after_days ${days}`,
      });
      c.out(
        days === undefined
          ? `Profile "${name}": no rotation reminder.\n`
          : `Profile "${name}": its key is flagged once it is ${days} days old.\n`,
      );
    });
}
