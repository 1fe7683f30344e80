/**
 * The services a tray-cred process on Node stands on, composed in this one place: the ports'
 * Node adapters, the vault in the data directory, and how its audit log is opened. Each kind of
 * process calls it once, from its composition root (main/node/cli/cli-context.ts for a command
 * and the headless agent, main/electron/app.ts for the tray app); everything else is handed what
 * it needs. .dependency-cruiser.cjs holds it: only this file builds the adapters, only the roots call it.
 */
import { join } from 'node:path';
import { AuditLog } from '../../core/audit/audit-log.ts';
import type { Clock, CommandRunner, FileSystem, Keychain, Random } from '../../core/ports/ports.ts';
import { Vault } from '../../core/vault/vault.ts';
import { KeyringKeychain } from './keyring-keychain.ts';
import { NodeFileSystem } from './node-file-system.ts';
import { ShellCommandRunner } from './shell-command-runner.ts';
import { CryptoRandom, SystemClock } from './system-clock.ts';

/** One process's services on one data directory. */
export interface NodeServices {
  uid: number | undefined;
  dataDir: string;
  /** Where the audit log's files are; reading them needs no key. */
  auditDir: string;
  fs: FileSystem;
  keychain: Keychain;
  clock: Clock;
  random: Random;
  /** Runs a profile's credential command (the agent's `command` source). */
  runner: CommandRunner;
  vault: Vault;
  /**
   * Opens the vault's audit log, anchored in the keychain. `key` is the audit key itself (a
   * command, which keeps it for its short life) or how to read it from the keychain (the agent,
   * which keeps it only while unlocked: audit-key.ts).
   */
  openAuditLog(key: Buffer | (() => Promise<Buffer>)): Promise<AuditLog>;
}

/** The services for the user `uid` on `dataDir`; nothing is read or written until they are used. */
export function nodeServices(place: { uid: number | undefined; dataDir: string }): NodeServices {
  const { uid, dataDir } = place;
  const fs = new NodeFileSystem(uid);
  const keychain = new KeyringKeychain(process.platform);
  const clock = new SystemClock();
  const random = new CryptoRandom();
  const vault = new Vault({ fs, keychain, random, clock }, dataDir);
  const auditDir = join(dataDir, 'audit');
  return {
    uid,
    dataDir,
    auditDir,
    fs,
    keychain,
    clock,
    random,
    runner: new ShellCommandRunner(),
    vault,
    openAuditLog: async (key) =>
      new AuditLog({ fs, clock, anchor: { keychain, vaultId: await vault.vaultId() } }, auditDir, key),
  };
}
