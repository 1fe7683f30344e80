/**
 * The agent's wiring, shared by both front ends: the headless `tray-cred agent` and the Electron
 * tray app call this with the services their composition root built and their own approver, so
 * the credential path is the same code in both. It builds what only an agent has (its audit log
 * writer, the credential source, the broker, the socket) and nothing its root already built.
 */
import type { AuditLog } from '../../core/audit/audit-log.ts';
import { Broker, type BrokerOptions } from '../../core/pipeline/broker.ts';
import { CredentialSource } from '../../core/pipeline/credential-source.ts';
import type { Approver, Clock, FileSystem, Keychain } from '../../core/ports/ports.ts';
import { ProgramsSeen } from '../../core/history/programs-seen.ts';
import type { Vault } from '../../core/vault/vault.ts';
import type { AwsClients } from '../aws/aws-clients.ts';
import type { NodeServices } from '../platform/node-services.ts';
import { requestHandler, type DesktopNotice } from './request-handler.ts';
import type { Handle } from './socket-server.ts';
import { systemLogForwarder } from '../audit/system-log-forwarder.ts';
import { openAgentSocket } from './agent-socket.ts';
import { callerIdentifier } from './caller-identifier.ts';

// Where the agent keeps its files and listens: data-place.ts computes it without loading the agent, for the CLI.
import type { AgentPlace } from '../platform/data-place.ts';

export interface AgentRuntimeOptions {
  /** The socket to listen on; the data directory and the uid are the services'. */
  socket: string;
  /** What the front end's composition root built (node-services.ts): the ports' adapters, the vault. */
  services: NodeServices;
  /** STS and Identity Center, for the credential source. */
  aws: Pick<AwsClients, 'sts' | 'identityCenter'>;
  approver: Approver;
  /** Problems no request owns (the agent's log). Never given a secret. */
  warn: (message: string) => void;
  /** Who runs the agent, for the audit log's agent-start entry ("headless agent", "tray app"). */
  frontEnd: string;
  broker?: BrokerOptions;
  /**
   * Asked when there is no vault yet (the tray app's first run): creates one and resolves with its
   * id, or with `undefined` when the user declined, and then nothing starts. Without it, a
   * missing vault is an error naming `tray-cred init`.
   */
  onNoVault?: (vault: Vault) => Promise<string | undefined>;
  /** The socket file went and could not be brought back (see agent-socket.ts); without it, a warning. */
  onSocketLost?: (message: string) => void;
  /**
   * Runs once the agent listens and its start is recorded; requests wait until it is done. A
   * socket-activated agent is started by a request, which must find it unlocked, not locked.
   */
  starting?: (broker: Broker) => Promise<void>;
  /** Told when a request starts and ends (the headless agent's idle exit). */
  activity?: { begin(): void; end(): void };
  /** Shows a desktop notification, for a request that waits for an approver and whose client shows nothing (headless agent). */
  desktopNotice?: DesktopNotice;
  /** The shared `forwardToSystemLog` setting, read for each batch of entries. */
  forwardToSystemLog?: () => boolean;
}

/** A running agent: the services the front end shows, and how to stop it. */
export interface AgentRuntime {
  place: AgentPlace;
  fs: FileSystem;
  keychain: Keychain;
  clock: Clock;
  vault: Vault;
  audit: AuditLog;
  broker: Broker;
  /** Whether the socket was handed in (socket activation) rather than created. */
  inherited: boolean;
  /** Closes the socket, locks (wiping keys and grants) and records the stop. */
  stop(reason: string): Promise<void>;
}

/**
 * Opens the audit log (its key comes from the keychain), starts the broker and listens on the
 * socket. Throws a `TrayCredError` naming the fix when the vault is missing, the keychain cannot
 * be reached, or another agent already listens.
 */
