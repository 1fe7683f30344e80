/**
 * The `approvals` and `approve` ops (helper/approval-wire.ts) as broker calls: a terminal approver
 * lists the prompts waiting, waiting for one when there is none, and answers one by its ref.
 */
import type { WirePrompt } from '../../helper/approval-wire.ts';
import type { PendingPrompt } from '../core/approval-gate.ts';
import type { Broker } from '../core/broker.ts';
import type { ApprovalAnswer } from '../core/ports.ts';

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
  };
}

/** Answers one pending prompt; `answered: false` when it is no longer pending (answered elsewhere, timed out, locked). */
export function answerPrompt(broker: Broker, request: { prompt: string; allow: boolean; scope?: string; mfaCode?: string }): { answered: boolean } {
  const prompt = broker.pendingApprovals(LISTEN_AFTER_POLL_MS).find((p) => p.ref === request.prompt);
  if (!prompt) return { answered: false };
  const offer = prompt.request.offer ?? { kinds: ['once'], minutes: 0 };
  const kind = offer.kinds.find((k) => k === request.scope);
  const answer: ApprovalAnswer = {
    allow: request.allow,
    ...(request.allow && kind && kind !== 'once' ? { scope: { kind, minutes: offer.minutes } } : {}),
    ...(request.allow && request.mfaCode ? { mfaCode: request.mfaCode } : {}),
  };
  return { answered: broker.answerApproval(prompt.ref, answer) };
}
