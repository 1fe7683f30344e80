/**
 * What `tray-cred service install` writes on this platform, and the commands that load it:
 * systemd user units on Linux, a launchd agent on macOS.
 */
import { join } from 'node:path';
import { EnvironmentError } from '../../core/errors.ts';
import { LAUNCHD_LABEL, launchdPlist, plistPath } from './launchd-plist.ts';
import { SERVICE_UNIT, SOCKET_UNIT, serviceUnit, socketUnit } from './systemd-units.ts';

/** Everything the service files depend on, read from the environment by the caller. */
export interface ServicePlace {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  uid: number;
  /** process.execPath */
  node: string;
  /** The running CLI script (dist/tray-cred.mjs), absolute. */
  script: string;
  dataDir: string;
  socket: string;
}

export interface ServiceFile {
  path: string;
  text: string;
}

/** The platform's service manager commands, as argument vectors. */
export interface ServiceCommands {
  /** Loads the files and starts listening (after they were written or changed). */
  start: string[][];
  /** Stops and unloads (before the files are removed). */
  stop: string[][];
  /** After files were removed. */
  forget: string[][];
}

function systemdUserDir(env: NodeJS.ProcessEnv, home: string): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'systemd', 'user');
}

function checkPlatform(platform: NodeJS.Platform): void {
  if (platform !== 'linux' && platform !== 'darwin') {
    throw new EnvironmentError(
      `tray-cred service knows systemd (Linux) and launchd (macOS), not ${platform}: start the tray app at login instead (its menu has "Start at login")`,
    );
  }
}

export function serviceFiles(place: ServicePlace, agentArgs: readonly string[]): ServiceFile[] {
  checkPlatform(place.platform);
  const common = {
    node: place.node,
    script: place.script,
    agentArgs,
    dataDir: place.dataDir,
    socketOverride: place.env.TRAY_CRED_SOCKET || undefined,
  };
  if (place.platform === 'darwin')
    return [{ path: plistPath(place.home), text: launchdPlist({ ...common, home: place.home }) }];
  const units = { ...common, socket: place.socket, runtimeDir: place.env.XDG_RUNTIME_DIR };
  const dir = systemdUserDir(place.env, place.home);
  return [
    { path: join(dir, SOCKET_UNIT), text: socketUnit(units) },
    { path: join(dir, SERVICE_UNIT), text: serviceUnit(units) },
  ];
}

export function serviceCommands(place: ServicePlace): ServiceCommands {
  checkPlatform(place.platform);
  if (place.platform === 'darwin') {
    return {
      start: [['launchctl', 'bootstrap', `gui/${place.uid}`, plistPath(place.home)]],
      stop: [['launchctl', 'bootout', `gui/${place.uid}/${LAUNCHD_LABEL}`]],
      forget: [],
    };
  }
  return {
    start: [
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', SOCKET_UNIT],
    ],
    stop: [['systemctl', '--user', 'disable', '--now', SOCKET_UNIT, SERVICE_UNIT]],
    forget: [['systemctl', '--user', 'daemon-reload']],
  };
}

/** An argument vector as a line the user can paste into a POSIX shell. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
