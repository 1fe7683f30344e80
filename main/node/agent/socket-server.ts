import { createConnection, createServer, type Server, type Socket } from 'node:net';
import * as fsp from 'node:fs/promises';
import { dirname } from 'node:path';
import { LineFrameReader } from '../../../helper/line-frame.ts';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  SERVER_READ_TIMEOUT_MS,
  encodeFrame,
  parseRequest,
  requestIdOf,
  type Request,
  type Response,
} from '../../../helper/wire.ts';
import type { VerifiedCaller } from '../../../common/caller.ts';
import { EnvironmentError } from '../../core/errors.ts';
import { checkPrivateDir } from '../platform/private-dir.ts';

/** Answers one request, with a way to send the client a notice before the response. */
export type Handle = (request: Request, verified?: VerifiedCaller, notify?: Notify) => Promise<Response>;

/** Sends one notice frame to the client of a request, if it is still connected. */
export type Notify = (notice: string) => void;

/** Longest usable socket path: sun_path is 108 bytes on Linux and 104 on macOS, with a NUL. */
const MAX_SOCKET_PATH: Partial<Record<NodeJS.Platform, number>> = { linux: 107, darwin: 103 };

export interface SocketServerOptions {
  path: string;
  uid: number | undefined;
  /**
   * Answers one request; `verified` is the caller as {@link identify} named it; `notify` sends a
   * notice frame ahead of the response (wire.ts's `Notice`), for a client that asked for them.
   */
  handle: Handle;
  /**
   * Asks the OS who connected, started as soon as a connection is accepted (while the process
   * is surely there); absent where the platform cannot tell (Windows).
   */
  identify?: ((socket: Socket) => Promise<VerifiedCaller | undefined>) | undefined;
  readTimeoutMs?: number;
  /**
   * Windows: runs around the listen (main/node/agent/win32-pipe-owner.ts): `beforeListen` throws when
   * anyone already serves the pipe name, `afterListen` gives the pipe an owner-only DACL.
   */
  pipeGuard?: { beforeListen(path: string): void; afterListen(path: string): void } | undefined;
  /** Problems that no client owns (the agent's log). */
  warn: (message: string) => void;
  /**
   * A listening socket this process was handed (systemd socket activation: fd 3). The server
   * then neither creates nor removes the socket file; its owner (systemd) does.
   */
  fd?: number;
}

/**
 * The agent's listening side: a Unix socket in a private per-user directory (a named pipe on
 * Windows). One request per connection; every malformed frame gets a structured error and the
 * server keeps serving.
 */
export class SocketServer {
  private readonly options: SocketServerOptions;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(options: SocketServerOptions) {
    this.options = options;
  }

