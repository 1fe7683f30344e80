/**
 * The steps of `tray-cred setup`, in order. Each step is idempotent (run again, it says it has
 * nothing to do), says what it did, and changes nothing when it fails: the commands it runs are
 * atomic themselves (the vault and ~/.aws/config are replaced whole, plaintext is retired last).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { maskSecrets, setCredentialProcess } from '../../core/aws/aws-config-edit.ts';
import { awsFiles } from '../../core/aws/import-sources.ts';
import { EXIT_STATUS } from '../../../common/errors.ts';
import { EnvironmentError } from '../../core/errors.ts';
import type { CliContext } from '../cli/context.ts';
import {
  addCredentialProcessLines,
  helperForConfig,
  installHelper,
  setupBinDir,
  setupHelperPath,
} from './install-helper.ts';
import { runCommand, type CommandResult } from '../platform/run-command.ts';
import { managerAnswers } from '../service/service-manager.ts';
import { discoverSources, recipeScript, type FoundSource } from './discover.ts';
import { earlierAgentScript, stopProcess } from './earlier-agent.ts';
import { builtCommands, runCli } from './run-cli.ts';
import { agentFits, agentStatus, chooseApprovals, type ApprovalChoice, type ApprovalQuestion } from './approvals.ts';
import { startInBackground } from '../service/agent-control.ts';

/** What the steps share: the command's context, the sources imported so far, and how to talk. */
export interface SetupRun {
  c: CliContext;
  dryRun: boolean;
  /** Asks before importing; false when the user said no. */
  confirm(question: string): Promise<boolean>;
  say(text: string): void;
  imported: FoundSource[];
  /** The profile the check step served, when it served one. */
  checked: string | undefined;
  /** How setup may ask who approves `ask` profiles (approvals.ts). */
  approvals: Omit<ApprovalQuestion, 'say'>;
  /** The approvals step's answer; undefined when no profile asks. */
  choice?: ApprovalChoice | undefined;
}

export interface SetupStep {
  title: string;
  run(s: SetupRun): Promise<void>;
}

/** A command setup ran that failed: setup exits with that command's own status. */
class CommandFailed extends EnvironmentError {
  private readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }

  override get exitStatus(): number {
    return this.status;
  }
}

/** A command a step ran: its output, indented under the step; a failure stops setup with its message. */
async function cli(s: SetupRun, args: string[]): Promise<CommandResult> {
  const r = await runCli(args, s.c.env);
  for (const line of `${r.stdout}${r.stderr}`.split('\n').filter(Boolean)) s.say(`    ${line}`);
  if (r.status !== 0)
    throw new CommandFailed(
      `\`tray-cred ${args.join(' ')}\` exited ${r.status ?? 'without starting'}${r.stderr ? `: ${r.stderr.trim().split('\n').at(-1)}` : ''}`,
      r.status ?? EXIT_STATUS.INTERNAL,
    );
  return r;
}

const vault: SetupStep = {
  title: 'vault',
  async run(s) {
    if (await s.c.vault.exists()) return s.say(`  a vault exists at ${s.c.vault.path}: kept`);
    if (s.dryRun)
      return s.say(`  would run: tray-cred init (a new vault at ${s.c.vault.path}, its key in the OS keychain)`);
    await cli(s, ['init']);
  },
};

const importSources: SetupStep = {
  title: 'import',
  async run(s) {
    const found = await discoverSources(s.c.fs, s.c.env, homedir());
    if (found.length === 0)
      return s.say('  nothing to import: no plaintext keys in ~/.aws and no openssl recipe files');
    for (const f of found) s.say(`  found ${f.file}: ${f.what}`);
    if (s.dryRun)
      return s.say(`  would run: ${found.map((f) => `tray-cred import ${[f.file, ...f.args].join(' ')}`).join('; ')}`);
    if (
      !(await s.confirm('Import these into the vault? The files stay until the last step has checked the vault [y/N] '))
    ) {
      return s.say('  not imported (you said no); import later with `tray-cred import <file>`');
    }
    for (const f of found) {
      await cli(s, ['import', f.file, ...f.args]);
      s.imported.push(f);
    }
  },
};

const commandsOnPath: SetupStep = {
  title: 'commands',
  async run(s) {
    const { cli: cliPath, helper } = builtCommands();
    const binDir = setupBinDir(homedir());
    if (s.dryRun) return s.say(`  would install tray-cred and tray-cred-helper into ${binDir}`);
    let advice: string | undefined;
    for (const [name, target] of [
      ['tray-cred', cliPath],
      ['tray-cred-helper', helper],
    ] as const) {
      const r = await installHelper({
        name,
        helperPath: target,
        binDir,
        node: process.execPath,
        pathEnv: s.c.env.PATH,
      });
      s.say(`  ${r.command}: ${r.changed ? 'installed' : 'already installed'}`);
      advice = r.advice;
    }
    if (advice) s.say(`  ${advice}`);
  },
};

