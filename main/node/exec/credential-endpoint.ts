/**
 * The local credential endpoint of `exec --server` and `serve`: the container credential
 * provider protocol (what ECS offers and every AWS SDK reads through
 * AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN) on 127.0.0.1 only.
 *
 * Each request is checked before anything is asked of the agent: GET only, a loopback Host with
 * our port (a DNS-rebinding page sends its own name), no header a browser adds (Origin, Referer,
 * Sec-Fetch-*: a page cannot make a request without them), and the token in constant time.
 * Then it asks the agent, so each fetch is decided and audited like the helper's.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CredentialProcessDocument } from '../../../common/credential-process.ts';
import { TrayCredError } from '../../core/errors.ts';

/** What the endpoint answers with: the agent's credentials, or a refusal (a code and a message). */
export type Fetch = () => Promise<CredentialProcessDocument>;

export interface Endpoint {
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI */
  url: string;
  /** AWS_CONTAINER_AUTHORIZATION_TOKEN: fresh per run, never written anywhere but the child's environment. */
  token: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Why a request is refused before the agent is asked, or undefined when it may go on. */
function refusal(
  req: Pick<IncomingMessage, 'method' | 'headers'>,
  port: number,
  tokenDigest: Buffer,
): { status: number; why: string } | undefined {
  if (req.method !== 'GET') return { status: 405, why: 'only GET is served' };
  const host = (req.headers.host ?? '').toLowerCase();
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
    return { status: 403, why: 'the Host header is not this loopback endpoint' };
  const browser = Object.keys(req.headers).find((h) => h === 'origin' || h === 'referer' || h.startsWith('sec-fetch-'));
  if (browser) return { status: 403, why: `a browser header (${browser}) is present: web pages may not ask` };
  const given = req.headers.authorization;
  // Both sides hashed to one length, so the comparison takes the same time whatever was sent.
  if (typeof given !== 'string' || !timingSafeEqual(digest(given), tokenDigest))
    return { status: 401, why: 'a wrong or missing authorization token' };
  return undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

const STATUS_OF: Partial<Record<string, number>> = {
  DENIED: 403,
  TIMEOUT: 403,
  LOCKED: 503,
  UNKNOWN_PROFILE: 404,
  EXPIRED: 503,
  ENVIRONMENT: 503,
};

async function serveOne(res: ServerResponse, fetch: Fetch): Promise<void> {
  try {
    const c = await fetch();
    if (!c.SessionToken || !c.Expiration) {
      send(res, 403, {
        code: 'DENIED',
        message:
          'the endpoint serves session credentials only; this profile serves its long-term key: turn on session mode with `tray-cred sts <profile> --session-mode on`',
      });
      return;
    }
    send(res, 200, {
      AccessKeyId: c.AccessKeyId,
      SecretAccessKey: c.SecretAccessKey,
      Token: c.SessionToken,
      Expiration: c.Expiration,
    });
  } catch (error) {
    const e = error instanceof TrayCredError ? error : undefined;
    send(res, STATUS_OF[e?.code ?? ''] ?? 500, {
      code: e?.code ?? 'INTERNAL',
      message: e?.message ?? 'tray-cred hit an internal error',
    });
  }
}

/** Listens on 127.0.0.1 on a random port with a fresh token; `onRefused` hears each refusal (never the token). */
export async function startEndpoint(
  fetch: Fetch,
  onRefused: (why: string) => void = () => undefined,
): Promise<Endpoint> {
  const token = randomBytes(32).toString('base64url');
  const tokenDigest = digest(token);
  let port = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    const refused = refusal(req, port, tokenDigest);
    if (refused) {
      onRefused(refused.why);
      send(res, refused.status, { code: 'FORBIDDEN', message: `refused: ${refused.why}` });
      return;
    }
    void serveOne(res, fetch);
  });
  server.headersTimeout = 5_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
