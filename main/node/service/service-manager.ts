/**
 * `tray-cred service install|uninstall|status`: writes or removes the service files and, where a
 * service manager answers, loads them; where none does (a container, a CI box, SSH without a
 * user session), prints exactly the commands to run later. Exported for `tray-cred setup`.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EnvironmentError } from '../../core/errors.ts';
import type { CommandResult } from '../platform/run-command.ts';
import { serviceCommands, serviceFiles, shellLine, type ServicePlace } from './service-files.ts';

export type RunCommand = (argv: readonly string[]) => Promise<CommandResult>;

export interface ServiceOptions {
  place: ServicePlace;
  run: RunCommand;
  out: (line: string) => void;
}

/** Whether a service manager for this user answers: systemd's user instance, or launchd (always, on macOS). */
export async function managerAnswers(place: ServicePlace, run: RunCommand): Promise<boolean> {
  if (place.platform === 'darwin') return true;
  const r = await run(['systemctl', '--user', 'is-system-running']);
  return ['running', 'degraded', 'starting', 'initializing'].includes(r.stdout.trim());
}

async function current(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

async function runAll(
  run: RunCommand,
  out: (line: string) => void,
  commands: readonly string[][],
  ignoreFailure = false,
): Promise<void> {
  for (const argv of commands) {
    const r = await run(argv);
    if (r.status !== 0 && !ignoreFailure) {
      const why = r.stderr.trim().split('\n')[0] || `exit status ${r.status}`;
      throw new EnvironmentError(
        `\`${shellLine(argv)}\` failed (${why}): fix that and run \`tray-cred service install\` again`,
      );
    }
    out(`ran: ${shellLine(argv)}`);
  }
}

export interface InstallResult {
  /** The files written (empty when all were already as wanted). */
  changed: string[];
  /** Whether the service manager was told; otherwise `commands` are for the user to run. */
  started: boolean;
  commands: string[];
}

/** Writes the service files (0644, as systemd and launchd expect) and starts the service. Idempotent. */
export async function installService(
  options: ServiceOptions & { agentArgs: readonly string[]; dryRun: boolean },
): Promise<InstallResult> {
  const { place, run, out } = options;
  const files = serviceFiles(place, options.agentArgs);
  const changed: string[] = [];
  for (const file of files) {
    if ((await current(file.path)) === file.text) continue;
    changed.push(file.path);
    if (options.dryRun) {
      out(`would write ${file.path}:\n${file.text}`);
      continue;
    }
    await mkdir(dirname(file.path), { recursive: true });
    await writeFile(file.path, file.text, { mode: 0o644 });
    out(`wrote ${file.path}`);
  }
  if (changed.length === 0)
    out(`the service files are installed and up to date, nothing changed: ${files.map((f) => f.path).join(', ')}`);
  const commands = serviceCommands(place);
  // launchd refuses to bootstrap a label it has loaded: unload the old definition first.
  const start = place.platform === 'darwin' && changed.length === 0 ? [] : commands.start;
  const lines = start.map(shellLine);
  if (options.dryRun) {
    if (lines.length > 0) out(`would then run:\n  ${lines.join('\n  ')}`);
    return { changed, started: false, commands: lines };
  }
  if (!(await managerAnswers(place, run))) {
    out(
      `no systemd user manager answers here (\`systemctl --user is-system-running\`), so nothing was started; in a login session, run:\n  ${commands.start.map(shellLine).join('\n  ')}`,
    );
    return { changed, started: false, commands: commands.start.map(shellLine) };
  }
  if (place.platform === 'darwin' && changed.length > 0) await runAll(run, () => undefined, commands.stop, true);
  await runAll(run, out, start);
  return { changed, started: true, commands: lines };
}

/** Stops the service where a manager answers and removes the files. */
export async function uninstallService(options: ServiceOptions & { dryRun: boolean }): Promise<void> {
  const { place, run, out } = options;
  const files = serviceFiles(place, []);
  const present = [];
  for (const file of files) if ((await current(file.path)) !== null) present.push(file.path);
  if (present.length === 0) {
    out('the service is not installed: nothing to remove');
    return;
  }
  const commands = serviceCommands(place);
  if (options.dryRun) {
    out(`would run:\n  ${commands.stop.map(shellLine).join('\n  ')}\nwould remove ${present.join(', ')}`);
    return;
  }
  const answers = await managerAnswers(place, run);
  if (answers) await runAll(run, out, commands.stop, true);
  for (const path of present) {
    await rm(path, { force: true });
    out(`removed ${path}`);
  }
  if (answers) await runAll(run, out, commands.forget, true);
  else
    out(
      `no systemd user manager answers here; if one runs these units elsewhere, stop them there with:\n  ${commands.stop.map(shellLine).join('\n  ')}`,
    );
}
