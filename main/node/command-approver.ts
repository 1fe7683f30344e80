import { spawn } from 'node:child_process';
import { programText } from '../../common/caller-text.ts';
import type { ApprovalAnswer, ApprovalRequest, Approver } from '../core/ports.ts';

/**
 * The headless agent's approver: runs a command of the user's with the request in its
 * environment. Exit 0 allows (remembered for the profile's setting); anything else denies.
 * When an MFA code is needed (TRAY_CRED_MFA_SERIAL is set), the first line the command prints
 * is the code. Without a command every request that needs a person is denied.
 */
export class CommandApprover implements Approver {
  private readonly command: string | undefined;

  constructor(command: string | undefined) {
    this.command = command;
  }

  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const command = this.command;
    if (!command || signal.aborted) return Promise.resolve({ allow: false, rememberMinutes: 0 });
    // Its own process group (POSIX), so an abort reaches what the shell started (a dialog), not just the shell.
    const group = process.platform !== 'win32';
    return new Promise((resolve, reject) => {
      const child = spawn(command, {
        shell: true,
        detached: group,
        stdio: ['ignore', 'pipe', 'ignore'],
        env: {
          ...process.env,
          TRAY_CRED_PROFILE: request.profile,
          TRAY_CRED_CALLER: JSON.stringify(request.caller ?? null),
          TRAY_CRED_CALLER_COMMAND: request.caller?.command ?? '',
          TRAY_CRED_CALLER_CWD: request.caller?.cwd ?? '',
          // What the kernel and the agent's reading of /proc say; null where the platform cannot verify.
          TRAY_CRED_CALLER_VERIFIED: JSON.stringify(request.verified ?? null),
          TRAY_CRED_PROGRAM: request.verified ? programText(request.verified.requester) : '',
          TRAY_CRED_REMEMBER_MINUTES: String(request.rememberMinutes),
          TRAY_CRED_MFA_SERIAL: request.mfaSerial ?? '',
        },
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
        reject(new Error(`approver command could not start: ${error.message}`));
      });
      child.on('close', (code) => {
        signal.removeEventListener('abort', onAbort);
        if (code !== 0) {
          resolve({ allow: false, rememberMinutes: 0 });
          return;
        }
        const mfaCode = request.mfaSerial ? printed.split(/\r?\n/, 1)[0]?.trim() : undefined;
        resolve({ allow: true, rememberMinutes: request.rememberMinutes, ...(mfaCode ? { mfaCode } : {}) });
      });
    });
  }
}
