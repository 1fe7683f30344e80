import { showMessageBox } from './prompt-host.ts';
import { chmod, copyFile, cp, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, win32 } from 'node:path';
import { awsFiles } from '../core/aws/import-sources.ts';
import { UsageError } from '../core/errors.ts';
import type { FileSystem } from '../core/ports/ports.ts';
import { addCredentialProcessLines, installHelper } from '../node/setup/install-helper.ts';
import { showError } from './show-error.ts';

export interface InstallHelperFlowDeps {
  /** The helper the app ships: resources/bin/tray-cred-helper when packaged, dist/tray-cred-helper.cjs in a checkout. */
  helperPath: string;
  /** The CLI the app ships: resources/bin/tray-cred (a link to the same executable) when packaged, dist/tray-cred.mjs in a checkout. */
  cliPath: string;
  /** Profile names (no secrets); throws LOCKED while locked. */
  profiles: () => Promise<string[]>;
  env: NodeJS.ProcessEnv;
  /** The app's file system, for the AWS config file's backup and atomic rewrite. */
  fs: FileSystem;
  home?: string;
  /** The OS (default this one): Windows gets the folder to add to Path; macOS an absolute credential_process. */
  platform?: NodeJS.Platform;
}

/**
 * Where the link may point. An AppImage runs from a mount under /tmp that is gone once the app
 * quits, so its helper is copied to ~/.local/share/tray-cred/bin first (and again on each
 * install, which is how an update reaches it). macOS runs a downloaded app from a random
 * read-only path until it is moved to Applications ("App Translocation").
 */
async function stablePaths(
  deps: Pick<InstallHelperFlowDeps, 'helperPath' | 'cliPath' | 'env'>,
  home: string,
): Promise<{ helper: string; cli: string }> {
  const { helperPath, cliPath, env } = deps;
  if (helperPath.startsWith('/Volumes/')) {
    throw new UsageError(
      'tray-cred runs from its disk image, which is gone once ejected: drag tray-cred to Applications, open it from there, and install the helper again',
    );
  }
  if (helperPath.includes('/AppTranslocation/')) {
    throw new UsageError(
      'tray-cred runs from a temporary copy that macOS made of the download: move tray-cred to Applications, open it from there, and install the helper again',
    );
  }
  if (!env.APPIMAGE) return { helper: helperPath, cli: cliPath };
  // The executable, the CLI's bundle beside it (helper/packaged-entry.ts finds it at ../cli) and the CLI's link.
  const root = join(home, '.local', 'share', 'tray-cred');
  const dir = join(root, 'bin');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, 'tray-cred-helper');
  const temp = `${target}.${process.pid}.tmp`;
  await copyFile(helperPath, temp);
  await chmod(temp, 0o755);
  await rename(temp, target);
  await rm(join(root, 'cli'), { recursive: true, force: true });
  await cp(join(dirname(helperPath), '..', 'cli'), join(root, 'cli'), { recursive: true });
  await rm(join(dir, 'tray-cred'), { force: true });
  await symlink('tray-cred-helper', join(dir, 'tray-cred'));
  return { helper: target, cli: join(dir, 'tray-cred') };
}

/**
 * Tray menu → Install command-line helper…: with the user's consent, links `tray-cred-helper`
 * into ~/.local/bin, then offers to point the vault's profiles at it in ~/.aws/config (a backup
 * first, no other line changed). Every step is a yes the user gives; a failure shows the core's
 * message, which names the fix.
 */
