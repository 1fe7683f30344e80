/**
 * The approval window's words, with no Electron in them: a request as the window shows it (every
 * caller-chosen string escaped by `displayText`), a person's choice checked and turned into the
 * broker's answer, and an audit entry read for "AWS rejected the MFA code".
 */
import type { ApprovalScopeKind } from '../../../common/decision.ts';
import type { ApprovalChoice, ApprovalFact, ApprovalView } from '../../../preload/api.ts';
import { MFA_CODE } from '../../../preload/api.ts';
import { displayText } from '../../../common/display.ts';
import type { AuditEntry } from '../../core/audit/audit-codec.ts';
import { UsageError } from '../../core/errors.ts';
import type { ApprovalAnswer, ApprovalRequest } from '../../core/ports/ports.ts';

/** What the window says when the facts are the helper's word only. */
const CLAIMED = 'claimed by tray-cred-helper, not verified';

/** The scopes a request offers, `once` always first; `once` only when it offers none. */
function offeredScopes(request: ApprovalRequest): { kinds: ApprovalScopeKind[]; minutes: number } {
  const kinds = (request.offer?.kinds ?? []).filter((k) => k !== 'once');
  return { kinds: ['once', ...new Set(kinds)], minutes: request.offer?.minutes ?? 0 };
}

function facts(request: ApprovalRequest): {
  program: string;
  verified: boolean;
  provenance: string;
  facts: ApprovalFact[];
} {
  const v = request.verified;
  if (v) {
    const r = v.requester;
    const argv = r.argv.join(' ');
    return {
      program: displayText(argv || r.exe, 80),
      verified: true,
      provenance: `verified by the kernel (${displayText(v.method, 40)})`,
      facts: [
        { label: 'Program', value: displayText(r.exe, 500) },
        { label: 'Command', value: displayText(argv, 1000) },
        { label: 'Working directory', value: displayText(r.cwd, 500) },
        { label: 'Process', value: `pid ${r.pid}, started ${displayText(r.startTime, 40)}` },
        ...(v.ancestry.length
          ? [{ label: 'Started by', value: displayText(v.ancestry.map((a) => a.argv[0] ?? a.exe).join(' ← '), 300) }]
          : []),
      ],
    };
  }
  const c = request.caller;
  if (!c) return { program: 'a caller that did not say who it is', verified: false, provenance: CLAIMED, facts: [] };
  return {
    program: displayText(c.command, 80),
    verified: false,
    provenance: CLAIMED,
    facts: [
      { label: 'Command', value: displayText(c.command, 1000) },
      { label: 'Working directory', value: displayText(c.cwd, 500) },
      { label: 'Process', value: `pid ${c.pid}, parent pid ${c.ppid}` },
    ],
  };
}

/** The one line saying a verified program asks for the profile for the first time (in 90 days), or null. */
function firstUseLine(request: ApprovalRequest): string | null {
  const exe = request.verified?.requester.exe;
  if (request.firstUse !== true || exe === undefined) return null;
  return `First time \`${displayText(exe, 300)}\` asks for ${displayText(request.profile, 64)}`;
}

/** The request as the window shows it; `rejected` is what AWS said of the last code for this profile. */
export function approvalView(
  id: number,
  request: ApprovalRequest,
  queued: number,
  rejected: string | null,
): ApprovalView {
  const offer = offeredScopes(request);
  return {
    id,
    profile: displayText(request.profile, 64),
    unlock: request.unlock,
    ...facts(request),
    scopes: offer.kinds,
    minutes: offer.minutes,
    mfaDevice: request.mfaSerial ? displayText(request.mfaSerial, 256) : null,
    rejected,
    firstUse: firstUseLine(request),
    queued,
  };
}

/**
 * The broker's answer to a choice, or a UsageError naming what is wrong: a scope the request did
 * not offer, or a missing or malformed MFA code. A timed scope lasts the minutes the request offered.
 */
export function answerOf(request: ApprovalRequest, choice: ApprovalChoice): ApprovalAnswer {
  if (!choice.allow) return { allow: false };
  const offer = offeredScopes(request);
  if (!offer.kinds.includes(choice.scope))
    throw new UsageError(`this request does not offer "${choice.scope}": choose one of ${offer.kinds.join(', ')}`);
  if (request.mfaSerial && !MFA_CODE.test(choice.mfaCode ?? ''))
    throw new UsageError('type the six-digit code your MFA device shows now, then Allow');
  const code = request.mfaSerial ? { mfaCode: choice.mfaCode } : {};
  if (choice.scope === 'once') return { allow: true, scope: { kind: 'once' }, ...code };
  return { allow: true, scope: { kind: choice.scope, minutes: offer.minutes }, ...code };
}

/** AWS's refusal of an MFA code, as STS words it ("MultiFactorAuthentication failed with invalid MFA one time pass code"). */
const MFA_REFUSED = /MultiFactorAuthentication failed|invalid MFA/i;

/**
 * What an audit entry says of the last MFA code given for its profile: `rejected` (with the
 * text to show), `accepted` (a served access: forget an old rejection), or nothing.
 */
export function mfaVerdict(entry: AuditEntry): { profile: string; rejected: string | null } | undefined {
  if (entry.event !== 'access' || !entry.profile) return undefined;
  if (entry.decision === 'error' && MFA_REFUSED.test(entry.reason ?? '')) {
    return {
      profile: entry.profile,
      rejected: `AWS rejected the last MFA code for “${displayText(entry.profile, 64)}”: ${displayText(entry.reason ?? '', 300)}. Wait for the next code and try again.`,
    };
  }
  if (entry.decision === 'approved' || entry.decision === 'allowed' || entry.decision === 'remembered')
    return { profile: entry.profile, rejected: null };
  return undefined;
}
