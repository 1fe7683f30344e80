import type { Command } from 'commander';
import { resolve } from 'node:path';
import { UsageError } from '../../../core/errors.ts';
import { LIMITS, readCapped } from '../../../core/file-limits.ts';
import { checkPassphrase, openKit, sealKit } from '../../../core/vault/recovery-kit.ts';
import type { CliContext } from '../context.ts';

/** A passphrase typed twice without echo, or one line of stdin when it is not a terminal (scripts). */
async function newPassphrase(c: CliContext): Promise<string> {
  if (!process.stdin.isTTY) return (await c.readStdin()).split(/\r?\n/)[0] ?? '';
  const first = await c.ask('Passphrase for the recovery kit (not shown): ', true);
  await checkPassphrase(first);
  const second = await c.ask('The same passphrase again: ', true);
  if (first !== second) throw new UsageError('the two passphrases differ: nothing was written');
  return first;
}

async function passphrase(c: CliContext): Promise<string> {
  if (!process.stdin.isTTY) return (await c.readStdin()).split(/\r?\n/)[0] ?? '';
  return c.ask('Recovery kit passphrase (not shown): ', true);
}

export function registerRecovery(program: Command, ctx: () => CliContext): void {
  const recovery = program
    .command('recovery')
    .description('a passphrase-protected copy of the vault keys, to open the vault on a new machine');

  recovery
    .command('export')
    .description('write the master key (and audit key) wrapped under a passphrase (scrypt + AES-256-GCM)')
    .argument('<file>', 'where to write the kit; keep it apart from the dotfiles that hold vault.json')
    .action(async (file: string) => {
      const c = ctx();
      const path = resolve(file);
      if (await c.fs.readFile(path))
        throw new UsageError(`${path} exists: choose another file name; a kit is never overwritten`);
      const pass = await newPassphrase(c);
      await checkPassphrase(pass);
      const keys = await c.vault.exportKeys();
      try {
        await c.fs.writeFileAtomic(path, await sealKit(keys, pass, (n) => c.random.bytes(n)));
      } finally {
        keys.masterKey.fill(0);
        keys.auditKey.fill(0);
      }
      c.out(
        `Wrote the recovery kit to ${path}. With it and its passphrase, \`tray-cred recovery import\` opens vault ${keys.vaultId} on another machine. Make a new kit after \`tray-cred rekey\`.\n`,
      );
    });

  recovery
    .command('import')
    .description("put a kit's keys into this machine's keychain, so the vault restored from your backup opens")
    .argument('<file>')
    .option('--replace', 'overwrite a different key this keychain already holds for the vault', false)
    .action(async (file: string, options: { replace: boolean }) => {
      const c = ctx();
      const path = resolve(file);
      const text = await readCapped(c.fs, path, LIMITS.kit);
      if (!text) throw new UsageError(`there is no file at ${path}`);
      const keys = await openKit(text.toString('utf8'), await passphrase(c));
      try {
        await c.vault.importKeys(keys, options.replace);
      } finally {
        keys.masterKey.fill(0);
        keys.auditKey.fill(0);
      }
      const present = await c.vault.exists();
      c.out(
        `Stored the keys of vault ${keys.vaultId} in the OS keychain.${present ? ' The vault opens: try `tray-cred list`.' : ` Put vault.json from your backup in ${c.dataDir}.`}\n`,
      );
    });
}
