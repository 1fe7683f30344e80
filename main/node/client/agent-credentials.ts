/**
 * Credentials for `exec`, `export`, `serve` and `login`: asked of the running agent over its
 * socket, exactly as the helper asks, so each goes through the same lock, policy, approval and
 * audit. The caller claim is this process with its argv, so the audit entry and the prompt name
 * the command `exec` runs (the agent redacts the argv by argument like the helper's).
 */
import { MAX_CALLER_ARG, MAX_CALLER_ARGS, MAX_CALLER_ARGV, type CallerClaim } from '../../../common/caller.ts';
import type { CredentialProcessDocument } from '../../../common/credential-process.ts';
import type { CredentialPurpose } from '../../../common/decision.ts';
import { AgentUnreachableError, sendRequest } from '../../../helper/client.ts';
import { parseConsoleCredentials, type ConsoleCredentials } from '../../../helper/console-wire.ts';
import { PROTOCOL_VERSION, parseCredentialsResult } from '../../../helper/wire.ts';
import { AgentNotRunningError, ApprovalDeniedError, TrayCredError } from '../../core/errors.ts';

/** How long one request may wait: a person may be answering a prompt. */
const REQUEST_TIMEOUT_MS = 90_000;

/** `tray-cred <args>` as the agent should see it, cut to the wire's bounds. */
function claimedArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let total = 0;
  for (const arg of argv.slice(0, MAX_CALLER_ARGS)) {
    const kept = arg.length > MAX_CALLER_ARG ? `${arg.slice(0, MAX_CALLER_ARG - 1)}…` : arg;
    if (total + kept.length > MAX_CALLER_ARGV) break;
    total += kept.length;
    out.push(kept);
  }
  return out;
}

/** This process as a caller: `tray-cred exec prod -- terraform plan`, in its directory. */
export function selfClaim(args: readonly string[]): CallerClaim {
  const argv = claimedArgv(['tray-cred', ...args]);
  return { pid: process.pid, ppid: process.ppid, command: argv.join(' '), argv, cwd: process.cwd() };
}

let sequence = 0;

/** One `credentials` request to the agent; refusals come back as the agent's own error. */
export async function agentCredentials(socket: string, profile: string, caller: CallerClaim): Promise<CredentialProcessDocument> {
  return parseCredentialsResult(await ask(socket, profile, caller, undefined));
}

/** `tray-cred login`'s request: for an IAM user's key the agent mints a federation token itself (the key stays in it). */
export async function agentConsoleCredentials(socket: string, profile: string, caller: CallerClaim): Promise<ConsoleCredentials> {
  return parseConsoleCredentials(await ask(socket, profile, caller, 'console'));
}

async function ask(socket: string, profile: string, caller: CallerClaim, purpose: CredentialPurpose | undefined): Promise<unknown> {
  sequence += 1;
  const id = `cli-${process.pid}-${sequence}`;
  let response;
  try {
    response = await sendRequest(socket, { v: PROTOCOL_VERSION, id, op: 'credentials', profile, caller, ...(purpose ? { purpose } : {}) }, REQUEST_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof AgentUnreachableError) {
      throw new AgentNotRunningError(`${error.message}: start the tray app or \`tray-cred agent\`; set TRAY_CRED_SOCKET if it listens elsewhere`);
    }
    throw error;
  }
  if (!response.ok) throw new TrayCredError(response.error.code, response.error.message);
  return response.result;
}

/** Whether credentials are a long-term key: no session token and no expiration. */
export const isLongTermKey = (c: CredentialProcessDocument): boolean => c.SessionToken === undefined;

/**
 * The default of every front door but credential_process: session credentials only. A profile
 * permits its long-term key to `--long-term-key` exactly when the agent serves that key to
 * credential_process already (stored keys without session mode): exec never widens what the
 * profile gives; a session-mode or role profile never yields the key at all.
 */
export function requireSession(profile: string, c: CredentialProcessDocument, allowLongTerm: boolean): CredentialProcessDocument {
  if (isLongTermKey(c) && !allowLongTerm) {
    throw new ApprovalDeniedError(
      profile,
      `the profile serves its long-term key, which exec, export and serve hand out only with --long-term-key: turn on session mode with \`tray-cred sts ${profile} --session-mode on\` (recommended) or pass --long-term-key`,
    );
  }
  return c;
}