export async function runInstallHelperFlow(deps: InstallHelperFlowDeps): Promise<void> {
  const home = deps.home ?? homedir();
  const platform = deps.platform ?? process.platform;
  if (platform === 'win32') return windowsPathAdvice(deps.helperPath);
  const consent = await showMessageBox(
    {
      type: 'question',
      title: 'tray-cred',
      message: 'Install the command-line helper?',
      detail:
        `This puts tray-cred-helper and tray-cred in ${home}/.local/bin, linked to the commands inside tray-cred (${deps.helperPath}). ` +
        'The AWS CLI and SDKs run the helper through credential_process; neither needs a Node of its own.',
      buttons: ['Cancel', 'Install'],
      defaultId: 1,
      cancelId: 0,
      noLink: true,
    },
    platform,
  );
  if (consent.response !== 1) return;
  let installed;
  try {
    const stable = await stablePaths(deps, home);
    const where = { binDir: `${home}/.local/bin`, ...(deps.env.PATH ? { pathEnv: deps.env.PATH } : {}) };
    installed = await installHelper({ helperPath: stable.helper, ...where });
    // The CLI too: the tray's "Run a terminal" runs `tray-cred exec`, and every piece of advice names a tray-cred command.
    await installHelper({ helperPath: stable.cli, name: 'tray-cred', ...where });
  } catch (error) {
    await showError('tray-cred could not install the helper', error);
    return;
  }
  let names: string[] = [];
  try {
    names = await deps.profiles();
  } catch {
    // Locked: the helper is installed; the config lines can be added later with `tray-cred configure-aws`.
  }
  // macOS: apps started from the Dock or Finder get launchd's minimal PATH, and zsh reads ~/.zprofile, not ~/.profile.
  const advice =
    platform === 'darwin' ? (installed.advice ?? '').replace('~/.profile', '~/.zprofile') : (installed.advice ?? '');
  const where = `${installed.command} is ${installed.changed ? 'installed' : 'already installed'}.${installed.onPath ? '' : `\n\n${advice}`}`;
  // By its full path, as setup and configure-aws write it: the line works in every terminal and app, whatever its PATH.
  const command = installed.command;
  if (names.length === 0) {
    await showMessageBox(
      {
        type: 'info',
        title: 'tray-cred',
        message: 'Command-line helper installed',
        detail: `${where}\n\nTo point profiles at it: tray-cred configure-aws (unlock first if tray-cred is locked).`,
        buttons: ['OK'],
        noLink: true,
      },
      platform,
    );
    return;
  }
  const { config, credentials } = awsFiles(deps.env, home);
  const offer = await showMessageBox(
    {
      type: 'question',
      title: 'tray-cred',
      message: 'Point your AWS profiles at tray-cred?',
      detail: `${where}\n\nAdd "credential_process = ${command} <profile>" to ${config} for: ${names.join(', ')}? A backup of the file is made first; no other line changes.`,
      buttons: ['Not now', 'Add the lines'],
      defaultId: 1,
      cancelId: 0,
      noLink: true,
    },
    platform,
  );
  if (offer.response !== 1) return;
  await addLines(deps.fs, config, credentials, names, command, platform);
}

/** No ~/.local/bin on Windows, and credential_process cannot hold a path with spaces or backslashes: the user adds the folder to Path. */
async function windowsPathAdvice(helperPath: string): Promise<void> {
  await showMessageBox({
    type: 'info',
    title: 'tray-cred',
    message: 'The commands are on your Path',
    detail: `The installer put their folder (${win32.dirname(helperPath)}) on your user Path. Open a new terminal, then run: tray-cred configure-aws. If tray-cred is not found there, add that folder yourself (Settings → System → About → Advanced system settings → Environment Variables).`,
    buttons: ['OK'],
    noLink: true,
  });
}

async function addLines(
  fs: FileSystem,
  config: string,
  credentials: string,
  names: string[],
  command: string,
  platform: NodeJS.Platform,
): Promise<void> {
  try {
    const r = await addCredentialProcessLines({
      fs,
      configPath: config,
      credentialsPath: credentials,
      profiles: names,
      command,
    });
    const lines = [
      r.changed.length ? `Set for: ${r.changed.join(', ')}.` : 'Every profile was set already.',
      r.backup ? `Backup: ${r.backup}` : '',
      r.shadowed.length
        ? `Still in plaintext in ${credentials}, which the AWS CLI reads first: ${r.shadowed.join(', ')}. Remove them with tray-cred import ${credentials} --remove-source.`
        : '',
    ].filter(Boolean);
    await showMessageBox(
      {
        type: r.shadowed.length ? 'warning' : 'info',
        title: 'tray-cred',
        message: `Updated ${config}`,
        detail: lines.join('\n\n'),
        buttons: ['OK'],
        noLink: true,
      },
      platform,
    );
  } catch (error) {
    await showError(`tray-cred could not edit ${config}`, error);
  }
}
