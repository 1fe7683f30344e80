import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { homedir } from 'node:os';
import { awsCliV1Problem } from '../../../core/aws/aws-cli-version.ts';
import {
  configProfiles,
  helperIn,
  maskSecrets,
  profilesWithSecrets,
  setCredentialProcess,
  unsetCredentialProcess,
} from '../../../core/aws/aws-config-edit.ts';
import { UsageError } from '../../../core/errors.ts';
import { awsFiles } from '../../../core/aws/import-sources.ts';
import { probeAwsCli } from '../../aws/aws-cli.ts';
import { readAwsConfig, rewriteAwsConfig } from '../../aws/aws-config-file.ts';
import { helperForConfig } from '../../setup/install-helper.ts';
import type { CliContext } from '../context.ts';

type AwsFiles = ReturnType<typeof awsFiles>;

interface Options {
  profiles?: string;
  unset?: string;
  dryRun: boolean;
}

const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function registerConfigureAws(program: Command, ctx: () => CliContext): void {
  program
    .command('configure-aws')
    .description('point profiles in ~/.aws/config at tray-cred-helper, by its full path, changing no other line')
    .option('--profiles <names>', 'only these profiles, comma-separated (default: every profile in the vault)')
    .option(
      '--unset <names>',
      "instead take tray-cred-helper's `credential_process` line (by name or full path) out of these profiles, comma-separated",
    )
    .option('--dry-run', 'print the change as a unified diff and write nothing', false)
    .action(async (options: Options) => {
      const c = ctx();
      const files = awsFiles(c.env, homedir());
      if (options.unset !== undefined) return unset(c, files, options);
      const names = await chosenProfiles(c, options.profiles);
      const aws = await probeAwsCli(c.env);
      const v1 = awsCliV1Problem(aws.first, aws.v2Elsewhere);
      if (v1) c.err(`warning: ${v1}`);
      await set(c, files, names, options.dryRun);
      // Last, so it is what the user sees: the AWS CLI and SDKs take static keys in the credentials file over credential_process.
      await warnShadowed(c, files, names);
    });
}

async function chosenProfiles(c: CliContext, profiles: string | undefined): Promise<string[]> {
  const names = await c.withKey(async (key) => Object.keys((await c.vault.read(key)).data.profiles).sort());
  if (names.length === 0) throw new UsageError('the vault holds no profiles yet: import or add some first');
  if (!profiles) return names;
  const wanted = list(profiles);
  const missing = wanted.filter((n) => !names.includes(n));
  if (missing.length) throw new UsageError(`not in the vault: ${missing.join(', ')}; import or add them first`);
  return wanted;
}

/** A unified diff of the config, with the values of any keys left in it hidden. */
function diff(files: AwsFiles, before: string, after: string, label: string): string {
  return createTwoFilesPatch(files.config, files.config, maskSecrets(before), maskSecrets(after), 'now', label);
}

async function set(c: CliContext, files: AwsFiles, names: string[], dryRun: boolean): Promise<void> {
  const helper = await helperForConfig(c.env, homedir());
  const before = await readAwsConfig(c, files);
  const edit = setCredentialProcess(before, names, (p) => `${helper} ${p}`);
  if (dryRun) {
    c.out(
      edit.changed.length
        ? diff(files, before, edit.text, 'after configure-aws')
        : `${files.config} needs no change.\n`,
    );
    return;
  }
  if (edit.changed.length === 0) {
    c.out(`${files.config} already points ${edit.unchanged.join(', ')} at ${helper}.\n`);
    return;
  }
  const lines = configProfiles(before);
  const byName = edit.changed.filter((p) => helperIn(lines.get(p))?.byName);
  const backup = await rewriteAwsConfig(c, files, before, edit.text);
  if (backup) c.out(`Backed up ${files.config} to ${backup}\n`);
  c.out(
    `Set credential_process = ${helper} <profile> for ${edit.changed.join(', ')} in ${files.config}${edit.unchanged.length ? ` (already set: ${edit.unchanged.join(', ')})` : ''}.\n`,
  );
  if (byName.length)
    c.out(
      `${byName.join(', ')} ran tray-cred-helper by name, which works only where PATH finds it: now by its full path, which works in every terminal and app.\n`,
    );
}

/** One line for every profile just configured whose plaintext keys the AWS CLI would still use instead. */
async function warnShadowed(c: CliContext, files: AwsFiles, names: string[]): Promise<void> {
  const creds = await c.fs.readFile(files.credentials);
  const shadowed = creds
    ? profilesWithSecrets(creds.toString('utf8'), 'credentials').filter((n) => names.includes(n))
    : [];
  if (shadowed.length === 0) return;
  c.err(
    `warning: ${files.credentials} still has plaintext keys for ${shadowed.map((n) => `"${n}"`).join(', ')}, and the AWS CLI uses them before credential_process: ` +
      `run \`tray-cred import ${files.credentials} --profiles ${shadowed.join(',')} --remove-source\``,
  );
}

/** `--unset`: needs no vault, since the profiles are usually gone from it already. */
async function unset(c: CliContext, files: AwsFiles, options: Options): Promise<void> {
  if (options.profiles) throw new UsageError('--unset names its own profiles: drop --profiles');
  const names = list(options.unset ?? '');
  if (names.length === 0)
    throw new UsageError('--unset takes profile names, comma-separated: `tray-cred configure-aws --unset dev,prod`');
  const before = await readAwsConfig(c, files);
  const edit = unsetCredentialProcess(before, names);
  const none = names.filter((n) => !edit.removed.includes(n));
  const noneLine = none.length
    ? `${files.config} has no \`credential_process = tray-cred-helper <profile>\` line for ${none.join(', ')}.\n`
    : '';
  if (options.dryRun) {
    c.out(edit.removed.length ? diff(files, before, edit.text, 'after configure-aws --unset') : noneLine);
    return;
  }
  if (edit.removed.length) {
    const backup = await rewriteAwsConfig(c, files, before, edit.text);
    if (backup) c.out(`Backed up ${files.config} to ${backup}\n`);
    c.out(
      `Took credential_process = tray-cred-helper <profile> out of ${edit.removed.join(', ')} in ${files.config}.\n`,
    );
  }
  c.out(noneLine);
}
