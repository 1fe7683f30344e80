/**
 * Role chaining: a role assumed with another role's session credentials gets at most an hour
 * from STS, whatever the role's own maximum (IAM User Guide, "Role chaining"; STS AssumeRole,
 * DurationSeconds). tray-cred says so where a role is configured and again before it mints,
 * rather than let AWS refuse, or shorten the session quietly.
 */
import { UsageError } from '../errors.ts';
import type { ProfileRecord, RoleSource } from './profile.ts';

/** The longest session STS gives a role assumed by role chaining. */
export const CHAINED_ROLE_MAX_SECONDS = 3600;

/** AWS's own words when a chained AssumeRole asks for more (STS's ValidationError). */
const CHAINED_ROLE_LIMIT =
  'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.';

/** The `tray-cred role` line that keeps the role as it is with a duration STS gives. */
function fixCommand(name: string, role: RoleSource): string {
  const options = [
    `--role-arn ${role.roleArn}`,
    `--source-profile ${role.sourceProfile}`,
    role.mfaSerial ? `--mfa-serial ${role.mfaSerial}` : '',
    role.externalId ? `--external-id ${role.externalId}` : '',
    role.roleSessionName ? `--session-name ${role.roleSessionName}` : '',
    `--duration ${CHAINED_ROLE_MAX_SECONDS}`,
  ];
  return `tray-cred role ${name} ${options.filter(Boolean).join(' ')}`;
}

/**
 * The refusal of a chained role whose duration is over the limit: `why` says what makes it a
 * chain ("its source profile "ops" is a role"). Never holds a secret: names, an ARN, numbers.
 */
export function chainedRoleError(name: string, role: RoleSource, why: string): UsageError {
  return new UsageError(
    `profile "${name}" asks for ${role.durationSeconds} s of ${role.roleArn}, but ${why}, and AWS gives a role assumed with another role's session (role chaining) at most ${CHAINED_ROLE_MAX_SECONDS} s: "${CHAINED_ROLE_LIMIT}" Set ${CHAINED_ROLE_MAX_SECONDS} or less: \`${fixCommand(name, role)}\``,
  );
}

/** What makes a source profile's credentials a role session, when its kind tells; undefined when it does not. */
export function roleSessionSource(sourceProfile: string, source: ProfileRecord | undefined): string | undefined {
  const kind = source?.source?.kind;
  if (kind === 'role') return `its source profile "${sourceProfile}" is a role`;
  if (kind === 'sso') return `its source profile "${sourceProfile}" is an IAM Identity Center role`;
  return undefined;
}

/**
 * Checks the roles a change touched (`names`, and every role whose source is one of them)
 * against the role-chaining limit, in the profiles as they will be stored.
 */
export function checkRoleChaining(names: readonly string[], profiles: Readonly<Record<string, ProfileRecord>>): void {
  for (const [name, p] of Object.entries(profiles)) {
    const role = p.source?.kind === 'role' ? p.source : undefined;
    if (!role || (!names.includes(name) && !names.includes(role.sourceProfile))) continue;
    if ((role.durationSeconds ?? CHAINED_ROLE_MAX_SECONDS) <= CHAINED_ROLE_MAX_SECONDS) continue;
    const why = roleSessionSource(role.sourceProfile, profiles[role.sourceProfile]);
    if (why) throw chainedRoleError(name, role, why);
  }
}
