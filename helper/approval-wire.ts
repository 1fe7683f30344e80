/**
 * The approver's side of the wire (`tray-cred approve`): list the prompts waiting, answer one.
 * It rides on the agent's socket, which only its owner can open, so only the same user can
 * answer; the agent accepts an answer only for a prompt that is pending, by the agent's own ref.
 * The helper never sends these ops and never sees an answer. Imports only common/.
 */
import { APPROVAL_SCOPE_KINDS, isApprovalScopeKind, type ApprovalScopeKind } from '../common/decision.ts';

/** The longest a client may ask `approvals` to wait for a prompt. */
const MAX_APPROVALS_WAIT_MS = 25_000;

/** The approval ops' own fields, validated. */
export type ApprovalOpFields =
  | { op: 'approvals'; wait: number }
  | { op: 'approve'; prompt: string; allow: boolean; scope?: ApprovalScopeKind; mfaCode?: string };

/** One waiting prompt as `approvals` lists it: names and claims, never a secret. */
export interface WirePrompt {
  ref: string;
  profile: string;
  /** ISO times. */
  since: string;
  deadline: string;
  unlock: boolean;
  /** The serial of the MFA device whose code the answer must carry, if any. */
  mfaSerial?: string;
  offer: { kinds: ApprovalScopeKind[]; minutes: number };
  /** The requesting program as the kernel names it, where verified. */
  verified?: { pid: number; exe: string; argv: string[]; cwd: string };
  /** What the helper claims, labelled as such wherever shown. */
  claimed?: { pid: number; command: string; cwd: string };
  /** True when the verified program has not used the profile in the last 90 days (absent otherwise). */
  firstUse?: boolean;
}

type Json = Record<string, unknown>;
const PROMPT_REF = /^\d{1,16}$/;

/** The fields of an `approvals` or `approve` request, or a sentence saying what is wrong. */
export function parseApprovalOp(o: Json): ApprovalOpFields | string {
  if (o.op === 'approvals') {
    const wait = o.wait ?? 0;
    if (typeof wait !== 'number' || !Number.isSafeInteger(wait) || wait < 0 || wait > MAX_APPROVALS_WAIT_MS)
      return `wait must be 0-${MAX_APPROVALS_WAIT_MS} ms`;
    return { op: 'approvals', wait };
  }
  if (typeof o.prompt !== 'string' || !PROMPT_REF.test(o.prompt)) return 'prompt must be the ref `approvals` listed';
  if (typeof o.allow !== 'boolean') return 'allow must be true or false';
  if (o.scope !== undefined && !isApprovalScopeKind(o.scope))
    return `scope must be one of ${APPROVAL_SCOPE_KINDS.join(', ')}`;
  if (o.mfaCode !== undefined && (typeof o.mfaCode !== 'string' || !/^\d{6}$/.test(o.mfaCode)))
    return 'mfaCode must be six digits';
  return {
    op: 'approve',
    prompt: o.prompt,
    allow: o.allow,
    ...(o.scope !== undefined ? { scope: o.scope as ApprovalScopeKind } : {}),
    ...(o.mfaCode !== undefined ? { mfaCode: o.mfaCode as string } : {}),
  };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates an `approvals` result (the CLI side). */
export function parseApprovalsResult(value: unknown): WirePrompt[] | undefined {
  if (!isObject(value) || !Array.isArray(value.prompts)) return undefined;
  const ok = value.prompts.every(
    (p: unknown) =>
      isObject(p) &&
      typeof p.ref === 'string' &&
      typeof p.profile === 'string' &&
      typeof p.since === 'string' &&
      typeof p.deadline === 'string' &&
      typeof p.unlock === 'boolean' &&
      isObject(p.offer) &&
      Array.isArray(p.offer.kinds) &&
      p.offer.kinds.every(isApprovalScopeKind) &&
      typeof p.offer.minutes === 'number',
  );
  return ok ? (value.prompts as WirePrompt[]) : undefined;
}
