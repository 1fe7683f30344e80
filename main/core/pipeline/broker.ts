import type { CallerClaim, VerifiedCaller } from '../../../common/caller.ts';
import type { CredentialProcessDocument } from '../../../common/credential-process.ts';
import type { CredentialPurpose } from '../../../common/decision.ts';
import { accessEntry, failure, pass, refuse, sourceFailure, type Permit, type StageResult } from './access-outcome.ts';
import type { OnWaiting, PendingPrompt } from '../approval/approval-gate.ts';
import { ApprovalStage, type Asker } from './approval-stage.ts';
import { planDeps, planStage, replanned, type PlanDeps, type RequestPlan } from './request-plan.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { scrubCaller, scrubVerified } from '../approval/caller-redaction.ts';
import type { CredentialSource, Resolved, ResolveContext } from './credential-source.ts';
import { ApprovalDeniedError, KeychainError, TrayCredError, VaultLockedError } from '../errors.ts';
import { KeyCustody } from '../vault/key-custody.ts';
import type { ApprovalAnswer, Approver, Clock, FirstUse } from '../ports/ports.ts';
import { longTermKeyRefusal, servesLongTermKey, summarize, type ProfileSummary } from '../profiles/profile.ts';
import type { SessionInfo } from '../sources/sessions.ts';
import { LAST_USED_FLUSH_MS, UsageRecorder } from './usage-recorder.ts';
import type { Vault } from '../vault/vault.ts';

/**
 * What a credentials request asks for beyond the credentials: `purpose` `console` is `tray-cred
 * login`'s (a federation token for a user's key); `sessionOnly` is exec's, export's and serve's
 * default, refused before any prompt when the profile serves its long-term key.
 */
export interface Wants {
  purpose?: CredentialPurpose | undefined;
  sessionOnly?: boolean | undefined;
  /** Told when the request's prompt waits for an approver to connect. */
  onWaiting?: OnWaiting | undefined;
}

export interface BrokerDeps {
  vault: Vault;
  /** Turns a profile into the credentials served: stored, STS-minted, role or command. */
  source: CredentialSource;
  audit: AuditLog;
  approver: Approver;
  clock: Clock;
  /** The agent's pid, reported by `status`. */
  pid: number;
  /** Where problems that no request owns are reported (the agent's log). Never given a secret. */
  warn: (message: string) => void;
  /** Which verified programs have used which profile lately (programs-seen.ts); the prompt names a first use. */
  firstUse?: FirstUse | undefined;
  /** The walk of a profile's role chain that a request's plan is made from (default: sources/chain-walker.ts's `chainOf`). */
  walkChain?: PlanDeps['walk'] | undefined;
}

export interface BrokerOptions {
  /**
   * An approval nobody answers within this is a deny (default {@link APPROVAL_TIMEOUT_MS}). Read as
   * each prompt opens, so a changed `approvalTimeoutSeconds` applies without a restart.
   */
  approvalTimeoutMs?: () => number;
  /** How long `last used` times may wait in memory before they are written to the vault (default 1 s). */
  lastUsedFlushMs?: number;
  /** Asked on each request that arrives while locked: `true` shows one "Unlock and allow?" prompt instead of refusing. */
  unlockOnRequest?: () => boolean;
  /** Asked before every unlock the front end has not confirmed itself (the socket's `unlock`, unlock on request). */
  authorizeUnlock?: (caller: CallerClaim | undefined) => Promise<boolean>;
}

/** What front ends are told when something they show may have changed. */
export type BrokerEvent = 'locked' | 'unlocked' | 'pending' | 'access';

/** The agent's state: never a secret. */
export interface AgentStatus {
  locked: boolean;
  /** Profiles in the vault, 0 while locked. */
  profiles: number;
  /** Approval prompts open now. */
  pending: number;
  /** Who waits in the approval queue, oldest first (never a secret). */
  waiting: { profile: string; who: string }[];
  agentPid: number;
}

/** The approval deadline: under the Go SDK's 60 s credential_process limit, so a late answer still reaches the client. */
const APPROVAL_TIMEOUT_MS = 50_000;

/**
 * Decides every request as one pipeline: lock ▸ profile ▸ policy ▸ approval ▸ source ▸ audit.
 * The profile stage makes the request's plan (request-plan.ts) and the stages after take it; each
 * returns a typed result; the audit entry is written once from the final one, before anything is
 * returned, so an access that cannot be recorded is not served.
 */
export class Broker {
  private readonly deps: BrokerDeps;
  private readonly custody: KeyCustody;
  private readonly approvals: ApprovalStage;
  private readonly usage: UsageRecorder;
  private readonly unlockOnRequest: () => boolean;
  private readonly planDeps: PlanDeps;
  private readonly listeners = new Set<(event: BrokerEvent) => void>();

