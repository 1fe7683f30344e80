import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape @smithy/signature-v4 wants. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === 'string'
    ? d
    : d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

interface Keys {
  secretAccessKey: string;
  sessionToken?: string | undefined;
  expiresAt?: number | undefined;
  /** The identity these keys act as: the long-term user, or what minted them. */
  principal: string;
  /** For an IAM user's long-term keys: the user, and when the key was made. */
  user?: string | undefined;
  createDate?: string | undefined;
  /** Eventual consistency: a new key is refused as unknown this many more times. */
  unsettled?: number | undefined;
}

/** What a test's hook may do to a request: let it pass, or drop the connection unanswered ('before': not applied; 'after': applied). */
export type StandInHook = (
  action: string,
  phase: 'before' | 'after',
) => Promise<'drop' | undefined> | 'drop' | undefined;

type Answer = { status: number; body: string } | 'drop';

export interface StsRequestLog {
  action: string;
  accessKeyId: string;
  principal: string;
  params: Record<string, string>;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';

/**
 * A stand-in for AWS STS on loopback, for end-to-end tests. It speaks the awsQuery protocol
 * the SDK uses, checks every request's SigV4 signature against the keys it knows (the test's
 * long-term keys and the session keys it minted), and answers with STS's documented XML.
 * It refuses a bad signature, an unknown key, a wrong MFA code and an expired token the way
 * STS does.
 */
export class StsStandIn {
  readonly requests: StsRequestLog[] = [];
  /** Each sign-in token the federation endpoint gave out, and for whom. */
  readonly signins: { principal: string; sessionDuration: string | undefined; signinToken: string }[] = [];
  /** The MFA code it accepts for every device. */
  mfaCode = '123456';
  /** IAM's eventual consistency: a key CreateAccessKey made is refused as unknown for its first uses. */
  unsettledUses = 2;
  /** Called for every signed request (kill a client in the middle of its work). */
  hook: StandInHook | undefined;
  private readonly keys = new Map<string, Keys>();
  private server: Server | undefined;
  private n = 0;

  /** Registers long-term keys STS should accept. */
  addUser(
    accessKeyId: string,
    secretAccessKey: string,
    principal = `arn:aws:iam::123456789012:user/${accessKeyId}`,
  ): void {
    this.keys.set(accessKeyId, {
      secretAccessKey,
      principal,
      user: principal.split('/').pop(),
      createDate: new Date(Date.now() - 400 * 86_400_000).toISOString(),
    });
  }

  /** The IAM user's access keys, as IAM holds them. */
  userKeys(user: string): { accessKeyId: string; secretAccessKey: string; createDate: string }[] {
    return [...this.keys]
      .filter(([, k]) => k.user === user)
      .map(([accessKeyId, k]) => ({ accessKeyId, secretAccessKey: k.secretAccessKey, createDate: k.createDate! }));
  }

  /** Registers session credentials minted elsewhere (a profile's stored session keys), good until `expiresAt`. */
  addSession(accessKeyId: string, secretAccessKey: string, sessionToken: string, expiresAt: number): void {
    this.keys.set(accessKeyId, {
      secretAccessKey,
      sessionToken,
      expiresAt,
      principal: `arn:aws:sts::123456789012:assumed-role/Stored/${accessKeyId}`,
    });
  }

