import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export function registerInit(program: Command, ctx: () => CliContext): void {
  program
    .command('init')
    .description('create the master key in the OS keychain and an empty encrypted vault')
    .action(async () => {
      const c = ctx();
      const vaultId = await c.vault.init();
      await (await c.audit()).append({ event: 'init', reason: `vault ${vaultId}` });
      c.out(
        `Created an empty vault at ${c.vault.path}\n` +
          `Its master key is in the OS keychain (service "tray-cred", entry "master-key:${vaultId}").\n` +
          'Next: `tray-cred import ~/.aws/credentials`, then `tray-cred agent`.\n',
      );
    });
}
