/**
 * The tray's profile submenu in action: "Copy `export` lines" (Electron's clipboard, cleared
 * after 60 s if it still holds them), "Open console…" (shell.openExternal), "Run a terminal with
 * this profile" and "Rotate now". Each goes through the broker (main/node/app/profile-actions.ts);
 * the person hears of the outcome in a notification, and the log gets failures only, never a
 * key or a sign-in URL.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Notification, clipboard, shell } from 'electron';
import { displayText } from '../../../common/display.ts';
import { EnvironmentError } from '../../core/errors.ts';
import type { Clock } from '../../core/ports/ports.ts';
import type { RotationDeps } from '../../node/aws/rotation-run.ts';
import {
  consoleSignInUrl,
  exportLines,
  rotateNow,
  terminalArgs,
  terminalScript,
  type ProfileActionDeps,
  type Terminal,
} from '../../node/app/profile-actions.ts';

/** How long copied keys may stay on the clipboard. */
export const CLIPBOARD_CLEAR_MS = 60_000;

export interface TrayProfileActionDeps extends ProfileActionDeps, Omit<RotationDeps, 'withKey' | 'clock'> {
  clock: Clock;
  /** The platform's terminal (profile-actions.ts findTerminal), or undefined: no terminal item. */
  terminal: Terminal | undefined;
  /** The `tray-cred` the terminal runs, by its full path: the CLI the app ships (app.ts), so no PATH is needed. */
  cli: string;
  warn: (message: string) => void;
}

/** What the submenu's items call. */
export interface TrayProfileActions {
  copyExport(profile: string): Promise<void>;
  openConsole(profile: string): Promise<void>;
  openTerminal(profile: string): Promise<void>;
  rotateNow(profile: string): Promise<void>;
}

function notify(title: string, body: string): void {
  if (Notification.isSupported()) new Notification({ title, body }).show();
}

/** Starts the terminal and resolves once it has started (or rejects with why it could not). */
async function launch(t: Terminal, cli: string, profile: string, env: NodeJS.ProcessEnv): Promise<void> {
  let script: string | undefined;
  if (t.kind === 'Terminal') {
    // Terminal runs a `.command` file it is given; a private folder of our own holds it.
    const dir = await mkdtemp(join(tmpdir(), 'tray-cred-terminal-'));
    script = join(dir, `tray-cred-${profile}.command`);
    await writeFile(script, terminalScript(cli, profile), { mode: 0o700 });
    await chmod(script, 0o700);
  }
  const child = spawn(t.file, terminalArgs(t, cli, profile, script), { env, detached: true, stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new EnvironmentError(
          `could not start ${t.file} (${e.code ?? e.message}): run \`tray-cred exec ${profile}\` in a terminal yourself`,
        ),
      ),
    );
  });
  child.unref();
}

/** The submenu's actions; each reports its outcome and never throws (a menu click has nobody to throw to). */
export function trayProfileActions(deps: TrayProfileActionDeps): TrayProfileActions {
  const attempt = (what: string, profile: string, task: () => Promise<void>) => async (): Promise<void> => {
    try {
      await task();
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      deps.warn(`${what} for "${profile}" failed: ${message}`);
      notify(`tray-cred: ${what} failed`, displayText(message, 300));
    }
  };
  return {
    copyExport: (profile) =>
      attempt('copying the export lines', profile, async () => {
        const text = await exportLines(deps, profile);
        await clipboard.writeText(text);
        notify(
          `tray-cred: copied the keys of “${displayText(profile, 64)}”`,
          `Paste them into a shell. The clipboard is cleared in ${CLIPBOARD_CLEAR_MS / 1000} s.`,
        );
        deps.clock.setTimer(CLIPBOARD_CLEAR_MS, () => {
          // Only what we put there: something copied since is the person's own.
          void clipboard.readText().then(
            (now) => now === text && clipboard.clear(),
            (e: unknown) => deps.warn(`could not read the clipboard to clear it: ${(e as Error).message}`),
          );
        });
      })(),
    openConsole: (profile) =>
      attempt('opening the console', profile, async () => {
        const url = await consoleSignInUrl(deps, profile);
        // The URL signs anyone in: a failure is told without it.
        await shell.openExternal(url).catch(() => {
          throw new EnvironmentError(
            `the browser could not be opened: run \`tray-cred login ${profile} --stdout\` and open the URL yourself`,
          );
        });
      })(),
    openTerminal: (profile) =>
      attempt('opening a terminal', profile, async () => {
        if (!deps.terminal)
          throw new EnvironmentError(
            `no terminal to open on this system: run \`tray-cred exec ${profile}\` in one yourself`,
          );
        await launch(deps.terminal, deps.cli, profile, deps.env);
      })(),
    rotateNow: (profile) =>
      attempt('rotating the key', profile, async () => {
        const lines = await rotateNow(deps, profile);
        notify(
          `tray-cred: rotated “${displayText(profile, 64)}”`,
          displayText(lines.join('; ') || 'nothing to do', 300),
        );
      })(),
  };
}
