import type { CommandResult, CommandRunner } from '../../main/core/ports/ports.ts';

/** A credential command at the port boundary: answers every run with `result` and records what was run. */
export class StubCommandRunner implements CommandRunner {
  readonly runs: { command: string; timeoutMs: number }[] = [];
  result: CommandResult = { exitCode: 0, stdout: '', stderr: '', timedOut: false };

  async run(command: string, timeoutMs: number): Promise<CommandResult> {
    this.runs.push({ command, timeoutMs });
    return this.result;
  }
}
