import {
  PROTOCOL_VERSION,
  type CallerClaim,
  type CredentialsResult,
  type Request,
  type Response,
  type StatusResult,
} from '../../helper/wire.ts';
import type { AuditLog, Decision } from './audit-log.ts';
import type { CredentialSource, Resolved } from './credential-source.ts';
import {
  ApprovalDeniedError,
  ApprovalTimeoutError,
  CredentialsExpiredError,
  KeyMismatchError,
  TrayCredError,
  UnknownProfileError,
  UpstreamError,
  VaultLockedError,
} from './errors.ts';
import type { ApprovalAnswer, Approver, Clock } from './ports.ts';
import { summarize, type Policy, type ProfileRecord, type ProfileSummary } from './profile.ts';
import type { Vault, VaultSnapshot } from './vault.ts';

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
}

export interface BrokerOptions {
  /** An approval nobody answers within this is a deny. */
  approvalTimeoutMs?: number;
  /** How long `last used` times may wait in memory before they are written to the vault. */
  lastUsedFlushMs?: number;
  /**
   * Asked on each request that arrives while locked: `true` shows one "Unlock and allow?" prompt
   * instead of refusing (the tray app's setting, default on there). A function, so a changed
   * setting applies to the next request.
   */
  unlockOnRequest?: () => boolean;
  /**
   * Asked before every unlock the front end has not confirmed itself: the `unlock` op from the
   * socket (`tray-cred unlock`) and unlock on request. `false` refuses the unlock (the tray runs
   * Touch ID here on a Mac that has it, so no unlock skips it).
   */
  authorizeUnlock?: (caller: CallerClaim | undefined) => Promise<boolean>;
}

/** What front ends are told when something they show may have changed. */
export type BrokerEvent = 'locked' | 'unlocked' | 'pending' | 'access';

/** Values of flags that carry secrets, as they may appear in a caller's command line. */
const SECRET_FLAG = /(?<=^|\s)(--?(?:token-code|secret[\w-]*|password[\w-]*|session-token|passphrase)(?:=|\s+))("[^"]*"|'[^']*'|\S+)/gi;

/** The caller's claims with secret-looking arguments removed: they go to the audit log and the prompt. */
export function scrubCaller(caller: CallerClaim | undefined): CallerClaim | undefined {
  return caller && { ...caller, command: caller.command.replace(SECRET_FLAG, '$1[redacted]') };
}

/** A credentials request's outcome, for the audit log. */
interface Outcome {
  decision: Decision;
  reason?: string;
  /** The MFA code given at the prompt, used once for minting and never recorded. */
  mfaCode?: string | undefined;
}

/**
 * Decides every request: lock check, profile lookup, policy, approver, vault, audit. Holds the
 * master key and the decrypted vault only while unlocked; `lock` wipes both and every grant.
 */
export class Broker {
  private readonly deps: BrokerDeps;
  private readonly approvalTimeoutMs: number;
  private readonly lastUsedFlushMs: number;
  private readonly unlockOnRequest: () => boolean;
  private readonly authorizeUnlock: ((caller: CallerClaim | undefined) => Promise<boolean>) | undefined;
  /** Counts locks, so an unlock that was under way when a lock came does not undo it. */
  private lockEpoch = 0;
  private key: Buffer | undefined;
  private snapshot: VaultSnapshot | undefined;
  private readonly grants = new Map<string, number>();
  private readonly prompts = new Map<string, Promise<Outcome>>();
  private readonly aborts = new Set<AbortController>();
  private readonly lastUsed = new Map<string, string>();
  private cancelFlush: (() => void) | undefined;
  private unlocking: Promise<StatusResult> | undefined;
  private readonly listeners = new Set<(event: BrokerEvent) => void>();

  constructor(deps: BrokerDeps, options: BrokerOptions = {}) {
    this.deps = deps;
    this.approvalTimeoutMs = options.approvalTimeoutMs ?? 60_000;
    this.lastUsedFlushMs = options.lastUsedFlushMs ?? 60_000;
    this.unlockOnRequest = options.unlockOnRequest ?? (() => false);
    this.authorizeUnlock = options.authorizeUnlock;
  }

