import { Argument, type Command } from 'commander';
import type { CliContext } from '../context.ts';
import { SHELLS, completionScript, type Shell } from '../completion.ts';

export function registerCompletion(program: Command, ctx: () => CliContext): void {
  program
    .command('completion')
    .description('print a completion script for your shell, e.g. `source <(tray-cred completion bash)`')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(SHELLS))
    .action((shell: Shell) => {
      ctx().out(completionScript(program, shell));
    });
}
