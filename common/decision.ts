/**
 * The outcome of a credentials request and where served credentials came from, as the audit
 * log records them and every view shows them. This file imports nothing.
 */

/** Every outcome of an access, in the order the history window lists them. */
export const DECISIONS = [
  'allowed',
  'approved',
  'remembered',
  'denied',
  'timeout',
  'locked',
  'unknown-profile',
  'expired',
  'error',
] as const;

/** The outcome of an access. The first three served credentials; the rest did not. */
export type Decision = (typeof DECISIONS)[number];

/**
 * Where served credentials came from: straight from the vault, a cached session, minted now, or
 * (`federated`) a federation token minted now for the console (`tray-cred login`), never cached.
 */
const SERVED_KINDS = ['vault', 'cache', 'minted', 'federated'] as const;

export type Served = (typeof SERVED_KINDS)[number];

/**
 * What a credentials request is for, when not for a client's API calls: `console` (`tray-cred
 * login`) has the agent turn an IAM user's stored key into a federation token, which the console
 * accepts (session-mode credentials it refuses), so the key never leaves the agent.
 */
export const CREDENTIAL_PURPOSES = ['console'] as const;

export type CredentialPurpose = (typeof CREDENTIAL_PURPOSES)[number];

export function isCredentialPurpose(value: unknown): value is CredentialPurpose {
  return typeof value === 'string' && (CREDENTIAL_PURPOSES as readonly string[]).includes(value);
}

export function isDecision(value: unknown): value is Decision {
  return typeof value === 'string' && (DECISIONS as readonly string[]).includes(value);
}

export function isServed(value: unknown): value is Served {
  return typeof value === 'string' && (SERVED_KINDS as readonly string[]).includes(value);
}

/**
 * How far a person's "allow" reaches, narrowest first: the order prompts list them in. The core,
 * the wire, the windows' API and the approver command's exit statuses all use these names.
 */
export const APPROVAL_SCOPE_KINDS = ['once', 'run', 'program-folder', 'any'] as const;

export type ApprovalScopeKind = (typeof APPROVAL_SCOPE_KINDS)[number];

export function isApprovalScopeKind(value: unknown): value is ApprovalScopeKind {
  return typeof value === 'string' && (APPROVAL_SCOPE_KINDS as readonly string[]).includes(value);
}
