/**
 * `tray-cred uninstall`: takes back what `tray-cred setup` put outside the vault (the user
 * service or background agent, the `tray-cred` and `tray-cred-helper` commands in ~/.local/bin)
 * without leaving `aws` pointing at a helper that is gone. The vault, its keychain entry and the
 * audit log stay: they are the user's data, and a later setup picks them up again.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { configProfiles } from '../../core/aws/aws-config-edit.ts';
import { awsFiles } from '../../core/aws/import-sources.ts';
import { UsageError } from '../../core/errors.ts';
import type { CliContext } from '../cli/context.ts';
import { addCredentialProcessLines, removeCommand, setupBinDir, setupHelperPath } from './install-helper.ts';
import { runCli } from './run-cli.ts';
import { headlessAgentScript, stopProcess } from './earlier-agent.ts';

export interface UninstallOptions {
  dryRun: boolean;
  /** A tray-cred-helper that stays (the package manager's, an app's): the config lines are pointed at it. */
  repoint: string | undefined;
}

/** The profiles whose credential_process runs the helper uninstall takes away: by its path, or by name where PATH finds it there. */
function profilesUsing(configText: string, launcher: string): string[] {
  const out: string[] = [];
  for (const [profile, value] of configProfiles(configText)) {
    const first = value?.trim().split(/\s+/)[0];
    if (first === launcher || first === 'tray-cred-helper') out.push(profile);
  }
  return out;
}

export async function uninstall(
  c: CliContext,
  options: UninstallOptions,
  service: (dryRun: boolean) => Promise<void>,
): Promise<void> {
  const say = (line: string): void => c.out(`${line}\n`);
  const binDir = setupBinDir(homedir());
  const launcher = setupHelperPath(homedir());
  const { config } = awsFiles(c.env, homedir());
  const text = (await c.fs.readFile(config))?.toString('utf8') ?? '';
  const using = profilesUsing(text, launcher);

  // 1. ~/.aws/config first: nothing is removed while a profile still runs the helper it would lose.
  if (using.length > 0 && options.repoint === undefined)
    throw new UsageError(
      `these profiles in ${config} run ${launcher} (or tray-cred-helper by name), which uninstall removes: ${using.join(', ')}. Point them at a helper that stays first: \`tray-cred uninstall --repoint <path of tray-cred-helper>\` (the package manager's, e.g. $(npm prefix -g)/bin/tray-cred-helper), or change each \`credential_process\` line yourself. Nothing was changed`,
    );
  if (using.length > 0 && options.repoint !== undefined) {
    const target = options.repoint;
    if (target === launcher || !target.startsWith('/'))
      throw new UsageError(`--repoint takes the full path of a tray-cred-helper that stays, not ${target}`);
    if ((await c.fs.size(target)) === null)
      throw new UsageError(`--repoint ${target}: no such file: give the full path of an installed tray-cred-helper`);
    if (options.dryRun) say(`would point ${using.join(', ')} in ${config} at ${target}`);
    else {
      const r = await addCredentialProcessLines({ fs: c.fs, configPath: config, profiles: using, command: target });
      if (r.backup) say(`backed up ${config} to ${r.backup}`);
      say(`${config}: credential_process = ${target} <profile> for ${using.join(', ')}`);
    }
  }

  // 2. The agent: the user service if one is installed, else a background agent setup started.
  await service(options.dryRun);
  const status = await runCli(['status', '--json'], c.env);
  if (status.status === 0) {
    const pid = (JSON.parse(status.stdout) as { agentPid: number }).agentPid;
    if (headlessAgentScript(pid) === undefined)
      say(`the agent ${pid} is the tray app: quit it from its menu (it is not removed here)`);
    else if (options.dryRun) say(`would stop the background agent ${pid}`);
    else {
      await stopProcess(pid);
      say(`stopped the background agent ${pid}`);
    }
  }

  // 3. The commands setup put on PATH: only ours.
  for (const name of ['tray-cred', 'tray-cred-helper'] as const) {
    const command = join(binDir, name);
    if (options.dryRun) {
      say(`would remove ${command} if tray-cred installed it`);
      continue;
    }
    const r = await removeCommand(binDir, name);
    say(
      r === 'removed'
        ? `removed ${command}`
        : r === 'absent'
          ? `${command}: not there`
          : `${command} was not installed by tray-cred: left alone`,
    );
  }
  say(
    `kept: the vault ${c.vault.path}, its key in the OS keychain and the audit log in ${c.dataDir} (\`tray-cred setup\` uses them again)`,
  );
}
