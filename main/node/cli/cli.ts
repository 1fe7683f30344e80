/**
 * `tray-cred`: the entry of the command line and the headless agent. It loads only the module of
 * the command typed; the process's services are built by its composition root, cli-context.ts,
 * when an action is about to run.
 */
import { CommanderError } from 'commander';
import { EXIT_STATUS } from '../../../common/errors.ts';
import { nodeVersionProblem } from '../../../common/node-version.ts';
import { BugIndicatingError, EnvironmentError, TrayCredError } from '../../core/errors.ts';
import { modulesFor, unknownCommandWithoutHelp } from './command-table.ts';
import type { CliContext } from './context.ts';
import { FriendlyCommand } from './friendly-command.ts';

declare const TRAY_CRED_VERSION: string | undefined;

/**
 * A module of the bundle that cannot be loaded (a chunk or a package missing) is a broken
 * install, not a bug: name what is missing and the fix.
 */
async function loadPart<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    const missing = /Cannot find (?:module|package) '([^']+)'/.exec((error as Error).message)?.[1] ?? 'a part of it';
    throw new EnvironmentError(
      `this installation of tray-cred is incomplete (${missing} is missing): reinstall tray-cred`,
    );
  }
}

async function main(argv: string[]): Promise<void> {
  const old = nodeVersionProblem(process.version, process.execPath);
  if (old) {
    process.stderr.write(`tray-cred: ${old}\n`);
    process.exit(EXIT_STATUS.ENVIRONMENT);
  }
  let ctx: CliContext | undefined;
  const lazy = (): CliContext => {
    if (!ctx) throw new BugIndicatingError('a command asked for its context outside its action');
    return ctx;
  };
  const version = typeof TRAY_CRED_VERSION === 'string' ? TRAY_CRED_VERSION : 'dev';
  const program = new FriendlyCommand('tray-cred')
    .description(
      'AWS credentials encrypted under a key in the OS keychain, served through credential_process, every access audited',
    )
    // As bug reports need it: which build, on which Node, on which platform.
    .version(
      `tray-cred ${version} (Node ${process.version}, ${process.platform}-${process.arch})`,
      '-v, --version',
      'print the version, with Node and the platform',
    )
    // Options after a subcommand belong to it: `audit verify --json` is verify's --json, not audit's.
    .enablePositionalOptions()
    .exitOverride()
    // The ports' implementations are loaded only when an action is about to run, never for `--help` or `--version`.
    .hook('preAction', async () => {
      ctx ??= (await loadPart(() => import('./cli-context.ts'))).nodeContext();
    });
  try {
    // Only the module of the command typed is loaded (command-table.ts); its registration is the same as when all are.
    const registers = await Promise.all(modulesFor(argv.slice(2)).map((m) => loadPart(m.load)));
    for (const register of registers) register(program, lazy);
    await program.parseAsync([...argv.slice(0, 2), ...unknownCommandWithoutHelp(argv.slice(2))]);
  } catch (error) {
    // The exits below do not wait for pending writes: the chain head of a command's last entries would be left behind.
    await ctx?.settled();
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_STATUS.USAGE);
    if (error instanceof TrayCredError) {
      process.stderr.write(`tray-cred: ${error.message}\n`);
      process.exit(error.exitStatus);
    }
    // A full disk is the user's to fix, not a bug: say so. Vault and settings writes are atomic, so the old files stand.
    const errno = (error as NodeJS.ErrnoException)?.code;
    if (errno === 'ENOSPC' || errno === 'EDQUOT') {
      process.stderr.write(
        `tray-cred: not enough disk space (${(error as Error).message}): nothing was replaced; free disk space under ${ctx?.dataDir ?? 'the data directory'} and retry\n`,
      );
      process.exit(EXIT_STATUS.ENVIRONMENT);
    }
    process.stderr.write(`tray-cred: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(EXIT_STATUS.INTERNAL);
  }
}

void main(process.argv);
