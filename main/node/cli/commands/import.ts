import type { Command } from 'commander';
import { realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, resolve } from 'node:path';
import { ProfileAdmin } from '../../../core/vault/admin.ts';
import { removeSections } from '../../../core/aws/aws-config-edit.ts';
import { parseCredentialsFile, type ParsedCredentials } from '../../../core/aws/credentials-file.ts';
import { UsageError } from '../../../core/errors.ts';
import { LIMITS, readCapped } from '../../../core/file-limits.ts';
import {
  SOURCE_FORMATS,
  awsFiles,
  detectFormat,
  readEnvironment,
  readSource,
  type SourceFormat,
} from '../../../core/aws/import-sources.ts';
import { passphraseFromKeyFile } from '../../../core/aws/openssl-enc.ts';
import type { NewCredentials, ProfileRecord } from '../../../core/profiles/profile.ts';
import { ssoProfileNames } from '../../../core/aws/sso-config.ts';
import type { CliContext } from '../context.ts';

interface ImportOptions {
  format?: string;
  profiles?: string;
  replace: boolean;
  passFile?: string;
  iter?: string;
  as?: string;
  removeSource: boolean;
  sessionMode: boolean;
}

const same = (c: NewCredentials, p: ProfileRecord | undefined): boolean =>
  p !== undefined &&
  p.accessKeyId === c.accessKeyId &&
  p.secretAccessKey === c.secretAccessKey &&
  (p.sessionToken ?? undefined) === (c.sessionToken ?? undefined) &&
  (p.expiration ?? undefined) === (c.expiration ?? undefined);

/** Identity Center profiles in ~/.aws/config hold no keys to import: say how to convert them instead. */
async function offerSsoConversion(
  c: CliContext,
  stored: Record<string, { source?: { kind: string } | undefined }>,
): Promise<void> {
  // Only a hint: a config that cannot be read is configure-aws's to report, not a reason to fail the import.
  const config = (await c.fs.readFile(awsFiles(c.env, homedir()).config).catch(() => null))?.toString('utf8') ?? '';
  for (const n of ssoProfileNames(config).filter((name) => stored[name]?.source?.kind !== 'sso')) {
    c.out(
      `"${n}" signs in with IAM Identity Center and leaves its token in ~/.aws/sso/cache: convert it with \`tray-cred sso add ${n} --from-config\`\n`,
    );
  }
}

export function registerImport(program: Command, ctx: () => CliContext): void {
  program
    .command('import')
    .description(
      'import profiles from a credentials file, an openssl-encrypted one, a credential_<profile> file or the environment (names are printed, never keys)',
    )
    .argument('[file]', 'the file to read (not with --format env)')
    .option('--format <format>', `one of ${SOURCE_FORMATS.join(', ')} (detected from the file when omitted)`)
    .option('--profiles <names>', 'only these profiles, comma-separated')
    .option('--replace', 'replace profiles that exist already (their policy is kept)', false)
    .option(
      '--pass-file <file>',
      'openssl-enc: the key file given to `openssl enc -pass file:` (asked for without echo when omitted)',
    )
    .option('--iter <n>', 'openssl-enc: the -iter count it was made with (default 10000)')
    .option('--as <profile>', 'env and credential-file: the profile name to store under')
    .option(
      '--remove-source',
      'after each profile is read back from the vault and matched, remove it from the source (the file goes when nothing else is left)',
      false,
    )
    .option(
      '--session-mode',
      'serve new ask profiles with long-term keys as STS session credentials (the CLI then never sees those keys)',
      false,
    )
    .action(async (file: string | undefined, options: ImportOptions) => {
      const c = ctx();
      const read = await readChosen(c, file, options);
      await c.withKey((key) => store(c, key, read, options));
    });
}

/** What an import read: the profiles chosen, and the source they came from (for retiring it). */
interface ReadSource {
  format: SourceFormat;
  parsed: ParsedCredentials;
  chosen: Map<string, NewCredentials>;
  path: string | undefined;
  bytes: Buffer | undefined;
}

