/**
 * What may happen when a client asks for a profile, and how long an approval may be remembered.
 * Shared by every layer, the sandboxed pages included: this file imports nothing.
 */

/** The policies, from the most permissive to the strictest. */
export const POLICIES = ['allow', 'ask', 'deny'] as const;

/** `allow` serves without asking, `ask` asks a person each time, `deny` refuses. */
export type Policy = (typeof POLICIES)[number];

/** A policy's strictness: a role is as guarded as the strictest profile along its source chain. */
export const POLICY_STRICTNESS: Readonly<Record<Policy, number>> = { allow: 0, ask: 1, deny: 2 };

/** The longest "remember this approval" time, in minutes (one day). */
export const MAX_REMEMBER_MINUTES = 24 * 60;

/** Whether `value` names a policy. */
export function isPolicy(value: unknown): value is Policy {
  return typeof value === 'string' && (POLICIES as readonly string[]).includes(value);
}
