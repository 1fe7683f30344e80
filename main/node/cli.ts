/**
 * `tray-cred`: the composition root of the command line and the headless agent. This is the
 * only place that constructs the Node implementations of the ports.
 */
import { CommanderError } from 'commander';
import { join } from 'node:path';
import { read } from 'read';
import { EXIT_STATUS } from '../../common/errors.ts';
import { AuditLog } from '../core/audit-log.ts';
import { TrayCredError, UsageError } from '../core/errors.ts';
import { Vault } from '../core/vault.ts';
import { refusedRollback, VaultRollbackError } from '../core/vault-generation.ts';
import { registerAdd } from './commands/add.ts';
import { registerAgent } from './commands/agent.ts';
import { registerApprove } from './commands/approve.ts';
import { registerAudit } from './commands/audit.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerConfigureAws } from './commands/configure-aws.ts';
import { registerControl } from './commands/control.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerExec } from './commands/exec.ts';
import { registerImport } from './commands/import.ts';
import { registerInit } from './commands/init.ts';
import { registerLogin } from './commands/login.ts';
import { registerProfiles } from './commands/profiles.ts';
import { registerRecovery } from './commands/recovery.ts';
import { registerRekey } from './commands/rekey.ts';
import { registerRotate } from './commands/rotate.ts';
import { registerService } from './commands/service.ts';
import { registerSettings } from './commands/settings.ts';
import { registerSetup } from './commands/setup.ts';
import { registerSso } from './commands/sso.ts';
import { registerSts } from './commands/sts.ts';
import { agentPlace } from './agent-runtime.ts';
import type { CliContext } from './context.ts';
import { FriendlyCommand } from './friendly-command.ts';
import { KeyringKeychain } from './keyring-keychain.ts';
import { NodeFileSystem } from './node-file-system.ts';
import { CryptoRandom, SystemClock } from './system-clock.ts';

declare const TRAY_CRED_VERSION: string | undefined;

function context(): CliContext {
  const { uid, dataDir: dir, socket } = agentPlace(process.env);
  const fs = new NodeFileSystem(uid);
  const keychain = new KeyringKeychain(process.platform);
  const clock = new SystemClock();
  const random = new CryptoRandom();
  const vault = new Vault({ fs, keychain, random, clock }, dir);
  const auditDir = join(dir, 'audit');
  let audit: AuditLog | undefined;
  const openAudit = async (): Promise<AuditLog> => (audit ??= new AuditLog({ fs, clock, anchor: { keychain, vaultId: await vault.vaultId() } }, auditDir, await vault.loadAuditKey()));
  return {
    env: process.env,
    uid,
    dataDir: dir,
    socket,
    fs,
    keychain,
    clock,
    random,
    vault,
    auditDir,
    audit: openAudit,
    async withKey(fn) {
      const key = await vault.loadMasterKey();
      try {
        return await fn(key);
      } catch (error) {
        // A command that found an old vault.json put back records it, as the agent does.
        if (error instanceof VaultRollbackError) await (await openAudit()).append(refusedRollback(error));
        throw error;
      } finally {
        key.fill(0);
      }
    },
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(`${text}\n`),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    async ask(prompt, hidden) {
      if (!process.stdin.isTTY) throw new UsageError('this needs an answer typed on a terminal, and stdin is not one');
      return String(await read({ prompt, silent: hidden, output: process.stderr, replace: '' })).trim();
    },
  };
}

async function main(argv: string[]): Promise<void> {
  let ctx: CliContext | undefined;
  const lazy = (): CliContext => (ctx ??= context());
  const version = typeof TRAY_CRED_VERSION === 'string' ? TRAY_CRED_VERSION : 'dev';
  const program = new FriendlyCommand('tray-cred')
    .description('AWS credentials encrypted under a key in the OS keychain, served through credential_process, every access audited')
    // As bug reports need it: which build, on which Node, on which platform.
    .version(`tray-cred ${version} (Node ${process.version}, ${process.platform}-${process.arch})`, '-v, --version', 'print the version, with Node and the platform')
    // Options after a subcommand belong to it: `audit verify --json` is verify's --json, not audit's.
    .enablePositionalOptions()
    .exitOverride();
  for (const register of [registerInit, registerAdd, registerImport, registerProfiles, registerSts, registerConfigureAws, registerAgent, registerApprove, registerControl, registerExec, registerLogin, registerAudit, registerRecovery, registerRekey, registerRotate, registerSso, registerDoctor, registerSettings, registerService, registerSetup, registerCompletion]) register(program, lazy);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_STATUS.USAGE);
    if (error instanceof TrayCredError) {
      process.stderr.write(`tray-cred: ${error.message}\n`);
      process.exit(error.exitStatus);
    }
    // A full disk is the user's to fix, not a bug: say so. Vault and settings writes are atomic, so the old files stand.
    const errno = (error as NodeJS.ErrnoException)?.code;
    if (errno === 'ENOSPC' || errno === 'EDQUOT') {
      process.stderr.write(`tray-cred: not enough disk space (${(error as Error).message}): nothing was replaced; free disk space under ${ctx?.dataDir ?? 'the data directory'} and retry\n`);
      process.exit(EXIT_STATUS.ENVIRONMENT);
    }
    process.stderr.write(`tray-cred: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(EXIT_STATUS.INTERNAL);
  }
}

void main(process.argv);
