/**
 * The `approvals` and `approve` ops (helper/approval-wire.ts) as broker calls: a terminal approver
 * lists the prompts waiting, waiting for one when there is none, and answers one by its ref.
 */
import type { VerifiedCaller } from '../../../common/caller.ts';
import type { WirePrompt } from '../../../helper/approval-wire.ts';
import { answererRefusal } from '../../core/approval/approval-answerer.ts';
import type { PendingPrompt } from '../../core/approval/approval-gate.ts';
import type { Broker } from '../../core/pipeline/broker.ts';
import { TrayCredError } from '../../core/errors.ts';
import type { ApprovalAnswer } from '../../core/ports/ports.ts';

/**
 * How long a terminal approver counts as listening after it last asked: its poll plus the time a
 * person takes to answer what it showed, so a request arriving meanwhile waits for it.
 */
const LISTEN_AFTER_POLL_MS = 60_000;

/** The prompts waiting now; with `wait`, waits up to that long for one to open. */
export async function waitForPrompts(broker: Broker, wait: number): Promise<PendingPrompt[]> {
  const now = broker.pendingApprovals(wait + LISTEN_AFTER_POLL_MS);
  if (now.length > 0 || wait === 0) return now;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stop();
      resolve();
    };
    const timer = setTimeout(done, wait);
    const stop = broker.onChange((event) => {
      if (event === 'pending' && broker.status().pending > 0) done();
    });
  });
  return broker.pendingApprovals(LISTEN_AFTER_POLL_MS);
}

export function wirePrompt(p: PendingPrompt): WirePrompt {
  const { request } = p;
  const r = request.verified?.requester;
  const c = request.caller;
  return {
    ref: p.ref,
    profile: request.profile,
    since: new Date(p.since).toISOString(),
    deadline: new Date(p.deadline).toISOString(),
    unlock: request.unlock,
    ...(request.mfaSerial ? { mfaSerial: request.mfaSerial } : {}),
    offer: { kinds: [...(request.offer?.kinds ?? ['once'])], minutes: request.offer?.minutes ?? 0 },
    ...(r ? { verified: { pid: r.pid, exe: r.exe, argv: r.argv, cwd: r.cwd } } : {}),
    ...(c ? { claimed: { pid: c.pid, command: c.command, cwd: c.cwd } } : {}),
    ...(request.firstUse === true && r ? { firstUse: true } : {}),
  };
}

/**
 * Answers one pending prompt; `answered: false` when it is no longer pending (answered elsewhere,
 * timed out, locked). `answerer` is the answering connection as the kernel named it; where the
 * platform `verifies` callers, an answer from the requesting program's own line of processes or
 * terminal, or from no terminal at all, is FORBIDDEN (approval-answerer.ts).
 */
export function answerPrompt(
  broker: Broker,
  request: { prompt: string; allow: boolean; scope?: string; mfaCode?: string },
  answerer: { verified: VerifiedCaller | undefined; verifies: boolean; warn: (message: string) => void },
): { answered: boolean } {
  const prompt = broker.pendingApprovals(LISTEN_AFTER_POLL_MS).find((p) => p.ref === request.prompt);
  if (!prompt) return { answered: false };
  // A deny needs no check: anyone of the user's may refuse. An allow must come from a person's terminal.
  const refusal = request.allow ? answererRefusal(answerer.verified, prompt.request, answerer.verifies) : undefined;
  if (refusal) {
    answerer.warn(`refused an answer to the prompt for "${prompt.request.profile}": ${refusal}`);
    throw new TrayCredError('FORBIDDEN', refusal);
  }
  const offer = prompt.request.offer ?? { kinds: ['once'], minutes: 0 };
  const kind = offer.kinds.find((k) => k === request.scope);
  const answer: ApprovalAnswer = {
    allow: request.allow,
    ...(request.allow && kind && kind !== 'once' ? { scope: { kind, minutes: offer.minutes } } : {}),
    ...(request.allow && request.mfaCode ? { mfaCode: request.mfaCode } : {}),
  };
  return { answered: broker.answerApproval(prompt.ref, answer) };
}
