import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { maskSecrets, profilesWithSecrets, setCredentialProcess } from '../../core/aws-config-edit.ts';
import { UsageError } from '../../core/errors.ts';
import { awsFiles } from '../../core/import-sources.ts';
import type { CliContext } from '../context.ts';

export function registerConfigureAws(program: Command, ctx: () => CliContext): void {
  program
    .command('configure-aws')
    .description('point profiles in ~/.aws/config at tray-cred-helper, changing no other line')
    .option('--profiles <names>', 'only these profiles, comma-separated (default: every profile in the vault)')
    .option('--dry-run', 'print the change as a unified diff and write nothing', false)
    .action(async (options: { profiles?: string; dryRun: boolean }) => {
      const c = ctx();
      const files = awsFiles(c.env, homedir());
      let names = await c.withKey(async (key) => Object.keys((await c.vault.read(key)).data.profiles).sort());
      if (options.profiles) {
        const wanted = options.profiles.split(',').map((s) => s.trim()).filter(Boolean);
        const missing = wanted.filter((n) => !names.includes(n));
        if (missing.length) throw new UsageError(`not in the vault: ${missing.join(', ')}; import or add them first`);
        names = wanted;
      }
      if (names.length === 0) throw new UsageError('the vault holds no profiles yet: import or add some first');
      const before = (await c.fs.readFile(files.config))?.toString('utf8') ?? '';
      const edit = setCredentialProcess(before, names, (p) => `tray-cred-helper ${p}`);

      // The AWS CLI and SDKs take static keys in the credentials file over credential_process.
      const creds = await c.fs.readFile(files.credentials);
      if (creds) {
        const shadowed = profilesWithSecrets(creds.toString('utf8'), 'credentials').filter((n) => names.includes(n));
        for (const n of shadowed) {
          c.err(`warning: ${files.credentials} still has plaintext keys for "${n}", and the AWS CLI uses them before credential_process: run \`tray-cred import ${files.credentials} --profiles ${n} --remove-source\``);
        }
      }
      if (options.dryRun) {
        // Context lines could show keys someone left in the config: their values are hidden.
        c.out(edit.changed.length ? createTwoFilesPatch(files.config, files.config, maskSecrets(before), maskSecrets(edit.text), 'now', 'after configure-aws') : `${files.config} needs no change.\n`);
        return;
      }
      if (edit.changed.length === 0) {
        c.out(`${files.config} already points ${edit.unchanged.join(', ')} at tray-cred-helper.\n`);
        return;
      }
      await c.fs.ensurePrivateDir(files.dir).catch(() => undefined);
      if (before) {
        const backup = `${files.config}.tray-cred-backup-${new Date(c.clock.now()).toISOString().replace(/[:.]/g, '-')}`;
        await c.fs.writeFileAtomic(backup, before);
        c.out(`Backed up ${files.config} to ${backup}\n`);
      }
      // Edit the file where it lives: a config symlinked from a dotfiles repo stays a symlink.
      const real = before ? await realpath(files.config) : files.config;
      await c.fs.writeFileAtomic(real, edit.text);
      c.out(`Set credential_process = tray-cred-helper <profile> for ${edit.changed.join(', ')} in ${files.config}${edit.unchanged.length ? ` (already set: ${edit.unchanged.join(', ')})` : ''}.\n`);
    });
}
