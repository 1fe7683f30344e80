/**
 * The outcome of a credentials request and where served credentials came from, as the audit
 * log records them and every view shows them. This file imports nothing.
 */

/** Every outcome of an access, in the order the history window lists them. */
export const DECISIONS = ['allowed', 'approved', 'remembered', 'denied', 'timeout', 'locked', 'unknown-profile', 'expired', 'error'] as const;

/** The outcome of an access. The first three served credentials; the rest did not. */
export type Decision = (typeof DECISIONS)[number];

/** Where served credentials came from: straight from the vault, a cached session, or minted now. */
export const SERVED_KINDS = ['vault', 'cache', 'minted'] as const;

export type Served = (typeof SERVED_KINDS)[number];

export function isDecision(value: unknown): value is Decision {
  return typeof value === 'string' && (DECISIONS as readonly string[]).includes(value);
}

export function isServed(value: unknown): value is Served {
  return typeof value === 'string' && (SERVED_KINDS as readonly string[]).includes(value);
}