export function startAgentRuntime(options: AgentRuntimeOptions & { onNoVault?: undefined }): Promise<AgentRuntime>;
export function startAgentRuntime(options: AgentRuntimeOptions): Promise<AgentRuntime | undefined>;
export async function startAgentRuntime(options: AgentRuntimeOptions): Promise<AgentRuntime | undefined> {
  const { services, approver, warn } = options;
  const { fs, keychain, clock, vault } = services;
  const place: AgentPlace = { uid: services.uid, dataDir: services.dataDir, socket: options.socket };
  const created = options.onNoVault && !(await vault.exists()) ? await options.onNoVault(vault) : null;
  if (created === undefined) return undefined;
  // Read once now so a keychain without the audit key stops the start here, before the socket opens;
  // the log then reads it when it writes (and keeps it only while unlocked: audit-key.ts).
  (await vault.loadAuditKey()).fill(0);
  const audit = await services.openAuditLog(() => vault.loadAuditKey());
  // A listener: the entries are on disk before the system log is asked, and its failure fails no access.
  if (options.forwardToSystemLog) audit.onAppended(systemLogForwarder({ enabled: options.forwardToSystemLog, warn }));
  // Recorded at once, as `tray-cred init` does: a vault whose log is empty reads as a deleted log.
  if (created !== null) await audit.append({ event: 'init', reason: `vault ${created}` });
  const source = new CredentialSource({
    sts: options.aws.sts,
    runner: services.runner,
    clock,
    sso: options.aws.identityCenter,
  });
  const firstUse = programsSeen(fs, audit, vault, clock, warn);
  const broker = new Broker(
    { vault, audit, source, approver, clock, pid: process.pid, warn, firstUse },
    options.broker,
  );
  let ready = (): void => undefined;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const inner = requestHandler(broker, warn, { uid: place.uid, audit }, options.desktopNotice);
  const handle: Handle = async (request, verified, notify) => (await started, inner(request, verified, notify));
  const { activity } = options;
  const server = await openAgentSocket({
    path: place.socket,
    uid: place.uid,
    handle: activity
      ? (request, verified, notify) => (
          activity.begin(), handle(request, verified, notify).finally(() => activity.end())
        )
      : handle,
    identify: await callerIdentifier(process.platform, warn),
    warn,
    env: process.env,
    pid: process.pid,
    onLost: options.onSocketLost ?? warn,
  });
  const how = server.inherited ? 'handed in' : 'created';
  try {
    await audit.append({
      event: 'agent-start',
      reason: `${options.frontEnd} pid ${process.pid} on ${place.socket} (${how})`,
    });
    await options.starting?.(broker);
  } finally {
    ready();
  }
  let stopped: Promise<void> | undefined;
  return {
    place,
    fs,
    keychain,
    clock,
    vault,
    audit,
    broker,
    inherited: server.inherited,
    stop(reason) {
      stopped ??= (async () => {
        await server.close();
        await broker.lock(`agent stopped (${reason})`);
        await audit.append({ event: 'agent-stop', reason });
      })();
      return stopped;
    },
  };
}

/**
 * The programs that used each profile in the last 90 days, from the log (checked under the audit
 * key, read from the keychain and zeroed after), then from each batch this agent writes. The
 * listener comes first, so an entry written while the log is read is not missed.
 */
function programsSeen(
  fs: FileSystem,
  audit: AuditLog,
  vault: Vault,
  clock: Clock,
  warn: (message: string) => void,
): ProgramsSeen {
  const seen = new ProgramsSeen();
  audit.onAppended((entries) => seen.note(entries));
  // In the background: a long log takes seconds to read (about 0.8 s per 100,000 entries), and no
  // request but one about to prompt needs it; such a prompt waits for the read.
  void seen.loadInBackground(async () => {
    const key = await vault.loadAuditKey();
    try {
      await seen.load(fs, audit.dir, key, clock.now());
    } catch (error) {
      warn(
        `the programs that used each profile in the last 90 days could not be read from the audit log, so prompts say "first time" only for what this agent serves from now: ${(error as Error).message}`,
      );
    } finally {
      key.fill(0);
    }
  });
  return seen;
}
