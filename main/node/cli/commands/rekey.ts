import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export function registerRekey(program: Command, ctx: () => CliContext): void {
  program
    .command('rekey')
    .description(
      'replace the master key: the vault is re-encrypted, and the old key goes only after the new vault reads back',
    )
    .action(async () => {
      const c = ctx();
      const old = await c.vault.loadMasterKey();
      try {
        const fresh = await c.vault.rekey(old);
        fresh.fill(0);
      } finally {
        old.fill(0);
      }
      await (await c.audit()).append({ event: 'rekey', reason: 'master key replaced' });
      c.out(
        'Replaced the master key and re-encrypted the vault. Old recovery kits no longer open it: run `tray-cred recovery export <file>` now.\n',
      );
    });
}
