/**
 * The broker's approval stage: the policy's verdict, the grant that may cover the request, and
 * otherwise a prompt through the gate, whose answer may start a scoped grant. Every permit says
 * which approval it rides on, so each use of a grant is audited with the prompt that created it.
 */
import type { CallerClaim, VerifiedCaller } from '../../../common/caller.ts';
import { pass, promptOutcome, refuse, type Permit, type StageResult } from './access-outcome.ts';
import { judge } from './access-policy.ts';
import { ApprovalGate, type Asked, type OnWaiting, type PendingPrompt } from '../approval/approval-gate.ts';
import { offerFor, requesterKey, ScopedGrants, type GrantUse } from '../approval/approval-scope.ts';
import { ApprovalDeniedError } from '../errors.ts';
import type { ApprovalScopeKind } from '../../../common/decision.ts';
import type { ApprovalAnswer, ApprovalRequest, ApprovalScope, Approver, Clock, FirstUse } from '../ports/ports.ts';
import type { ProfileRecord } from '../profiles/profile.ts';
import type { RequestPlan } from './request-plan.ts';

export interface ApprovalStageDeps {
  approver: Approver;
  clock: Clock;
  /** The approval time-out, read as each prompt opens. */
  timeoutMs: () => number;
  onPending: () => void;
  warn: (message: string) => void;
  /** Whether the verified program asks for the profile for the first time in 90 days; absent: never said. */
  firstUse?: FirstUse | undefined;
}

/** Who asks: the claim (scrubbed) and, where the platform can tell, what the kernel verified. */
export interface Asker {
  requestId: string;
  caller: CallerClaim | undefined;
  verified: VerifiedCaller | undefined;
  /** Told when its prompt waits for an approver to connect (the client shows it to the person). */
  onWaiting?: OnWaiting | undefined;
}

export class ApprovalStage {
  private readonly deps: ApprovalStageDeps;
  private readonly gate: ApprovalGate;
  private readonly grants = new ScopedGrants();

  constructor(deps: ApprovalStageDeps) {
    this.deps = deps;
    this.gate = new ApprovalGate({
      approver: deps.approver,
      clock: deps.clock,
      timeoutMs: deps.timeoutMs,
      onPending: deps.onPending,
    });
  }

  get pending(): number {
    return this.gate.pending;
  }

  list(): PendingPrompt[] {
    return this.gate.list();
  }

  /** Who waits in the queue, oldest first, for `status`. */
  waiting(): { profile: string; who: string }[] {
    return this.gate.list().map((p) => ({ profile: p.request.profile, who: whoAsks(p.request) }));
  }

  answer(ref: string, answer: ApprovalAnswer): boolean {
    return this.gate.answer(ref, answer);
  }

  terminalListening(until: number): void {
    this.gate.terminalListening(until);
  }

  /** A terminal approver (`tray-cred approve`) listens now. */
  get terminalPresent(): boolean {
    return this.gate.terminalPresent;
  }

  /** On lock: open prompts close, every grant ends. */
  clear(): void {
    this.gate.cancelAll();
    this.grants.clear();
  }

  /** "Unlock and allow?" for a request that arrived while locked: a one-off answer, no grant. */
  async unlock(name: string, who: Asker): Promise<StageResult<Permit>> {
    const request: ApprovalRequest = {
      profile: name,
      caller: who.caller,
      verified: who.verified,
      offer: { kinds: ['once'], minutes: 0 },
      unlock: true,
      ...(await this.firstUse(name, who)),
    };
    const asked = await this.gate.ask(who.requestId, shareKey(who, ['unlock', name]), request, who.onWaiting);
    return this.outcome(asked, { profile: name, policy: 'ask', mfaSerial: undefined, unlock: true });
  }

