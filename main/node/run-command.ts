import { spawn } from 'node:child_process';

/** What a finished command left behind; `status` is null when it could not start (its error is in `stderr`). */
export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `argv` without a shell to completion, collecting its output. Never throws: a missing program is a result. */
export function runCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', (error) => resolve({ status: null, stdout, stderr: error.message }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
