import { ApprovalTimeoutError, NoApproverError, VaultLockedError } from '../errors.ts';
import type { ApprovalAnswer, ApprovalRequest, Approver, CancelTimer, Clock } from '../ports/ports.ts';

/**
 * How a prompt ended. Only `answered` carries a person's answer; `timeout` the time-out the prompt
 * had (read as it opened, so a setting changed since applies to later prompts). `waitedMs`: no approver was there
 * when the prompt's turn came, and it waited this long for one to connect (`tray-cred approve`).
 */
export type GateResult = (
  | { kind: 'answered'; answer: ApprovalAnswer }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'locked' }
  | { kind: 'failed'; message: string }
) & { waitedMs?: number };

/** A request waits for an approver to connect: what its client is told, once. */
interface WaitingForApprover {
  profile: string;
  /** When the prompt times out, ms since the epoch. */
  deadline: number;
}

/** Told when the request's prompt starts waiting for an approver to connect. */
export type OnWaiting = (waiting: WaitingForApprover) => void;

/** A request's prompt: how it ended, which prompt it was (the request id that opened it), and whether this request only joined it. */
export interface Asked {
  result: GateResult;
  promptId: string;
  shared: boolean;
}

/** A prompt waiting for an answer, as `status` and `tray-cred approve` list it. */
export interface PendingPrompt {
  /** Names the prompt to a terminal approver: unique in this agent, unlike request ids, which clients choose. */
  ref: string;
  /** The request id that opened it (the `grant` its answer's uses are audited with). */
  id: string;
  request: ApprovalRequest;
  /** When it opened, ms since the epoch. */
  since: number;
  /** When it times out. */
  deadline: number;
}

export interface ApprovalGateDeps {
  approver: Approver;
  clock: Clock;
  /** An approval nobody answers within this is a time-out: read as each prompt opens (the setting may change while the agent runs). */
  timeoutMs: () => number;
  /** Called when a prompt opens or closes (the tray shows "Waiting for approval"). */
  onPending: () => void;
}

interface Prompt extends PendingPrompt {
  key: string | undefined;
  /** When it began to wait for an approver to connect; absent while one was there. */
  unattendedSince: number | undefined;
  /** The requests sharing the prompt that want to hear when it waits for an approver. */
  onWaiting: OnWaiting[];
  abort: AbortController;
  cancelTimer: CancelTimer;
  settled: boolean;
  resolve: (result: GateResult) => void;
  result: Promise<GateResult>;
}

/**
 * Puts questions to a person through the {@link Approver} (Secretive's witness). Identical requests
 * share one prompt only when the caller gave a `shareKey` (the same verified program instance);
 * every other request gets its own prompt. Prompts reach the approver one at a time, in order of
 * arrival (the queue `pending` lists), each with its deadline counted from its arrival; a terminal
 * approver (`tray-cred approve`) may answer any pending prompt meanwhile, and the first answer wins.
 */
export class ApprovalGate {
  private readonly deps: ApprovalGateDeps;
  private prompts: Prompt[] = [];
  private queue: Promise<void> = Promise.resolve();
  private terminalUntil = 0;
  private opened = 0;

  constructor(deps: ApprovalGateDeps) {
    this.deps = deps;
  }

  /** Prompts waiting now. */
  get pending(): number {
    return this.prompts.length;
  }

  /** The prompts waiting now, oldest first. */
  list(): PendingPrompt[] {
    return this.prompts.map(({ ref, id, request, since, deadline }) => ({ ref, id, request, since, deadline }));
  }

  /** A terminal approver is listening until `until` (ms since the epoch): requests wait for it even when no other approver is configured. */
  terminalListening(until: number): void {
    this.terminalUntil = Math.max(this.terminalUntil, until);
  }

  /** A terminal approver listens now. */
  get terminalPresent(): boolean {
    return this.terminalUntil > this.deps.clock.now();
  }

