/**
 * Setup's question about `ask` profiles: who will approve them. The tray app (a desktop session:
 * it is the agent, and its window asks); `tray-cred approve` in a terminal (a request waits for it
 * up to the approval time-out); or an approver command the headless agent runs. The answer shapes
 * the agent step, and setup's last line says when nothing can approve after all.
 */
import { EnvironmentError, UsageError } from '../../core/errors.ts';
import { parseStatusResult, type StatusResult } from '../../../helper/wire.ts';
import { runCommand } from '../platform/run-command.ts';
import { runCli } from './run-cli.ts';

/** How `ask` profiles will be approved. */
export const APPROVAL_WAYS = ['tray', 'terminal', 'command'] as const;
export type ApprovalWay = (typeof APPROVAL_WAYS)[number];

export interface ApprovalChoice {
  way: ApprovalWay;
  /** The approver command, for `command`. */
  command?: string | undefined;
}

/** What the step needs from setup: the options given, and how to ask and talk. */
export interface ApprovalQuestion {
  /** `--approvals`, `--approver`. */
  given: { way?: ApprovalWay | undefined; command?: string | undefined };
  env: NodeJS.ProcessEnv;
  /** Whether questions can be asked (a terminal, no --yes). */
  interactive: boolean;
  ask(question: string): Promise<string>;
  say(text: string): void;
}

/** The running agent's status, or undefined when none answers. */
export async function agentStatus(env: NodeJS.ProcessEnv): Promise<StatusResult | undefined> {
  const r = await runCli(['status', '--json'], env);
  if (r.status !== 0) return undefined;
  try {
    return parseStatusResult(JSON.parse(r.stdout));
  } catch {
    return undefined;
  }
}

/**
 * The approver command's program can be found, or an error naming it: README's old example
 * (zenity) failed only at the first `prod` request, where zenity was not installed.
 */
async function checkCommand(command: string, env: NodeJS.ProcessEnv): Promise<void> {
  const program = /^\s*(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(\S+)/.exec(command)?.[1];
  if (!program) throw new UsageError('--approver needs a command');
  const found = await runCommand(['sh', '-c', 'command -v -- "$1"', 'sh', program], env);
  if (found.status !== 0)
    throw new EnvironmentError(
      `the approver command's program \`${program}\` is not installed or not on PATH: install it, or give another command with --approver`,
    );
}

/** The default way: what the running agent has (the tray's window, a command), else a terminal. */
function defaultWay(status: StatusResult | undefined): ApprovalWay {
  if (status?.approver === 'window') return 'tray';
  if (status?.approver === 'command') return 'command';
  return 'terminal';
}

const QUESTION = (askProfiles: string, suggested: ApprovalWay): string =>
  `How will you approve ${askProfiles}? [t] the tray app (a desktop session), [a] \`tray-cred approve\` in a terminal, [c] an approver command (default ${suggested === 'tray' ? 't' : suggested === 'command' ? 'c' : 'a'}): `;

/** Asks (or takes from the options) how `ask` profiles will be approved. */
export async function chooseApprovals(q: ApprovalQuestion, askProfiles: string[]): Promise<ApprovalChoice> {
  const status = await agentStatus(q.env);
  let way = q.given.way ?? (q.given.command !== undefined ? 'command' : undefined);
  if (way === undefined && q.interactive) {
    const suggested = defaultWay(status);
    const answer = (await q.ask(QUESTION(askProfiles.map((p) => `"${p}"`).join(', '), suggested))).trim();
    way = ({ t: 'tray', a: 'terminal', c: 'command', '': suggested } as Record<string, ApprovalWay>)[answer[0] ?? ''];
    if (!way) throw new UsageError(`"${answer}" is not one of t, a, c: run setup again`);
  }
  way ??= defaultWay(status);
  if (way !== 'command') return { way };
  let command = q.given.command;
  if (command === undefined && q.interactive)
    command = (await q.ask('Approver command (its exit status answers: 0 allows once, anything else denies): ')).trim();
  if (!command)
    throw new UsageError(
      'an approver command was chosen but not given: pass --approver CMD (see `tray-cred agent --help`)',
    );
  await checkCommand(command, q.env);
  return { way, command };
}

/** Whether the agent already running can be kept for the choice made: only one without an approver command is replaced when a command was chosen (never the tray app). */
export function agentFits(status: StatusResult, choice: ApprovalChoice | undefined): boolean {
  return choice?.way !== 'command' || status.approver !== 'nobody';
}
