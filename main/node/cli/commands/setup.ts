import { Option, type Command } from 'commander';
import { agentStatus, APPROVAL_WAYS, type ApprovalWay } from '../../setup/approvals.ts';
import { nobodyApproves } from '../nobody-approves.ts';
import { EnvironmentError, TrayCredError, UsageError } from '../../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { SETUP_STEPS, type SetupRun } from '../../setup/steps.ts';

/** A step's failure, said in setup's words, exiting as the failure itself would. */
class StepFailed extends TrayCredError {
  private readonly status: number;
  constructor(cause: TrayCredError, message: string) {
    super(cause.code, message);
    this.status = cause.exitStatus;
  }

  override get exitStatus(): number {
    return this.status;
  }
}

export function registerSetup(program: Command, ctx: () => CliContext): void {
  program
    .command('setup')
    .description(
      'from nothing (or the plaintext file, or the openssl recipe) to an audited aws call: vault, import, commands on PATH, ~/.aws/config, agent, one real request, then the plaintext retired; safe to run again',
    )
    .option('--dry-run', 'say what each step would do and change nothing', false)
    .option('--yes', 'import what is found without asking (for scripts)', false)
    .addOption(
      new Option(
        '--approvals <way>',
        'who approves `ask` profiles: tray (the tray app), terminal (`tray-cred approve`), command (--approver); asked when not given',
      ).choices(APPROVAL_WAYS),
    )
    .option(
      '--approver <command>',
      'the approver command the agent runs for each `ask` request (implies --approvals command)',
    )
    .action(async (options: { dryRun: boolean; yes: boolean; approvals?: ApprovalWay; approver?: string }) => {
      const c = ctx();
      const s: SetupRun = {
        c,
        dryRun: options.dryRun,
        confirm: async (question) => {
          if (options.yes) return true;
          if (!process.stdin.isTTY)
            throw new UsageError(
              'setup asks before it imports keys, and stdin is not a terminal: run it in a terminal, or pass --yes',
            );
          return /^y(es)?$/i.test(await c.ask(question, false));
        },
        say: (text) => c.out(`${text}\n`),
        imported: [],
        checked: undefined,
        approvals: {
          given: { way: options.approvals, command: options.approver },
          env: c.env,
          interactive: !options.yes && process.stdin.isTTY === true,
          ask: (question) => c.ask(question, false),
        },
      };
      for (const [i, step] of SETUP_STEPS.entries()) {
        c.out(`${i + 1}/${SETUP_STEPS.length} ${step.title}\n`);
        try {
          await step.run(s);
        } catch (caught) {
          // A file the step could not read or write (a directory where a file should be, no permission) is the user's to fix.
          const errno = (caught as NodeJS.ErrnoException)?.code;
          const error =
            !(caught instanceof TrayCredError) && typeof errno === 'string'
              ? new EnvironmentError((caught as Error).message)
              : caught;
          if (!(error instanceof TrayCredError)) throw error;
          const done = i === 0 ? 'Nothing was changed' : i === 1 ? 'Step 1 is done' : `Steps 1-${i} are done`;
          throw new StepFailed(
            error,
            `setup stopped at step ${i + 1} (${step.title}): ${error.message}. ${done}, and this step changed nothing: fix the cause and run \`tray-cred setup\` again (it keeps what is done)`,
          );
        }
      }
      if (options.dryRun) return c.out('Dry run: nothing was changed.\n');
      const status = await agentStatus(c.env);
      const nobody = status ? nobodyApproves(status) : undefined;
      c.out(
        `Done: \`aws\` now gets its credentials from tray-cred, and every access is in \`tray-cred audit\`${nobody ? `; but ${nobody}` : ''}.\n`,
      );
    });
}
