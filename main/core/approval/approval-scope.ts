/**
 * How far a person's "allow" reaches (issue 11): which scopes a prompt may offer, who a requester
 * is, and the grants an answer starts. A scope broader than `once` is only ever bound to what the
 * kernel verified: a claim (what the helper says) can be copied by any local process, so a
 * request without a verified caller is offered `once` and nothing else.
 */
import type { VerifiedCaller } from '../../../common/caller.ts';
import { APPROVAL_SCOPE_KINDS, type ApprovalScopeKind } from '../../../common/decision.ts';
import type { ApprovalScope } from '../ports/ports.ts';
import type { ProfileRecord } from '../profiles/profile.ts';

/** The minutes a *this run* grant lasts at most when the profile remembers nothing (remember 0): the run's end usually comes first. */
const RUN_MINUTES_WITHOUT_REMEMBER = 60;

/**
 * Who asked, as one string, or `undefined` when nothing about the caller is verified. A program
 * instance is its verified pid plus start time (a reused pid has another start time); the
 * executable and folder are what the kernel and /proc say, never the claim.
 */
export function requesterKey(verified: VerifiedCaller | undefined): { run: string; programFolder: string } | undefined {
  const r = verified?.requester;
  if (!r || !r.startTime || !r.exe) return undefined;
  return { run: JSON.stringify([r.pid, r.startTime, r.exe]), programFolder: JSON.stringify([r.exe, r.cwd]) };
}

/** The scopes a prompt for this profile may offer, and the minutes a timed one lasts. */
export function offerFor(
  record: Pick<ProfileRecord, 'rememberMinutes' | 'anyCaller'>,
  verified: VerifiedCaller | undefined,
): { kinds: ApprovalScopeKind[]; minutes: number } {
  const remember = record.rememberMinutes;
  if (!requesterKey(verified)) return { kinds: ['once'], minutes: 0 };
  const kinds: ApprovalScopeKind[] = ['once', 'run'];
  if (remember > 0) kinds.push('program-folder');
  if (remember > 0 && record.anyCaller === true) kinds.push('any');
  return { kinds, minutes: remember > 0 ? remember : RUN_MINUTES_WITHOUT_REMEMBER };
}

/** What a grant was made under: any change to it (policy, remember, keys, re-add) ends the grant. */
function profileStamp(record: ProfileRecord): string {
  const { policy, rememberMinutes, anyCaller, createdAt, updatedAt, accessKeyId, source, sts } = record;
  return JSON.stringify([
    policy,
    rememberMinutes,
    anyCaller ?? false,
    createdAt,
    updatedAt,
    accessKeyId ?? '',
    source ?? null,
    sts ?? null,
  ]);
}

/** A grant in force: which scope, and the request whose prompt's answer created it. */
export interface GrantUse {
  scope: Exclude<ApprovalScopeKind, 'once'>;
  grant: string;
}

interface Grant extends GrantUse {
  profile: string;
  stamp: string;
  /** The requester the grant is bound to (empty for `any`). */
  who: string;
  until: number;
}

/**
 * The grants that person's answers started. A grant serves only the profile, as stored when it
 * was granted, and only the requester it is bound to, until its minutes pass. All end on lock.
 */
export class ScopedGrants {
  private grants: Grant[] = [];

  /** Starts the grant an allow answer asked for; `once` starts none. An answer outside the offer is narrowed to `once`. */
  grant(input: {
    profile: string;
    record: ProfileRecord;
    verified: VerifiedCaller | undefined;
    scope: ApprovalScope | undefined;
    requestId: string;
    now: number;
  }): GrantUse | undefined {
    const { scope, record } = input;
    const offer = offerFor(record, input.verified);
    if (!scope || scope.kind === 'once' || !offer.kinds.includes(scope.kind)) return undefined;
    const key = requesterKey(input.verified);
    const who = scope.kind === 'any' ? '' : scope.kind === 'run' ? key!.run : key!.programFolder;
    // The person may shorten a grant, never stretch it past what the profile offers.
    const minutes = Math.min(Math.max(0, scope.minutes), offer.minutes);
    if (minutes <= 0) return undefined;
    const use: GrantUse = { scope: scope.kind, grant: input.requestId };
    this.grants.push({
      ...use,
      profile: input.profile,
      stamp: profileStamp(record),
      who,
      until: input.now + minutes * 60_000,
    });
    return use;
  }

  /** The grant that covers this request, if any: the narrowest first. Grants whose profile changed are dropped. */
  find(
    profile: string,
    record: ProfileRecord,
    verified: VerifiedCaller | undefined,
    now: number,
  ): GrantUse | undefined {
    const stamp = profileStamp(record);
    this.grants = this.grants.filter((g) => g.until > now && (g.profile !== profile || g.stamp === stamp));
    const key = requesterKey(verified);
    const covers = (g: Grant): boolean => {
      if (g.profile !== profile) return false;
      if (g.scope === 'any') return record.anyCaller === true;
      if (!key) return false;
      return g.who === (g.scope === 'run' ? key.run : key.programFolder);
    };
    const order = (g: Grant): number => APPROVAL_SCOPE_KINDS.indexOf(g.scope);
    const found = this.grants.filter(covers).sort((a, b) => order(a) - order(b))[0];
    return found ? { scope: found.scope, grant: found.grant } : undefined;
  }

  clear(): void {
    this.grants = [];
  }

  get size(): number {
    return this.grants.length;
  }
}