/**
 * `credential_process = <home>/.local/bin/tray-cred-helper <profile>` for every vault profile: always
 * the full path of the helper setup installed (helperForConfig, as configure-aws writes it), never
 * the bare name, so that `aws` works in every terminal whatever its PATH, and in apps started with a
 * minimal PATH; setup run again from a shell with another PATH writes the same line.
 */
const awsConfig: SetupStep = {
  title: 'aws config',
  async run(s) {
    const names = (await s.c.vault.exists())
      ? await s.c.withKey(async (key) => Object.keys((await s.c.vault.read(key)).data.profiles).sort())
      : [];
    if (names.length === 0)
      return s.say('  the vault holds no profiles yet: add one with `tray-cred add <profile>`, then run setup again');
    // Chosen as configure-aws chooses (the helper the commands step just installed); a dry run installed nothing, so it names the one it would.
    const command = s.dryRun ? setupHelperPath(homedir()) : await helperForConfig(s.c.env, homedir());
    const { config, credentials } = awsFiles(s.c.env, homedir());
    // The diff first, as configure-aws --dry-run shows it (values of any keys left in the file hidden).
    const before = (await s.c.fs.readFile(config))?.toString('utf8') ?? '';
    const edit = setCredentialProcess(before, names, (p) => `${command} ${p}`);
    if (edit.changed.length) {
      for (const line of createTwoFilesPatch(
        config,
        config,
        maskSecrets(before),
        maskSecrets(edit.text),
        'now',
        'after setup',
      )
        .split('\n')
        .slice(2))
        s.say(`    ${line}`);
    }
    if (s.dryRun)
      return s.say(edit.changed.length ? `  would write that change to ${config}` : `  ${config} needs no change`);
    const r = await addCredentialProcessLines({
      fs: s.c.fs,
      configPath: config,
      credentialsPath: credentials,
      profiles: names,
      command,
    });
    if (r.backup) s.say(`  backed up ${config} to ${r.backup}`);
    if (r.changed.length)
      s.say(`  set credential_process = ${command} <profile> in ${config} for ${r.changed.join(', ')}`);
    if (r.unchanged.length) s.say(`  already set for ${r.unchanged.join(', ')}`);
  },
};

/** The profiles whose policy is `ask`, as the vault holds them. */
async function askProfiles(s: SetupRun): Promise<string[]> {
  if (!(await s.c.vault.exists())) return [];
  return s.c.withKey(async (key) =>
    Object.entries((await s.c.vault.read(key)).data.profiles)
      .filter(([, p]) => p.policy === 'ask')
      .map(([n]) => n)
      .sort(),
  );
}

/** Who approves `ask` profiles: asked (or `--approvals`/`--approver`), then set up by the agent step. */
const approvals: SetupStep = {
  title: 'approvals',
  async run(s) {
    const ask = await askProfiles(s);
    if (ask.length === 0) return s.say('  no profile asks for approval (policy ask): nothing to set up');
    s.choice = await chooseApprovals({ ...s.approvals, say: s.say }, ask);
    const seconds = 'up to the approval time-out (`tray-cred settings approvalTimeoutSeconds`, 50 s)';
    s.say(
      s.choice.way === 'tray'
        ? '  the tray app approves: it is the agent, and its window asks (start it with `npm start` in a clone, or the installed app)'
        : s.choice.way === 'terminal'
          ? `  \`tray-cred approve\` approves, in a terminal window of its own: a request waits for it ${seconds}, and says so on the requester's terminal`
          : `  the agent runs \`${s.choice.command}\` for each request; its exit status answers (0 allows once, anything else denies)`,
    );
  },
};

/**
 * The agent: one that already answers is kept; where a service manager answers (systemd's user
 * instance, launchd), installed as a user service; otherwise started in the background with its
 * log in the data directory, and setup says it will not come back after a reboot.
 */
