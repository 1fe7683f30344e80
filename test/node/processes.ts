/**
 * Small helpers for tests that start, watch and stop real processes. A test that starts a
 * process starts it with spawnGroup(), so the process and everything it starts can be ended
 * with one kill and none outlives the test.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';

/** The fields of /proc/<pid>/stat after `pid (comm)`: comm may hold spaces and parentheses. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The live (not zombie) processes in process group `pgid` (Linux `/proc`). */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(name);
    // fields: state ppid pgrp ...
    if (fields && fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(name));
  }
  return members;
}

/**
 * SIGKILL to every process of the group `pgid` leads, and to its leader by pid (a child of
 * spawnGroup() that has not made its group yet); a group that is already gone is fine.
 */
export function killGroup(pgid: number | undefined, leaderToo = true): void {
  if (pgid === undefined) return;
  for (const target of leaderToo ? [-pgid, pgid] : [-pgid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

/** Groups spawnGroup() started and has not killed yet, by their leader: killed when this test file's process exits, whatever happened. */
const liveGroups = new Map<number, ChildProcess>();
/** Whether `child` has not exited: only then is its pid still its own to signal. */
const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;
process.on('exit', () => {
  for (const [pgid, leader] of liveGroups) killGroup(pgid, running(leader));
});

/** When spawnGroup() kills the group, besides at the exit of this test file's process. */
export interface GroupEnd {
  /** Also when this test (or suite: pass its context) ends. */
  owner?: Pick<TestContext, 'after'>;
  /** Not when the leader exits: what it left running (`cmd &` in a script) stays until `owner` ends. */
  outliveLeader?: boolean;
}

/**
 * Runs as `perl -e NEW_GROUP <drop PERL_BADLANG?> <command> <args...>`: puts itself in a new
 * process group, then execs the command, which keeps the pid, the parent and the session. Node's
 * `detached` would start a new session too, and the agent's caller check stops at a session
 * leader: the tests would see another ancestry than a user's. perl is in every Debian and macOS.
 * PERL_BADLANG quiets perl's warning about a locale that is not installed, and is not passed on.
 */
const NEW_GROUP = [
  'setpgrp(0, 0) or die "setpgrp: $!\\n";',
  'delete $ENV{PERL_BADLANG} if shift @ARGV;',
  'exec { $ARGV[0] } @ARGV or do { print STDERR "$ARGV[0]: $!\\n"; exit 127 };',
].join(' ');

/**
 * spawn(), with the child leading a new process group, so the test can end it and everything it
 * started with one kill (killGroup). By default the whole group is killed as soon as the leader
 * exits: what is left there would hold the test's pipes open, and `close` would never come. A
 * command that cannot be run exits 127 with the reason on stderr, as in a shell, rather than
 * emitting 'error'; and for the millisecond before perl has exec'd it, /proc shows perl under
 * its pid (a test that reads /proc the moment spawn returns spawns a lone process directly).
 */
export function spawnGroup(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  end: GroupEnd = {},
): ChildProcess {
  const env = options.env ?? process.env;
  const quiet = env.PERL_BADLANG === undefined;
  const child = spawn('perl', ['-e', NEW_GROUP, quiet ? '1' : '', command, ...args], {
    ...options,
    env: quiet ? { ...env, PERL_BADLANG: '0' } : env,
  });
  const pgid = child.pid;
  if (pgid === undefined) return child;
  liveGroups.set(pgid, child);
  const kill = (): void => {
    if (liveGroups.delete(pgid)) killGroup(pgid, running(child));
  };
  if (!end.outliveLeader) child.once('exit', kill);
  end.owner?.after(kill);
  return child;
}

/**
 * Options for spawnSync()/execFileSync(): they block this process's event loop, so no test
 * timeout can fire while they wait; their own limit kills a command that hangs.
 */
export const SYNC_LIMIT = { timeout: 60_000, killSignal: 'SIGKILL' } as const;

/** False for a pid that is gone or a zombie (Linux `/proc`). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Resolves once the child has exited (at once if it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** `promise`, or a rejection naming `what` if it has not settled within `ms`. */
export async function bounded<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until `condition()` holds; rejects naming `what` after `ms`. */
export async function eventually(what: string, condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
