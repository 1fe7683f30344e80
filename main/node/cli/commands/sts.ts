import type { Command } from 'commander';
import { ProfileAdmin } from '../../../core/vault/admin.ts';
import { UsageError } from '../../../core/errors.ts';
import { checkProfileName } from '../../../core/profiles/profile.ts';
import type { CliContext } from '../context.ts';

async function withAdmin<T>(c: CliContext, fn: (admin: ProfileAdmin, key: Buffer) => Promise<T>): Promise<T> {
  const admin = new ProfileAdmin(c.vault, await c.audit());
  return c.withKey((key) => fn(admin, key));
}

const seconds = (value: string | undefined, flag: string, range: string): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n <= 0)
    throw new UsageError(`${flag} takes ${range} seconds, not "${value}"`);
  return n;
};

/** The shortest session SDKs can cache: botocore re-runs credential_process once fewer than 15 minutes are left (the JS SDK at 5). */
export const MIN_CACHEABLE_SESSION_SECONDS = 3600;

/**
 * A session length as `--duration` gives it, refused under an hour unless `--short-session` says
 * the user accepts what follows, which is then printed: every SDK refresh runs the helper again,
 * and each run mints, and asks, anew.
 */
function sessionSeconds(
  c: CliContext,
  value: string | undefined,
  range: string,
  short: boolean | undefined,
): number | undefined {
  const n = seconds(value, '--duration', range);
  // Below STS's 900 s floor the profile check names the range; this is about what SDKs do with a valid one.
  if (n === undefined || n < 900 || n >= MIN_CACHEABLE_SESSION_SECONDS) return n;
  const why = `a ${n} s session leaves SDKs too little to cache: botocore runs the helper again whenever fewer than 15 minutes are left (the JS SDK at 5), so ${n <= 900 ? 'every call' : 'every call in its last 15 minutes'} mints a new session and asks again`;
  if (!short)
    throw new UsageError(
      `--duration ${n}: ${why}; use ${MIN_CACHEABLE_SESSION_SECONDS} or more, or pass --short-session to accept a prompt on every refresh`,
    );
  c.err(`tray-cred: warning: ${why}`);
  return n;
}

/** none / off clear an optional setting. */
const optional = (value: string | undefined): string | null | undefined =>
  value === undefined ? undefined : ['none', 'off', ''].includes(value) ? null : value;

export function registerSts(program: Command, ctx: () => CliContext): void {
  registerRole(program, ctx);
  registerExternal(program, ctx);
  registerStsSettings(program, ctx);
}

function registerRole(program: Command, ctx: () => CliContext): void {
  program
    .command('role')
    .description('make a profile assume an IAM role with the credentials of another vault profile (chains allowed)')
    .argument('<profile>')
    .requiredOption('--role-arn <arn>', 'the role to assume')
    .requiredOption('--source-profile <profile>', 'the vault profile whose credentials assume it')
    .option('--mfa-serial <arn>', 'MFA device whose code the prompt asks for')
    .option('--external-id <id>', 'external id the role trust policy requires')
    .option('--duration <seconds>', 'session length (3600-43200; default 3600)')
    .option(
      '--short-session',
      'accept a --duration under 3600 s, which makes SDKs re-run the helper, and prompt, on every refresh',
    )
    .option(
      '--session-name <name>',
      'role session name (default: tray-cred-<request id>, so CloudTrail points at the audit entry)',
    )
    .option('--replace', 'turn a profile with stored keys into a role, deleting those keys', false)
    .action(
      async (
        name: string,
        o: {
          roleArn: string;
          sourceProfile: string;
          mfaSerial?: string;
          externalId?: string;
          duration?: string;
          shortSession?: boolean;
          sessionName?: string;
          replace: boolean;
        },
      ) => {
        const c = ctx();
        checkProfileName(name);
        checkProfileName(o.sourceProfile);
        const source = {
          kind: 'role' as const,
          roleArn: o.roleArn,
          sourceProfile: o.sourceProfile,
          ...(o.mfaSerial ? { mfaSerial: o.mfaSerial } : {}),
          ...(o.externalId ? { externalId: o.externalId } : {}),
          ...(o.duration ? { durationSeconds: sessionSeconds(c, o.duration, '900-43200', o.shortSession) } : {}),
          ...(o.sessionName ? { roleSessionName: o.sessionName } : {}),
        };
        const done = await withAdmin(c, (admin, key) => admin.setSource(key, name, source, o.replace));
        c.out(
          `${done === 'added' ? 'Added' : 'Updated'} profile "${name}": assumes ${o.roleArn} with the credentials of "${o.sourceProfile}".\n`,
        );
      },
    );
}

