/**
 * The wire contract between `tray-cred-helper` (and every other client) and the agent.
 *
 * One newline-terminated JSON request per connection, one newline-terminated JSON response,
 * at most {@link MAX_FRAME_BYTES} each way. Both ends validate with the functions below and
 * never trust a cast of `JSON.parse`. Only a code and a message ever cross on failure.
 *
 * This file imports only the vocabulary in common/ and no Node module: the agent and anything
 * that only validates load it without the socket client (helper/client.ts), and the helper
 * bundles it, whose start-up is paid before every `aws` command.
 */
import { MAX_CALLER_ARG, MAX_CALLER_ARGS, MAX_CALLER_ARGV, isCallerArgv, type CallerClaim } from '../common/caller.ts';
import { toCredentialProcessDocument, type CredentialProcessDocument } from '../common/credential-process.ts';
import { CREDENTIAL_PURPOSES, isCredentialPurpose, type CredentialPurpose } from '../common/decision.ts';
import { isErrorCode, type ErrorCode } from '../common/errors.ts';
import { PROFILE_NAME, PROFILE_NAME_RULE } from '../common/names.ts';

import { parseApprovalOp, type ApprovalOpFields } from './approval-wire.ts';

export type { CallerClaim };

/** The protocol version spoken by this build. A peer with another version gets `VERSION`. */
export const PROTOCOL_VERSION = 1;

/** Largest request or response, in bytes, newline included. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** How long the agent waits for a whole request line after a client connects. */
export const SERVER_READ_TIMEOUT_MS = 5_000;

/** The operations the agent answers. */
type Op = 'credentials' | 'status' | 'lock' | 'unlock' | 'sessions' | 'forget' | 'approvals' | 'approve';
const OPS: readonly Op[] = ['credentials', 'status', 'lock', 'unlock', 'sessions', 'forget', 'approvals', 'approve'];
/** Ops that name a profile. */
const PROFILE_OPS: readonly Op[] = ['credentials', 'forget'];

/** A request on the wire. `profile` is present exactly when `op` is `credentials` or `forget`; `purpose` only on `credentials` (common/decision.ts). */
export type Request =
  | {
      v: number;
      id: string;
      op: 'credentials' | 'forget';
      profile: string;
      caller?: CallerClaim;
      purpose?: CredentialPurpose;
      /** Session credentials only (exec, export, serve): a profile that serves its long-term key is refused before any prompt. */
      sessionOnly?: true;
      /** The client shows the person the agent's notices ({@link Notice}) while the request waits; without it the agent says it on the desktop. */
      notices?: true;
    }
  | { v: number; id: string; op: 'status' | 'lock' | 'unlock' | 'sessions'; caller?: CallerClaim }
  | ({ v: number; id: string; caller?: CallerClaim } & ApprovalOpFields);

/** The credential_process document the agent answers `credentials` with. */
export type CredentialsResult = CredentialProcessDocument;

/** The agent's state, as `status`, `lock` and `unlock` report it. Never a secret. */
export interface StatusResult {
  locked: boolean;
  /** Profiles in the vault, 0 while locked. */
  profiles: number;
  /** Approval prompts open now. */
  pending: number;
  /** Who waits at those prompts, oldest first (absent from older agents). */
  waiting?: { profile: string; who: string }[];
  /** pid of the agent, so `tray-cred status` can say which process answers. */
  agentPid: number;
  /** Who can answer an `ask` now: the tray's window, an approver command, a listening `tray-cred approve`, or nobody (absent from older agents). */
  approver?: 'window' | 'command' | 'terminal' | 'nobody';
  /** The profiles whose policy is `ask` (none known while locked; absent from older agents). */
  askProfiles?: string[];
}

/** One set of temporary credentials the agent holds in memory. Never the keys themselves. */
export interface SessionInfo {
  profile: string;
  /** How they were made: STS GetSessionToken, STS AssumeRole, or an external command. */
  kind: 'session-token' | 'assume-role' | 'command' | 'sso';
  expiration: string;
  mintedAt: string;
  /** The command line of the caller whose request minted them, as claimed. */
  mintedFor: string;
  /** The last four characters of the temporary access key id, as CloudTrail shows it. */
  accessKeyIdSuffix: string;
}

