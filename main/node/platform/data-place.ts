/**
 * Where the agent keeps its files and listens, computed without loading the agent: the CLI's
 * commands need the place on every run, the agent's code (socket server, broker, AWS SDK) only
 * for `tray-cred agent`. agent-runtime.ts re-exports it.
 */
import { homedir, userInfo } from 'node:os';
import { dataDir, socketPath } from '../../../helper/paths.ts';
import { resolveDataHome } from './data-home.ts';

/** Where the agent keeps its files and listens, from the environment (TRAY_CRED_HOME, TRAY_CRED_SOCKET, XDG_*). */
export interface AgentPlace {
  uid: number | undefined;
  dataDir: string;
  socket: string;
}

/** Throws EnvironmentError when the data directory is a foreign link, not yours, or open to others (see data-home.ts). */
export function agentPlace(env: NodeJS.ProcessEnv = process.env): AgentPlace {
  const uid = process.getuid?.();
  // The user name only names the Windows pipe; elsewhere a uid without a passwd entry must not matter.
  const username = process.platform === 'win32' ? userInfo().username : '';
  const place = { env, platform: process.platform, uid: uid ?? 0, username, homedir: homedir() };
  // The socket path is computed from the place as named, as the helper computes it; files go to the checked real directory.
  return { uid, dataDir: resolveDataHome(dataDir(place), uid), socket: socketPath(place) };
}
