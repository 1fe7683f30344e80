import type { RuleSwitch } from '../stand-in-rules.ts';
import { type Answer, notAuthorized, refuse, STS_XMLNS, succeed } from './answers.ts';
import {
  accountOf,
  assumedRoleArn,
  type Keys,
  MFA_SERIAL,
  named,
  ROLE_ARN,
  type Role,
  SESSION_NAME,
  userId,
} from './principals.ts';
import type { StsRule } from './rules.ts';

export interface Minted {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
}

/** What the STS actions read and change of the stand-in. */
export interface StsState {
  readonly rules: RuleSwitch<StsRule>;
  readonly roles: ReadonlyMap<string, Role>;
  readonly mfaDevices: ReadonlyMap<string, { code: string; user: string }>;
  mint(seconds: number, who: Omit<Keys, 'secretAccessKey' | 'sessionToken' | 'expiresAt'>): Minted;
}

const credentialsXml = (c: Minted): string =>
  `<Credentials><SessionToken>${c.sessionToken}</SessionToken><SecretAccessKey>${c.secretAccessKey}</SecretAccessKey>` +
  `<Expiration>${c.expiration}</Expiration><AccessKeyId>${c.accessKeyId}</AccessKeyId></Credentials>`;

const validation = (message: string): Answer => refuse(400, 'ValidationError', message);

