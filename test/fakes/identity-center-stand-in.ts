import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Device {
  clientId: string;
  userCode: string;
  expiresAt: number;
  approved: boolean;
  polls: number;
}

/**
 * IAM Identity Center's OIDC service and access portal on loopback, speaking the REST-JSON the
 * SDK uses: RegisterClient, StartDeviceAuthorization, CreateToken (device code with
 * `authorization_pending` until a test approves the user code and one `slow_down` on the way;
 * refresh tokens), GetRoleCredentials (bearer token checked) and Logout.
 */
export class IdentityCenterStandIn {
  readonly calls: { path: string; grantType?: string | undefined }[] = [];
  /** Lifetimes it hands out. */
  accessTokenSeconds = 3600;
  deviceSeconds = 600;
  interval = 1;
  /** Role credentials it minted, by access key id. */
  readonly minted = new Map<string, { secretAccessKey: string; sessionToken: string }>();
  /** Every token it ever issued (to scan disks for). */
  readonly issued: string[] = [];
  private readonly clients = new Map<string, string>();
  private readonly devices = new Map<string, Device>();
  private readonly accessTokens = new Set<string>();
  private readonly refreshTokens = new Map<string, string>();
  private server: Server | undefined;

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the stand-in is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** The person confirms the code in the browser. */
  approve(userCode: string): void {
    for (const d of this.devices.values()) if (d.userCode === userCode) d.approved = true;
  }

  /** Every refresh token stops working (the session ended at the portal). */
  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  /** Every access token stops working. */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  private send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': randomUUID(),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(JSON.stringify(errorType ? { __type: errorType, ...(body as object) } : body));
  }

  private token(): string {
    const t = `tok-${randomBytes(24).toString('base64url')}`;
    this.issued.push(t);
    return t;
  }

  private tokens(clientId: string): {
    accessToken: string;
    tokenType: string;
    expiresIn: number;
    refreshToken: string;
  } {
    const accessToken = this.token();
    const refreshToken = this.token();
    this.accessTokens.add(accessToken);
    this.refreshTokens.set(refreshToken, clientId);
    return { accessToken, tokenType: 'Bearer', expiresIn: this.accessTokenSeconds, refreshToken };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = (text ? JSON.parse(text) : {}) as Record<string, string>;
    const url = new URL(req.url ?? '/', 'http://stand-in');
    this.calls.push({ path: url.pathname, grantType: body.grantType });
    const bearer = String(req.headers['x-amz-sso_bearer_token'] ?? '');
    switch (url.pathname) {
      case '/client/register': {
        const clientId = `client-${randomUUID()}`;
        const clientSecret = this.token();
        this.clients.set(clientId, clientSecret);
        return this.send(res, 200, {
          clientId,
          clientSecret,
          clientIdIssuedAt: Math.floor(Date.now() / 1000),
          clientSecretExpiresAt: Math.floor(Date.now() / 1000) + 90 * 86_400,
        });
      }
      case '/device_authorization': {
        if (this.clients.get(body.clientId ?? '') !== body.clientSecret)
          return this.send(res, 401, { error: 'invalid_client' }, 'InvalidClientException');
        const deviceCode = this.token();
        const userCode = `${randomBytes(2).toString('hex').toUpperCase()}-${randomBytes(2).toString('hex').toUpperCase()}`;
        this.devices.set(deviceCode, {
          clientId: body.clientId!,
          userCode,
          expiresAt: Date.now() + this.deviceSeconds * 1000,
          approved: false,
          polls: 0,
        });
        const verificationUri = `${this.url}/start/#/device`;
        return this.send(res, 200, {
          deviceCode,
          userCode,
          verificationUri,
          verificationUriComplete: `${verificationUri}?user_code=${userCode}`,
          expiresIn: this.deviceSeconds,
          interval: this.interval,
        });
      }
      case '/token':
        return this.createToken(res, body);
      case '/federation/credentials': {
        if (!this.accessTokens.has(bearer))
          return this.send(res, 401, { message: 'Session token not found or invalid' }, 'UnauthorizedException');
        const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
        const creds = {
          secretAccessKey: randomBytes(30).toString('base64'),
          sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(40).toString('base64')}`,
        };
        this.minted.set(accessKeyId, creds);
        return this.send(res, 200, { roleCredentials: { accessKeyId, ...creds, expiration: Date.now() + 3600_000 } });
      }
      case '/logout':
        this.accessTokens.delete(bearer);
        return this.send(res, 200, {});
      default:
        return this.send(res, 404, { message: `no ${url.pathname}` }, 'ResourceNotFoundException');
    }
  }

  private createToken(res: ServerResponse, body: Record<string, string>): void {
    if (this.clients.get(body.clientId ?? '') !== body.clientSecret)
      return this.send(res, 401, { error: 'invalid_client' }, 'InvalidClientException');
    if (body.grantType === 'refresh_token') {
      if (this.refreshTokens.get(body.refreshToken ?? '') !== body.clientId)
        return this.send(
          res,
          400,
          { error: 'invalid_grant', error_description: 'Invalid refresh token provided' },
          'InvalidGrantException',
        );
      this.refreshTokens.delete(body.refreshToken!);
      return this.send(res, 200, this.tokens(body.clientId!));
    }
    const d = this.devices.get(body.deviceCode ?? '');
    if (!d || d.clientId !== body.clientId)
      return this.send(res, 400, { error: 'invalid_grant' }, 'InvalidGrantException');
    if (Date.now() > d.expiresAt) return this.send(res, 400, { error: 'expired_token' }, 'ExpiredTokenException');
    d.polls += 1;
    if (d.polls === 2) return this.send(res, 400, { error: 'slow_down' }, 'SlowDownException');
    if (!d.approved) return this.send(res, 400, { error: 'authorization_pending' }, 'AuthorizationPendingException');
    this.devices.delete(body.deviceCode!);
    return this.send(res, 200, this.tokens(d.clientId));
  }
}