  /** Policy, then a grant, then a prompt when the policy asks for one: all as the request's plan says. */
  async permit(plan: RequestPlan, who: Asker, unlockedByPrompt: boolean): Promise<StageResult<Permit>> {
    const { clock } = this.deps;
    const { name, record, mfaSerial, policy: effective } = plan;
    const found = this.grants.find(name, record, who.verified, clock.now());
    const verdict = judge({ name, effective, mfaSerial, granted: found !== undefined, unlockedByPrompt });
    if (verdict.kind === 'decided') {
      const { decision, reason } = verdict;
      if (decision === 'denied') return refuse('denied', new ApprovalDeniedError(name, reason ?? 'denied'), reason);
      return pass({ decision, reason, ...(decision === 'remembered' && found ? { approval: found } : {}) });
    }
    const offer = offerFor(record, who.verified);
    const request: ApprovalRequest = {
      profile: name,
      caller: who.caller,
      verified: who.verified,
      offer,
      unlock: false,
      ...(mfaSerial ? { mfaSerial } : {}),
      ...(await this.firstUse(name, who)),
    };
    const asked = await this.gate.ask(who.requestId, shareKey(who, [name, mfaSerial ?? '']), request, who.onWaiting);
    const answered = this.outcome(asked, { profile: name, policy: effective.policy, mfaSerial, unlock: false });
    if (!answered.ok || asked.result.kind !== 'answered') return answered;
    const permit: Permit = { ...answered.value, prompted: true };
    const scope = asked.result.answer.scope;
    // Only the request that opened the prompt starts the grant: one click, one approval in the log.
    const granted = asked.shared
      ? sharedGrant(scope, offer, asked.promptId)
      : this.grants.grant({
          profile: name,
          record,
          verified: who.verified,
          scope,
          requestId: asked.promptId,
          now: clock.now(),
        });
    const approval = granted ?? { scope: 'once' as const, grant: asked.promptId };
    if (asked.shared)
      return pass({
        ...permit,
        decision: 'remembered',
        reason: `shared the prompt of request ${asked.promptId}`,
        approval,
      });
    return pass({
      ...permit,
      approval,
      ...(granted ? { reason: `approved for ${describeScope(granted.scope)}` } : {}),
    });
  }

  /** `{ firstUse: true }` when the verified program has not been served `name` in 90 days. */
  private async firstUse(name: string, who: Asker): Promise<{ firstUse?: true }> {
    const exe = who.verified?.requester.exe;
    return exe && (await this.deps.firstUse?.isFirstUse(name, exe, this.deps.clock.now())) ? { firstUse: true } : {};
  }

  private outcome(
    asked: Asked,
    ctx: { profile: string; policy: ProfileRecord['policy']; mfaSerial: string | undefined; unlock: boolean },
  ): StageResult<Permit> {
    return promptOutcome(asked.result, ctx, this.deps.warn);
  }
}

/** The grant the opener of a shared prompt started, as the joiners ride on it (the same answer, the same offer). */
function sharedGrant(
  scope: ApprovalScope | undefined,
  offer: { kinds: readonly ApprovalScopeKind[] },
  grant: string,
): GrantUse | undefined {
  return scope && scope.kind !== 'once' && offer.kinds.includes(scope.kind) ? { scope: scope.kind, grant } : undefined;
}

/** Requests share a prompt only when they come from the same verified program instance; without verification, never. */
function shareKey(who: Asker, parts: string[]): string | undefined {
  const key = requesterKey(who.verified);
  return key ? JSON.stringify([key.run, ...parts]) : undefined;
}

function describeScope(kind: string): string {
  return kind === 'run' ? 'this run' : kind === 'program-folder' ? 'this program in this folder' : 'any caller';
}

/** Who waits at a prompt, for `status`: the verified program where there is one, else the claim, labelled. */
function whoAsks(request: { caller: CallerClaim | undefined; verified?: VerifiedCaller | undefined }): string {
  const r = request.verified?.requester;
  if (r) return `${r.exe} (pid ${r.pid}, verified) in ${r.cwd}`;
  const c = request.caller;
  return c ? `${c.command} (pid ${c.pid}, claimed) in ${c.cwd}` : 'an unknown caller';
}
