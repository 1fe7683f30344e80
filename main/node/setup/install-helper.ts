/**
 * "Install command-line helper…": puts `tray-cred-helper` on the user's PATH and points chosen
 * AWS profiles at it. Electron-free, so the tray menu and tests call the same code.
 */
import { constants } from 'node:fs';
import {
  access,
  chmod,
  lstat,
  mkdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { profilesWithSecrets, setCredentialProcess } from '../../core/aws/aws-config-edit.ts';
import { EnvironmentError, UsageError } from '../../core/errors.ts';
import type { FileSystem } from '../../core/ports/ports.ts';
import { allOnPath } from '../platform/on-path.ts';

const NAME = 'tray-cred-helper';
/** The second line of every launcher this module writes: how a later install knows the file is its own. */
export const launcherMark = (name: string): string => `# ${name} launcher, written by tray-cred`;

export interface InstallHelperOptions {
  /** The helper the app ships: its single executable, or dist/tray-cred-helper.cjs in a development checkout. */
  helperPath: string;
  /** Where the command goes. Default `~/.local/bin`; `/usr/local/bin` only when the user chose it. */
  binDir?: string;
  /** The PATH to report on (default: this process's). */
  pathEnv?: string;
  /** The Node a launcher for the .cjs helper runs (default: `node` from PATH at run time). */
  node?: string;
  /** The command's name: `tray-cred-helper` (the default) or `tray-cred` (then `helperPath` is the CLI). */
  name?: 'tray-cred-helper' | 'tray-cred';
}

export interface InstallHelperResult {
  /** The command's path, `<binDir>/tray-cred-helper`. */
  command: string;
  /** A symlink to the single executable, or a launcher script for the .cjs helper. */
  kind: 'symlink' | 'launcher';
  /** False when exactly this was installed already. */
  changed: boolean;
  /** Whether `binDir` is on PATH; when it is not, `advice` says how to add it. */
  onPath: boolean;
  advice: string | undefined;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

async function existing(path: string): Promise<{ link: string } | { text: string } | { other: true } | null> {
  const stat = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!stat) return null;
  if (stat.isSymbolicLink()) return { link: await readlink(path) };
  if (stat.isFile() && stat.size < 4096) return { text: await readFile(path, 'utf8') };
  return { other: true };
}

/** A link to some tray-cred command (an older app location included) or a launcher with our mark. */
function isOurs(found: NonNullable<Awaited<ReturnType<typeof existing>>>, name: string): boolean {
  if ('link' in found) return /(^|[/\\])tray-cred(-helper)?(\.cjs|\.mjs|\.exe)?$/.test(found.link);
  if ('text' in found) return found.text.split('\n')[1] === launcherMark(name);
  return false;
}

/**
 * Installs `tray-cred-helper` into `binDir`: a symlink to the single executable (so an app
 * update is picked up), or a small sh launcher for the .cjs bundle. Never replaces a file it did
 * not create; the error says how to remove it.
 */
export async function installHelper(options: InstallHelperOptions): Promise<InstallHelperResult> {
  if (process.platform === 'win32')
    throw new UsageError(
      "installing the helper on Windows is not supported yet: add the app's resources\\bin folder to PATH",
    );
  const helperPath = resolve(options.helperPath);
  const binDir = resolve(options.binDir ?? setupBinDir(homedir()));
  const name = options.name ?? NAME;
  const command = join(binDir, name);
  await lstat(helperPath).catch(() => {
    throw new UsageError(
      `the helper ${helperPath} does not exist: reinstall tray-cred, or run \`node build/bundle.ts\` in a checkout`,
    );
  });
  const kind = /\.(c|m)?js$/.test(helperPath) ? 'launcher' : 'symlink';
  const launcher = `#!/bin/sh\n${launcherMark(name)}\nexec ${options.node ? quote(options.node) : 'node'} ${quote(helperPath)} "$@"\n`;

  const found = await existing(command);
  let changed = true;
  if (found) {
    if (!isOurs(found, name)) {
      throw new UsageError(
        `${command} already exists and was not installed by tray-cred, so it was left alone: look at it, remove it (rm ${quote(command)}) and install again`,
      );
    }
    changed =
      kind === 'symlink'
        ? !('link' in found && found.link === helperPath)
        : !('text' in found && found.text === launcher);
  }
  if (changed) {
    await mkdir(binDir, { recursive: true, mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EACCES' || error.code === 'EPERM')
        throw new UsageError(`cannot create ${binDir}: choose ~/.local/bin, or install there as an administrator`);
      throw error;
    });
    // Built beside the target and renamed over it, so the command is never missing or half-written.
    const temp = join(binDir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      if (kind === 'symlink') await symlink(helperPath, temp);
      else {
        await writeFile(temp, launcher, { flag: 'wx' });
        // Explicitly, as writeFile's mode is cut by the umask: everyone may run the launcher.
        await chmod(temp, 0o755);
      }
      await rename(temp, command);
    } catch (error) {
      await rm(temp, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM')
        throw new UsageError(`cannot write to ${binDir}: choose ~/.local/bin, or install there as an administrator`);
      throw error;
    }
  }
  const onPath = dirOnPath(binDir, options.pathEnv ?? process.env.PATH);
  return {
    command,
    kind,
    changed,
    onPath,
    advice: onPath
      ? undefined
      : `${binDir} is not on your PATH: add it, e.g. in ~/.profile: export PATH="${binDir}:$PATH", then open a new terminal`,
  };
}

/**
 * Removes `<binDir>/<name>` when it is a link or launcher tray-cred installed; a file of anyone
 * else's stays. Returns what happened, for the command to say.
 */
export async function removeCommand(
  binDir: string,
  name: 'tray-cred-helper' | 'tray-cred',
): Promise<'removed' | 'absent' | 'not ours'> {
  const command = join(binDir, name);
  const found = await existing(command);
  if (!found) return 'absent';
  if (!isOurs(found, name)) return 'not ours';
  await rm(command, { force: true });
  return 'removed';
}

/** Whether `dir` is one of the directories of a PATH value (compared as resolved paths). */
function dirOnPath(dir: string, path: string | undefined): boolean {
  return (path ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((d) => resolve(d))
    .includes(resolve(dir));
}

/** Where `tray-cred setup` installs `tray-cred` and `tray-cred-helper`. */
export const setupBinDir = (home: string): string => join(home, '.local', 'bin');

/** Where `tray-cred setup` installs `tray-cred-helper`. */
export const setupHelperPath = (home: string): string => join(setupBinDir(home), NAME);

/** Why `path` cannot stand in a credential_process line (the AWS tools split it at white space and quotes), or undefined. */
function unusableInConfig(path: string): string | undefined {
  if (!/[\s'"\\]/.test(path)) return undefined;
  return (
    `the helper's path ${path} has a space or quote, which a credential_process line cannot hold: ` +
    `link it from a folder whose path has none and put that folder first on PATH (e.g. \`sudo ln -s ${quote(path)} /usr/local/bin/${NAME}\`), then run this again`
  );
}

/**
 * The `tray-cred-helper` a credential_process line runs, by absolute path, so that `aws` works in
 * every terminal and in apps started with a minimal PATH: the one `tray-cred setup` installed in
 * ~/.local/bin when it is there (a link or launcher of ours that runs), else the first on `env`'s
 * PATH, as found (a link to an app's helper follows the app's updates). One whose path has a space
 * or quote is passed over for the next. `tray-cred setup` and `configure-aws` both write this.
 * Windows: the bare name, as its folder goes on Path (docs/platforms.md).
 */
export async function helperForConfig(
  env: NodeJS.ProcessEnv,
  home: string,
  platform: NodeJS.Platform = process.platform,
): Promise<string> {
  if (platform === 'win32') return NAME;
  const installed = setupHelperPath(home);
  const found = await existing(installed);
  const ours =
    found !== null &&
    isOurs(found, NAME) &&
    (await access(installed, constants.X_OK).then(
      () => true,
      () => false,
    ));
  const candidates = [...(ours ? [installed] : []), ...(await allOnPath(NAME, env, platform))];
  const usable = candidates.find((path) => unusableInConfig(path) === undefined);
  if (usable) return usable;
  if (candidates[0]) throw new EnvironmentError(unusableInConfig(candidates[0])!);
  throw new EnvironmentError(
    `${NAME} is neither installed in ${dirname(installed)} nor on PATH: run \`tray-cred setup\` (it installs it there), or put ${NAME} on PATH, then run this again`,
  );
}

export interface CredentialProcessOptions {
  /** The process's file system (its composition root's): the backup and the new file are written atomically, 0600. */
  fs: FileSystem;
  /** The AWS config file (honour AWS_CONFIG_FILE: see `awsFiles` in main/core/aws/import-sources.ts). */
  configPath: string;
  profiles: readonly string[];
  /** The AWS credentials file: profiles that still have plaintext keys there are reported, as the CLI prefers those keys. */
  credentialsPath?: string;
  /** For the backup's name (default: now). */
  now?: Date;
  /**
   * The command to write (default `tray-cred-helper`, found on PATH). An absolute path works in
   * every terminal and from apps started with a minimal PATH, at the price of naming this home
   * directory in a file that may be shared between machines.
   */
  command?: string;
}

export interface CredentialProcessResult {
  changed: string[];
  unchanged: string[];
  /** The copy of the file as it was, when there was one and it changed. */
  backup: string | undefined;
  /** Chosen profiles whose plaintext keys in the credentials file win over credential_process. */
  shadowed: string[];
}

/**
 * Sets `credential_process = tray-cred-helper <profile>` for each profile with the same surgical
 * edit as `tray-cred configure-aws`: a backup first, no other line changed, a symlinked file
 * edited where it lives.
 */
export async function addCredentialProcessLines(options: CredentialProcessOptions): Promise<CredentialProcessResult> {
  if (options.profiles.length === 0) throw new UsageError('choose at least one profile');
  const { fs } = options;
  const before = (await fs.readFile(options.configPath))?.toString('utf8') ?? '';
  const command = options.command ?? NAME;
  const unusable = unusableInConfig(command);
  if (unusable) throw new UsageError(unusable);
  const edit = setCredentialProcess(before, [...options.profiles], (p) => `${command} ${p}`);
  const creds = options.credentialsPath ? await fs.readFile(options.credentialsPath) : null;
  const shadowed = creds
    ? profilesWithSecrets(creds.toString('utf8'), 'credentials').filter((n) => options.profiles.includes(n))
    : [];
  let backup: string | undefined;
  if (edit.changed.length > 0) {
    await mkdir(dirname(options.configPath), { recursive: true, mode: 0o700 });
    if (before) {
      backup = `${options.configPath}.tray-cred-backup-${(options.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
      await fs.writeFileAtomic(backup, before);
    }
    await fs.writeFileAtomic(before ? await realpath(options.configPath) : options.configPath, edit.text);
  }
  return { changed: edit.changed, unchanged: edit.unchanged, backup, shadowed };
}
