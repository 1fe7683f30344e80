import type { Decision } from '../../../common/decision.ts';
import { POLICY_STRICTNESS, type Policy } from '../../../common/policy.ts';
import type { ProfileRecord } from '../profiles/profile.ts';

type Profiles = Readonly<Record<string, ProfileRecord>>;

/** The policy that applies to a request, and the profile it comes from. */
export interface EffectivePolicy {
  policy: Policy;
  from: string;
}

/**
 * A role is no less guarded than the profiles whose keys it uses: the strictest policy along
 * its source chain applies (deny over ask over allow). `chain` is the profile followed by its
 * sources, as the credential source walks them.
 */
export function strictestPolicy(name: string, profiles: Profiles, chain: readonly string[]): EffectivePolicy {
  let strictest: EffectivePolicy = { policy: profiles[name]?.policy ?? 'deny', from: name };
  for (const n of chain) {
    const p = profiles[n];
    if (p && POLICY_STRICTNESS[p.policy] > POLICY_STRICTNESS[strictest.policy])
      strictest = { policy: p.policy, from: n };
  }
  return strictest;
}

/** What the policy says before anyone is asked. */
export type PolicyVerdict =
  | { kind: 'decided'; decision: Extract<Decision, 'allowed' | 'remembered' | 'denied' | 'approved'>; reason?: string }
  | { kind: 'ask' };

export interface PolicyInput {
  name: string;
  effective: EffectivePolicy;
  /** The MFA device whose code minting needs now, if any: then even an allowed profile is asked. */
  mfaSerial: string | undefined;
  /** Whether a grant (an earlier answer's scope) covers this request. */
  granted: boolean;
  /** The request was unlocked by a person's "Unlock and allow?" answer. */
  unlockedByPrompt: boolean;
}

/**
 * Decides what needs no prompt. "Unlock and allow prod?" answered yes is the approval an `ask`
 * profile needs, and a person's approval even for an `allow` one (no "served without asking"
 * notification); deny still denies, and an MFA code still needs its prompt.
 */
export function judge(input: PolicyInput): PolicyVerdict {
  const { name, effective, mfaSerial } = input;
  if (effective.policy === 'deny') {
    const of = effective.from === name ? 'the profile policy' : `the policy of its source profile "${effective.from}"`;
    return { kind: 'decided', decision: 'denied', reason: `${of} is deny` };
  }
  if (mfaSerial) return { kind: 'ask' };
  if (input.unlockedByPrompt) return { kind: 'decided', decision: 'approved', reason: 'approved at the unlock prompt' };
  if (effective.policy === 'allow') return { kind: 'decided', decision: 'allowed' };
  if (input.granted) return { kind: 'decided', decision: 'remembered' };
  return { kind: 'ask' };
}
