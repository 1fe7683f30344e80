/**
 * Where the agent lives on this machine: its socket (or named pipe) and its data directory,
 * computed by one function each that the agent and the helper both import, so the two can
 * never disagree about where to meet.
 *
 * Pure functions of a {@link SocketPlace}: the caller passes the environment, platform and
 * user, so every platform's answer can be tested on any machine.
 */
import { join } from 'node:path';

/** Where the agent listens and the helper connects, computed the same way by both. */
export interface SocketPlace {
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  /** Numeric uid on POSIX; unused on Windows. */
  uid: number;
  username: string;
  homedir: string;
}

/**
 * The agent's socket (or named pipe) path: `TRAY_CRED_SOCKET`, else
 * `$XDG_RUNTIME_DIR/tray-cred/agent.sock` on Linux (falling back to `/tmp/tray-cred-<uid>/`),
 * the data directory on macOS, `\\.\pipe\tray-cred-<user>` on Windows.
 */
export function socketPath(place: SocketPlace): string {
  const override = place.env.TRAY_CRED_SOCKET;
  if (override) return override;
  if (place.platform === 'win32') return `\\\\.\\pipe\\tray-cred-${place.username.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  if (place.platform === 'darwin') return join(dataDir(place), 'agent.sock');
  const runtime = place.env.XDG_RUNTIME_DIR;
  return runtime ? join(runtime, 'tray-cred', 'agent.sock') : join('/tmp', `tray-cred-${place.uid}`, 'agent.sock');
}

/**
 * The data directory: `TRAY_CRED_HOME`, else `$XDG_CONFIG_HOME/tray-cred` on Linux,
 * `~/Library/Application Support/tray-cred` on macOS, `%APPDATA%\tray-cred` on Windows.
 */
export function dataDir(place: SocketPlace): string {
  const override = place.env.TRAY_CRED_HOME;
  if (override) return override;
  if (place.platform === 'darwin') return join(place.homedir, 'Library', 'Application Support', 'tray-cred');
  if (place.platform === 'win32')
    return join(place.env.APPDATA ?? join(place.homedir, 'AppData', 'Roaming'), 'tray-cred');
  return join(place.env.XDG_CONFIG_HOME || join(place.homedir, '.config'), 'tray-cred');
}
