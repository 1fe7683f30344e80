import { ApprovalTimeoutError, VaultLockedError } from './errors.ts';
import type { ApprovalAnswer, ApprovalRequest, Approver, Clock } from './ports.ts';

/** How a prompt ended. Only `answered` carries a person's answer. */
export type GateResult =
  | { kind: 'answered'; answer: ApprovalAnswer }
  | { kind: 'timeout' }
  | { kind: 'locked' }
  | { kind: 'failed'; message: string };

export interface ApprovalGateDeps {
  approver: Approver;
  clock: Clock;
  /** An approval nobody answers within this is a time-out. */
  timeoutMs: number;
  /** Called when a prompt opens or closes (the tray shows "Waiting for approval"). */
  onPending: () => void;
}

/**
 * Puts questions to a person through the {@link Approver} (Secretive's witness): one prompt for
 * identical requests while it is open, a deadline, and cancellation when the agent locks.
 */
export class ApprovalGate {
  private readonly deps: ApprovalGateDeps;
  private readonly prompts = new Map<string, Promise<GateResult>>();
  private readonly aborts = new Set<AbortController>();

  constructor(deps: ApprovalGateDeps) {
    this.deps = deps;
  }

  /** Prompts open now. */
  get pending(): number {
    return this.prompts.size;
  }

  /** Asks, or joins the open prompt of an identical request (same `sameAs` parts): a burst from one command asks once. */
  ask(sameAs: readonly string[], request: ApprovalRequest): Promise<GateResult> {
    const key = JSON.stringify(sameAs);
    let pending = this.prompts.get(key);
    if (!pending) {
      pending = this.open(request).finally(() => {
        this.prompts.delete(key);
        this.deps.onPending();
      });
      this.prompts.set(key, pending);
      this.deps.onPending();
    }
    return pending;
  }

  /** Closes every open prompt as `locked` (the agent is locking). */
  cancelAll(): void {
    for (const a of this.aborts) a.abort(new VaultLockedError());
  }

  private async open(request: ApprovalRequest): Promise<GateResult> {
    const abort = new AbortController();
    this.aborts.add(abort);
    const cancelTimer = this.deps.clock.setTimer(this.deps.timeoutMs, () => abort.abort(new ApprovalTimeoutError(request.profile, 0)));
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), { once: true });
    });
    try {
      const answer = await Promise.race([this.deps.approver.ask(request, abort.signal), aborted]);
      return { kind: 'answered', answer };
    } catch (error) {
      if (error instanceof ApprovalTimeoutError) return { kind: 'timeout' };
      if (error instanceof VaultLockedError) return { kind: 'locked' };
      return { kind: 'failed', message: (error as Error)?.message ?? String(error) };
    } finally {
      cancelTimer();
      abort.abort(new ApprovalTimeoutError(request.profile, 0));
      this.aborts.delete(abort);
    }
  }
}