  /** Makes every session key minted so far count as expired. */
  expireSessions(): void {
    for (const k of this.keys.values()) if (k.sessionToken) k.expiresAt = 0;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the stand-in is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method === 'GET' && req.url?.startsWith('/federation?')) {
        const { status, body } = this.signin(new URL(req.url, 'http://stand-in').searchParams);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
      void this.handle(req).then((answer) => {
        if (answer === 'drop') {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private error(status: number, code: string, message: string): { status: number; body: string } {
    return {
      status,
      body: `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    };
  }

  private async handle(req: IncomingMessage): Promise<Answer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const auth = String(req.headers.authorization ?? '');
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/(sts|iam)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!m) return this.error(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    const [, accessKeyId, , region, service, signedHeaders, signature] = m as unknown as [
      string,
      string,
      string,
      string,
      'sts' | 'iam',
      string,
      string,
    ];
    const keys = this.keys.get(accessKeyId);
    if (!keys) return this.error(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    const headers: Record<string, string> = {};
    for (const h of signedHeaders.split(';')) headers[h] = String(req.headers[h] ?? '');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const request = new HttpRequest({
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname: headers.host?.split(':')[0] ?? '127.0.0.1',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    });
    const amzDate = headers['x-amz-date'] ?? '';
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const signer = new SignatureV4({
      service,
      region,
      // Sign exactly the headers the client signed: botocore sends no x-amz-content-sha256.
      applyChecksum: false,
      credentials: {
        accessKeyId,
        secretAccessKey: keys.secretAccessKey,
        ...(keys.sessionToken ? { sessionToken: keys.sessionToken } : {}),
      },
      sha256: NodeSha256,
    });
    const expected = await signer.sign(request, { signingDate });
    const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1];
    if (expectedSignature !== signature)
      return this.error(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      );
    if (keys.sessionToken && headers['x-amz-security-token'] !== keys.sessionToken)
      return this.error(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (keys.expiresAt !== undefined && keys.expiresAt <= Date.now())
      return this.error(403, 'ExpiredToken', 'The security token included in the request is expired');

    if (keys.unsettled) {
      keys.unsettled -= 1;
      return this.error(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    }
    const params = Object.fromEntries(new URLSearchParams(body));
    this.requests.push({ action: params.Action ?? '', accessKeyId, principal: keys.principal, params });
    if ((await this.hook?.(params.Action ?? '', 'before')) === 'drop') return 'drop';
    const answer = service === 'iam' ? this.iam(params, keys) : this.sts(params, keys);
    if ((await this.hook?.(params.Action ?? '', 'after')) === 'drop') return 'drop';
    return answer;
  }

  private sts(params: Record<string, string>, keys: Keys): { status: number; body: string } {
    if (params.SerialNumber !== undefined && params.TokenCode !== this.mfaCode) {
      return this.error(403, 'AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.');
    }
    const seconds = Number(params.DurationSeconds ?? 3600);
    if (params.Action === 'GetSessionToken') {
      if (keys.sessionToken)
        return this.error(403, 'AccessDenied', 'Cannot call GetSessionToken with session credentials');
      return {
        status: 200,
        body: this.respond('GetSessionToken', this.mint(seconds, `${keys.principal} (session)`), ''),
      };
    }
    if (params.Action === 'AssumeRole') {
      if (!params.RoleArn || !params.RoleSessionName)
        return this.error(400, 'ValidationError', 'RoleArn and RoleSessionName are required');
      const assumed = `${params.RoleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${params.RoleSessionName}`;
      const creds = this.mint(seconds, assumed);
      return {
        status: 200,
        body: this.respond(
          'AssumeRole',
          creds,
          `<AssumedRoleUser><Arn>${assumed}</Arn><AssumedRoleId>AROA3XFRBF535PLBIFPI4:${params.RoleSessionName}</AssumedRoleId></AssumedRoleUser>`,
        ),
      };
    }
    if (params.Action === 'GetFederationToken') {
      if (keys.sessionToken)
        return this.error(403, 'AccessDenied', 'Cannot call GetFederationToken with session credentials');
      if (!params.Name || !/^[\w+=,.@-]{2,32}$/.test(params.Name))
        return this.error(400, 'ValidationError', 'Name must be 2-32 characters');
      const federated = `arn:aws:sts::123456789012:federated-user/${params.Name}`;
      return {
        status: 200,
        body: this.respond(
          'GetFederationToken',
          this.mint(seconds, federated),
          `<FederatedUser><Arn>${federated}</Arn><FederatedUserId>123456789012:${params.Name}</FederatedUserId></FederatedUser>`,
        ),
      };
    }
    if (params.Action === 'GetCallerIdentity') {
      const body = `<GetCallerIdentityResult><Arn>${keys.principal}</Arn><UserId>AIDA${'X'.repeat(17)}</UserId><Account>123456789012</Account></GetCallerIdentityResult>`;
      return {
        status: 200,
        body: `<GetCallerIdentityResponse xmlns="${XMLNS}">${body}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      };
    }
    return this.error(400, 'InvalidAction', `Could not find operation ${params.Action}`);
  }

  /** IAM's access-key calls for the calling user, with its limit of two keys per user. */
  private iam(params: Record<string, string>, keys: Keys): { status: number; body: string } {
    const user = keys.user;
    if (!user || keys.sessionToken) return this.error(403, 'AccessDenied', 'only IAM users manage their own keys here');
    const wrap = (action: string, result: string): { status: number; body: string } => ({
      status: 200,
      body: `<${action}Response xmlns="${IAM_XMLNS}">${result ? `<${action}Result>${result}</${action}Result>` : ''}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
    });
    const mine = this.userKeys(user);
    if (params.Action === 'ListAccessKeys') {
      const members = mine
        .map(
          (k) =>
            `<member><UserName>${user}</UserName><AccessKeyId>${k.accessKeyId}</AccessKeyId><Status>Active</Status><CreateDate>${k.createDate}</CreateDate></member>`,
        )
        .join('');
      return wrap(
        'ListAccessKeys',
        `<UserName>${user}</UserName><AccessKeyMetadata>${members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>`,
      );
    }
    if (params.Action === 'CreateAccessKey') {
      if (mine.length >= 2) return this.error(409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
      this.n += 1;
      const accessKeyId = `AKIA${String(this.n).padStart(4, '0')}${randomBytes(6).toString('hex').toUpperCase()}`;
      const secretAccessKey = randomBytes(30).toString('base64');
      const createDate = new Date().toISOString();
      this.keys.set(accessKeyId, {
        secretAccessKey,
        principal: keys.principal,
        user,
        createDate,
        unsettled: this.unsettledUses,
      });
      return wrap(
        'CreateAccessKey',
        `<AccessKey><UserName>${user}</UserName><AccessKeyId>${accessKeyId}</AccessKeyId><Status>Active</Status><SecretAccessKey>${secretAccessKey}</SecretAccessKey><CreateDate>${createDate}</CreateDate></AccessKey>`,
      );
    }
    if (params.Action === 'DeleteAccessKey') {
      const id = params.AccessKeyId ?? '';
      if (!mine.some((k) => k.accessKeyId === id))
        return this.error(404, 'NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
      this.keys.delete(id);
      return wrap('DeleteAccessKey', '');
    }
    return this.error(400, 'InvalidAction', `Could not find operation ${params.Action}`);
  }

  /**
   * The console federation endpoint's getSigninToken, as signin.aws.amazon.com answers it: the
   * Session must be live keys this stand-in minted for a role or a federated user (GetSessionToken's
   * are refused, as AWS does), and SessionDuration is refused for federated users.
   */
  private signin(q: URLSearchParams): { status: number; body: string } {
    const refuse = (why: string): { status: number; body: string } => ({
      status: 400,
      body: JSON.stringify({ error: why }),
    });
    if (q.get('Action') !== 'getSigninToken') return refuse('unknown Action');
    let session: { sessionId?: unknown; sessionKey?: unknown; sessionToken?: unknown };
    try {
      session = JSON.parse(q.get('Session') ?? '') as typeof session;
    } catch {
      return refuse('Session is not JSON');
    }
    const keys = typeof session.sessionId === 'string' ? this.keys.get(session.sessionId) : undefined;
    if (
      !keys?.sessionToken ||
      keys.secretAccessKey !== session.sessionKey ||
      keys.sessionToken !== session.sessionToken
    )
      return refuse('invalid session');
    if (keys.expiresAt !== undefined && keys.expiresAt <= Date.now()) return refuse('expired session');
    const federated = keys.principal.includes(':federated-user/');
    if (!federated && !keys.principal.includes(':assumed-role/'))
      return refuse('session credentials from GetSessionToken cannot sign in');
    if (federated && q.has('SessionDuration')) return refuse('SessionDuration is not allowed for federated users');
    const signinToken = `SIGNIN${randomBytes(24).toString('hex')}`;
    this.signins.push({
      principal: keys.principal,
      sessionDuration: q.get('SessionDuration') ?? undefined,
      signinToken,
    });
    return { status: 200, body: JSON.stringify({ SigninToken: signinToken }) };
  }

  private mint(
    seconds: number,
    principal: string,
  ): { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string } {
    this.n += 1;
    const accessKeyId = `ASIA${String(this.n).padStart(4, '0')}${randomBytes(6).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    const sessionToken = `FwoGZXIvYXdz${randomBytes(48).toString('base64')}`;
    const expiresAt = Date.now() + seconds * 1000;
    this.keys.set(accessKeyId, { secretAccessKey, sessionToken, expiresAt, principal });
    return { accessKeyId, secretAccessKey, sessionToken, expiration: new Date(expiresAt).toISOString() };
  }

  private respond(
    action: string,
    c: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string },
    extra: string,
  ): string {
    return (
      `<${action}Response xmlns="${XMLNS}"><${action}Result><Credentials>` +
      `<SessionToken>${c.sessionToken}</SessionToken><SecretAccessKey>${c.secretAccessKey}</SecretAccessKey>` +
      `<Expiration>${c.expiration}</Expiration><AccessKeyId>${c.accessKeyId}</AccessKeyId>` +
      `</Credentials>${extra}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`
    );
  }
}
