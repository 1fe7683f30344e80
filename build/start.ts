/**
 * `npm start`: runs the tray app under Electron, or says in one paragraph why it cannot.
 *
 * The electron package finds its runtime through path.txt (written when its binary was
 * downloaded) and dist/, and where the binary is missing, requiring the package downloads it and
 * ends in a stack trace when that fails. The same lookup is done here; the download is its
 * install.js run with its output kept, so a failure becomes one line of the paragraph. Nothing
 * else is started instead: a desktop user who typed `npm start` and silently got a headless agent
 * in a terminal would wait for a tray icon that never comes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { EXIT_STATUS } from '../common/errors.ts';

const ROOT = resolve(import.meta.dirname, '..');

type Runtime = { path: string } | { missing: string; downloadable?: string };

/** The Electron executable, or why there is none (and the package that can download it). */
function electronRuntime(): Runtime {
  let pkg: string;
  try {
    pkg = dirname(createRequire(join(ROOT, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed in node_modules' };
  }
  const pathFile = join(pkg, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override)
    return existsSync(join(override, name ?? 'electron'))
      ? { path: join(override, name ?? 'electron') }
      : { missing: `ELECTRON_OVERRIDE_DIST_PATH names ${override}, which holds no Electron executable` };
  if (name === undefined)
    return { missing: `Electron's runtime was never downloaded (${pathFile} is missing)`, downloadable: pkg };
  const path = join(pkg, 'dist', name);
  return existsSync(path) ? { path } : { missing: `Electron's runtime is missing (no ${path})`, downloadable: pkg };
}

/** What electron's own first start does, with the output kept: undefined when it worked, else its last line. */
function download(pkg: string): string | undefined {
  const r = spawnSync(process.execPath, [join(pkg, 'install.js')], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  if (r.status === 0) return undefined;
  const said = `${r.stdout ?? ''}\n${r.stderr ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return said.at(-1) ?? r.error?.message ?? `install.js exited ${r.status ?? r.signal}`;
}

let runtime = electronRuntime();
if ('missing' in runtime && runtime.downloadable) {
  const failed = download(runtime.downloadable);
  const again = electronRuntime();
  runtime =
    'missing' in again
      ? { missing: `${again.missing}, and downloading it now failed (${failed ?? 'it is still not there'})` }
      : again;
}
if ('missing' in runtime) {
  process.stderr.write(
    `tray-cred: cannot start the tray app: ${runtime.missing}. ` +
      "Get it on a machine that can download Electron's binary (`npm start` does so on its first run; ELECTRON_MIRROR names a mirror you can reach), " +
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