async function readChosen(c: CliContext, file: string | undefined, options: ImportOptions): Promise<ReadSource> {
  if (options.format !== undefined && !SOURCE_FORMATS.includes(options.format as SourceFormat)) {
    throw new UsageError(`--format takes ${SOURCE_FORMATS.join(', ')}`);
  }
  const read = options.format === 'env' ? readEnv(c, file, options) : await readFile(c, file, options);
  const { parsed, path } = read;
  let chosen = parsed.profiles;
  if (options.profiles) {
    const wanted = options.profiles
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const missing = wanted.filter((n) => !parsed.profiles.has(n));
    if (missing.length)
      throw new UsageError(
        `the source has no profile ${missing.map((m) => `"${m}"`).join(', ')} with keys; it has: ${[...parsed.profiles.keys()].join(', ') || 'none'}`,
      );
    chosen = new Map(wanted.map((n) => [n, parsed.profiles.get(n)!]));
  }
  if (chosen.size === 0)
    throw new UsageError(`${path ?? 'the source'} holds no profile with aws_access_key_id and aws_secret_access_key`);
  return { ...read, chosen };
}

function readEnv(c: CliContext, file: string | undefined, options: ImportOptions): Omit<ReadSource, 'chosen'> {
  if (file) throw new UsageError('--format env reads the environment and takes no file');
  return { format: 'env', parsed: readEnvironment(c.env, options.as), path: undefined, bytes: undefined };
}

async function readFile(
  c: CliContext,
  file: string | undefined,
  options: ImportOptions,
): Promise<Omit<ReadSource, 'chosen'>> {
  if (!file) throw new UsageError('name the file to import (or use --format env --as <profile>)');
  const path = resolve(file);
  const bytes = await readSourceFile(c, path, options.format as SourceFormat | undefined);
  const format = (options.format as SourceFormat | undefined) ?? detectFormat(path, bytes);
  let passphrase: Buffer | undefined;
  if (format === 'openssl-enc') {
    if (options.passFile) {
      const keyFile = await readCapped(c.fs, resolve(options.passFile), LIMITS.keyFile);
      if (!keyFile) throw new UsageError(`there is no key file at ${resolve(options.passFile)}`);
      passphrase = passphraseFromKeyFile(keyFile);
    } else {
      passphrase = Buffer.from(await c.ask(`Passphrase for ${basename(path)} (not shown): `, true));
    }
  }
  try {
    const parsed = readSource(format, path, bytes, {
      passphrase,
      iterations: options.iter === undefined ? undefined : Number(options.iter),
      profile: options.as,
    });
    return { format, parsed, path, bytes };
  } finally {
    passphrase?.fill(0);
  }
}

/**
 * The file to import, within the cap of its format: its size is checked before it is read, and
 * an undeclared format is told from the first bytes alone.
 */
async function readSourceFile(c: CliContext, path: string, format: SourceFormat | undefined): Promise<Buffer> {
  if ((await c.fs.size(path)) === null) throw new UsageError(`there is no file at ${path}`);
  const kind = format ?? detectFormat(path, await c.fs.readRange(path, 0, 16));
  const bytes = await readCapped(c.fs, path, kind === 'openssl-enc' ? LIMITS.openssl : LIMITS.credentials);
  if (!bytes) throw new UsageError(`there is no file at ${path}`);
  return bytes;
}

