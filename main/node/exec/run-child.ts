/**
 * Runs `exec`'s command with the terminal it was given and passes signals and the end through.
 *
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT belong to `exec` from before its first wait (the agent,
 * an approval, STS) until it exits, so none of them can end it by its default action and leave
 * a child running with the caller's pipes open. Before the child starts, one of them stops
 * `exec` at once with 128 + its number and nothing is started; while the child runs, it is
 * passed on (except a Ctrl-C or Ctrl-\ the terminal already gave the child: see
 * terminalGaveItToo); once the child has ended, `exec` ends as it did (its exit status, or the
 * same signal raised on itself). If `exec` goes down some other way (a crash), the child is killed
 * first. Only SIGKILL to `exec` can still leave it behind: kill the process group for that.
 * Like aws-vault's execCmd, which calls signal.Notify before cmd.Start for the same reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { EnvironmentError } from '../../core/errors.ts';

const RELAYED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/** Signals whose default action dumps core: `exec` exits 128 + n for them rather than leave a core of its own beside the child's. */
const CORE_DUMPING: ReadonlySet<NodeJS.Signals> = new Set([
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGSEGV',
  'SIGSYS',
  'SIGXCPU',
  'SIGXFSZ',
]);

/** How the child ended. */
export type ChildEnd = { code: number; signal?: undefined } | { code?: undefined; signal: NodeJS.Signals };

/** The shell's status for a process ended by `signal`: 128 + its number. */
function statusOf(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** The process group of `pid` and the foreground process group of its terminal (-1 without one), from Linux's /proc. */
function groupsOf(pid: number | 'self'): { pgrp: number; tpgid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state ppid pgrp session tty_nr tpgid ...; comm may hold spaces and parentheses.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pgrp: Number(f[2]), tpgid: Number(f[5]) };
  } catch {
    return undefined;
  }
}

/**
 * Whether the child already has this SIGINT or SIGQUIT from the terminal: its keys (Ctrl-C,
 * Ctrl-\) signal the whole foreground process group, so when `exec` and the child are both in
 * it, passing the signal on would deliver it twice, and to many tools (terraform among them) a
 * second Ctrl-C means "stop now, whatever it breaks". sudo tells the two apart by the sender;
 * Node cannot see it, so a `kill -INT` aimed at `exec` alone while it is in the foreground is not
 * passed on either: signal the child or the group. Where there is no /proc, it is passed on.
 */
function terminalGaveItToo(signal: NodeJS.Signals, child: number | undefined): boolean {
  if ((signal !== 'SIGINT' && signal !== 'SIGQUIT') || child === undefined) return false;
  const own = groupsOf('self');
  const theirs = groupsOf(child);
  return own !== undefined && theirs !== undefined && own.pgrp === own.tpgid && theirs.pgrp === own.pgrp;
}

/** The signal handling of one `exec`, from its first wait to its exit. */
class ChildSignals {
  private child: ChildProcess | undefined;
  private end: ChildEnd | undefined;

  constructor() {
    for (const s of RELAYED) process.on(s, this.onSignal);
    process.on('exit', this.onExit);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.end) endAsChild(this.end);
    if (this.child) {
      if (!terminalGaveItToo(signal, this.child.pid)) this.child.kill(signal);
      return;
    }
    process.stderr.write(`tray-cred: stopped by ${signal} before the command started; it did not run\n`);
    process.exit(statusOf(signal));
  };

  /** Whatever ends `exec` while its child runs takes the child with it. */
  private readonly onExit = (): void => {
    if (this.child && !this.end) this.child.kill('SIGKILL');
  };

  run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ChildEnd> {
    return new Promise((resolve, reject) => {
      // Synchronous from here to the assignment: a signal that came in meanwhile is handled after it, and goes to the child.
      const child = spawn(command, args, { env, stdio: 'inherit' });
      this.child = child;
      child.once('error', (error: NodeJS.ErrnoException) => {
        this.child = undefined;
        const why =
          error.code === 'ENOENT'
            ? 'not found on PATH'
            : error.code === 'EACCES'
              ? 'not executable'
              : (error.code ?? error.message);
        reject(new EnvironmentError(`cannot run "${command}": ${why}; check the command after \`--\``));
      });
      child.once('exit', (code, signal) => {
        this.end = signal ? { signal } : { code: code ?? 0 };
        resolve(this.end);
      });
    });
  }
}

/**
 * Takes over SIGINT, SIGTERM, SIGHUP and SIGQUIT for the rest of this process (see the top of
 * this file), awaits `prepare` for the child's environment, then starts `command` and resolves
 * when it ends. Call it before anything that waits.
 */
export async function runChild(
  command: string,
  args: readonly string[],
  prepare: () => Promise<NodeJS.ProcessEnv>,
): Promise<ChildEnd> {
  const signals = new ChildSignals();
  return signals.run(command, args, await prepare());
}

/** Ends this process as the child ended: the same status, or the same signal with its default action. */
export function endAsChild(end: ChildEnd): never {
  if (end.signal) {
    if (!CORE_DUMPING.has(end.signal)) {
      // Our own handler would catch it: drop it so the default action ends this process.
      process.removeAllListeners(end.signal);
      process.kill(process.pid, end.signal);
    }
    // A signal this process ignores (SIGPIPE, in Node) still ends it with the shell's convention.
    process.exit(statusOf(end.signal));
  }
  process.exit(end.code);
}
