/**
 * The AWS console sign-in URL for a profile, through the federation endpoint: role (or other
 * session) credentials go to getSigninToken as they are; a long-term key first becomes a
 * federation token (STS GetFederationToken, which only an IAM user's key may call). The URL is
 * a bearer secret for 15 minutes: it goes to the browser or stdout only, never to a log.
 */
import type { CredentialProcessDocument } from '../../../common/credential-process.ts';
import { UpstreamError } from '../../core/errors.ts';

/** The commercial partition's federation endpoint; GovCloud and China have their own (`--signin-url`). */
export const DEFAULT_SIGNIN_URL = 'https://signin.aws.amazon.com/federation';

/** Allows what the IAM user may do; a federation token gets the intersection of this and the user's policies. */
const FEDERATION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

export interface LoginOptions {
  profile: string;
  region: string;
  /** A console path such as `/s3/home`; the console's home page when absent. */
  destination: string | undefined;
  signinUrl: string;
  /** Seconds the console session lasts (900-43200); a federation token carries its own. */
  durationSeconds: number;
  /** The agent made the credentials a federation token (the profile's IAM user key, which stayed in the agent). */
  federated?: boolean | undefined;
}

interface Session {
  sessionId: string;
  sessionKey: string;
  sessionToken: string;
}

/**
 * A long-term key made into a federation token here, with the SDK (which honours
 * AWS_ENDPOINT_URL_STS): only for a key the agent served as it is (an external command's output);
 * a vault profile's key is made into one inside the agent (sources/federation-token.ts).
 */
async function federationToken(c: CredentialProcessDocument, o: LoginOptions): Promise<Session> {
  const { STSClient, GetFederationTokenCommand } = await import('@aws-sdk/client-sts');
  const client = new STSClient({
    region: o.region,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey },
    maxAttempts: 2,
  });
  try {
    const name = `tray-cred-${o.profile}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 32);
    const out = await client.send(
      new GetFederationTokenCommand({ Name: name, Policy: FEDERATION_POLICY, DurationSeconds: o.durationSeconds }),
    );
    const t = out.Credentials;
    if (!t?.AccessKeyId || !t.SecretAccessKey || !t.SessionToken)
      throw new UpstreamError('STS GetFederationToken answered without complete credentials');
    return { sessionId: t.AccessKeyId, sessionKey: t.SecretAccessKey, sessionToken: t.SessionToken };
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    const e = error as { name?: string; message?: string };
    throw new UpstreamError(
      `STS GetFederationToken failed for "${o.profile}": ${e.name ?? 'Error'}: ${(e.message ?? '').slice(0, 300)}; the IAM user needs sts:GetFederationToken`,
    );
  } finally {
    client.destroy();
  }
}

/** The endpoint's URL as an error may name it: the Session parameter holds the credentials, so it goes. */
function shown(url: URL): string {
  const safe = new URL(url);
  safe.searchParams.delete('Session');
  return safe.toString();
}

/**
 * What a non-2xx answer of the federation endpoint means: it answers 400 to a session it will
 * not take (expired, or credentials of a kind it refuses); a 5xx is the service's own failure.
 */
function refusal(url: URL, status: number): UpstreamError {
  const where = `the federation endpoint ${shown(url)} answered HTTP ${status}`;
  if (status === 400)
    return new UpstreamError(
      `${where}: it refused the session: the profile's credentials must be a role session or an IAM user's key, and not expired`,
    );
  if (status >= 500)
    return new UpstreamError(`${where}: the sign-in service failed, not the credentials: try again later`);
  return new UpstreamError(`${where}: check --signin-url for your partition`);
}

async function signinToken(session: Session, o: LoginOptions, withDuration: boolean): Promise<string> {
  const url = new URL(o.signinUrl);
  url.searchParams.set('Action', 'getSigninToken');
  // A federation token carries its own length; SessionDuration is for role sessions only.
  if (withDuration) url.searchParams.set('SessionDuration', String(o.durationSeconds));
  url.searchParams.set('Session', JSON.stringify(session));
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new UpstreamError(
      `the federation endpoint ${shown(url)} did not answer (${(error as Error).message}): check the network, or --signin-url for your partition`,
    );
  }
  if (!res.ok) throw refusal(url, res.status);
  const body: unknown = await res.json().catch(() => undefined);
  const token = (body as { SigninToken?: unknown } | null | undefined)?.SigninToken;
  if (typeof token !== 'string' || !token)
    throw new UpstreamError(
      `the federation endpoint ${shown(url)} answered HTTP ${res.status} without a SigninToken: check --signin-url for your partition`,
    );
  return token;
}

/** The console's sign-in URL for these credentials. A secret: the caller prints or opens it, nothing else. */
export async function consoleUrl(c: CredentialProcessDocument, o: LoginOptions): Promise<string> {
  const longTerm = c.SessionToken === undefined;
  const session = longTerm
    ? await federationToken(c, o)
    : { sessionId: c.AccessKeyId, sessionKey: c.SecretAccessKey, sessionToken: c.SessionToken! };
  const token = await signinToken(session, o, !longTerm && o.federated !== true);
  const console = new URL(`https://${o.region}.console.aws.amazon.com${o.destination ?? '/console/home'}`);
  console.searchParams.set('region', o.region);
  const login = new URL(o.signinUrl);
  login.searchParams.set('Action', 'login');
  login.searchParams.set('Issuer', 'tray-cred');
  login.searchParams.set('Destination', console.toString());
  login.searchParams.set('SigninToken', token);
  return login.toString();
}