/** Stores what was read, says what happened (names only), and retires the plaintext when asked. */
async function store(c: CliContext, key: Buffer, read: ReadSource, options: ImportOptions): Promise<void> {
  const { format, parsed, chosen, path, bytes } = read;
  const source = path ?? 'the environment';
  const admin = new ProfileAdmin(c.vault, await c.audit());
  const r = await admin.import(key, chosen, {
    replace: options.replace,
    source: `${source} (${format})`,
    sessionMode: options.sessionMode,
  });
  const lines = [
    ...r.added.map((n) => `added     ${n}`),
    ...r.replaced.map((n) => `replaced  ${n}`),
    ...r.skipped.map((n) => `skipped   ${n} (exists; --replace to overwrite)`),
    ...parsed.skipped.map((s) => `ignored   ${s.profile} (${s.why})`),
  ];
  c.out(`${lines.join('\n')}\nImported ${r.added.length + r.replaced.length} profile(s) from ${source}.\n`);
  // Read back from disk once: for the session-mode hint, and to retire only what was stored.
  const stored = (await c.vault.read(key)).data.profiles;
  const guarded = r.added.filter(
    (n) => stored[n]?.policy === 'ask' && !stored[n]?.sts?.sessionMode && !stored[n]?.sessionToken,
  );
  for (const n of guarded)
    c.out(
      `"${n}" asks before each use. To hand the CLI only short-lived STS sessions instead of its long-term key: tray-cred sts ${n} --session-mode on\n`,
    );
  await offerSsoConversion(c, stored);
  if (!options.removeSource) return;
  // Retire the plaintext only for what the vault now holds, compared with the source.
  const verified = [...chosen].filter(([name, creds]) => same(creds, stored[name])).map(([name]) => name);
  const unverified = [...chosen.keys()].filter((n) => !verified.includes(n));
  for (const n of unverified)
    c.out(`kept in the source: ${n} (the vault holds other keys for it; --replace to store these)\n`);
  await retire(c, format, path, bytes, verified, parsed, options.passFile);
}

/** Rewrites or removes a file where it really lives: a dotfiles symlink keeps pointing at the edited file. */
async function target(path: string): Promise<string> {
  return realpath(path);
}

async function removeFile(c: CliContext, path: string): Promise<void> {
  const real = await target(path);
  await c.fs.remove(real);
  if (real !== path) await c.fs.remove(path);
}

async function retire(
  c: CliContext,
  format: SourceFormat,
  path: string | undefined,
  bytes: Buffer | undefined,
  verified: string[],
  parsed: ParsedCredentials,
  keyFile?: string,
): Promise<void> {
  if (format === 'env' || !path || !bytes) {
    c.out(
      'The keys are in the vault: unset AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN in this shell and in the files that set them.\n',
    );
    return;
  }
  const now = await c.fs.readFile(path);
  if (!now || !now.equals(bytes))
    throw new UsageError(`${path} changed while importing: nothing was removed from it; run the import again`);
  if (verified.length === 0) return;
  const real = await target(path);
  const where = real === path ? path : `${path} (${real})`;

  if (format === 'aws-credentials' || format === 'credential-file') {
    const text = bytes.toString('utf8');
    let sections = verified;
    if (format === 'credential-file') {
      // The profile may be stored under another name (--as): remove the section it was read from.
      const keyed = [...parseCredentialsFile(text).profiles.keys()];
      const name = verified[0]!;
      sections = keyed.includes(name) ? [name] : keyed.length === 1 ? keyed : [];
    }
    const edit = removeSections(text, sections, 'credentials');
    if (edit.removed.length === 0) {
      c.out(`Kept ${where}: it has no section that matches what was imported.\n`);
    } else if (edit.empty) {
      await removeFile(c, path);
      c.out(`Removed ${where}: every profile in it is in the vault.\n`);
    } else {
      await c.fs.writeFileAtomic(real, edit.text);
      c.out(`Removed ${edit.removed.join(', ')} from ${where}; the rest of the file is unchanged.\n`);
    }
    return;
  }
  // openssl-enc: the file is one ciphertext, so it goes only when nothing in it would be lost.
  const left = [
    ...[...parsed.profiles.keys()].filter((n) => !verified.includes(n)),
    ...parsed.skipped.map((k) => k.profile),
  ];
  if (left.length === 0) {
    await removeFile(c, path);
    // Named, so that the person knows which file to delete (`setup` passes the recipe's ~/.secrets/aws-creds.key).
    const key = keyFile
      ? `${resolve(keyFile)} (rm '${resolve(keyFile).replace(/'/g, `'\\''`)}')`
      : 'the key file given to `openssl enc -pass file:`';
    c.out(
      `Removed ${where}: every profile in it is in the vault. Its key file is no longer needed: delete ${key} too.\n`,
    );
  } else {
    c.out(
      `Kept ${where}: it also holds ${left.join(', ')}, which were not imported; remove it yourself when you no longer need them.\n`,
    );
  }
}