/** Validates a `sessions` result. */
export function parseSessionsResult(value: unknown): SessionInfo[] {
  const kinds = ['session-token', 'assume-role', 'command', 'sso'];
  if (
    !Array.isArray(value) ||
    !value.every(
      (s: unknown) =>
        isObject(s) &&
        typeof s.profile === 'string' &&
        kinds.includes(s.kind as string) &&
        typeof s.expiration === 'string' &&
        typeof s.mintedAt === 'string' &&
        isText(s.mintedFor) &&
        typeof s.accessKeyIdSuffix === 'string',
    )
  ) {
    throw new ProtocolError('BAD_REQUEST', 'the agent sent a malformed session list');
  }
  return value as SessionInfo[];
}

/** An error as it crosses the wire: a code and one human sentence, nothing more. */
export interface WireError {
  code: ErrorCode;
  message: string;
}

/** A response on the wire. */
export type Response =
  | { v: number; id: string; ok: true; result: unknown }
  | { v: number; id: string; ok: false; error: WireError };

/** A frame that broke the contract; `code` says which way. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TEXT = 8 * 1024;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isText(value: unknown, max = MAX_TEXT): value is string {
  return typeof value === 'string' && value.length <= max;
}

/** Parses one frame's text as a JSON object, or throws `BAD_REQUEST` / `TOO_LARGE`. */
function parseObject(line: string, what: string): Json {
  if (Buffer.byteLength(line) > MAX_FRAME_BYTES) {
    throw new ProtocolError('TOO_LARGE', `${what} is larger than ${MAX_FRAME_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolError('BAD_REQUEST', `${what} is not valid JSON`);
  }
  if (!isObject(value)) throw new ProtocolError('BAD_REQUEST', `${what} is not a JSON object`);
  return value;
}

/** A caller claim; `argv` is optional so that a helper from before it is still accepted. */
function parseCaller(value: unknown): CallerClaim {
  if (!isObject(value) || !isCount(value.pid) || !isCount(value.ppid) || !isText(value.command) || !isText(value.cwd)) {
    throw new ProtocolError('BAD_REQUEST', 'caller must be { pid, ppid, command, cwd, argv? }');
  }
  if (value.argv !== undefined && !isCallerArgv(value.argv)) {
    throw new ProtocolError(
      'BAD_REQUEST',
      `caller argv must be an array of at most ${MAX_CALLER_ARGS} strings of at most ${MAX_CALLER_ARG} characters, ${MAX_CALLER_ARGV} in all`,
    );
  }
  const claim: CallerClaim = { pid: value.pid, ppid: value.ppid, command: value.command, cwd: value.cwd };
  if (value.argv !== undefined) claim.argv = [...value.argv];
  return claim;
}

/** The fields of a request that names a profile (`credentials`, `forget`), validated. */
function profileFields(o: Json): Omit<Extract<Request, { op: 'credentials' | 'forget' }>, 'v' | 'id' | 'caller'> {
  if (typeof o.profile !== 'string' || !PROFILE_NAME.test(o.profile)) {
    throw new ProtocolError('BAD_REQUEST', `profile must be ${PROFILE_NAME_RULE}`);
  }
  if (o.purpose !== undefined && (o.op !== 'credentials' || !isCredentialPurpose(o.purpose)))
    throw new ProtocolError('BAD_REQUEST', `purpose is for credentials only, one of ${CREDENTIAL_PURPOSES.join(', ')}`);
  for (const flag of ['sessionOnly', 'notices'] as const)
    if (o[flag] !== undefined && (o.op !== 'credentials' || o[flag] !== true))
      throw new ProtocolError('BAD_REQUEST', `${flag} is for credentials only, and only true`);
  return {
    op: o.op as 'credentials' | 'forget',
    profile: o.profile,
    ...(o.purpose !== undefined ? { purpose: o.purpose as CredentialPurpose } : {}),
    ...(o.sessionOnly === true ? { sessionOnly: true as const } : {}),
    ...(o.notices === true ? { notices: true as const } : {}),
  };
}

/**
 * Validates a request line (without its newline). Throws {@link ProtocolError} with `VERSION`
 * for another protocol version, `TOO_LARGE` or `BAD_REQUEST` otherwise. The `id` of a request
 * that fails is recovered with {@link requestIdOf} so the error can still be matched.
 */
export function parseRequest(line: string): Request {
  const o = parseObject(line, 'request');
  if (!isCount(o.v)) throw new ProtocolError('BAD_REQUEST', 'request has no protocol version "v"');
  if (o.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'VERSION',
      `client speaks protocol ${o.v}, this agent speaks ${PROTOCOL_VERSION}: update tray-cred-helper and the app to the same release`,
    );
  }
  if (typeof o.id !== 'string' || !REQUEST_ID.test(o.id)) {
    throw new ProtocolError('BAD_REQUEST', 'request id must be 1-64 letters, digits, "-" or "_"');
  }
  if (typeof o.op !== 'string' || !OPS.includes(o.op as Op)) {
    throw new ProtocolError('BAD_REQUEST', `unknown op; expected one of ${OPS.join(', ')}`);
  }
  const caller = o.caller === undefined ? undefined : parseCaller(o.caller);
  const base = { v: o.v, id: o.id, ...(caller ? { caller } : {}) };
  if (PROFILE_OPS.includes(o.op as Op)) return { ...base, ...profileFields(o) };
  if (o.profile !== undefined) throw new ProtocolError('BAD_REQUEST', `op ${o.op} takes no profile`);
  if (o.op === 'approvals' || o.op === 'approve') {
    const fields = parseApprovalOp(o);
    if (typeof fields === 'string') throw new ProtocolError('BAD_REQUEST', `${o.op}: ${fields}`);
    return { ...base, ...fields };
  }
  return { ...base, op: o.op as 'status' | 'lock' | 'unlock' | 'sessions' };
}

/** The `id` of a request frame, if one can be read from it, for answering a request that failed validation. */
export function requestIdOf(line: string): string {
  try {
    const o: unknown = JSON.parse(line);
    if (isObject(o) && typeof o.id === 'string' && REQUEST_ID.test(o.id)) return o.id;
  } catch {
    // not JSON: the error response carries an empty id
  }
  return '';
}

/** Validates a response line against the request it answers. Throws {@link ProtocolError}. */
export function parseResponse(line: string, id: string): Response {
  const o = parseObject(line, 'response');
  if (o.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'VERSION',
      `the agent speaks protocol ${String(o.v)}, this helper speaks ${PROTOCOL_VERSION}: update tray-cred-helper and the app to the same release`,
    );
  }
  if (o.id !== id && o.id !== '') throw new ProtocolError('BAD_REQUEST', 'response id does not match the request');
  if (o.ok === true) return { v: o.v, id: String(o.id), ok: true, result: o.result };
  const e = o.error;
  if (o.ok === false && isObject(e) && isErrorCode(e.code) && isText(e.message, 2048)) {
    return { v: o.v, id: String(o.id), ok: false, error: { code: e.code, message: e.message } };
  }
  throw new ProtocolError('BAD_REQUEST', 'response is neither a result nor a known error');
}

/** Validates a credentials result: what the helper prints must be exactly a credential_process document. */
export function parseCredentialsResult(value: unknown): CredentialsResult {
  const doc = toCredentialProcessDocument(value);
  if (!doc)
    throw new ProtocolError(
      'BAD_REQUEST',
      'the agent sent credentials that are not a valid credential_process document',
    );
  return doc;
}

/** Validates a status result. */
export function parseStatusResult(value: unknown): StatusResult {
  if (
    !isObject(value) ||
    typeof value.locked !== 'boolean' ||
    !isCount(value.profiles) ||
    !isCount(value.pending) ||
    !isCount(value.agentPid)
  )
    throw new ProtocolError('BAD_REQUEST', 'the agent sent a malformed status');
  const waiting = Array.isArray(value.waiting)
    ? value.waiting.filter(
        (w): w is { profile: string; who: string } => isObject(w) && isText(w.profile) && isText(w.who),
      )
    : undefined;
  const approvers = ['window', 'command', 'terminal', 'nobody'] as const;
  const approver = approvers.find((a) => a === value.approver);
  const ask = Array.isArray(value.askProfiles) ? value.askProfiles.filter((p) => isText(p, 256)) : undefined;
  return {
    locked: value.locked,
    profiles: value.profiles,
    pending: value.pending,
    agentPid: value.agentPid,
    ...(waiting ? { waiting } : {}),
    ...(approver ? { approver } : {}),
    ...(ask ? { askProfiles: ask } : {}),
  };
}

/**
 * A frame the agent may send before its response to a `credentials` request that asked for
 * notices: one sentence for the person while the request waits (for an approver to connect). The
 * response still follows; a notice never carries a secret, and nothing answers it.
 */
export interface Notice {
  v: number;
  id: string;
  notice: string;
}

/** The notice's text when `line` is a notice frame for request `id`, else `undefined` (then it is the response). */
export function parseNotice(line: string, id: string): string | undefined {
  const o = parseObject(line, 'notice');
  if (o.v !== PROTOCOL_VERSION || o.id !== id || !isText(o.notice, 2048) || 'ok' in o) return undefined;
  return o.notice;
}

/** Serialises one frame: JSON plus the terminating newline. */
export function encodeFrame(message: Request | Response | Notice): string {
  return `${JSON.stringify(message)}\n`;
}
