/**
 * `tray-cred stop` and `tray-cred restart`: the agent that answers on the socket, stopped or
 * started again the way it was started. Under its service manager (the systemd user units or the
 * launchd agent of `tray-cred service install`) the manager does it, or it would start the agent
 * again on the next request; otherwise the agent the socket names is sent SIGTERM (it records its
 * stop and exits) and, for a restart, started again in the background with its own command line.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { AgentNotRunningError, EnvironmentError } from '../../core/errors.ts';
import { LAUNCHD_LABEL, plistPath } from './launchd-plist.ts';
import { managerAnswers, type RunCommand } from './service-manager.ts';
import { shellLine, type ServicePlace } from './service-files.ts';
import { SERVICE_UNIT, SOCKET_UNIT } from './systemd-units.ts';

export interface AgentControl {
  place: ServicePlace;
  run: RunCommand;
  out: (line: string) => void;
  /** The pid of the agent answering on the socket, or null when none answers. */
  answering: () => Promise<number | null>;
}

/** How long a stopped agent may take to record its stop and let go of the socket. */
const STOP_WAIT_MS = 10_000;

/** Whether the service manager runs the agent (or holds its socket, and so would start it on the next request). */
async function underService(place: ServicePlace, run: RunCommand): Promise<boolean> {
  if (place.platform !== 'linux' && place.platform !== 'darwin') return false;
  if (!(await managerAnswers(place, run))) return false;
  if (place.platform === 'darwin')
    return (await run(['launchctl', 'print', `gui/${place.uid}/${LAUNCHD_LABEL}`])).status === 0;
  const active = async (unit: string): Promise<boolean> =>
    (await run(['systemctl', '--user', 'is-active', unit])).stdout.trim() === 'active';
  return (await active(SOCKET_UNIT)) || (await active(SERVICE_UNIT));
}

async function runOrFail(run: RunCommand, out: (line: string) => void, argv: string[]): Promise<void> {
  const r = await run(argv);
  if (r.status !== 0)
    throw new EnvironmentError(
      `\`${shellLine(argv)}\` failed (${r.stderr.trim().split('\n')[0] || `exit status ${r.status}`}): see \`tray-cred service status\``,
    );
  out(`ran: ${shellLine(argv)}`);
}

async function untilGone(answering: () => Promise<number | null>): Promise<boolean> {
  for (const end = Date.now() + STOP_WAIT_MS; Date.now() < end; ) {
    if ((await answering()) === null) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** SIGTERM to the agent the socket named, then waits for the socket to fall silent. */
async function signalStop(pid: number, control: AgentControl): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch (error) {
    throw new EnvironmentError(
      `the agent on ${control.place.socket} says it is pid ${pid}, which cannot be signalled (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): stop it as the user it runs as`,
    );
  }
  if (!(await untilGone(control.answering)))
    throw new EnvironmentError(
      `agent ${pid} was sent SIGTERM but still answers on ${control.place.socket} after ${STOP_WAIT_MS / 1000} s: see its log, or \`kill -9 ${pid}\``,
    );
}

/** Stops the agent; says so, and what starts it again. Exits 0 when none runs (there is nothing to stop). */
export async function stopAgent(control: AgentControl): Promise<void> {
  const { place, run, out } = control;
  if (await underService(place, run)) {
    if (place.platform === 'darwin')
      await runOrFail(run, out, ['launchctl', 'bootout', `gui/${place.uid}/${LAUNCHD_LABEL}`]);
    else await runOrFail(run, out, ['systemctl', '--user', 'stop', SOCKET_UNIT, SERVICE_UNIT]);
    out('Stopped the tray-cred service; it starts again at your next login, or now with `tray-cred restart`.');
    return;
  }
  const pid = await control.answering();
  if (pid === null) {
    out(`No tray-cred agent answers on ${place.socket}: nothing to stop.`);
    return;
  }
  await signalStop(pid, control);
  out(`Stopped the tray-cred agent (pid ${pid}); start it again with \`tray-cred restart\` or \`tray-cred agent\`.`);
}

/** A process's arguments as Linux's /proc tells them; undefined where they cannot be read (gone, not Linux). */
export function procArgv(pid: number): string[] | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args.at(-1) === '') args.pop();
    return args;
  } catch {
    return undefined;
  }
}

/** The agent's own command line, to start it again as it was; undefined where it cannot be read. */
function commandLineOf(pid: number): string[] | undefined {
  const args = procArgv(pid);
  return args?.includes('agent') ? args : undefined;
}

/**
 * Starts `argv` (node, the CLI script, `agent`, its options) detached, its output appended to
 * `log` (0600): an agent that outlives the command that started it.
 */
export function startInBackground(argv: readonly string[], env: NodeJS.ProcessEnv, log: string): void {
  const fd = openSync(log, 'a', 0o600);
  try {
    spawn(argv[0]!, argv.slice(1), { env, detached: true, stdio: ['ignore', fd, fd] }).unref();
  } finally {
    closeSync(fd);
  }
}

/** Restarts the agent as it was started: by its service manager, or in the background with its own command line. */
export async function restartAgent(control: AgentControl): Promise<void> {
  const { place, run, out } = control;
  if (await underService(place, run)) {
    if (place.platform === 'darwin')
      await runOrFail(run, out, ['launchctl', 'kickstart', '-k', `gui/${place.uid}/${LAUNCHD_LABEL}`]);
    else await runOrFail(run, out, ['systemctl', '--user', 'restart', SOCKET_UNIT, SERVICE_UNIT]);
    out('Restarted the tray-cred service.');
    return;
  }
  const pid = await control.answering();
  if (pid === null) {
    const installed = place.platform === 'darwin' ? plistPath(place.home) : undefined;
    throw new AgentNotRunningError(
      `no tray-cred agent answers on ${place.socket}, so there is nothing to restart: start one with \`tray-cred agent\` (or \`tray-cred service install\`${installed ? `; its launchd agent is ${installed}` : ''})`,
    );
  }
  const argv = commandLineOf(pid);
  if (!argv)
    throw new EnvironmentError(
      `cannot read how agent ${pid} was started, so it was left running: stop it with \`tray-cred stop\`, then start it with \`tray-cred agent\``,
    );
  await signalStop(pid, control);
  const log = join(place.dataDir, 'agent.log');
  startInBackground(argv, place.env, log);
  for (const end = Date.now() + STOP_WAIT_MS; Date.now() < end; ) {
    const now = await control.answering();
    if (now !== null) {
      out(`Restarted the tray-cred agent: pid ${now} (was ${pid}), log ${log}.`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new EnvironmentError(
    `agent ${pid} stopped, but the one started in its place does not answer on ${place.socket}: see ${log}`,
  );
}
