/**
 * `npm start`: runs the tray app under Electron, or says in one paragraph why it cannot.
 *
 * The electron package finds its runtime through path.txt (written when its binary was
 * downloaded) and dist/. Requiring the package where the binary is missing starts a download in
 * the foreground and ends in a stack trace, so the same lookup is done here without it. Nothing
 * else is started instead: a desktop user who typed `npm start` and silently got a headless agent
 * in a terminal would wait for a tray icon that never comes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { EXIT_STATUS } from '../common/errors.ts';

const ROOT = resolve(import.meta.dirname, '..');

/** The Electron executable, or why there is none. */
function electronRuntime(): { path: string } | { missing: string } {
  let pkg: string;
  try {
    pkg = dirname(createRequire(join(ROOT, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed in node_modules' };
  }
  const pathFile = join(pkg, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) return existsSync(join(override, name ?? 'electron')) ? { path: join(override, name ?? 'electron') } : { missing: `ELECTRON_OVERRIDE_DIST_PATH names ${override}, which holds no Electron executable` };
  if (name === undefined) return { missing: `Electron's runtime was never downloaded (${pathFile} is missing)` };
  const path = join(pkg, 'dist', name);
  return existsSync(path) ? { path } : { missing: `Electron's runtime is missing (no ${path})` };
}

const runtime = electronRuntime();
if ('missing' in runtime) {
  process.stderr.write(
    `tray-cred: cannot start the tray app: ${runtime.missing}. ` +
      'Get it on a machine that can download Electron\'s binary (`npm ci` there fetches it from GitHub, or set ELECTRON_MIRROR to a mirror you can reach), ' +
      'or install the packaged app (`npm run dist` on such a machine builds it). ' +
      'Nothing was started: a headless agent in this terminal instead of a tray icon would surprise a desktop user. ' +
      'Meanwhile `npm run agent` runs the headless agent, which serves tray-cred-helper and asks for approvals with `--approver`.\n',
  );
  process.exit(EXIT_STATUS.ENVIRONMENT);
}

// As electron's own cli.js does: the app in this folder, stdio shared, the exit status passed on.
const child = spawn(runtime.path, ['.', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit', windowsHide: false });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('close', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