function registerExternal(program: Command, ctx: () => CliContext): void {
  program
    .command('external')
    .description(
      'make a profile take its credentials from a command that prints credential_process JSON (op, vault, aws configure export-credentials, ...)',
    )
    .argument('<profile>')
    .requiredOption('--command <command>', 'run with the shell, like credential_process')
    .option('--timeout <seconds>', 'give up after this long (default 30)')
    .option('--replace', 'turn a profile with stored keys into a command profile, deleting those keys', false)
    .action(async (name: string, o: { command: string; timeout?: string; replace: boolean }) => {
      const c = ctx();
      checkProfileName(name);
      const source = {
        kind: 'command' as const,
        command: o.command,
        ...(o.timeout ? { timeoutSeconds: seconds(o.timeout, '--timeout', '1-600') } : {}),
      };
      const done = await withAdmin(c, (admin, key) => admin.setSource(key, name, source, o.replace));
      c.out(
        `${done === 'added' ? 'Added' : 'Updated'} profile "${name}": credentials from its command, gated and audited like any other.\n`,
      );
    });
}

function registerStsSettings(program: Command, ctx: () => CliContext): void {
  program
    .command('sts')
    .description(
      "set a profile's STS settings: session mode (the CLI sees only session credentials), duration, MFA, region, endpoint",
    )
    .argument('<profile>')
    .option('--session-mode <on|off>', 'mint STS session credentials over the stored keys')
    .option('--duration <seconds>', 'session length (3600-129600; default 3600)')
    .option(
      '--short-session',
      'accept a --duration under 3600 s, which makes SDKs re-run the helper, and prompt, on every refresh',
    )
    .option('--mfa-serial <arn|none>', 'MFA device whose code the prompt asks for')
    .option('--region <region|none>', 'STS region (default us-east-1)')
    .option(
      '--endpoint <url|none>',
      'STS endpoint URL (default: the SDK resolves it; AWS_ENDPOINT_URL_STS is honoured)',
    )
    .action(
      async (
        name: string,
        o: {
          sessionMode?: string;
          duration?: string;
          shortSession?: boolean;
          mfaSerial?: string;
          region?: string;
          endpoint?: string;
        },
      ) => {
        const c = ctx();
        if (o.sessionMode !== undefined && !['on', 'off'].includes(o.sessionMode))
          throw new UsageError('--session-mode takes on or off');
        const result = await withAdmin(c, (admin, key) =>
          admin.setSts(key, name, {
            ...(o.sessionMode !== undefined ? { sessionMode: o.sessionMode === 'on' } : {}),
            ...(o.duration !== undefined
              ? { durationSeconds: sessionSeconds(c, o.duration, '900-129600', o.shortSession) }
              : {}),
            mfaSerial: optional(o.mfaSerial),
            region: optional(o.region),
            endpoint: optional(o.endpoint),
          }),
        );
        c.out(
          `Profile "${name}": session mode ${result.sessionMode ? 'on' : 'off'}, ${result.durationSeconds} s${result.mfaSerial ? `, MFA ${result.mfaSerial}` : ''}${result.region ? `, region ${result.region}` : ''}${result.endpoint ? `, endpoint ${result.endpoint}` : ''}.\n`,
        );
      },
    );
}
