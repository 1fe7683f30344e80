import { spawn } from 'node:child_process';
import { programText } from '../../../common/caller-text.ts';
import { NoApproverError } from '../../core/errors.ts';
import type { ApprovalScopeKind } from '../../../common/decision.ts';
import type { ApprovalAnswer, ApprovalRequest, Approver } from '../../core/ports/ports.ts';

/**
 * What the approver command's exit status means (README, "Headless approvals"). 0 keeps its
 * old meaning, allow, and now reaches no further than this request. A scope the request did not
 * offer (TRAY_CRED_OFFER) counts as once. Anything else denies.
 */
const APPROVER_EXIT_SCOPES: Readonly<Record<number, ApprovalScopeKind>> = Object.freeze({
  0: 'once',
  10: 'run',
  11: 'program-folder',
  12: 'any',
});

/** sh's statuses for a command it could not run: 126 found but not executable, 127 not found. */
const CANNOT_RUN: Readonly<Record<number, string>> = {
  126: 'the command is not executable (sh exit 126)',
  127: 'the command was not found (sh exit 127)',
};

/** The answer an exit status gives, or `undefined` when the command could not run at all. */
function answerOfExit(code: number | null, request: ApprovalRequest, printed: string): ApprovalAnswer | undefined {
  if (code !== null && CANNOT_RUN[code]) return undefined;
  const kind = code === null ? undefined : APPROVER_EXIT_SCOPES[code];
  if (kind === undefined) return { allow: false };
  const offer = request.offer ?? { kinds: ['once'], minutes: 0 };
  const mfaCode = request.mfaSerial ? printed.split(/\r?\n/, 1)[0]?.trim() : undefined;
  const scope = kind !== 'once' && offer.kinds.includes(kind) ? { scope: { kind, minutes: offer.minutes } } : {};
  return { allow: true, ...scope, ...(mfaCode ? { mfaCode } : {}) };
}

/** What the kernel and /proc say about the requesting program; empty where nothing is verified. */
function verifiedEnvironment(request: ApprovalRequest): NodeJS.ProcessEnv {
  const r = request.verified?.requester;
  return {
    TRAY_CRED_VERIFIED_EXE: r?.exe ?? '',
    TRAY_CRED_VERIFIED_PID: r ? String(r.pid) : '',
    TRAY_CRED_VERIFIED_CWD: r?.cwd ?? '',
    // 1 when the verified program has not used this profile in the last 90 days; empty otherwise.
    TRAY_CRED_FIRST_USE: request.firstUse === true && r ? '1' : '',
  };
}

function environment(request: ApprovalRequest): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TRAY_CRED_PROFILE: request.profile,
    TRAY_CRED_CALLER: JSON.stringify(request.caller ?? null),
    TRAY_CRED_CALLER_COMMAND: request.caller?.command ?? '',
    TRAY_CRED_CALLER_CWD: request.caller?.cwd ?? '',
    // What the kernel and the agent's reading of /proc say; null where the platform cannot verify.
    TRAY_CRED_CALLER_VERIFIED: JSON.stringify(request.verified ?? null),
    TRAY_CRED_PROGRAM: request.verified ? programText(request.verified.requester) : '',
    ...verifiedEnvironment(request),
    TRAY_CRED_OFFER: (request.offer?.kinds ?? ['once']).join(','),
    TRAY_CRED_OFFER_MINUTES: String(request.offer?.minutes ?? 0),
    TRAY_CRED_MFA_SERIAL: request.mfaSerial ?? '',
  };
}

/**
 * The headless agent's approver: runs a command of the user's with the request in its
 * environment; its exit status is the answer ({@link APPROVER_EXIT_SCOPES}). When an MFA code is
 * needed (TRAY_CRED_MFA_SERIAL is set), the first line the command prints is the code. Without a
 * command it throws {@link NoApproverError}: the gate then waits for `tray-cred approve` if one
 * listens, and otherwise refuses with "no approver configured".
 */
export class CommandApprover implements Approver {
  private readonly command: string | undefined;
  readonly reaches: 'command' | 'nobody';

  constructor(command: string | undefined) {
    this.command = command;
    this.reaches = command ? 'command' : 'nobody';
  }

  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const command = this.command;
    if (!command) return Promise.reject(new NoApproverError());
    if (signal.aborted) return Promise.resolve({ allow: false });
    // Its own process group (POSIX), so an abort reaches what the shell started (a dialog), not just the shell.
    const group = process.platform !== 'win32';
    return new Promise((resolve, reject) => {
      const child = spawn(command, {
        shell: true,
        detached: group,
        stdio: ['ignore', 'pipe', 'ignore'],
        env: environment(request),
      });
      let printed = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        if (printed.length < 256) printed += chunk.toString('utf8');
      });
      const onAbort = (): void => {
        try {
          if (group && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
          else child.kill('SIGTERM');
        } catch {
          // the command has already exited
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(new Error(`\`${command}\` could not start (${error.message})`));
      });
      child.on('close', (code) => {
        signal.removeEventListener('abort', onAbort);
        const answer = answerOfExit(code, request, printed);
        if (answer) resolve(answer);
        else reject(new Error(`\`${command}\`: ${CANNOT_RUN[code ?? 0] ?? 'it could not run'}`));
      });
    });
  }
}
