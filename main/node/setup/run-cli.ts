/**
 * `tray-cred setup` runs the same commands a person would type (init, import, configure-aws, …)
 * as child processes of the built CLI: what setup does is exactly what docs/migration.md
 * does by hand, each step with its own output, exit status and atomicity.
 */
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCommand, type CommandResult } from '../platform/run-command.ts';

/** The built CLI (dist/tray-cred.mjs) and the helper beside it, found from the running script. */
export function builtCommands(): { cli: string; helper: string } {
  const cli = realpathSync(process.argv[1] ?? '');
  return { cli, helper: join(dirname(cli), 'tray-cred-helper.cjs') };
}

/** Runs `tray-cred args` with this process's Node. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return runCommand([process.execPath, builtCommands().cli, ...args], env);
}
