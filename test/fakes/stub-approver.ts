import type { ApprovalAnswer, ApprovalRequest, Approver } from '../../main/core/ports/ports.ts';

/**
 * An approver whose prompts the test answers by hand. Each `ask` waits until `answer()` is
 * called or the signal aborts; `requests` records what was asked.
 */
export class StubApprover implements Approver {
  readonly requests: ApprovalRequest[] = [];
  readonly aborted: ApprovalRequest[] = [];
  private waiting: { request: ApprovalRequest; resolve: (a: ApprovalAnswer) => void }[] = [];
  private arrived: (() => void)[] = [];

  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    this.requests.push(request);
    return new Promise((resolve, reject) => {
      const entry = { request, resolve };
      this.waiting.push(entry);
      signal.addEventListener(
        'abort',
        () => {
          this.waiting = this.waiting.filter((w) => w !== entry);
          this.aborted.push(request);
          reject(signal.reason as Error);
        },
        { once: true },
      );
      for (const wake of this.arrived.splice(0)) wake();
    });
  }

  /** Prompts open now. */
  get open(): number {
    return this.waiting.length;
  }

  /** Resolves once at least `n` prompts are open. */
  async untilOpen(n = 1): Promise<void> {
    while (this.waiting.length < n) await new Promise<void>((r) => this.arrived.push(r));
  }

  /** Answers the oldest open prompt. */
  answer(answer: ApprovalAnswer): void {
    const w = this.waiting.shift();
    if (!w) throw new Error('no prompt is open');
    w.resolve(answer);
  }
}
