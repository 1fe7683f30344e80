/**
 * The typed results the broker's stages hand on: each stage either passes a value to the next or
 * stops the request with the decision the audit log records and the error the client gets. The
 * audit entry is built once, from the final result.
 */
import type { CallerClaim, VerifiedCaller } from '../../../common/caller.ts';
import type { Decision } from '../../../common/decision.ts';
import type { Policy } from '../../../common/policy.ts';
import type { GateResult } from '../approval/approval-gate.ts';
import type { AuditInput } from '../audit/audit-codec.ts';
import type { Resolved } from './credential-source.ts';
import type { ApprovalScopeKind } from '../../../common/decision.ts';
import {
  ApprovalDeniedError,
  ApprovalTimeoutError,
  NoApproverTimeoutError,
  CredentialsExpiredError,
  TrayCredError,
  UpstreamError,
  VaultLockedError,
} from '../errors.ts';

/** A request stopped: what is recorded, and what the client is told. */
export interface Refusal {
  ok: false;
  decision: Decision;
  reason?: string | undefined;
  error: unknown;
}

export type StageResult<T> = { ok: true; value: T } | Refusal;

/** Which approval an access was served under (audited as `approval`). */
interface AccessApproval {
  scope: ApprovalScopeKind;
  grant: string;
}

/** A request that may be served: the decision so far, and the MFA code given at the prompt (used once, never recorded). */
export interface Permit {
  decision: Extract<Decision, 'allowed' | 'approved' | 'remembered'>;
  reason?: string | undefined;
  mfaCode?: string | undefined;
  /** The approval this access rides on: its scope, and the request whose prompt's answer gave it. */
  approval?: AccessApproval | undefined;
  /** A person answered a prompt for this request (its own or one it shared): the vault may have changed meanwhile. */
  prompted?: boolean | undefined;
}

export function pass<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function refuse(decision: Decision, error: unknown, reason?: string): Refusal {
  return { ok: false, decision, error, ...(reason ? { reason } : {}) };
}

/** A failure no stage planned for: an expected error is recorded with its message, anything else as an internal error. */
export function failure(error: unknown): Refusal {
  return error instanceof TrayCredError
    ? refuse('error', error, error.message)
    : refuse('error', error, 'internal error');
}

/** A credential source that failed after the request was permitted: nothing was served. */
export function sourceFailure(error: unknown): Refusal {
  if (error instanceof VaultLockedError)
    return refuse('locked', error, 'locked while the credentials were being fetched');
  if (error instanceof CredentialsExpiredError) return refuse('expired', error, error.message);
  if (error instanceof UpstreamError)
    return refuse('error', error, [error.message, error.detail].filter(Boolean).join(': '));
  return failure(error);
}

/** What a prompt is about, to turn its result into a decision. */
export interface PromptContext {
  profile: string;
  policy: Policy;
  mfaSerial: string | undefined;
  /** The "Unlock and allow?" prompt of a request that arrived while locked. */
  unlock: boolean;
}

/**
 * A prompt's result as a decision. `warn` hears an approver that failed to run. A prompt that
 * waited for an approver to connect says so in its reason, whatever its end.
 */
export function promptOutcome(
  result: GateResult,
  ctx: PromptContext,
  warn: (message: string) => void,
): StageResult<Permit> {
  if (result.waitedMs === undefined) return decided(result, ctx, warn);
  const waited = `waited ${Math.round(result.waitedMs / 1000)} s for an approver to connect`;
  if (result.kind === 'timeout') {
    const seconds = Math.round(result.timeoutMs / 1000);
    warn(`refused "${ctx.profile}": no approver connected within ${seconds} s`);
    return refuse('timeout', new NoApproverTimeoutError(ctx.profile, seconds), `${waited}; none did`);
  }
  const outcome = decided(result, ctx, warn);
  const reason = outcome.ok ? outcome.value.reason : outcome.reason;
  const said = reason ? `${waited}; ${reason}` : waited;
  return outcome.ok ? pass({ ...outcome.value, reason: said }) : { ...outcome, reason: said };
}

function decided(result: GateResult, ctx: PromptContext, warn: (message: string) => void): StageResult<Permit> {
  const denied = (reason: string): Refusal => refuse('denied', new ApprovalDeniedError(ctx.profile, reason), reason);
  switch (result.kind) {
    case 'timeout':
      return refuse(
        'timeout',
        new ApprovalTimeoutError(ctx.profile, Math.round(result.timeoutMs / 1000)),
        `no answer within ${Math.round(result.timeoutMs / 1000)} s`,
      );
    case 'locked':
      return denied('locked while waiting for approval');
    case 'failed':
      warn(`refused "${ctx.profile}": approver failed to run: ${result.message}`);
      return denied(`approver failed to run: ${result.message}`);
    case 'answered': {
      const { answer } = result;
      if (!answer.allow)
        return denied(answer.reason ?? (ctx.unlock ? 'unlock declined at the prompt' : 'denied at the prompt'));
      if (ctx.mfaSerial && !/^\d{6}$/.test(answer.mfaCode ?? ''))
        return denied(`no valid 6-digit MFA code for ${ctx.mfaSerial} was given`);
      return pass({ decision: ctx.policy === 'allow' ? 'allowed' : 'approved', mfaCode: answer.mfaCode });
    }
  }
}

/** The one audit entry of a credentials request, built from its final result. */
export function accessEntry(
  request: {
    requestId: string;
    profile: string;
    caller: CallerClaim | undefined;
    verified?: VerifiedCaller | undefined;
    durationMs: number;
  },
  result: StageResult<{ permit: Permit; resolved: Resolved }>,
): AuditInput {
  const { decision, reason } = result.ok ? result.value.permit : result;
  const resolved = result.ok ? result.value.resolved : undefined;
  return {
    event: 'access',
    profile: request.profile,
    decision,
    ...(reason ? { reason } : {}),
    ...(request.caller ? { caller: request.caller } : {}),
    ...(request.verified ? { verified: request.verified } : {}),
    durationMs: request.durationMs,
    requestId: request.requestId,
    ...(resolved ? { served: resolved.served, credentialId: resolved.credentialId } : {}),
    ...(resolved?.sessionName ? { sessionName: resolved.sessionName } : {}),
    ...(result.ok && result.value.permit.approval ? { approval: result.value.permit.approval } : {}),
  };
}
