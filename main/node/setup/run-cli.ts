/**
 * `tray-cred setup` runs the same commands a person would type (init, import, configure-aws, …)
 * as child processes of the built CLI: what setup does is exactly what README's migration section
 * does by hand, each step with its own output, exit status and atomicity.
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** The built CLI (dist/tray-cred.mjs) and the helper beside it, found from the running script. */
export function builtCommands(): { cli: string; helper: string } {
  const cli = realpathSync(process.argv[1] ?? '');
  return { cli, helper: join(dirname(cli), 'tray-cred-helper.cjs') };
}

/** Runs `command args` to completion with `env`, collecting its output. Never throws for a non-zero exit. */
export function runCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** Runs `tray-cred args` with this process's Node. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return runCommand(process.execPath, [builtCommands().cli, ...args], env);
}
