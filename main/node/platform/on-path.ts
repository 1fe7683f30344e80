/**
 * Where a PATH finds a command: the one lookup of the commands, the tray and setup (a terminal to
 * open, the `aws` doctor asks, the `tray-cred-helper` a config line names).
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * Every `<dir>/<file>` of `env`'s PATH that can be run, in PATH's order, as found: absolute (a
 * relative entry is taken from the current directory) but not resolved through links, so a link
 * to an app's command follows the app when it is updated. `file` is the exact name (`aws.exe` on
 * Windows, where existing is enough).
 */
export async function allOnPath(file: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<string[]> {
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  const found: string[] = [];
  for (const dir of dirs) {
    const path = platform === 'win32' ? join(dir, file) : resolve(dir, file);
    const ok = await access(path, platform === 'win32' ? constants.F_OK : constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok && !found.includes(path)) found.push(path);
  }
  return found;
}

/** The first of them, or undefined when PATH finds none. */
export async function onPath(
  file: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): Promise<string | undefined> {
  return (await allOnPath(file, env, platform))[0];
}