  get locked(): boolean {
    return this.key === undefined;
  }

  onChange(listener: (event: BrokerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: BrokerEvent): void {
    for (const l of this.listeners) l(event);
  }

  status(): StatusResult {
    return {
      locked: this.locked,
      profiles: this.snapshot ? Object.keys(this.snapshot.data.profiles).length : 0,
      pending: this.prompts.size,
      agentPid: this.deps.pid,
    };
  }

  /** Profiles without secrets, for list views. Throws when locked. */
  async profiles(): Promise<ProfileSummary[]> {
    const profiles = await this.currentProfiles();
    return Object.entries(profiles)
      .map(([name, p]) => summarize(name, { ...p, lastUsedAt: this.lastUsed.get(name) ?? p.lastUsedAt }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Runs an administrative change (the tray's profiles window) with a copy of the unlocked key,
   * so a lock in the middle cannot zero the key under a vault write. Throws LOCKED when locked.
   */
  async withKey<T>(fn: (key: Buffer) => Promise<T>): Promise<T> {
    // Picks up a key rotated by `tray-cred rekey` before using it.
    await this.currentProfiles();
    if (!this.key) throw new VaultLockedError();
    const copy = Buffer.from(this.key);
    try {
      return await fn(copy);
    } finally {
      copy.fill(0);
      this.emit('access');
    }
  }

  /**
   * Reads the master key from the keychain and the vault with it. `authorized`: the front end has
   * confirmed this unlock itself (the tray's own Unlock, after Touch ID); otherwise
   * `authorizeUnlock` is asked first. A lock that arrives meanwhile wins: the unlock fails LOCKED.
   */
  async unlock(caller?: CallerClaim, options: { authorized?: boolean } = {}): Promise<StatusResult> {
    // Two unlocks at once read the key once and record one unlock.
    this.unlocking ??= this.unlockNow(caller, options.authorized === true).finally(() => {
      this.unlocking = undefined;
    });
    return this.unlocking;
  }

  private async unlockNow(caller: CallerClaim | undefined, authorized: boolean): Promise<StatusResult> {
    if (!this.key) {
      const epoch = this.lockEpoch;
      if (!authorized && this.authorizeUnlock && !(await this.authorizeUnlock(caller))) {
        throw new TrayCredError('DENIED', 'unlocking was not confirmed (Touch ID was cancelled or failed): unlock again and confirm it');
      }
      const key = await this.deps.vault.loadMasterKey();
      let snapshot: VaultSnapshot;
      try {
        snapshot = await this.deps.vault.read(key);
      } catch (error) {
        key.fill(0);
        throw error;
      }
      if (this.lockEpoch !== epoch) {
        // Locked (suspend, screen lock, the menu) while the key was being read: stay locked.
        key.fill(0);
        throw new VaultLockedError();
      }
      this.snapshot = snapshot;
      this.key = key;
      await this.deps.audit.append({ event: 'unlock', ...(caller ? { caller } : {}) });
      this.emit('unlocked');
    }
    return this.status();
  }

  /** Wipes the key, the decrypted vault and every remembered grant; open prompts are cancelled. */
  async lock(reason: string, caller?: CallerClaim): Promise<StatusResult> {
    this.lockEpoch += 1;
    for (const a of this.aborts) a.abort(new VaultLockedError());
    if (this.key) {
      await this.flushLastUsed();
      this.key.fill(0);
      this.key = undefined;
      this.snapshot = undefined;
      this.grants.clear();
      this.deps.source.clear();
      await this.deps.audit.append({ event: 'lock', reason, ...(caller ? { caller } : {}) });
      this.emit('locked');
    }
    return this.status();
  }

  /** Drops a profile's cached session; the next request mints a new one. */
  private async forget(profile: string, caller: CallerClaim | undefined): Promise<{ forgotten: boolean }> {
    const forgotten = this.deps.source.forget(profile);
    if (forgotten) await this.deps.audit.append({ event: 'forget', profile, ...(caller ? { caller } : {}) });
    this.emit('access');
    return { forgotten };
  }

  /** Answers one wire request. Never throws: every failure becomes an error response. */
  async handle(request: Request): Promise<Response> {
    const { id } = request;
    try {
      let result: unknown;
      switch (request.op) {
        case 'credentials':
          result = await this.credentials(request.id, request.profile, request.caller);
          break;
        case 'status':
          result = this.status();
          break;
        case 'lock':
          result = await this.lock('asked by a client', request.caller);
          break;
        case 'unlock':
          result = await this.unlock(request.caller);
          break;
        case 'sessions':
          if (this.locked) throw new VaultLockedError();
          result = this.deps.source.sessions();
          break;
        case 'forget':
          if (this.locked) throw new VaultLockedError();
          result = await this.forget(request.profile, request.caller);
          break;
      }
      return { v: PROTOCOL_VERSION, id, ok: true, result };
    } catch (error) {
      return { v: PROTOCOL_VERSION, id, ok: false, error: this.toWire(error) };
    }
  }

  private toWire(error: unknown): { code: TrayCredError['code']; message: string } {
    if (error instanceof TrayCredError) return { code: error.code, message: error.message };
    this.deps.warn(`internal error: ${(error as Error)?.stack ?? String(error)}`);
    return { code: 'INTERNAL', message: 'the agent hit an internal error; its log has the details' };
  }

  private async currentProfiles(): Promise<Record<string, ProfileRecord>> {
    const key = this.key;
    if (!key) throw new VaultLockedError();
    const stamp = await this.deps.vault.stamp();
    if (!this.snapshot || stamp !== this.snapshot.stamp) {
      let fresh: VaultSnapshot;
      try {
        fresh = await this.deps.vault.read(key);
      } catch (error) {
        if (!(error instanceof KeyMismatchError)) throw error;
        // Locked meanwhile, or another request already took the new key: start over with what is current.
        if (this.key !== key) return this.currentProfiles();
        // `tray-cred rekey` re-encrypted the vault: take the new key from the keychain, as unlock would.
        const next = await this.deps.vault.loadMasterKey();
        if (this.key !== key) {
          next.fill(0);
          return this.currentProfiles();
        }
        fresh = await this.deps.vault.read(next);
        key.fill(0);
        this.key = next;
      }
      if (this.key !== undefined) this.snapshot = fresh;
      return fresh.data.profiles;
    }
    return this.snapshot.data.profiles;
  }

  private async credentials(requestId: string, name: string, claimed: CallerClaim | undefined): Promise<CredentialsResult> {
    const caller = scrubCaller(claimed);
    const started = this.deps.clock.now();
    let outcome: Outcome = { decision: 'error' };
    let resolved: Resolved | undefined;
    let failure: unknown;
    try {
      let unlockedByPrompt = false;
      if (this.locked) {
        outcome = { decision: 'locked' };
        if (!this.unlockOnRequest()) throw new VaultLockedError();
        outcome = await this.shared(['unlock', name, caller?.command ?? '', caller?.cwd ?? ''], () => this.ask(name, 0, 'ask', caller, undefined, true));
        if (outcome.decision !== 'approved') throw this.refusal(name, outcome);
        try {
          await this.unlock(caller);
        } catch (error) {
          outcome = { decision: error instanceof TrayCredError && error.code === 'DENIED' ? 'denied' : 'locked', reason: `not unlocked: ${(error as Error).message}` };
          throw error;
        }
        unlockedByPrompt = true;
      }
      const all = await this.currentProfiles();
      const profile = all[name];
      if (!profile) {
        outcome = { decision: 'unknown-profile' };
        throw new UnknownProfileError(name);
      }
      const mfaSerial = this.deps.source.mfaNeeded(name, all);
      const effective = this.strictestPolicy(name, all);
      // "Unlock and allow prod?" answered yes is the approval an `ask` profile needs, and a person's
      // approval even for an `allow` one (no "served without asking" notification); deny still
      // denies, and an MFA code still needs its prompt.
      outcome =
        unlockedByPrompt && effective.policy !== 'deny' && !mfaSerial
          ? { decision: 'approved', reason: 'approved at the unlock prompt' }
          : await this.decide(name, profile, effective, caller, mfaSerial);
      if (outcome.decision === 'denied' || outcome.decision === 'timeout') throw this.refusal(name, outcome);
      // Re-read after a prompt: the vault may have been locked or edited while the person decided.
      const profiles = await this.currentProfiles();
      if (!profiles[name]) {
        outcome = { decision: 'unknown-profile', reason: 'removed while waiting for approval' };
        throw new UnknownProfileError(name);
      }
      try {
        resolved = await this.deps.source.resolve(name, profiles, { requestId, caller, mfaCode: outcome.mfaCode });
      } catch (error) {
        if (error instanceof VaultLockedError) outcome = { decision: 'locked', reason: 'locked while the credentials were being fetched' };
        else if (error instanceof CredentialsExpiredError) outcome = { decision: 'expired', reason: error.message };
        else if (error instanceof UpstreamError) outcome = { decision: 'error', reason: [error.message, error.detail].filter(Boolean).join(': ') };
        else if (error instanceof TrayCredError) outcome = { decision: 'error', reason: error.message };
        throw error;
      }
    } catch (error) {
      failure = error;
      if (!(error instanceof TrayCredError)) outcome = { decision: 'error', reason: 'internal error' };
      // Allowed by policy, then failed (the vault could not be read, say): nothing was served.
      else if (['allowed', 'approved', 'remembered'].includes(outcome.decision)) outcome = { decision: 'error', reason: error.message };
    }
    // Written before anything is returned: an access that cannot be recorded is not served.
    await this.deps.audit.append({
      event: 'access',
      profile: name,
      decision: outcome.decision,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      ...(caller ? { caller } : {}),
      durationMs: this.deps.clock.now() - started,
      requestId,
      ...(resolved ? { served: resolved.served, credentialId: resolved.credentialId } : {}),
      ...(resolved?.sessionName ? { sessionName: resolved.sessionName } : {}),
    });
    this.emit('access');
    if (failure !== undefined || !resolved) throw failure;
    this.noteUse(name);
    return resolved.result;
  }

  /**
   * A role is no less guarded than the profiles whose keys it uses: the strictest policy along
   * its source chain applies (deny over ask over allow).
   */
  private strictestPolicy(name: string, profiles: Readonly<Record<string, ProfileRecord>>): { policy: Policy; from: string } {
    const rank: Record<Policy, number> = { allow: 0, ask: 1, deny: 2 };
    let strictest = { policy: profiles[name]?.policy ?? 'deny', from: name };
    for (const n of this.deps.source.chain(name, profiles)) {
      const p = profiles[n];
      if (p && rank[p.policy] > rank[strictest.policy]) strictest = { policy: p.policy, from: n };
    }
    return strictest;
  }

  private async decide(
    name: string,
    profile: ProfileRecord,
    effective: { policy: Policy; from: string },
    caller: CallerClaim | undefined,
    mfaSerial: string | undefined,
  ): Promise<Outcome> {
    const of = effective.from === name ? 'the profile policy' : `the policy of its source profile "${effective.from}"`;
    if (effective.policy === 'deny') return { decision: 'denied', reason: `${of} is deny` };
    // Without a code to mint with, even an allowed or remembered profile needs the prompt.
    if (!mfaSerial) {
      if (effective.policy === 'allow') return { decision: 'allowed' };
      const grant = this.grants.get(name);
      if (grant !== undefined && grant > this.deps.clock.now()) return { decision: 'remembered' };
    }
    return this.shared([name, caller?.command ?? '', caller?.cwd ?? '', mfaSerial ?? ''], () =>
      this.ask(name, profile.rememberMinutes, effective.policy, caller, mfaSerial, false),
    );
  }

  private refusal(name: string, outcome: Outcome): TrayCredError {
    return outcome.decision === 'timeout'
      ? new ApprovalTimeoutError(name, Math.round(this.approvalTimeoutMs / 1000))
      : new ApprovalDeniedError(name, outcome.reason ?? 'denied');
  }

  /** Identical requests while a prompt is open share it: a burst from one command asks once. */
  private shared(parts: string[], open: () => Promise<Outcome>): Promise<Outcome> {
    const key = JSON.stringify(parts);
    let pending = this.prompts.get(key);
    if (!pending) {
      pending = open().finally(() => {
        this.prompts.delete(key);
        this.emit('pending');
      });
      this.prompts.set(key, pending);
      this.emit('pending');
    }
    return pending;
  }

  private async ask(
    name: string,
    rememberMinutes: number,
    policy: Policy,
    caller: CallerClaim | undefined,
    mfaSerial: string | undefined,
    unlock: boolean,
  ): Promise<Outcome> {
    const abort = new AbortController();
    this.aborts.add(abort);
    const cancelTimer = this.deps.clock.setTimer(this.approvalTimeoutMs, () => abort.abort(new ApprovalTimeoutError(name, 0)));
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), { once: true });
    });
    try {
      const answer: ApprovalAnswer = await Promise.race([
        this.deps.approver.ask({ profile: name, caller, rememberMinutes, unlock, ...(mfaSerial ? { mfaSerial } : {}) }, abort.signal),
        aborted,
      ]);
      if (!answer.allow) return { decision: 'denied', reason: answer.reason ?? (unlock ? 'unlock declined at the prompt' : 'denied at the prompt') };
      if (mfaSerial && !/^\d{6}$/.test(answer.mfaCode ?? '')) return { decision: 'denied', reason: `no valid 6-digit MFA code for ${mfaSerial} was given` };
      if (answer.rememberMinutes > 0) this.grants.set(name, this.deps.clock.now() + answer.rememberMinutes * 60_000);
      const decision = policy === 'allow' ? 'allowed' : 'approved';
      return { decision, mfaCode: answer.mfaCode, ...(answer.rememberMinutes > 0 ? { reason: `remembered for ${answer.rememberMinutes} min` } : {}) };
    } catch (error) {
      if (error instanceof ApprovalTimeoutError) return { decision: 'timeout', reason: `no answer within ${Math.round(this.approvalTimeoutMs / 1000)} s` };
      if (error instanceof VaultLockedError) return { decision: 'denied', reason: 'locked while waiting for approval' };
      this.deps.warn(`approver failed: ${(error as Error)?.message ?? String(error)}`);
      return { decision: 'denied', reason: 'the approver failed' };
    } finally {
      cancelTimer();
      abort.abort(new ApprovalTimeoutError(name, 0));
      this.aborts.delete(abort);
    }
  }

  private noteUse(name: string): void {
    this.lastUsed.set(name, new Date(this.deps.clock.now()).toISOString());
    this.cancelFlush ??= this.deps.clock.setTimer(this.lastUsedFlushMs, () => {
      this.cancelFlush = undefined;
      void this.flushLastUsed();
    });
  }

  /** Writes pending `last used` times into the vault. Called on a timer, on lock and on shutdown. */
  async flushLastUsed(): Promise<void> {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    const key = this.key;
    if (!key || this.lastUsed.size === 0) return;
    const pending = new Map(this.lastUsed);
    this.lastUsed.clear();
    try {
      const { snapshot } = await this.deps.vault.update(key, (data) => {
        for (const [name, at] of pending) {
          const p = data.profiles[name];
          if (p && (!p.lastUsedAt || p.lastUsedAt < at)) p.lastUsedAt = at;
        }
      });
      if (this.key === key) this.snapshot = snapshot;
    } catch (error) {
      for (const [name, at] of pending) if (!this.lastUsed.has(name)) this.lastUsed.set(name, at);
      this.deps.warn(`could not record last-used times in the vault: ${(error as Error).message}`);
    }
  }
}
