/**
 * The systemd user units that run the headless agent with socket activation: systemd owns the
 * socket, starts `tray-cred agent` on the first connection and hands the socket in (fd 3), and
 * the agent's stderr goes to the journal. Pure: the caller says where everything is.
 */
import { EnvironmentError } from '../../core/errors.ts';

export const SOCKET_UNIT = 'tray-cred-agent.socket';
export const SERVICE_UNIT = 'tray-cred-agent.service';

export interface UnitPlace {
  /** The Node binary that runs the CLI (process.execPath): absolute. */
  node: string;
  /** The built CLI (dist/tray-cred.mjs): absolute. */
  script: string;
  /** Arguments after `agent` (the options given to `service install`). */
  agentArgs: readonly string[];
  /** The socket path the helper computes (helper/paths.ts socketPath). */
  socket: string;
  /** $XDG_RUNTIME_DIR as the user's shell sees it, which systemd's %t names. */
  runtimeDir: string | undefined;
  /** The data directory the CLI computes, passed as TRAY_CRED_HOME so the service finds the same vault. */
  dataDir: string;
  /** TRAY_CRED_SOCKET when the user set it: the service must listen there too. */
  socketOverride: string | undefined;
}

/** `%` starts a specifier in every unit setting. */
function specifiers(text: string): string {
  return text.replace(/%/g, '%%');
}

/**
 * One word of an Exec line: backslash and quote escaped (systemd reads C escapes), `%` doubled,
 * `$` doubled in arguments (else it expands a variable; the executable itself is not expanded),
 * and quoted when it holds white space.
 */
export function execWord(word: string, executable = false): string {
  const escaped = specifiers(word.replace(/\\/g, '\\\\').replace(/"/g, '\\"'));
  const text = executable ? escaped : escaped.replace(/\$/g, '$$$$');
  return /[\s"']/.test(word) || text === '' ? `"${text}"` : text;
}

/** What systemd cannot take in a unit, refused with the fix rather than written as a unit that fails later. */
function checkPaths(place: UnitPlace): void {
  // eslint-disable-next-line no-control-regex -- a line break would end the setting
  const control = /[\x00-\x1f\x7f]/;
  if (/\\/.test(place.node) || control.test(place.node)) {
    throw new EnvironmentError(
      `systemd cannot run an executable whose path holds a backslash or a control character (${JSON.stringify(place.node)}): install Node under a plain path and run \`tray-cred service install\` with it`,
    );
  }
  for (const text of [place.script, place.socket, place.dataDir, ...place.agentArgs]) {
    if (control.test(text))
      throw new EnvironmentError(
        `${JSON.stringify(text)} holds a control character, which a unit file cannot carry: use a path or option without one`,
      );
  }
}

/** An `Environment=` assignment, quoted whole as systemd.exec(5) shows. */
function environment(name: string, value: string): string {
  return `Environment="${specifiers(`${name}=${value}`.replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`;
}

/** ListenStream= for the socket: `%t/...` when it lies under XDG_RUNTIME_DIR, so the unit follows the runtime directory. */
export function listenStream(socket: string, runtimeDir: string | undefined): string {
  if (runtimeDir && socket.startsWith(`${runtimeDir.replace(/\/+$/, '')}/`))
    return `%t${specifiers(socket.slice(runtimeDir.replace(/\/+$/, '').length))}`;
  return specifiers(socket);
}

export function socketUnit(place: UnitPlace): string {
  checkPaths(place);
  return [
    '[Unit]',
    'Description=tray-cred AWS credential agent socket',
    '',
    '[Socket]',
    `ListenStream=${listenStream(place.socket, place.runtimeDir)}`,
    'SocketMode=0600',
    'DirectoryMode=0700',
    // The agent watches its socket file; systemd removes it when the socket unit stops.
    'RemoveOnStop=yes',
    '',
    '[Install]',
    'WantedBy=sockets.target',
    '',
  ].join('\n');
}

export function serviceUnit(place: UnitPlace): string {
  checkPaths(place);
  const exec = [
    execWord(place.node, true),
    ...[place.script, 'agent', ...place.agentArgs].map((w) => execWord(w)),
  ].join(' ');
  return [
    '[Unit]',
    'Description=tray-cred AWS credential agent',
    `Requires=${SOCKET_UNIT}`,
    `After=${SOCKET_UNIT}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    environment('TRAY_CRED_HOME', place.dataDir),
    ...(place.socketOverride ? [environment('TRAY_CRED_SOCKET', place.socketOverride)] : []),
    // stderr is the agent's log: the journal keeps it (`journalctl --user -u tray-cred-agent`).
    'StandardError=journal',
    '',
    '[Install]',
    `Also=${SOCKET_UNIT}`,
    '',
  ].join('\n');
}
