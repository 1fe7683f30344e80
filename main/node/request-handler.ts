/**
 * The wire ↔ core mapping of the agent's socket: each validated request becomes one broker call,
 * each result or error one response. Only a code and a message cross on failure; a bug is logged
 * here and reported as INTERNAL, never with its stack or cause.
 */
import { PROTOCOL_VERSION, type Request, type Response, type SessionInfo, type StatusResult, type WireError } from '../../helper/wire.ts';
import type { AgentStatus, Broker } from '../core/broker.ts';
import { scrubCaller } from '../core/caller-redaction.ts';
import { TrayCredError } from '../core/errors.ts';
import { answerPrompt, waitForPrompts, wirePrompt } from './approval-ops.ts';
import type { SessionInfo as CoreSession } from '../core/sessions.ts';

const status = (s: AgentStatus): StatusResult => ({ locked: s.locked, profiles: s.profiles, pending: s.pending, waiting: s.waiting, agentPid: s.agentPid });

const session = (s: CoreSession): SessionInfo => ({
  profile: s.profile,
  kind: s.kind,
  expiration: s.expiration,
  mintedAt: s.mintedAt,
  mintedFor: s.mintedFor,
  accessKeyIdSuffix: s.accessKeyIdSuffix,
});

async function answer(broker: Broker, request: Request): Promise<unknown> {
  switch (request.op) {
    case 'credentials': // the broker scrubs the caller itself
      return broker.credentials(request.id, request.profile, request.caller);
    case 'status':
      return status(broker.status());
    case 'lock':
      return status(await broker.lock('asked by a client', scrubCaller(request.caller)));
    case 'unlock':
      return status(await broker.unlock(scrubCaller(request.caller)));
    case 'sessions':
      return broker.sessions().map(session);
    case 'forget':
      return broker.forget(request.profile, scrubCaller(request.caller));
    case 'approvals':
      return { prompts: (await waitForPrompts(broker, request.wait)).map(wirePrompt) };
    case 'approve':
      return answerPrompt(broker, request);
  }
}

/** An error as the client may see it. `warn` gets the details of anything unexpected. */
export function toWire(error: unknown, warn: (message: string) => void): WireError {
  if (error instanceof TrayCredError) return { code: error.code, message: error.message };
  warn(`internal error: ${(error as Error)?.stack ?? String(error)}`);
  return { code: 'INTERNAL', message: 'the agent hit an internal error; its log has the details' };
}

/** Answers one validated request. Never throws: every failure becomes an error response. */
export function requestHandler(broker: Broker, warn: (message: string) => void): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      return { v: PROTOCOL_VERSION, id: request.id, ok: true, result: await answer(broker, request) };
    } catch (error) {
      return { v: PROTOCOL_VERSION, id: request.id, ok: false, error: toWire(error, warn) };
    }
  };
}