  constructor(deps: BrokerDeps, options: BrokerOptions = {}) {
    this.deps = deps;
    this.unlockOnRequest = options.unlockOnRequest ?? (() => false);
    this.planDeps = planDeps(deps.source, deps.walkChain);
    this.custody = new KeyCustody({
      vault: deps.vault,
      audit: deps.audit,
      authorizeUnlock: options.authorizeUnlock,
      onUnlocked: () => this.emit('unlocked'),
    });
    this.approvals = new ApprovalStage({
      approver: deps.approver,
      clock: deps.clock,
      timeoutMs: options.approvalTimeoutMs ?? (() => APPROVAL_TIMEOUT_MS),
      onPending: () => this.emit('pending'),
      warn: deps.warn,
      firstUse: deps.firstUse,
    });
    this.usage = new UsageRecorder({
      custody: this.custody,
      vault: deps.vault,
      clock: deps.clock,
      flushMs: options.lastUsedFlushMs ?? LAST_USED_FLUSH_MS,
      warn: deps.warn,
    });
  }

  get locked(): boolean {
    return this.custody.locked;
  }

  onChange(listener: (event: BrokerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: BrokerEvent): void {
    for (const l of this.listeners) l(event);
  }

  status(): AgentStatus {
    return {
      locked: this.locked,
      profiles: this.custody.profileCount,
      pending: this.approvals.pending,
      waiting: this.approvals.waiting(),
      agentPid: this.deps.pid,
    };
  }

  /**
   * Who can answer an `ask` now (the approver, else `tray-cred approve` while one listens, else
   * nobody), and which profiles ask (none known while locked): `status` flags "`ask` profiles, and
   * nothing can approve".
   */
  async approvers(): Promise<{ approver: 'window' | 'command' | 'terminal' | 'nobody'; askProfiles: string[] }> {
    const reaches = this.deps.approver.reaches ?? 'window';
    const approver = reaches === 'nobody' && this.approvals.terminalPresent ? 'terminal' : reaches;
    const profiles = this.locked ? {} : await this.custody.profiles().catch(() => ({}));
    const askProfiles = Object.entries(profiles)
      .filter(([, p]) => p.policy === 'ask')
      .map(([name]) => name)
      .sort();
    return { approver, askProfiles };
  }

  /** The prompts waiting now, for a terminal approver; listing also tells the agent one listens for `listenMs`. */
  pendingApprovals(listenMs: number): PendingPrompt[] {
    this.approvals.terminalListening(this.deps.clock.now() + listenMs);
    return this.approvals.list();
  }

  /** A terminal approver's answer to a pending prompt; `false` when it is no longer pending. */
  answerApproval(ref: string, answer: ApprovalAnswer): boolean {
    return this.approvals.answer(ref, answer);
  }

  /** Profiles without secrets, for list views. Throws when locked. */
  async profiles(): Promise<ProfileSummary[]> {
    const profiles = await this.custody.profiles();
    return Object.entries(profiles)
      .map(([name, p]) => summarize(name, { ...p, lastUsedAt: this.usage.pending(name) ?? p.lastUsedAt }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Runs an administrative change (the profiles window) with a copy of the unlocked key. Throws LOCKED when locked. */
  async withKey<T>(fn: (key: Buffer) => Promise<T>): Promise<T> {
    try {
      return await this.custody.withKey(fn);
    } finally {
      this.emit('access');
    }
  }

  /** `authorized`: the front end confirmed this unlock itself (the tray's Unlock, after Touch ID). A lock meanwhile wins. */
  async unlock(caller?: CallerClaim, options: { authorized?: boolean } = {}): Promise<AgentStatus> {
    await this.custody.unlock(caller, options.authorized === true);
    return this.status();
  }

  /** Wipes the key, the decrypted vault, every grant and cached session; open prompts are cancelled. */
  async lock(reason: string, caller?: CallerClaim, verified?: VerifiedCaller): Promise<AgentStatus> {
    this.custody.beginLock();
    this.approvals.clear();
    if (!this.custody.locked) {
      await this.usage.flush();
      this.custody.wipe();
      this.deps.source.clear();
      try {
        await this.deps.audit.append({
          event: 'lock',
          reason,
          ...(caller ? { caller } : {}),
          ...(verified ? { verified: scrubVerified(verified) } : {}),
        });
      } finally {
        // After the lock's own entry: recording it must not depend on reaching the keychain.
        this.deps.audit.wipeKey();
      }
      this.emit('locked');
    }
    return this.status();
  }

  /** Live minted sessions. Throws when locked. */
  sessions(): SessionInfo[] {
    if (this.locked) throw new VaultLockedError();
    return this.deps.source.sessions();
  }

  /** Drops a profile's cached session; the next request mints a new one. Throws when locked. */
  async forget(
    profile: string,
    caller: CallerClaim | undefined,
    verified?: VerifiedCaller,
  ): Promise<{ forgotten: boolean }> {
    if (this.locked) throw new VaultLockedError();
    const forgotten = this.deps.source.forget(profile);
    if (forgotten)
      await this.deps.audit.append({
        event: 'forget',
        profile,
        ...(caller ? { caller } : {}),
        ...(verified ? { verified: scrubVerified(verified) } : {}),
      });
    this.emit('access');
    return { forgotten };
  }

  /** Writes pending `last used` times into the vault (on shutdown). */
  flushLastUsed(): Promise<void> {
    return this.usage.flush();
  }

  /**
   * One credentials request, decided, recorded, then answered. `claimed` is what the client said;
   * `verified` what the kernel and the agent's own reading of the process table say (absent where
   * the platform cannot tell).
   */
  async credentials(
    requestId: string,
    profile: string,
    claimed: CallerClaim | undefined,
    verified?: VerifiedCaller,
    wants: Wants = {},
  ): Promise<CredentialProcessDocument> {
    return (await this.access(requestId, profile, claimed, verified, wants)).result;
  }

  /** {@link credentials}, saying where they came from. */
  async access(
    requestId: string,
    profile: string,
    claimed: CallerClaim | undefined,
    verified?: VerifiedCaller,
    wants: Wants = {},
  ): Promise<Resolved> {
    const caller = scrubCaller(claimed);
    const known = scrubVerified(verified);
    const started = this.deps.clock.now();
    const who = { requestId, caller, verified: known, onWaiting: wants.onWaiting };
    const result = await this.decide(requestId, profile, who, wants).catch(failure);
    try {
      await this.deps.audit.append(
        accessEntry(
          { requestId, profile, caller, verified: known, durationMs: this.deps.clock.now() - started },
          result,
        ),
      );
    } catch (error) {
      // While locked the audit key is read per write; a refusal (it serves nothing) is still answered
      // when only the keychain kept it from the log, and the agent's log says so.
      if (result.ok || !(error instanceof KeychainError)) throw error;
      this.deps.warn(`a refused request for ${profile} was not recorded in the audit log: ${error.message}`);
    }
    this.emit('access');
    if (!result.ok) throw result.error;
    this.usage.noteUse(profile);
    return result.value.resolved;
  }

  private async decide(
    requestId: string,
    name: string,
    who: Asker,
    { purpose, sessionOnly }: Wants,
  ): Promise<StageResult<{ permit: Permit; resolved: Resolved }>> {
    const unlocked = await this.unlockStage(name, who);
    if (!unlocked.ok) return unlocked;
    const plan = planStage(name, await this.custody.profiles(), this.planDeps);
    if (!plan.ok) return plan;
    // Before any prompt: a person must not be asked to allow what would be refused after their yes.
    if (sessionOnly === true && servesLongTermKey(plan.value.record)) {
      const reason = longTermKeyRefusal(name);
      return refuse('denied', new ApprovalDeniedError(name, reason), reason);
    }
    const permit = await this.approvals.permit(plan.value, who, unlocked.value);
    if (!permit.ok) return permit;
    return this.sourceStage(
      { requestId, caller: who.caller, mfaCode: permit.value.mfaCode, purpose },
      plan.value,
      permit.value,
    );
  }

  /** Lock: a request that arrives while locked is refused, or asks "Unlock and allow?" when the front end enables it. */
  private async unlockStage(name: string, who: Asker): Promise<StageResult<boolean>> {
    if (!this.locked) return pass(false);
    if (!this.unlockOnRequest()) return refuse('locked', new VaultLockedError());
    const permit = await this.approvals.unlock(name, who);
    if (!permit.ok) return permit;
    try {
      await this.custody.unlock(who.caller, false);
    } catch (error) {
      if (!(error instanceof TrayCredError)) return failure(error);
      return refuse(error.code === 'DENIED' ? 'denied' : 'locked', error, `not unlocked: ${error.message}`);
    }
    return pass(true);
  }

  /** Source: decrypt the profiles for this request only (read again if a person was asked: a changed vault is planned again), then resolve. */
  private async sourceStage(
    ctx: ResolveContext,
    planned: RequestPlan,
    permitted: Permit,
  ): Promise<StageResult<{ permit: Permit; resolved: Resolved }>> {
    try {
      return await this.custody.withSecrets(permitted.prompted === true, async (secrets, profiles) => {
        const now = replanned(planned, profiles, permitted, this.planDeps);
        return now.ok
          ? pass({ permit: now.value.permit, resolved: await this.deps.source.resolve(now.value.plan, secrets, ctx) })
          : now;
      });
    } catch (error) {
      return sourceFailure(error);
    }
  }
}
