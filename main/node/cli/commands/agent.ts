import type { Command } from 'commander';
import { CommandApprover } from '../../agent/command-approver.ts';
import { startAgentRuntime } from '../../agent/agent-runtime.ts';
import type { CliContext } from '../context.ts';
import { IdleTimer } from '../../agent/idle-timer.ts';
import { openSettings } from '../../platform/settings-file.ts';
import { UsageError } from '../../../core/errors.ts';
import { APPROVAL_TIMEOUT_RANGE } from '../../../core/settings.ts';

interface AgentOptions {
  approver?: string;
  locked?: boolean;
  unlockOnRequest?: boolean;
  idleExit?: string;
  approvalTimeout?: string;
}

/**
 * The approval time-out in milliseconds, read as each prompt opens: `--approval-timeout` in whole
 * seconds (checked now) when given, else the shared setting as it is then, so
 * `tray-cred settings approvalTimeoutSeconds` reaches a running agent.
 */
export function approvalTimeoutMs(text: string | undefined, setting: () => number): () => number {
  if (text === undefined) return () => setting() * 1000;
  const { min, max } = APPROVAL_TIMEOUT_RANGE;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max)
    throw new UsageError(`--approval-timeout takes whole seconds from ${min} to ${max}, not "${text}"`);
  const ms = Number(text) * 1000;
  return () => ms;
}

/** `--idle-exit` in minutes, decimals allowed (0.5 is 30 s), as milliseconds. */
export function idleExitMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const minutes = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(minutes > 0))
    throw new UsageError(`--idle-exit takes a number of minutes above 0 (such as 10 or 0.5), not "${text}"`);
  return Math.round(minutes * 60_000);
}

export function registerAgent(program: Command, ctx: () => CliContext): void {
  program
    .command('agent')
    .description(
      'run the headless agent in the foreground: the same core and socket as the tray app. Under systemd socket activation (`tray-cred service install`) it takes the socket systemd hands in',
    )
    .option(
      '--approver <command>',
      'run for each `ask` request; exit 0 allows once, 10 this run, 11 this program in this folder, 12 any caller (see README). TRAY_CRED_PROFILE, TRAY_CRED_CALLER and TRAY_CRED_OFFER describe the request. Without it, `tray-cred approve` in another terminal answers; a request waits for one up to the approval timeout',
    )
    .option(
      '--approval-timeout <seconds>',
      'how long a prompt waits for an answer (default: the approvalTimeoutSeconds setting, 50)',
    )
    .option('--locked', 'start locked (unlock later with `tray-cred unlock`)')
    .option(
      '--unlock-on-request',
      'with --approver: a request that arrives while locked asks the approver to unlock and allow, instead of failing (the shared unlockOnRequest setting can still turn it off)',
    )
    .option(
      '--idle-exit <minutes>',
      'exit after this many minutes (decimals allowed) with no request. Only useful under socket activation, where the next request starts the agent again; without it the agent runs until stopped',
    )
    .action(async (options: AgentOptions) => {
      const c = ctx();
      const idleMs = idleExitMs(options.idleExit);
      const warn = (message: string): void => c.err(`tray-cred agent: ${message}`);
      // Before conf touches it: conf would create the data directory with the umask's mode, and `init` would then refuse it.
      await c.fs.ensurePrivateDir(c.dataDir);
      const settings = openSettings(c.dataDir);
      const timeoutMs = approvalTimeoutMs(options.approvalTimeout, () => settings.get('approvalTimeoutSeconds'));
      let stop: (reason: string, status?: number) => Promise<void> = () => Promise.resolve();
      const idle =
        idleMs === undefined
          ? undefined
          : new IdleTimer(idleMs, () => void stop(`idle for ${options.idleExit} minute(s)`));
      const agent = await startAgentRuntime({
        services: c,
        aws: c.aws,
        socket: c.socket,
        approver: new CommandApprover(options.approver),
        warn,
        frontEnd: 'headless agent',
        // The tray's "Unlock when a request arrives" needs someone to answer: here, the approver command.
        // Opt-in on the command line: scripts that start a headless agent expect a locked one to refuse.
        broker: {
          approvalTimeoutMs: timeoutMs,
          unlockOnRequest: () =>
            options.approver !== undefined && options.unlockOnRequest === true && settings.get('unlockOnRequest'),
        },
        forwardToSystemLog: () => settings.get('forwardToSystemLog'),
        desktopNotice: (title, body) =>
          void import('../../platform/desktop-bus.ts')
            .then(({ showDesktopNotification }) => showDesktopNotification(title, body))
            .then((shown) => shown || warn(`no desktop notification could be shown (${title})`)),
        onSocketLost: (message) => {
          warn(message);
          void stop('socket file lost', 1);
        },
        ...(idle ? { activity: idle } : {}),
        starting: async (broker) => {
          if (options.locked) return;
          try {
            await broker.unlock();
          } catch (error) {
            warn(`staying locked: ${(error as Error).message}`);
          }
        },
      });
      let stopping = false;
      stop = async (reason, status = 0) => {
        if (stopping) return;
        stopping = true;
        idle?.stop();
        try {
          await agent.stop(reason);
        } catch (error) {
          warn(`stopped, but could not record it: ${(error as Error).message}`);
          status = 1;
        }
        warn(`stopped (${reason})`);
        process.exit(status);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
      // Ctrl-C only where a terminal holds it; in the background (setup's, a service) the log is read later.
      const how = agent.inherited
        ? 'The socket was handed in by the service manager; `tray-cred stop` stops it.'
        : process.stderr.isTTY
          ? 'Ctrl-C stops it.'
          : '`tray-cred stop` stops it.';
      const seconds = Math.round(timeoutMs() / 1000);
      c.err(
        `tray-cred agent ${process.pid}: listening on ${c.socket}, ${agent.broker.locked ? 'locked' : 'unlocked'}${options.approver ? '' : `; no --approver: \`ask\` requests wait up to ${seconds} s for \`tray-cred approve\` in another terminal`}. ${how}`,
      );
      await new Promise<never>(() => {});
    });
}
