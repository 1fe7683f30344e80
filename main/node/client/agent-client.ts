/**
 * The one way a `tray-cred` command calls the running agent over its socket (the helper, a
 * bundle of its own, has its twin in helper/tray-cred-helper.ts). It numbers each request,
 * names this process as the caller, bounds the wait by what the agent may be doing, and turns
 * every way a call can fail into a {@link TrayCredError} whose exit status is the one
 * common/errors.ts gives it, so `tray-cred` and `tray-cred-helper` exit alike:
 *
 * - no agent answers → NOT_RUNNING (3), saying how to start one;
 * - the agent refuses → the status of its code (LOCKED 4, DENIED 5, ...), with its message;
 * - no answer in time → TIMEOUT (6); a broken exchange → its code (BAD_REQUEST, VERSION, ...).
 *
 * A dependency-cruiser rule keeps helper/client.ts, and so the socket, to this file in main/.
 */
import type { CallerClaim } from '../../../common/caller.ts';
import type { CredentialProcessDocument } from '../../../common/credential-process.ts';
import { AgentUnreachableError, sendRequest } from '../../../helper/client.ts';
import { parseConsoleCredentials, type ConsoleCredentials } from '../../../helper/console-wire.ts';
import { PROTOCOL_VERSION, ProtocolError, parseCredentialsResult, type Request } from '../../../helper/wire.ts';
import { AgentNotRunningError, TrayCredError } from '../../core/errors.ts';
import { APPROVAL_TIMEOUT_RANGE } from '../../core/settings.ts';
import type { CliContext } from '../cli/context.ts';
import { thisCommandAsCaller } from './this-process.ts';

/** A request as a command asks it: the client adds the protocol version, the id and the caller. */
type AgentAsk = Request extends infer R ? (R extends unknown ? Omit<R, 'v' | 'id' | 'caller'> : never) : never;

/** How long an answer the agent gives at once (status, lock, forget, an approval's answer) may take. */
export const ANSWER_MS = 30_000;
/**
 * How long a request that may wait for a person (credentials, unlock) may take: the longest an
 * approval prompt may stay open (the setting's maximum), and a minute for the rest of the work.
 * The agent ends the prompt itself, so a wait this long means the agent is stuck.
 */
export const PERSON_MS = APPROVAL_TIMEOUT_RANGE.max * 1000 + 60_000;

/** How long the client waits for the answer to `ask`. */
function timeoutFor(ask: AgentAsk): number {
  if (ask.op === 'credentials' || ask.op === 'unlock') return PERSON_MS;
  if (ask.op === 'approvals') return ask.wait + ANSWER_MS;
  return ANSWER_MS;
}

/** What a command adds to the client's messages. */
interface CallWords {
  /** Why the command needs the agent, said before how to start one ("rotating uses the key, so ..."). */
  needs?: string;
  /** Put before the agent's refusal ("not approved"). */
  refused?: string;
}

interface AgentClientOptions {
  socket: string;
  /** Who asks: this process (this-process.ts). */
  caller: CallerClaim;
  /** Runs when no agent answers, before saying so: before `init`, a missing vault is the problem to fix first. */
  whenNoAgent?: () => Promise<void>;
}

/** Request ids are unique within the process: the agent names a request's prompt and audit entry by them. */
let sequence = 0;

/** A client of the agent at one socket path, asking as one caller. */
export class AgentClient {
  private readonly options: AgentClientOptions;

  constructor(options: AgentClientOptions) {
    this.options = options;
  }

  /**
   * Sends `ask` and returns its result as `parse` reads it. Every failure is a
   * {@link TrayCredError} (see the top of this file); a result `parse` refuses is BAD_REQUEST.
   */
  async call<T>(ask: AgentAsk, parse: (result: unknown) => T, words: CallWords = {}): Promise<T> {
    sequence += 1;
    // A request that may wait for an approver is told so on stderr, where a person at a terminal reads it.
    const notices = ask.op === 'credentials' && process.stderr.isTTY;
    const request = {
      ...ask,
      v: PROTOCOL_VERSION,
      id: `cli-${process.pid}-${sequence}`,
      caller: this.options.caller,
      ...(notices ? { notices: true } : {}),
    } as Request;
    const show = notices ? (notice: string) => process.stderr.write(`${notice}\n`) : undefined;
    try {
      const response = await sendRequest(this.options.socket, request, timeoutFor(ask), undefined, show);
      if (!response.ok)
        throw new TrayCredError(
          response.error.code,
          words.refused ? `${words.refused}: ${response.error.message}` : response.error.message,
        );
      return parse(response.result);
    } catch (error) {
      throw await this.failure(error, words);
    }
  }

  /**
   * The profile's credentials, through the agent's lock, policy, approval and audit like the
   * helper's. `sessionOnly`: the agent refuses a profile that serves its long-term key before
   * asking anyone (exec, export and serve without --long-term-key).
   */
  credentials(profile: string, words?: CallWords, sessionOnly = false): Promise<CredentialProcessDocument> {
    return this.call(
      { op: 'credentials', profile, ...(sessionOnly ? { sessionOnly: true as const } : {}) },
      parseCredentialsResult,
      words,
    );
  }

  /** `tray-cred login`'s request: for an IAM user's key the agent mints a federation token itself (the key stays in it). */
  consoleCredentials(profile: string): Promise<ConsoleCredentials> {
    return this.call({ op: 'credentials', profile, purpose: 'console' }, parseConsoleCredentials);
  }

  /** Tells the agent to drop what it cached for the profile (after its key changed). Best effort: the agent may be gone. */
  async forgetQuietly(profile: string): Promise<void> {
    await this.call({ op: 'forget', profile }, () => undefined).catch(() => undefined);
  }

  private async failure(error: unknown, words: CallWords): Promise<unknown> {
    if (error instanceof AgentUnreachableError) {
      await this.options.whenNoAgent?.();
      const start =
        'start the tray app or `tray-cred agent`, then run this again (set TRAY_CRED_SOCKET if it listens elsewhere)';
      return new AgentNotRunningError(`${error.message}: ${words.needs ? `${words.needs}: ` : ''}${start}`);
    }
    if (!(error instanceof ProtocolError)) return error;
    if (error.code === 'TIMEOUT')
      return new TrayCredError(
        'TIMEOUT',
        `${error.message}, so it is stuck (it ends its own prompts sooner): restart the tray app or \`tray-cred agent\``,
      );
    if (error.code === 'VERSION') return new TrayCredError('VERSION', error.message);
    return new TrayCredError(
      error.code,
      `${error.message}: retry, and restart the tray app or \`tray-cred agent\` if it happens again`,
    );
  }
}

/** The agent client of a `tray-cred` command: the command line as the caller, the vault checked first when no agent answers. */
export function commandAgent(c: Pick<CliContext, 'socket' | 'vault'>): AgentClient {
  return new AgentClient({
    socket: c.socket,
    caller: thisCommandAsCaller(),
    whenNoAgent: () => c.vault.requireExists(),
  });
}
