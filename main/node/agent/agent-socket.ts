/**
 * The agent's socket as a whole: the one systemd hands in (socket activation) or one it creates
 * itself, and what happens when the file is deleted or replaced under it.
 */
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { VerifiedCaller } from '../../../common/caller.ts';
import { SocketServer, type Handle } from './socket-server.ts';
import { windowsPipeGuard } from './win32-pipe-owner.ts';
import { watchSocketFile, type SocketChange, type SocketWatch } from './socket-watch.ts';

/**
 * systemd's socket activation protocol (sd_listen_fds): when LISTEN_PID is this process and
 * LISTEN_FDS is at least 1, the first socket is fd 3. The variables are removed either way, so
 * the approver command and other children do not take them for theirs.
 */
export function takeListenFd(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const mine = env.LISTEN_PID === String(pid) && Number(env.LISTEN_FDS) >= 1;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  return mine ? 3 : undefined;
}

export interface AgentSocketOptions {
  path: string;
  uid: number | undefined;
  handle: Handle;
  /** Who connected, as the OS says (see socket-server.ts). */
  identify?: ((socket: Socket) => Promise<VerifiedCaller | undefined>) | undefined;
  warn: (message: string) => void;
  /** The environment holding LISTEN_PID/LISTEN_FDS (process.env); they are removed from it. */
  env: NodeJS.ProcessEnv;
  pid: number;
  /** The socket file is gone and cannot be brought back: nothing can reach the agent any more. */
  onLost: (message: string) => void;
  watchIntervalMs?: number;
}

export interface AgentSocket {
  /** Whether systemd (or launchd, or systemd-socket-activate) handed the socket in. */
  inherited: boolean;
  close(): Promise<void>;
}

export async function openAgentSocket(options: AgentSocketOptions): Promise<AgentSocket> {
  const { path, warn, onLost } = options;
  const fd = takeListenFd(options.env, options.pid);
  const server = new SocketServer({
    path,
    uid: options.uid,
    handle: options.handle,
    identify: options.identify,
    pipeGuard: windowsPipeGuard(process.platform),
    warn,
    ...(fd === undefined ? {} : { fd }),
  });
  await server.listen();
  if (fd !== undefined && !existsSync(path)) {
    warn(
      `was handed a socket, but there is no socket file at ${path}, where the helper connects: set TRAY_CRED_SOCKET in the service to the socket unit's ListenStream path`,
    );
  }
  let watch: SocketWatch | undefined;
  const react = async (what: SocketChange): Promise<void> => {
    if (fd !== undefined) {
      onLost(
        `the socket file ${path} that this agent was handed was ${what}, so no client can reach it: stopping; \`systemctl --user restart tray-cred-agent.socket\` creates it again`,
      );
      return;
    }
    warn(`the socket file ${path} was ${what}: creating it again`);
    try {
      await server.close(true);
      await server.listen();
      await watch?.rearm();
    } catch (error) {
      onLost(
        `the socket file ${path} was ${what} and could not be created again (${(error as Error).message}): stopping`,
      );
    }
  };
  if (process.platform !== 'win32')
    watch = await watchSocketFile(path, (what) => void react(what), options.watchIntervalMs);
  return {
    inherited: fd !== undefined,
    async close() {
      watch?.stop();
      await server.close();
    },
  };
}
