/**
 * The composition root of a `tray-cred` process, the headless agent's included: the one place a
 * command's services are built (node-services.ts, aws-clients.ts), once per process, and handed
 * to the command as its context. Loaded by cli.ts only when a command's action runs, so
 * `--version` and `--help` never load the vault's code or the keychain's native addon.
 */
import { read } from 'read';
import type { AuditLog } from '../../core/audit/audit-log.ts';
import { UsageError } from '../../core/errors.ts';
import type { HistoryIndex } from '../../core/history/history-index.ts';
import { refusedRollback, VaultRollbackError } from '../../core/vault/vault-generation.ts';
import { awsClients } from '../aws/aws-clients.ts';
import { agentPlace } from '../platform/data-place.ts';
import { nodeServices } from '../platform/node-services.ts';
import type { CliContext } from './context.ts';

/** The context of the process running: its environment, its data directory, stdout and stderr. */
export function nodeContext(): CliContext {
  const { uid, dataDir, socket } = agentPlace(process.env);
  const services = nodeServices({ uid, dataDir });
  const { fs, vault } = services;
  let audit: AuditLog | undefined;
  const openAudit = async (): Promise<AuditLog> => (audit ??= await services.openAuditLog(await vault.loadAuditKey()));
  let history: HistoryIndex | undefined;
  return {
    ...services,
    env: process.env,
    socket,
    aws: awsClients(),
    audit: openAudit,
    async history() {
      // The index's code (its columns, the batch reader) loads only for the commands that read it.
      const { HistoryIndex } = await import('../../core/history/history-index.ts');
      return (history ??= new HistoryIndex({ fs }, services.auditDir));
    },
    // A failure on the head's or anchor's write is the next command's to meet; an exit does not wait on it twice.
    settled: async () => audit?.flushed().catch(() => undefined),
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
