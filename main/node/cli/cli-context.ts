/**
 * The Node implementations of the ports, put together for a `tray-cred` command: loaded by cli.ts
 * only when a command's action runs, so `--version` and `--help` never load the vault's code or
 * the keychain's native addon.
 */
import { join } from 'node:path';
import { read } from 'read';
import { AuditLog } from '../../core/audit/audit-log.ts';
import { UsageError } from '../../core/errors.ts';
import { Vault } from '../../core/vault/vault.ts';
import { refusedRollback, VaultRollbackError } from '../../core/vault/vault-generation.ts';
import { agentPlace } from '../platform/data-place.ts';
import type { CliContext } from './context.ts';
import { KeyringKeychain } from '../platform/keyring-keychain.ts';
import { NodeFileSystem } from '../platform/node-file-system.ts';
import { CryptoRandom, SystemClock } from '../platform/system-clock.ts';

/** The context of the process running: its environment, its data directory, stdout and stderr. */
export function nodeContext(): CliContext {
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
