import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Start at login on Linux, where Electron has no login items: a desktop entry in the XDG
 * autostart directory, which GNOME, KDE, Xfce and most other desktops run at login.
 */
export interface AutostartPlace {
  env: NodeJS.ProcessEnv;
  home?: string;
}

export function autostartFile({ env, home = homedir() }: AutostartPlace): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'autostart', 'tray-cred.desktop');
}

/**
 * A desktop entry's Exec value, as the Desktop Entry spec reads it: `%` doubled (a lone `%` starts
 * a field code), arguments with spaces or specials quoted, and inside quotes `"` `\`` `$` `\`
 * escaped with a backslash that is itself written `\\` (the string unescaping comes first).
 */
export function execValue(argv: readonly string[]): string {
  return argv
    .map((a) => {
      const arg = a.replace(/%/g, '%%');
      return /^[\w@%+=:,./-]+$/.test(arg)
        ? arg
        : `"${arg.replace(/["`$\\]/g, (c) => (c === '\\' ? '\\\\\\\\' : `\\\\${c}`))}"`;
    })
    .join(' ');
}

/**
 * Writes or removes the autostart entry. `argv` starts the app: the AppImage itself
 * (`$APPIMAGE`) or the installed executable, never a path inside a mounted AppImage that is gone
 * after a reboot.
 */
export async function setAutostart(on: boolean, argv: readonly string[], place: AutostartPlace): Promise<string> {
  const file = autostartFile(place);
  if (!on) {
    await rm(file, { force: true });
    return file;
  }
  await mkdir(join(file, '..'), { recursive: true });
  const entry = [
    '[Desktop Entry]',
    'Type=Application',
    'Name=tray-cred',
    'Comment=AWS credential agent',
    `Exec=${execValue(argv)}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
  await writeFile(file, entry, { mode: 0o644 });
  return file;
}
