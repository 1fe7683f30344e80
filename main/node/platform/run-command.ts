import { spawn } from 'node:child_process';

/** What a finished command left behind; `status` is null when it could not start (its error is in `stderr`). */
export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `argv` without a shell to completion, collecting its output; `input`, when given, is
 * written to its stdin. Never throws: a missing program is a result.
 */
export function runCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  input?: string,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    // A program that exits without reading its stdin closes the pipe: its status says what happened.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', (error) => resolve({ status: null, stdout, stderr: error.message }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