/** DurationSeconds within [min, max], else AWS's validation message. */
function duration(p: Record<string, string>, min: number, max: number): number | Answer {
  const seconds = Number(p.DurationSeconds ?? 3600);
  if (!Number.isInteger(seconds) || seconds < min)
    return validation(
      `1 validation error detected: Value '${p.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  if (seconds > max)
    return validation(
      `1 validation error detected: Value '${p.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  return seconds;
}

/** The MFA device check of GetSessionToken and AssumeRole: the device must be the calling user's, the code its own. */
function mfaRefusal(s: StsState, p: Record<string, string>, caller: Keys): Answer | undefined {
  if (p.SerialNumber === undefined) return undefined;
  if (s.rules.on('valid-parameters') && (!MFA_SERIAL.test(p.SerialNumber) || !/^\d{6}$/.test(p.TokenCode ?? '')))
    return validation(
      `1 validation error detected: Value '${p.TokenCode === undefined ? 'null' : '******'}' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*`,
    );
  if (!s.rules.on('mfa-device')) return undefined;
  const device = s.mfaDevices.get(p.SerialNumber);
  const owner = caller.kind === 'role-session' ? undefined : caller.user;
  if (!device || (owner !== undefined && device.user !== owner))
    return refuse(
      403,
      'AccessDenied',
      'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.',
    );
  if (p.TokenCode !== device.code)
    return refuse(403, 'AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.');
  return undefined;
}

function getSessionToken(s: StsState, p: Record<string, string>, caller: Keys): Answer {
  if (s.rules.on('session-token-from-long-term') && caller.kind !== 'user')
    return refuse(403, 'AccessDenied', 'Cannot call GetSessionToken with session credentials');
  const seconds = s.rules.on('valid-parameters') ? duration(p, 900, 129_600) : Number(p.DurationSeconds ?? 3600);
  if (typeof seconds !== 'number') return seconds;
  const mfa = mfaRefusal(s, p, caller);
  if (mfa) return mfa;
  const c = s.mint(seconds, {
    kind: 'session-token',
    principal: caller.user ?? caller.principal,
    user: caller.user,
    mfa: p.SerialNumber !== undefined,
  });
  return succeed(STS_XMLNS, 'GetSessionToken', credentialsXml(c));
}

function assumeRole(s: StsState, p: Record<string, string>, caller: Keys): Answer {
  const roleArn = p.RoleArn ?? '';
  const sessionName = p.RoleSessionName ?? '';
  if (s.rules.on('valid-parameters')) {
    if (!ROLE_ARN.test(roleArn)) return validation(`${roleArn || 'null'} is invalid`);
    if (!SESSION_NAME.test(sessionName))
      return validation(
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
  }
  const seconds = s.rules.on('valid-parameters') ? duration(p, 900, 43_200) : Number(p.DurationSeconds ?? 3600);
  if (typeof seconds !== 'number') return seconds;
  const role = s.roles.get(roleArn);
  // AWS answers alike for a role that does not exist and one whose trust policy leaves the caller out.
  if (s.rules.on('role-trust') && !role?.trust.some((t) => named(t, caller)))
    return notAuthorized(caller.principal, 'sts:AssumeRole', roleArn);
  if (s.rules.on('trust-external-id') && role?.externalId !== undefined && p.ExternalId !== role.externalId)
    return notAuthorized(caller.principal, 'sts:AssumeRole', roleArn);
  const mfa = mfaRefusal(s, p, caller);
  if (mfa) return mfa;
  if (s.rules.on('chained-role-hour') && caller.kind === 'role-session' && seconds > 3600)
    return validation(
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  if (s.rules.on('role-max-session') && seconds > (role?.maxSessionSeconds ?? 3600))
    return validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  const assumed = assumedRoleArn(roleArn, sessionName);
  const c = s.mint(seconds, { kind: 'role-session', principal: assumed, mfa: p.SerialNumber !== undefined });
  return succeed(
    STS_XMLNS,
    'AssumeRole',
    `${credentialsXml(c)}<AssumedRoleUser><Arn>${assumed}</Arn><AssumedRoleId>${userId({ kind: 'role-session', principal: assumed, secretAccessKey: '' })}</AssumedRoleId></AssumedRoleUser>`,
  );
}

function getFederationToken(s: StsState, p: Record<string, string>, caller: Keys): Answer {
  if (s.rules.on('federation-token-from-long-term') && caller.kind !== 'user')
    return refuse(403, 'AccessDenied', 'Cannot call GetFederationToken with session credentials');
  if (s.rules.on('valid-parameters') && !/^[\w+=,.@-]{2,32}$/.test(p.Name ?? ''))
    return validation(
      `1 validation error detected: Value '${p.Name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 32`,
    );
  const seconds = s.rules.on('valid-parameters') ? duration(p, 900, 129_600) : Number(p.DurationSeconds ?? 43_200);
  if (typeof seconds !== 'number') return seconds;
  const federated = `arn:aws:sts::${accountOf(caller.principal)}:federated-user/${p.Name}`;
  const c = s.mint(seconds, { kind: 'federated', principal: federated });
  return succeed(
    STS_XMLNS,
    'GetFederationToken',
    `${credentialsXml(c)}<FederatedUser><Arn>${federated}</Arn><FederatedUserId>${userId({ kind: 'federated', principal: federated, secretAccessKey: '' })}</FederatedUserId></FederatedUser>`,
  );
}

/** STS's actions, answered as STS documents them. */
export function stsAction(s: StsState, p: Record<string, string>, caller: Keys): Answer {
  const action = p.Action ?? '';
  if (action === 'GetCallerIdentity')
    return succeed(
      STS_XMLNS,
      action,
      `<Arn>${caller.principal}</Arn><UserId>${userId(caller)}</UserId><Account>${accountOf(caller.principal)}</Account>`,
    );
  if (action === 'GetSessionToken') return getSessionToken(s, p, caller);
  if (action === 'AssumeRole') {
    // GetFederationToken's credentials may call no STS action but GetCallerIdentity.
    if (s.rules.on('federated-user-limits') && caller.kind === 'federated')
      return notAuthorized(caller.principal, 'sts:AssumeRole', p.RoleArn ?? '');
    return assumeRole(s, p, caller);
  }
  if (action === 'GetFederationToken') return getFederationToken(s, p, caller);
  return refuse(400, 'InvalidAction', `Could not find operation ${action}`);
}