  async listen(): Promise<void> {
    const { path, uid, fd } = this.options;
    const windows = process.platform === 'win32';
    if (!windows && fd === undefined) {
      const max = MAX_SOCKET_PATH[process.platform] ?? 103;
      if (Buffer.byteLength(path) > max) {
        throw new EnvironmentError(
          `the socket path ${path} is longer than ${max} bytes, which Unix sockets cannot use: set TRAY_CRED_SOCKET to a shorter path`,
        );
      }
      const dir = dirname(path);
      const created = await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
      if (created !== undefined) await fsp.chmod(dir, 0o700);
      await checkPrivateDir(dir, uid);
      await this.clearStale(path);
    }
    if (windows && fd === undefined) this.options.pipeGuard?.beforeListen(path);
    // Half-open: a client may end its side after the request line (`nc -N`, a shell pipe) and must
    // still get the answer; without it the answer to any request that awaits I/O was dropped.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.serve(socket));
    server.maxConnections = 2048;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE')
          reject(
            new EnvironmentError(
              `another tray-cred agent already listens on ${path}: stop it first (\`tray-cred status\` shows its pid)`,
            ),
          );
        else if (fd !== undefined)
          reject(
            new EnvironmentError(
              `LISTEN_PID and LISTEN_FDS say a listening socket was handed in as fd ${fd}, but it cannot be used (${error.message}): start the agent through its socket unit, or without those variables`,
            ),
          );
        else reject(error);
      });
      if (fd === undefined) server.listen(path, () => resolve());
      else server.listen({ fd }, () => resolve());
    });
    server.on('error', (error) => this.options.warn(`socket server: ${error.message}`));
    if (!windows && fd === undefined) await fsp.chmod(path, 0o600);
    if (windows) this.restrictPipe(path);
    this.server = server;
  }

  /** An owner-only DACL on the pipe; without it the default DACL (others may read, not write) still stands, so a failure is a warning. */
  private restrictPipe(path: string): void {
    try {
      this.options.pipeGuard?.afterListen(path);
    } catch (error) {
      this.options.warn(
        `could not give ${path} an owner-only security descriptor (${(error as Error).message}): its default one stands`,
      );
    }
  }

  /** A socket file left by a dead agent is replaced; a live agent's is never stolen. */
  private async clearStale(path: string): Promise<void> {
    let stat;
    try {
      stat = await fsp.lstat(path);
    } catch {
      return;
    }
    if (!stat.isSocket()) throw new EnvironmentError(`${path} exists and is not a socket: move it away and retry`);
    const alive = await new Promise<boolean>((resolve) => {
      const probe = createConnection(path);
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (alive)
      throw new EnvironmentError(
        `another tray-cred agent already listens on ${path}: stop it first (\`tray-cred status\` shows its pid)`,
      );
    await fsp.rm(path, { force: true });
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    // Never rejects: a peer that cannot be named is recorded as unverified by identify itself.
    const identity = this.options.identify
      ? this.options.identify(socket).catch(() => undefined)
      : Promise.resolve(undefined);
    socket.on('error', () => socket.destroy());
    const frame = new LineFrameReader('request');
    let done = false;
    const answer = (response: Response): void => {
      if (socket.writable) socket.end(encodeFrame(response));
    };
    const fail = (code: ProtocolError['code'], message: string, id = ''): void => {
      answer({ v: PROTOCOL_VERSION, id, ok: false, error: { code, message } });
    };
    // A deadline from connect, not an idle time-out: a client sending a byte now and then must not hold the connection.
    const deadline = setTimeout(() => {
      if (done) return;
      done = true;
      fail('TIMEOUT', 'no complete request line arrived in time');
      socket.destroySoon();
    }, this.options.readTimeoutMs ?? SERVER_READ_TIMEOUT_MS);
    socket.on('close', () => clearTimeout(deadline));
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      const read = frame.push(chunk);
      if (read.kind === 'partial') return;
      done = true;
      if (read.kind === 'too-large') {
        fail(read.error.code, read.error.message);
        socket.destroySoon();
        return;
      }
      clearTimeout(deadline);
      socket.pause();
      const { line } = read;
      let request: Request;
      try {
        request = parseRequest(line);
      } catch (error) {
        if (error instanceof ProtocolError) fail(error.code, error.message, requestIdOf(line));
        else fail('INTERNAL', 'the agent could not read the request');
        return;
      }
      // `answer` inside the chain: a response that cannot be encoded is an INTERNAL error, not an unhandled rejection.
      const notify: Notify = (notice) => {
        if (socket.writable) socket.write(encodeFrame({ v: PROTOCOL_VERSION, id: request.id, notice }));
      };
      identity
        .then((verified) => this.options.handle(request, verified, notify))
        .then(answer)
        .catch((error: unknown) => {
          this.options.warn(`handler failed: ${(error as Error)?.message ?? String(error)}`);
          fail('INTERNAL', 'the agent hit an internal error; its log has the details', request.id);
        });
    });
    socket.on('end', () => {
      if (!done) {
        done = true;
        socket.destroy();
      }
    });
  }

  /**
   * Stops listening; open connections are cut unless `keepConnections` (re-creating a deleted
   * socket file must not drop the requests in flight).
   */
  async close(keepConnections = false): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    if (keepConnections) {
      // Stops listening at once; the callback would wait for every open connection to end.
      server.close();
      return;
    }
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
