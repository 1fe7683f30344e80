/**
 * The wire ↔ core mapping of the agent's socket: each validated request becomes one broker call,
 * each result or error one response. Only a code and a message cross on failure; a bug is logged
 * here and reported as INTERNAL, never with its stack or cause.
 */
import {
  PROTOCOL_VERSION,
  type Request,
  type Response,
  type SessionInfo,
  type StatusResult,
  type WireError,
} from '../../../helper/wire.ts';
import type { ConsoleCredentials } from '../../../helper/console-wire.ts';
import type { VerifiedCaller } from '../../../common/caller.ts';
import type { AuditLog } from '../../core/audit/audit-log.ts';
import type { AgentStatus, Broker } from '../../core/pipeline/broker.ts';
import { scrubCaller, scrubVerified } from '../../core/approval/caller-redaction.ts';
import type { Resolved } from '../../core/pipeline/credential-source.ts';
import { TrayCredError } from '../../core/errors.ts';
import { answerPrompt, waitForPrompts, wirePrompt } from './approval-ops.ts';
import type { OnWaiting } from '../../core/approval/approval-gate.ts';
import type { Handle, Notify } from './socket-server.ts';
import type { SessionInfo as CoreSession } from '../../core/sources/sessions.ts';

const status = (s: AgentStatus): StatusResult => ({
  locked: s.locked,
  profiles: s.profiles,
  pending: s.pending,
  waiting: s.waiting,
  agentPid: s.agentPid,
});

const session = (s: CoreSession): SessionInfo => ({
  profile: s.profile,
  kind: s.kind,
  expiration: s.expiration,
  mintedAt: s.mintedAt,
  mintedFor: s.mintedFor,
  accessKeyIdSuffix: s.accessKeyIdSuffix,
});

/** `tray-cred login`'s answer: the credentials, and whether they are a federation token (the console takes no SessionDuration for one). */
const consoleCredentials = (r: Resolved): ConsoleCredentials => ({
  credentials: r.result,
  federated: r.served === 'federated',
});

/** Where a request's waiting is said: to its client, or on the desktop (the agent never writes to a client's terminal). */
interface Telling {
  warn: (message: string) => void;
  notify: Notify | undefined;
  desktop: DesktopNotice | undefined;
}

/**
 * What the person is told when a request waits for an approver to connect: by its client (the
 * helper writes it to its own terminal, `tray-cred` to its stderr) when the client asked for
 * notices, else as a desktop notification. Neither says anything an approver needs to answer.
 */
function waitingTeller(request: { profile: string; notices?: true }, telling: Telling): OnWaiting {
  return ({ profile, deadline }) => {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    const what = `"${profile}" waits for an approval, and no approver is connected`;
    const fix = `run \`tray-cred approve\` in another terminal within ${left} s`;
    telling.warn(`${what}: it waits up to ${left} s for \`tray-cred approve\``);
    if (request.notices && telling.notify) telling.notify(`tray-cred: ${what}: ${fix}`);
    else telling.desktop?.(`AWS profile "${profile}" waits for approval`, `No approver is connected: ${fix}.`);
  };
}

async function answer(
  broker: Broker,
  request: Request,
  verified: VerifiedCaller | undefined,
  answerer: { verifies: boolean; warn: (message: string) => void } & Telling,
): Promise<unknown> {
  switch (request.op) {
    case 'credentials': {
      // the broker scrubs the callers itself
      const onWaiting = waitingTeller(request, answerer);
      return request.purpose === 'console'
        ? consoleCredentials(
            await broker.access(request.id, request.profile, request.caller, verified, {
              purpose: 'console',
              onWaiting,
            }),
          )
        : broker.credentials(request.id, request.profile, request.caller, verified, {
            sessionOnly: request.sessionOnly,
            onWaiting,
          });
    }
    case 'status':
      return { ...status(broker.status()), ...(await broker.approvers()) };
    case 'lock':
      return status(await broker.lock('asked by a client', scrubCaller(request.caller), verified));
    case 'unlock':
      return status(await broker.unlock(scrubCaller(request.caller)));
    case 'sessions':
      return broker.sessions().map(session);
    case 'forget':
      return broker.forget(request.profile, scrubCaller(request.caller), verified);
    case 'approvals':
      return { prompts: (await waitForPrompts(broker, request.wait)).map(wirePrompt) };
    case 'approve':
      return answerPrompt(broker, request, { verified, ...answerer });
  }
}

/** An error as the client may see it. `warn` gets the details of anything unexpected. */
function toWire(error: unknown, warn: (message: string) => void): WireError {
  if (error instanceof TrayCredError) return { code: error.code, message: error.message };
  warn(`internal error: ${(error as Error)?.stack ?? String(error)}`);
  return { code: 'INTERNAL', message: 'the agent hit an internal error; its log has the details' };
}

/** Who the agent serves: a peer the kernel names as another uid is refused before anything else. */
export interface PeerRule {
  /** The agent's uid; `undefined` where there is none (Windows). */
  uid: number | undefined;
  /** Where a refused peer is recorded. */
  audit: AuditLog;
}

/** Refuses a peer of another uid: the agent's log and the audit log say so, the client gets FORBIDDEN and nothing else. */
async function refuseForeign(
  request: Request,
  verified: VerifiedCaller,
  rule: PeerRule,
  warn: (message: string) => void,
): Promise<Response> {
  const reason = `the connecting process (pid ${verified.peer.pid}) runs as uid ${verified.peer.uid}, not as the agent's uid ${rule.uid}`;
  warn(`refused a ${request.op} request: ${reason}`);
  const claimed = scrubCaller(request.caller);
  await rule.audit.append({
    event: 'access',
    ...('profile' in request ? { profile: request.profile } : {}),
    decision: 'denied',
    reason: request.op === 'credentials' ? reason : `${request.op}: ${reason}`,
    ...(claimed ? { caller: claimed } : {}),
    verified: scrubVerified(verified)!,
    requestId: request.id,
  });
  const message = `${reason}: tray-cred serves only the user it runs as; run the command as that user, or start that user's own tray-cred`;
  return { v: PROTOCOL_VERSION, id: request.id, ok: false, error: { code: 'FORBIDDEN', message } };
}

/** Shows a desktop notification (title, body); best effort. */
export type DesktopNotice = (title: string, body: string) => void;

/**
 * Answers one validated request; `verified` is the caller as the kernel named it; `notify` sends
 * its client a notice. Never throws: every failure becomes an error response.
 */
export function requestHandler(
  broker: Broker,
  warn: (message: string) => void,
  rule?: PeerRule,
  desktop?: DesktopNotice,
): Handle {
  return async (request, verified, notify) => {
    try {
      if (rule && verified && rule.uid !== undefined && verified.peer.uid !== rule.uid)
        return await refuseForeign(request, verified, rule, warn);
      return {
        v: PROTOCOL_VERSION,
        id: request.id,
        ok: true,
        result: await answer(broker, request, verified, { verifies: rule?.uid !== undefined, warn, notify, desktop }),
      };
    } catch (error) {
      return { v: PROTOCOL_VERSION, id: request.id, ok: false, error: toWire(error, warn) };
    }
  };
}
