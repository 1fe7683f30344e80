/**
 * The agent's answer to "who is on the other end of this socket": the kernel's peer credentials,
 * then the agent's own walk of the process table from that pid (main/core/approval/verify-caller.ts).
 * Where the platform cannot tell (Windows), there is no identifier and callers stay claimed.
 */
import type { Socket } from 'node:net';
import type { VerifiedCaller } from '../../../common/caller.ts';
import type { ProcessTable } from '../../core/ports/ports.ts';
import { verifyCaller } from '../../core/approval/verify-caller.ts';
import { peerReader, socketFd, type PeerReader } from './peer-credentials.ts';
import { ProcProcessTable } from './proc-process-table.ts';

export type CallerIdentifier = (socket: Socket) => Promise<VerifiedCaller | undefined>;

/** Names each connection's caller with `read` and `table`; what cannot be named goes to `warn` and is left unverified. */
function identifierFrom(read: PeerReader, table: ProcessTable, warn: (message: string) => void): CallerIdentifier {
  return (socket) => {
    const fd = socketFd(socket);
    if (fd === undefined) {
      warn(
        'cannot read the file descriptor of a connection, so its caller is recorded as claimed only (has Node changed net.Socket?)',
      );
      return Promise.resolve(undefined);
    }
    let peer;
    try {
      // Now, while the connection is surely open: the walk below is asynchronous.
      peer = read(fd);
    } catch (error) {
      warn(`cannot ask the kernel who connected (${(error as Error).message}): the caller is recorded as claimed only`);
      return Promise.resolve(undefined);
    }
    const connected = peer;
    return (table.now?.() ?? Promise.resolve(undefined)).then((by) => verifyCaller(connected, table, by));
  };
}

/** This platform's identifier, or `undefined` where there is none (Windows). A failure to load is told to `warn`. */
export async function callerIdentifier(
  platform: NodeJS.Platform,
  warn: (message: string) => void,
): Promise<CallerIdentifier | undefined> {
  let read;
  try {
    read = await peerReader(platform);
  } catch (error) {
    warn(`cannot load the peer-credential check (${(error as Error).message}): callers are recorded as claimed only`);
    return undefined;
  }
  if (!read) return undefined;
  const table: ProcessTable =
    platform === 'darwin' ? (await import('./darwin-process-table.ts')).darwinProcessTable() : new ProcProcessTable();
  return identifierFrom(read, table, warn);
}
