/**
 * The client side of the wire: one connection, one request, one validated response. The
 * helper talks to the agent through it, and so does `tray-cred`, by main/node/client/agent-client.ts
 * alone (a dependency-cruiser rule).
 *
 * Only Node built-ins and the wire contract: the helper bundles it, and its start-up is paid
 * before every `aws` command.
 */
import { createConnection } from 'node:net';
import { LineFrameReader } from './line-frame.ts';
import { ProtocolError, encodeFrame, parseNotice, parseResponse, type Request, type Response } from './wire.ts';

/** No agent answered at the socket path: it is not running, or the path is wrong. */
export class AgentUnreachableError extends Error {
  readonly path: string;
  constructor(path: string, cause: string) {
    super(`no tray-cred agent answers at ${path} (${cause})`);
    this.name = 'AgentUnreachableError';
    this.path = path;
  }
}

/**
 * Sends one request and reads its one response, validated. Rejects with
 * {@link AgentUnreachableError} when nothing listens, and with {@link ProtocolError}
 * (`TIMEOUT`, `TOO_LARGE`, `BAD_REQUEST`, `VERSION`) when the exchange fails. `beforeWrite`
 * runs once connected; an error it returns is the rejection, and nothing is sent.
 */
export function sendRequest(
  path: string,
  request: Request,
  timeoutMs: number,
  beforeWrite?: () => Error | undefined,
  onNotice?: (notice: string) => void,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let frame = new LineFrameReader("the agent's answer");
    let connected = false;
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(() => {
      finish(() =>
        reject(new ProtocolError('TIMEOUT', `the agent did not answer within ${Math.round(timeoutMs / 1000)} s`)),
      );
    }, timeoutMs);
    socket.on('connect', () => {
      connected = true;
      // The Windows helper checks who serves the pipe now, connected, before anything is sent.
      const refused = beforeWrite?.();
      if (refused) {
        finish(() => reject(refused));
        return;
      }
      socket.write(encodeFrame(request));
    });
    const onData = (chunk: Buffer): void => {
      const read = frame.push(chunk);
      if (read.kind === 'partial') return;
      if (read.kind === 'too-large') {
        finish(() => reject(read.error));
        return;
      }
      // A notice (asked for with `notices`) comes before the response: show it, then read on.
      const notice = onNotice && !settled ? noticeOf(read.line, request.id) : undefined;
      if (notice !== undefined) {
        const rest = frame.leftover;
        frame = new LineFrameReader("the agent's answer");
        onNotice?.(notice);
        if (rest.length > 0) onData(rest);
        return;
      }
      finish(() => {
        try {
          resolve(parseResponse(read.line, request.id));
        } catch (error) {
          reject(error);
        }
      });
    };
    socket.on('data', onData);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      finish(() =>
        reject(
          connected
            ? new ProtocolError('BAD_REQUEST', `the connection to the agent failed (${error.code ?? error.message})`)
            : new AgentUnreachableError(path, error.code ?? error.message),
        ),
      );
    });
    socket.on('close', () => {
      finish(() => reject(new ProtocolError('BAD_REQUEST', 'the agent closed the connection without an answer')));
    });
  });
}

/** A notice frame's text, or `undefined` for anything else (the response, or a frame the response parser will judge). */
function noticeOf(line: string, id: string): string | undefined {
  try {
    return parseNotice(line, id);
  } catch {
    return undefined;
  }
}