const agent: SetupStep = {
  title: 'agent',
  async run(s) {
    const running = await agentStatus(s.c.env);
    // An agent an earlier setup started from another installation (a clone, a package elsewhere) is replaced.
    const earlier = running ? earlierAgentScript(running.agentPid, builtCommands().cli) : undefined;
    if (running && earlier) {
      if (s.dryRun)
        return s.say(
          `  would stop the agent ${running.agentPid}, which runs ${earlier} (an earlier setup's), and start this one`,
        );
      s.say(
        `  the agent ${running.agentPid} runs ${earlier} (an earlier setup's): stopped, to start this installation's instead`,
      );
      await stopProcess(running.agentPid);
    } else if (running && agentFits(running, s.choice)) return s.say(`  an agent already answers on ${s.c.socket}`);
    else if (running) {
      s.say(`  the agent that answers on ${s.c.socket} runs no approver command: it is stopped and started with one`);
      if (s.dryRun) return s.say(`  would run: tray-cred stop, then start it with --approver`);
      await cli(s, ['stop']);
    }
    if (s.choice?.way === 'tray')
      return s.say(
        '  no agent answers, and the tray app is to be the agent: start it (`npm start` in a clone, or the installed app), then run `tray-cred setup` again to check a request',
      );
    const approver = s.choice?.way === 'command' && s.choice.command ? ['--approver', s.choice.command] : [];
    const place = {
      env: s.c.env,
      platform: process.platform,
      home: homedir(),
      uid: s.c.uid ?? 0,
      node: process.execPath,
      script: builtCommands().cli,
      dataDir: s.c.dataDir,
      socket: s.c.socket,
    };
    if (await managerAnswers(place, runCommand)) {
      await cli(s, ['service', 'install', ...approver, ...(s.dryRun ? ['--dry-run'] : [])]);
      if (!s.dryRun) await untilAnswers(s, 'the user service');
      return;
    }
    const log = join(s.c.dataDir, 'agent.log');
    if (s.dryRun)
      return s.say(
        `  would start \`tray-cred agent\` in the background (log: ${log}): no service manager answers here`,
      );
    startInBackground([process.execPath, builtCommands().cli, 'agent', ...approver], s.c.env, log);
    await untilAnswers(s, `the agent (see ${log})`);
    s.say(
      `  started \`tray-cred agent\` in the background (log: ${log}); no service manager answers here, so it does not start again after a reboot: \`tray-cred service install\` where one does`,
    );
  },
};

async function untilAnswers(s: SetupRun, what: string): Promise<void> {
  for (let i = 0; i < 50; i += 1) {
    if ((await runCli(['status'], s.c.env)).status === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new EnvironmentError(`${what} did not answer on ${s.c.socket} within 10 s`);
}

/** One real request through the installed helper, for a profile served without asking. */
const check: SetupStep = {
  title: 'check',
  async run(s) {
    const names = (await s.c.vault.exists())
      ? await s.c.withKey(async (key) =>
          Object.entries((await s.c.vault.read(key)).data.profiles)
            .filter(([, p]) => p.policy === 'allow')
            .map(([n]) => n)
            .sort(),
        )
      : [];
    const profile = names[0];
    if (!profile)
      return s.say(
        '  no profile is served without asking (all ask or deny): the first `aws` call will ask; plaintext is kept until you run setup again after it',
      );
    if (s.dryRun) return s.say(`  would run: tray-cred-helper ${profile}`);
    if (!(await agentStatus(s.c.env)))
      return s.say('  no agent answers yet (start the tray app): plaintext is kept until you run setup again');
    const r = await runCommand([setupHelperPath(homedir()), profile], s.c.env);
    if (r.status !== 0 || !r.stdout.startsWith('{"Version":1,'))
      throw new EnvironmentError(`tray-cred-helper ${profile} failed (exit ${r.status}): ${r.stderr.trim()}`);
    s.checked = profile;
    s.say(`  tray-cred-helper ${profile}: served, and written to the audit log`);
  },
};

/** Only after the check: the plaintext the vault now holds is removed (import --remove-source compares each profile first). */
const retire: SetupStep = {
  title: 'retire plaintext',
  async run(s) {
    if (s.imported.length === 0) return s.say('  nothing was imported in this run: nothing to retire');
    if (!s.checked) return s.say(`  kept ${s.imported.map((f) => f.file).join(', ')}: no request was checked yet`);
    for (const f of s.imported) await cli(s, ['import', f.file, ...f.args, '--remove-source']);
    const script = await recipeScript(s.c.fs, s.c.env, homedir());
    if (!script) return;
    s.say(
      script.usedBy.length
        ? `  ${script.file} (the openssl recipe's script) still serves ${script.usedBy.join(', ')} in ~/.aws/config: import those profiles too and run setup again, then delete it`
        : `  ${script.file} (the openssl recipe's script) is no longer run by any profile, and the file it decrypted is gone: delete it (rm ${script.file})`,
    );
  },
};

export const SETUP_STEPS: readonly SetupStep[] = [
  vault,
  importSources,
  commandsOnPath,
  awsConfig,
  approvals,
  agent,
  check,
  retire,
];
