/** Who a key acts as, in the stand-in: what AWS knows of each access key it issued. */
type KeyKind = 'user' | 'session-token' | 'role-session' | 'federated';

export interface Keys {
  kind: KeyKind;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  expiresAt?: number | undefined;
  /** The ARN GetCallerIdentity answers for these keys. */
  principal: string;
  /** The IAM user's ARN: for its own keys and the sessions GetSessionToken made from them. */
  user?: string | undefined;
  /** For an IAM user's long-term keys: when the key was made. */
  createDate?: string | undefined;
  /** Eventual consistency: a new key is refused as unknown this many more times. */
  unsettled?: number | undefined;
  /** Made with an MFA code (the session's MFA context). */
  mfa?: boolean | undefined;
}

/** A role as IAM holds it: its trust policy, reduced to the principals it names and its conditions. */
export interface Role {
  /** Principals the trust policy's Principal element names: `123456789012`, `arn:aws:iam::123456789012:root`, a user, role or assumed-role session ARN. */
  trust: string[];
  /** MaxSessionDuration, 3,600 s unless the role sets more (at most 43,200). */
  maxSessionSeconds: number;
  /** The trust policy's `sts:ExternalId` condition. */
  externalId?: string | undefined;
}

export const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;
export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
export const MFA_SERIAL = /^[\w+=/:,.@-]{9,256}$/;

export const accountOf = (arn: string): string => arn.split(':')[4] ?? '';
export const nameOf = (arn: string): string => arn.split('/').pop() ?? '';

/** The ARN of a session of `roleArn` named `sessionName`, as STS writes it (the role's path left out). */
export function assumedRoleArn(roleArn: string, sessionName: string): string {
  const [, account, name] = ROLE_ARN.exec(roleArn) ?? [];
  return `arn:aws:sts::${account}:assumed-role/${name}/${sessionName}`;
}

/** Whether a trust policy principal names the caller: the account (delegating to IAM), the user, the role of a session, or the session itself. */
export function named(principal: string, caller: Keys): boolean {
  const account = accountOf(caller.principal);
  if (principal === account || principal === `arn:aws:iam::${account}:root`) return true;
  if (caller.kind === 'user' || caller.kind === 'session-token') return principal === caller.user;
  if (caller.kind !== 'role-session') return false;
  if (principal === caller.principal) return true;
  const role = ROLE_ARN.exec(principal);
  return role !== null && caller.principal.startsWith(`arn:aws:sts::${role[1]}:assumed-role/${role[2]}/`);
}

/** The UserId GetCallerIdentity answers beside the ARN. */
export function userId(k: Keys): string {
  if (k.kind === 'role-session') return `AROA3XFRBF535PLBIFPI4:${nameOf(k.principal)}`;
  if (k.kind === 'federated') return `${accountOf(k.principal)}:${nameOf(k.principal)}`;
  return `AIDA${Buffer.from(nameOf(k.user ?? k.principal))
    .toString('hex')
    .toUpperCase()
    .padEnd(17, 'X')
    .slice(0, 17)}`;
}
