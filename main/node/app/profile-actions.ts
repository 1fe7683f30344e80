/**
 * What the tray app does for one profile beyond the windows' API: the `export` lines, the console
 * sign-in URL, a terminal running `tray-cred exec`, and "Rotate now". Electron-free. Every use of
 * credentials asks the in-process broker exactly as a client's request does (lock, policy,
 * approval prompt, audit entry); the app is the caller, as a claim, so an approval covers that
 * one use only. What comes back is a secret (keys, a sign-in URL): it goes to the caller and no log.
 */
import type { CallerClaim } from '../../../common/caller.ts';
import type { CredentialProcessDocument } from '../../../common/credential-process.ts';
import type { Broker } from '../../core/pipeline/broker.ts';
import type { FileSystem } from '../../core/ports/ports.ts';
import { checkProfileName } from '../../core/profiles/profile.ts';
import { thisProcessAsCaller } from '../client/this-process.ts';
import { onPath } from '../platform/on-path.ts';
import { runRotation, type RotationDeps } from '../aws/rotation-run.ts';
import { credentialVars, formatExport } from '../exec/child-env.ts';
import { DEFAULT_SIGNIN_URL, consoleUrl } from '../exec/console-login.ts';
import { regionFor } from '../exec/options.ts';
import { requireSession } from '../exec/session-only.ts';

export interface ProfileActionDeps {
  broker: Pick<Broker, 'credentials' | 'withKey' | 'forget'>;
  env: NodeJS.ProcessEnv;
  fs: FileSystem;
  platform: NodeJS.Platform;
  /** The federation endpoint of the partition (`tray-cred login --signin-url`); the commercial one when absent. */
  signinUrl?: string | undefined;
}

let sequence = 0;

/** The app as the caller of an action: what the prompt and the audit entry name. */
function appClaim(action: string, profile: string): CallerClaim {
  return thisProcessAsCaller(`tray-cred app: ${action} (${profile})`);
}

/** One request through the broker's whole pipeline, as `action`. */
function gatedCredentials(
  broker: ProfileActionDeps['broker'],
  profile: string,
  action: string,
  sessionOnly = false,
): Promise<CredentialProcessDocument> {
  sequence += 1;
  const id = `app-${process.pid}-${sequence}`;
  return broker.credentials(id, checkProfileName(profile), appClaim(action, profile), undefined, { sessionOnly });
}

/**
 * The text `tray-cred export <profile>` prints (PowerShell lines on Windows): session
 * credentials only, as `export` gives without `--long-term-key`.
 */
export async function exportLines(d: ProfileActionDeps, profile: string): Promise<string> {
  const creds = requireSession(profile, await gatedCredentials(d.broker, profile, 'Copy export lines', true), false);
  const vars = credentialVars(profile, creds, await regionFor(d, profile, undefined));
  return formatExport(vars, d.platform === 'win32' ? 'powershell' : 'env');
}

/** The console sign-in URL of `tray-cred login <profile>` (one hour; the console's home page). A secret for 15 minutes. */
export async function consoleSignInUrl(d: ProfileActionDeps, profile: string): Promise<string> {
  const creds = await gatedCredentials(d.broker, profile, 'Open console');
  const region = (await regionFor(d, profile, undefined)) ?? 'us-east-1';
  return consoleUrl(creds, {
    profile,
    region,
    destination: undefined,
    signinUrl: d.signinUrl ?? DEFAULT_SIGNIN_URL,
    durationSeconds: 3600,
  });
}

/**
 * "Rotate now": the key's use is decided first (an `ask` profile asks), then the same steps as
 * `tray-cred rotate` (crash-safe, each outcome audited), then the cached session is dropped.
 */
export async function rotateNow(
  d: Omit<RotationDeps, 'withKey'> & { broker: ProfileActionDeps['broker'] },
  profile: string,
): Promise<string[]> {
  await gatedCredentials(d.broker, profile, 'Rotate now');
  try {
    return await runRotation({ ...d, withKey: (fn) => d.broker.withKey(fn) }, profile, async (r) => {
      const { earlier, now } = await r.rotate(profile);
      return [earlier, now];
    });
  } finally {
    await d.broker.forget(profile, appClaim('Rotate now', profile)).catch(() => undefined);
  }
}

/** A terminal the platform has: which one, and the file to run. */
export interface Terminal {
  kind: 'x-terminal-emulator' | 'gnome-terminal' | 'Terminal' | 'wt' | 'cmd';
  file: string;
}

/**
 * The platform's terminal, or undefined when it has none to open (the menu then leaves the item
 * out). Linux: Debian's x-terminal-emulator, else gnome-terminal; macOS: Terminal through
 * `open -a`; Windows: Windows Terminal (wt), else cmd.
 */
export async function findTerminal(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<Terminal | undefined> {
  if (platform === 'darwin') return { kind: 'Terminal', file: '/usr/bin/open' };
  if (platform === 'win32') {
    const wt = await onPath('wt.exe', env, platform);
    if (wt) return { kind: 'wt', file: wt };
    const cmd = env.ComSpec ?? (await onPath('cmd.exe', env, platform));
    return cmd ? { kind: 'cmd', file: cmd } : undefined;
  }
  const x = await onPath('x-terminal-emulator', env, platform);
  if (x) return { kind: 'x-terminal-emulator', file: x };
  const gnome = await onPath('gnome-terminal', env, platform);
  return gnome ? { kind: 'gnome-terminal', file: gnome } : undefined;
}

/**
 * The arguments that make `t` run `<cli> exec <profile>` (which asks the agent like any client:
 * the prompt and the history see it). `cli` is the `tray-cred` the app ships, by its full path, so
 * the terminal runs it whatever its PATH. macOS's Terminal opens a `.command` file, which `script`
 * names; cmd, started detached, gets a console window of its own.
 */
export function terminalArgs(t: Terminal, cli: string, profile: string, script?: string): string[] {
  const command = [cli, 'exec', checkProfileName(profile)];
  switch (t.kind) {
    case 'x-terminal-emulator':
      return ['-e', ...command];
    case 'gnome-terminal':
      return ['--', ...command];
    case 'Terminal':
      return ['-a', 'Terminal', script ?? ''];
    case 'wt':
      return ['new-tab', ...command];
    case 'cmd':
      return ['/k', ...command];
  }
}

/** The `.command` file macOS's Terminal runs `<cli> exec <profile>` from; the profile name is checked, and both are quoted. */
export function terminalScript(cli: string, profile: string): string {
  return `#!/bin/sh\nexec '${cli.replace(/'/g, `'\\''`)}' exec '${checkProfileName(profile)}'\n`;
}
