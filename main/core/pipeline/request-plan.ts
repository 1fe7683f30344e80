/**
 * A credentials request's plan: the profile, its role chain, the strictest policy along it and the
 * MFA device a mint needs now, read from the vault once at the head of the pipeline and handed to
 * every stage after. It is made again only when the vault changed before the secrets were read (a
 * person was asked meanwhile), and then the plan made later may only take away.
 */
import { ApprovalDeniedError, UnknownProfileError } from '../errors.ts';
import type { ProfileRecord } from '../profiles/profile.ts';
import { chainOf, type ChainWalker } from '../sources/chain-walker.ts';
import { pass, refuse, type Permit, type StageResult } from './access-outcome.ts';
import { judge, strictestPolicy, type EffectivePolicy } from './access-policy.ts';
import { POLICY_STRICTNESS } from '../../../common/policy.ts';

type Profiles = Readonly<Record<string, ProfileRecord>>;

export interface RequestPlan {
  name: string;
  /** The profiles the plan was made from (the vault as read, without secrets): a later read that differs is a changed vault. */
  profiles: Profiles;
  record: ProfileRecord;
  /** The profile, then each source profile of a role chain, as the credential source will follow them. */
  chain: readonly string[];
  /** The strictest policy along the chain, and the profile it comes from. */
  policy: EffectivePolicy;
  /** The MFA device whose code minting needs now (nothing cached to reuse), if any. */
  mfaSerial: string | undefined;
}

export interface PlanDeps {
  /** The one walk of the role chain (sources/chain-walker.ts's `chainOf`). */
  walk: ChainWalker;
  /** The MFA need of a chain, which depends on the sessions cached now (the credential source's). */
  mfaNeeded: (chain: readonly string[], profiles: Profiles) => string | undefined;
}

/** The walk and the MFA need a plan is made with: the credential source's session cache, and the walker given or {@link chainOf}. */
export function planDeps(source: { mfaNeeded: PlanDeps['mfaNeeded'] }, walk: ChainWalker = chainOf): PlanDeps {
  return { walk, mfaNeeded: (chain, profiles) => source.mfaNeeded(chain, profiles) };
}

/** The pipeline's profile stage: the plan for a request to `name`, made from the vault as it is now, or UNKNOWN_PROFILE. */
export function planStage(name: string, profiles: Profiles, deps: PlanDeps): StageResult<RequestPlan> {
  const plan = planRequest(name, profiles, deps);
  return plan ? pass(plan) : refuse('unknown-profile', new UnknownProfileError(name));
}

/** The plan for a request to `name`, or `undefined` when the vault holds no such profile. */
function planRequest(name: string, profiles: Profiles, deps: PlanDeps): RequestPlan | undefined {
  const record = profiles[name];
  if (!record) return undefined;
  const chain = deps.walk(name, profiles);
  return {
    name,
    profiles,
    record,
    chain,
    policy: strictestPolicy(name, profiles, chain),
    mfaSerial: deps.mfaNeeded(chain, profiles),
  };
}

/**
 * The plan to serve from `profiles` (the vault as decrypted to serve the request): `planned` while
 * they are the ones it was made from, else a plan made from them, the stricter answer standing.
 */
export function replanned(
  planned: RequestPlan,
  profiles: Profiles,
  permit: Permit,
  deps: PlanDeps,
): StageResult<{ plan: RequestPlan; permit: Permit }> {
  if (profiles === planned.profiles) return pass({ plan: planned, permit });
  return stricterPlan(planned, planRequest(planned.name, profiles, deps), permit);
}

/**
 * What stands when the vault changed between the plan the request was permitted on (`before`) and
 * the profiles it is about to be served from (`now`, planned from those): the stricter answer. A
 * profile removed, a policy now deny or an MFA device now needed whose code nobody was asked for
 * refuse the request; a policy gone from allow to ask needs the yes a person gave at a prompt.
 * `prompted`: a person answered a prompt for this request (it waited, which is when vaults change).
 */
function stricterPlan(
  before: RequestPlan,
  now: RequestPlan | undefined,
  permit: Permit,
): StageResult<{ plan: RequestPlan; permit: Permit }> {
  const name = before.name;
  const during = permit.prompted ? 'while waiting for approval' : 'while the request was decided';
  if (!now) return refuse('unknown-profile', new UnknownProfileError(name), `removed ${during}`);
  const denied = (reason: string) => refuse('denied', new ApprovalDeniedError(name, reason), reason);
  const verdict = judge({ name, effective: now.policy, mfaSerial: undefined, granted: false, unlockedByPrompt: false });
  if (verdict.kind === 'decided' && verdict.decision === 'denied')
    return denied(`${verdict.reason ?? 'denied'}, set ${during}`);
  if (now.mfaSerial !== undefined && now.mfaSerial !== before.mfaSerial)
    return denied(`an MFA code for ${now.mfaSerial} became needed ${during}: ask again`);
  if (POLICY_STRICTNESS[now.policy.policy] <= POLICY_STRICTNESS[before.policy.policy] || permit.decision !== 'allowed')
    return pass({ plan: now, permit });
  // Allow became ask: a person's yes at this request's prompt (asked for its MFA code) is the approval ask needs.
  if (!permit.prompted) return denied(`the policy became ${now.policy.policy} ${during}: ask again`);
  return pass({ plan: now, permit: { ...permit, decision: 'approved' } });
}
