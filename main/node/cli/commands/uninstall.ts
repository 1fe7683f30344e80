import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { uninstall } from '../../setup/uninstall.ts';
import { serviceOptions } from './service.ts';
import { uninstallService } from '../../service/service-manager.ts';

export function registerUninstall(program: Command, ctx: () => CliContext): void {
  program
    .command('uninstall')
    .description(
      'take back what setup installed: the user service or background agent and the commands in ~/.local/bin; ~/.aws/config keeps working (--repoint) or nothing changes; the vault, keychain entry and audit log stay',
    )
    .option('--dry-run', 'say what it would do and change nothing', false)
    .option(
      '--repoint <helper>',
      'point the profiles that run the removed helper at this tray-cred-helper (a full path)',
    )
    .action(async (options: { dryRun: boolean; repoint?: string }) => {
      const c = ctx();
      await uninstall(c, { dryRun: options.dryRun, repoint: options.repoint }, (dryRun) =>
        uninstallService({ ...serviceOptions(c), dryRun }),
      );
    });
}
