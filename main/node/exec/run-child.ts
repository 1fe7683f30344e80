/**
 * Runs `exec`'s command with the terminal it was given and passes signals and the end through:
 * SIGINT, SIGTERM and SIGHUP sent to `tray-cred exec` reach the child, and `exec` ends the way
 * the child ended (its exit status, or the same signal raised on itself).
 */
import { spawn } from 'node:child_process';
import { EnvironmentError } from '../../core/errors.ts';

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** How the child ended. */
export type ChildEnd = { code: number; signal?: undefined } | { code?: undefined; signal: NodeJS.Signals };

/** Starts `command` with `env` and resolves when it ends; signals to this process are forwarded meanwhile. */
export function runChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ChildEnd> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const s of FORWARDED) process.on(s, forward);
    const done = (): void => {
      for (const s of FORWARDED) process.off(s, forward);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      done();
      const why = error.code === 'ENOENT' ? 'not found on PATH' : error.code === 'EACCES' ? 'not executable' : (error.code ?? error.message);
      reject(new EnvironmentError(`cannot run "${command}": ${why}; check the command after \`--\``));
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(signal ? { signal } : { code: code ?? 0 });
    });
  });
}

/** Ends this process as the child ended: the same status, or the same signal with its default action. */
export function endAsChild(end: ChildEnd): never {
  if (end.signal) {
    process.kill(process.pid, end.signal);
    // A signal this process ignores still ends it with the shell's convention, 128 + the number.
    process.exit(128 + (SIGNAL_NUMBERS[end.signal] ?? 0));
  }
  process.exit(end.code);
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGQUIT: 3, SIGABRT: 6, SIGPIPE: 13 };
