import type { Command } from 'commander';
import { homedir } from 'node:os';
import { realpathSync } from 'node:fs';
import type { CliContext } from '../context.ts';
import { idleExitMs } from './agent.ts';
import { runCommand } from '../../platform/run-command.ts';
import { installService, uninstallService, type ServiceOptions } from '../../service/service-manager.ts';
import { describeStatus, serviceStatus } from '../../service/service-status.ts';

interface InstallOptions {
  dryRun?: boolean;
  approver?: string;
  unlockOnRequest?: boolean;
  idleExit?: string;
}

/** The service runs this same CLI with this same Node, by absolute path: no PATH lookup at login. */
export function serviceOptions(c: CliContext): ServiceOptions {
  const script = realpathSync(process.argv[1] ?? '');
  return {
    place: {
      env: c.env,
      platform: process.platform,
      home: homedir(),
      uid: c.uid ?? 0,
      node: process.execPath,
      script,
      dataDir: c.dataDir,
      socket: c.socket,
    },
    run: runCommand,
    out: (line) => c.out(`${line}\n`),
  };
}

function agentArgs(options: InstallOptions): string[] {
  idleExitMs(options.idleExit);
  return [
    ...(options.approver !== undefined ? ['--approver', options.approver] : []),
    ...(options.unlockOnRequest ? ['--unlock-on-request'] : []),
    ...(options.idleExit !== undefined ? ['--idle-exit', options.idleExit] : []),
  ];
}

export function registerService(program: Command, ctx: () => CliContext): void {
  const service = program
    .command('service')
    .description(
      'run the headless agent as a user service: systemd socket activation on Linux, a launchd agent on macOS',
    );
  service
    .command('install')
    .description(
      'write the service files and start the service (or print the commands, where no service manager answers); running it again changes nothing',
    )
    .option('--dry-run', 'print what would be written and run, and change nothing')
    .option('--approver <command>', 'passed to `tray-cred agent --approver`')
    .option('--unlock-on-request', 'passed to `tray-cred agent`')
    .option(
      '--idle-exit <minutes>',
      'passed to `tray-cred agent`: exit when idle; systemd starts it again on the next request',
    )
    .action(async (options: InstallOptions) => {
      await installService({
        ...serviceOptions(ctx()),
        agentArgs: agentArgs(options),
        dryRun: options.dryRun === true,
      });
    });
  service
    .command('uninstall')
    .description('stop the service and remove its files')
    .option('--dry-run', 'print what would be stopped and removed, and change nothing')
    .action(async (options: { dryRun?: boolean }) => {
      await uninstallService({ ...serviceOptions(ctx()), dryRun: options.dryRun === true });
    });
  service
    .command('status')
    .description(
      'whether the service files are installed, enabled and active, and whether an agent answers on the socket',
    )
    .action(async () => {
      const c = ctx();
      c.out(describeStatus(await serviceStatus(serviceOptions(c)), c.socket));
    });
}