  /**
   * Asks, or joins the open prompt of the same `shareKey`. `requestId` names the prompt when this
   * request opens it; a request without a share key always opens its own. `onWaiting` hears when
   * the prompt waits for an approver to connect (at once when it already does).
   */
  async ask(
    requestId: string,
    shareKey: string | undefined,
    request: ApprovalRequest,
    onWaiting?: OnWaiting,
  ): Promise<Asked> {
    // Without a share key nothing is joined, whatever the request id says: clients choose ids.
    const key = shareKey === undefined ? undefined : `shared:${shareKey}`;
    const open = key === undefined ? undefined : this.prompts.find((p) => p.key === key);
    if (open) {
      if (onWaiting) {
        open.onWaiting.push(onWaiting);
        if (open.unattendedSince !== undefined) onWaiting({ profile: open.request.profile, deadline: open.deadline });
      }
      return { result: await open.result, promptId: open.id, shared: true };
    }
    const prompt = this.open(requestId, key, request, onWaiting);
    return { result: await prompt.result, promptId: prompt.id, shared: false };
  }

  /** Answers a pending prompt (a terminal approver). `false` when no such prompt is pending: nothing else can be answered. */
  answer(ref: string, answer: ApprovalAnswer): boolean {
    const prompt = this.prompts.find((p) => p.ref === ref);
    if (!prompt) return false;
    this.settle(prompt, { kind: 'answered', answer });
    return true;
  }

  /** Closes every open prompt as `locked` (the agent is locking). */
  cancelAll(): void {
    for (const p of [...this.prompts]) this.settle(p, { kind: 'locked' });
  }

  private open(id: string, key: string | undefined, request: ApprovalRequest, onWaiting?: OnWaiting): Prompt {
    const now = this.deps.clock.now();
    const timeoutMs = this.deps.timeoutMs();
    let resolve: (result: GateResult) => void = () => undefined;
    const result = new Promise<GateResult>((r) => (resolve = r));
    const prompt: Prompt = {
      ref: String((this.opened += 1)),
      id,
      key,
      request,
      since: now,
      deadline: now + timeoutMs,
      unattendedSince: undefined,
      onWaiting: onWaiting ? [onWaiting] : [],
      abort: new AbortController(),
      cancelTimer: () => undefined,
      settled: false,
      resolve,
      result,
    };
    this.prompts.push(prompt);
    prompt.cancelTimer = this.deps.clock.setTimer(timeoutMs, () => this.settle(prompt, this.timedOut(prompt)));
    this.deps.onPending();
    this.queue = this.queue.then(() => this.present(prompt));
    return prompt;
  }

  /** The prompt's turn at the approver. Resolves once the prompt is settled, by whoever. */
  private async present(prompt: Prompt): Promise<void> {
    if (prompt.settled) return;
    try {
      const answer = await this.deps.approver.ask(prompt.request, prompt.abort.signal);
      this.settle(prompt, { kind: 'answered', answer });
    } catch (error) {
      if (prompt.settled) return;
      if (error instanceof NoApproverError) {
        // Nobody to ask now: the prompt stays pending, up to its deadline, for `tray-cred approve`
        // to connect and answer it (its answerer checks stand); its requests are told so.
        if (!this.terminalPresent) this.unattended(prompt);
      } else if (error instanceof ApprovalTimeoutError) this.settle(prompt, this.timedOut(prompt));
      else if (error instanceof VaultLockedError) this.settle(prompt, { kind: 'locked' });
      else this.settle(prompt, { kind: 'failed', message: (error as Error)?.message ?? String(error) });
    }
    await prompt.result;
  }

  private timedOut(prompt: Prompt): GateResult {
    return { kind: 'timeout', timeoutMs: prompt.deadline - prompt.since };
  }

  private unattended(prompt: Prompt): void {
    prompt.unattendedSince = this.deps.clock.now();
    for (const tell of prompt.onWaiting) tell({ profile: prompt.request.profile, deadline: prompt.deadline });
  }

  private settle(prompt: Prompt, outcome: GateResult): void {
    if (prompt.settled) return;
    const since = prompt.unattendedSince;
    const result = since === undefined ? outcome : { ...outcome, waitedMs: this.deps.clock.now() - since };
    prompt.settled = true;
    prompt.cancelTimer();
    prompt.abort.abort(
      result.kind === 'locked' ? new VaultLockedError() : new ApprovalTimeoutError(prompt.request.profile, 0),
    );
    this.prompts = this.prompts.filter((p) => p !== prompt);
    prompt.resolve(result);
    this.deps.onPending();
  }
}
