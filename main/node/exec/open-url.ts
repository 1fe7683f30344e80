/**
 * Opens a URL in the user's browser: $BROWSER when set (the convention of git, Python's
 * webbrowser and xdg-utils), else the platform's opener. The URL goes as one argument, never
 * through a shell.
 */
import { spawn } from 'node:child_process';
import { EnvironmentError } from '../../core/errors.ts';

function opener(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): [string, string[]] {
  const browser = env.BROWSER?.split(':')[0]?.trim();
  if (browser) return [browser, []];
  if (platform === 'darwin') return ['/usr/bin/open', []];
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler']];
  return ['xdg-open', []];
}

/** Resolves once the opener has exited successfully; rejects with the fix when it could not. */
export function openUrl(
  url: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): Promise<void> {
  const [command, args] = opener(env, platform);
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, url], { env, stdio: 'ignore' });
    const fail = (why: string): void =>
      reject(
        new EnvironmentError(
          `could not open a browser with ${command} (${why}): set BROWSER, or pass --stdout and open the URL yourself`,
        ),
      );
    child.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    child.once('exit', (code) => (code === 0 ? resolve() : fail(`exit status ${code}`)));
  });
}
