/**
 * `doctor`'s check of what setup installed: the launchers in ~/.local/bin and the systemd user unit
 * record the Node and the package they run by absolute path; one that is gone (Node upgraded or
 * removed, the package or an old clone moved) breaks every `aws` call, so it is named with the fix.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SERVICE_UNIT } from '../../service/systemd-units.ts';
import { launcherMark, setupBinDir } from '../../setup/install-helper.ts';

interface Findings {
  act(text: string): void;
}

/** Single-quoted words as install-helper.ts writes them (`'it'\''s'`). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'/g)].map((m) => m[1]!.replace(/'\\''/g, "'"));
}

async function gone(path: string): Promise<boolean> {
  return access(path).then(
    () => false,
    () => true,
  );
}

async function text(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

export async function checkInstall(env: NodeJS.ProcessEnv, home: string, f: Findings): Promise<void> {
  const fix =
    'run `tray-cred setup` again with the Node you use now first on PATH (it rewrites the commands and the service)';
  for (const name of ['tray-cred', 'tray-cred-helper']) {
    const file = join(setupBinDir(home), name);
    const launcher = await text(file);
    if (launcher?.split('\n')[1] !== launcherMark(name)) continue;
    const exec = launcher.split('\n').find((l) => l.startsWith('exec ')) ?? '';
    for (const path of shellWords(exec)) if (await gone(path)) f.act(`${file} runs ${path}, which is gone: ${fix}`);
  }
  const unitFile = join(env.XDG_CONFIG_HOME || join(home, '.config'), 'systemd', 'user', SERVICE_UNIT);
  const unit = await text(unitFile);
  const exec = unit?.split('\n').find((l) => l.startsWith('ExecStart='));
  if (!exec) return;
  // The executable and the script: plain words, or double-quoted where a path holds white space.
  const words = [...exec.slice('ExecStart='.length).matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) =>
    (m[1] ?? m[2]!).replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'),
  );
  for (const path of words.slice(0, 2)) if (await gone(path)) f.act(`${unitFile} runs ${path}, which is gone: ${fix}`);
}
