import type { Command } from 'commander';
import { expiryWarnings } from '../expiry-warning.ts';
import { homedir } from 'node:os';
import { POLICIES } from '../../../../common/policy.ts';
import { ProfileAdmin } from '../../../core/vault/admin.ts';
import { unsetCredentialProcess } from '../../../core/aws/aws-config-edit.ts';
import { awsFiles } from '../../../core/aws/import-sources.ts';
import {
  checkPolicy,
  checkRememberMinutes,
  keyAgeDays,
  keyOverdue,
  summarize,
  type Policy,
  type ProfileSummary,
} from '../../../core/profiles/profile.ts';
import { readAwsConfig, rewriteAwsConfig } from '../../aws/aws-config-file.ts';
import { localTime, table, type CliContext } from '../context.ts';

export function registerProfiles(program: Command, ctx: () => CliContext): void {
  registerList(program, ctx);
  registerRemove(program, ctx);
  registerPolicy(program, ctx);
}

function registerList(program: Command, ctx: () => CliContext): void {
  program
    .command('list')
    .description('list profiles: names, policies and times, never keys')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const c = ctx();
      const summaries = await c.withKey(async (key) => {
        const { data } = await c.vault.read(key);
        return Object.entries(data.profiles)
          .map(([name, p]) => summarize(name, p))
          .sort((a, b) => a.name.localeCompare(b.name));
      });
      if (options.json) {
        c.out(`${JSON.stringify(summaries, null, 2)}\n`);
        return;
      }
      if (summaries.length === 0) {
        c.out('The vault holds no profiles yet: `tray-cred import ~/.aws/credentials` or `tray-cred add <profile>`.\n');
        return;
      }
      c.out(
        table(
          ['PROFILE', 'POLICY', 'REMEMBER', 'SERVES', 'EXPIRES', 'LAST USED', 'KEY AGE'],
          summaries.map((s) => [
            s.name,
            s.policy,
            s.rememberMinutes ? `${s.rememberMinutes} min` : '-',
            serves(s),
            localTime(s.expiration),
            localTime(s.lastUsedAt),
            keyAge(s, c.clock.now()),
          ]),
        ),
      );
      const expiring = summaries
        .filter((s) => s.hasSessionToken)
        .map((s) => ({ profile: s.name, expiration: s.expiration }));
      for (const w of expiryWarnings(
        expiring,
        c.clock.now(),
        (p) => `store fresh ones with \`tray-cred add ${p} --replace\``,
      ))
        c.err(`tray-cred: warning: ${w}`);
    });
}

/** What a profile hands the CLI, in a few words. */
function serves(s: ProfileSummary): string {
  switch (s.kind) {
    case 'role':
      return `role via ${s.sourceProfile}${s.mfa ? ' +MFA' : ''}`;
    case 'command':
      return 'command';
    case 'sso':
      return 'IAM Identity Center';
    case 'keys':
      return `…${s.accessKeyIdSuffix}${s.hasSessionToken ? ' session keys' : s.sessionMode ? ' as STS session' : ''}${s.mfa ? ' +MFA' : ''}`;
  }
}

/** The key's age in days, flagged when past rotate_after_days or when a rotation waits to be finished. */
function keyAge(s: ProfileSummary, now: number): string {
  const age = keyAgeDays(s, now);
  if (age === undefined) return '-';
  const flags = [
    keyOverdue(s, now) ? `rotate: over ${s.rotateAfterDays} d` : '',
    s.rotationPending ? 'rotation unfinished' : '',
  ].filter(Boolean);
  return `${age} d${flags.length ? ` (${flags.join(', ')})` : ''}`;
}

function registerRemove(program: Command, ctx: () => CliContext): void {
  program
    .command('remove')
    .description('delete a profile from the vault')
    .argument('<profile>')
    .option(
      '--config',
      'also take its `credential_process = tray-cred-helper <profile>` line out of ~/.aws/config',
      false,
    )
    .action(async (profile: string, options: { config: boolean }) => {
      const c = ctx();
      await c.withKey(async (key) => new ProfileAdmin(c.vault, await c.audit()).remove(key, profile));
      c.out(`Removed profile "${profile}".\n`);
      await removeConfigLine(c, profile, options.config);
    });
}

/** The helper line of a removed profile now fails every `aws` call: take it out, or say how. */
async function removeConfigLine(c: CliContext, profile: string, remove: boolean): Promise<void> {
  const files = awsFiles(c.env, homedir());
  const before = await readAwsConfig(c, files);
  const edit = unsetCredentialProcess(before, [profile]);
  if (edit.removed.length === 0) return;
  if (!remove) {
    c.out(
      `${files.config} still runs tray-cred-helper for "${profile}", which now fails: take that line out with \`tray-cred configure-aws --unset ${profile}\`\n`,
    );
    return;
  }
  const backup = await rewriteAwsConfig(c, files, before, edit.text);
  c.out(
    `${backup ? `Backed up ${files.config} to ${backup}\n` : ''}Took credential_process = tray-cred-helper ${profile} out of ${files.config}.\n`,
  );
}

/** Options that are stored but change nothing under this policy: said, so nobody relies on them. */
export function inertPolicyWarnings(
  profile: string,
  policy: Policy,
  remember: number | undefined,
  notify: boolean | undefined,
): string[] {
  const warnings: string[] = [];
  if (remember && policy !== 'ask')
    warnings.push(
      `--remember applies only to ask: "${profile}" is ${policy}, so ${remember} min is stored but does nothing until \`tray-cred policy ${profile} ask\``,
    );
  if (notify && policy === 'deny')
    warnings.push(
      `--notify applies only to accesses served: "${profile}" is deny, so no notification will ever be shown`,
    );
  return warnings;
}

function registerPolicy(program: Command, ctx: () => CliContext): void {
  program
    .command('policy')
    .description('set what happens when a client asks for a profile: allow, ask (approve each time) or deny')
    .argument('<profile>')
    .argument('<policy>', POLICIES.join(' | '))
    .option(
      '--remember <minutes>',
      'with ask: the N minutes a prompt may offer for "this program in this folder" (and "this run"; 0 = once or this run only, an hour at most)',
    )
    .option(
      '--any-caller',
      'with ask and --remember: a prompt may also offer "any caller for N minutes" (off by default)',
    )
    .option('--no-any-caller', 'prompts never offer "any caller" (the default)')
    .option('--notify', 'the tray app shows a notification for each access served without asking')
    .option('--no-notify', 'no notification (the default)')
    .action(
      async (
        profile: string,
        policyText: string,
        options: { remember?: string; notify?: boolean; anyCaller?: boolean },
      ) => {
        const c = ctx();
        const policy = checkPolicy(policyText);
        const remember = options.remember === undefined ? undefined : checkRememberMinutes(Number(options.remember));
        const p = await c.withKey(async (key) =>
          new ProfileAdmin(c.vault, await c.audit()).setPolicy(
            key,
            profile,
            policy,
            remember,
            options.notify,
            options.anyCaller,
          ),
        );
        c.out(
          `Profile "${profile}": ${p.policy}${p.policy === 'ask' && p.rememberMinutes ? `, approvals remembered for ${p.rememberMinutes} min` : ''}${p.policy === 'ask' && p.anyCaller ? ' (any caller may be offered)' : ''}${p.notify ? ', notifications on' : ''}.\n`,
        );
        for (const warning of inertPolicyWarnings(profile, p.policy, remember, options.notify))
          c.err(`tray-cred: warning: ${warning}`);
      },
    );
}
