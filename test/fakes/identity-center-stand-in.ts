import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RuleSwitch, type StandInRule } from './stand-in-rules.ts';

const OIDC = 'https://docs.aws.amazon.com/singlesignon/latest/OIDCAPIReference';
const PORTAL = 'https://docs.aws.amazon.com/singlesignon/latest/PortalAPIReference';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/** What IAM Identity Center's OIDC service and access portal refuse, each with the page that says so. */
export const IDENTITY_CENTER_RULES = {
  'public-client': {
    refuses:
      'RegisterClient without a clientName (InvalidRequestException) or with a clientType other than public (InvalidClientMetadataException)',
    doc: `${OIDC}/API_RegisterClient.html`,
  },
  'client-secret': {
    refuses:
      'StartDeviceAuthorization and CreateToken with an unknown clientId or a wrong clientSecret (InvalidClientException)',
    doc: `${OIDC}/API_CreateToken.html`,
  },
  'scope-syntax': {
    refuses:
      'RegisterClient with a scope that is not an OAuth 2.0 scope token, such as one with a space (InvalidScopeException)',
    doc: `${OIDC}/API_RegisterClient.html`,
  },
  'grant-type': {
    refuses:
      'CreateToken with a grantType other than authorization_code, urn:ietf:params:oauth:grant-type:device_code and refresh_token (UnsupportedGrantTypeException)',
    doc: `${OIDC}/API_CreateToken.html`,
  },
  'registered-grant-types': {
    refuses:
      'a grant the client did not list in its grantTypes at RegisterClient: a device authorization for a client registered for authorization_code (UnauthorizedClientException)',
    doc: `${OIDC}/API_RegisterClient.html`,
  },
  'refresh-needs-scopes': {
    refuses:
      'a refresh token to a client registered without scopes: the legacy non-refreshable configuration (no sso_registration_scopes) gets access tokens only',
    doc: 'https://docs.aws.amazon.com/sdkref/latest/guide/feature-sso-credentials.html',
  },
  'refresh-token': {
    refuses:
      'CreateToken with a refresh token it did not issue to this client, or one already used (InvalidGrantException)',
    doc: `${OIDC}/API_CreateToken.html`,
  },
  'device-code': {
    refuses: 'CreateToken with a device code it did not issue to this client (InvalidGrantException)',
    doc: `${OIDC}/API_CreateToken.html`,
  },
  'device-code-expiry': {
    refuses:
      'CreateToken with a device code older than the expiresIn StartDeviceAuthorization gave (ExpiredTokenException)',
    doc: `${OIDC}/API_StartDeviceAuthorization.html`,
  },
  'access-token': {
    refuses:
      'GetRoleCredentials with an access token it did not issue or one signed out by Logout (UnauthorizedException)',
    doc: `${PORTAL}/API_GetRoleCredentials.html`,
  },
  'access-token-expiry': {
    refuses:
      'GetRoleCredentials with an access token older than the expiresIn CreateToken gave (UnauthorizedException)',
    doc: `${OIDC}/API_CreateToken.html`,
  },
  'assigned-roles': {
    refuses: 'GetRoleCredentials for an account and role not assigned to the user (ForbiddenException: No access)',
    doc: `${PORTAL}/API_GetRoleCredentials.html`,
  },
} as const satisfies Record<string, StandInRule>;

export type IdentityCenterRule = keyof typeof IDENTITY_CENTER_RULES;

interface Client {
  secret: string;
  scopes: string[];
  grantTypes: string[] | undefined;
}

interface Device {
  clientId: string;
  userCode: string;
  expiresAt: number;
  approved: boolean;
  polls: number;
}

type Body = Record<string, unknown>;
type Answer = [status: number, body: object, errorType?: string];

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);
const oidcError = (status: number, type: string, error: string, description: string): Answer => [
  status,
  { error, error_description: description },
  type,
];

/**
 * IAM Identity Center's OIDC service and access portal on loopback, speaking the REST-JSON the
 * SDK uses: RegisterClient, StartDeviceAuthorization, CreateToken (device code with
 * `authorization_pending` until a test approves the user code and one `slow_down` on the way;
 * refresh tokens for clients registered with scopes), GetRoleCredentials (bearer token checked,
 * only for assigned roles) and Logout. It refuses what AWS documents it refuses
 * (IDENTITY_CENTER_RULES); `rules.off` switches a rule off for the meta-test only.
 */
export class IdentityCenterStandIn {
  readonly rules = new RuleSwitch<IdentityCenterRule>();
  readonly calls: { path: string; grantType?: string | undefined }[] = [];
  /** Lifetimes it hands out. */
  accessTokenSeconds = 3600;
  deviceSeconds = 600;
  interval = 1;
  /** Role credentials it minted, by access key id. */
  readonly minted = new Map<string, { secretAccessKey: string; sessionToken: string }>();
  /** Every token it ever issued (to scan disks for). */
  readonly issued: string[] = [];
  private readonly clients = new Map<string, Client>();
  private readonly devices = new Map<string, Device>();
  private readonly accessTokens = new Map<string, number>();
  private readonly refreshTokens = new Map<string, string>();
  private readonly assignments = new Set<string>();
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

  /** The administrator assigns the user this role in this account (a permission set). */
  assign(accountId: string, roleName: string): void {
    this.assignments.add(`${accountId}/${roleName}`);
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

  private send(res: ServerResponse, [status, body, errorType]: Answer): void {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': randomUUID(),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(JSON.stringify(body));
  }

  private token(): string {
    const t = `tok-${randomBytes(24).toString('base64url')}`;
    this.issued.push(t);
    return t;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = (text ? JSON.parse(text) : {}) as Body;
    const url = new URL(req.url ?? '/', 'http://stand-in');
    this.calls.push({ path: url.pathname, grantType: typeof body.grantType === 'string' ? body.grantType : undefined });
    const bearer = String(req.headers['x-amz-sso_bearer_token'] ?? '');
    switch (url.pathname) {
      case '/client/register':
        return this.send(res, this.registerClient(body));
      case '/device_authorization':
        return this.send(res, this.startDeviceAuthorization(body));
      case '/token':
        return this.send(res, this.createToken(body));
      case '/federation/credentials':
        return this.send(res, this.getRoleCredentials(bearer, url.searchParams));
      case '/logout':
        this.accessTokens.delete(bearer);
        return this.send(res, [200, {}]);
      default:
        return this.send(res, [404, { message: `no ${url.pathname}` }, 'ResourceNotFoundException']);
    }
  }

  private registerClient(body: Body): Answer {
    // API_RegisterClient: clientName and clientType are required, and "the service supports only
    // public as a client type. Anything other than public will be rejected by the service."
    if (this.rules.on('public-client') && !str(body.clientName))
      return oidcError(400, 'InvalidRequestException', 'invalid_request', 'clientName is required');
    if (this.rules.on('public-client') && body.clientType !== 'public')
      return oidcError(400, 'InvalidClientMetadataException', 'invalid_client_metadata', 'Invalid client type');
    const scopes = list(body.scopes) ?? [];
    // API_RegisterClient answers InvalidScopeException for a scope it cannot take; a scope is an
    // RFC 6749 §3.3 scope-token (no spaces, quotes or backslashes).
    if (this.rules.on('scope-syntax') && scopes.some((s) => !SCOPE_TOKEN.test(s)))
      return oidcError(400, 'InvalidScopeException', 'invalid_scope', 'Invalid scope requested');
    const clientId = `client-${randomUUID()}`;
    const clientSecret = this.token();
    this.clients.set(clientId, { secret: clientSecret, scopes, grantTypes: list(body.grantTypes) });
    return [
      200,
      {
        clientId,
        clientSecret,
        clientIdIssuedAt: Math.floor(Date.now() / 1000),
        clientSecretExpiresAt: Math.floor(Date.now() / 1000) + 90 * 86_400,
      },
    ];
  }

  /** The client the request names, or the refusal AWS gives for it. */
  private client(body: Body, grant: string): Client | Answer {
    const client = this.clients.get(str(body.clientId));
    // API_CreateToken / API_StartDeviceAuthorization: an incorrect clientId or clientSecret is InvalidClientException.
    if (this.rules.on('client-secret') && client?.secret !== str(body.clientSecret))
      return oidcError(401, 'InvalidClientException', 'invalid_client', 'Invalid client provided');
    // API_RegisterClient: grantTypes "is used to restrict the token granting flows available to the client".
    if (this.rules.on('registered-grant-types') && client?.grantTypes && !client.grantTypes.includes(grant))
      return oidcError(
        400,
        'UnauthorizedClientException',
        'unauthorized_client',
        `Client is not authorized for ${grant}`,
      );
    return client ?? { secret: '', scopes: [], grantTypes: undefined };
  }

  private startDeviceAuthorization(body: Body): Answer {
    const client = this.client(body, DEVICE_CODE);
    if (Array.isArray(client)) return client;
    const deviceCode = this.token();
    const userCode = `${randomBytes(2).toString('hex').toUpperCase()}-${randomBytes(2).toString('hex').toUpperCase()}`;
    this.devices.set(deviceCode, {
      clientId: str(body.clientId),
      userCode,
      expiresAt: Date.now() + this.deviceSeconds * 1000,
      approved: false,
      polls: 0,
    });
    const verificationUri = `${this.url}/start/#/device`;
    return [
      200,
      {
        deviceCode,
        userCode,
        verificationUri,
        verificationUriComplete: `${verificationUri}?user_code=${userCode}`,
        expiresIn: this.deviceSeconds,
        interval: this.interval,
      },
    ];
  }

  private tokens(client: Client, clientId: string): Answer {
    const accessToken = this.token();
    this.accessTokens.set(accessToken, Date.now() + this.accessTokenSeconds * 1000);
    const out: Record<string, unknown> = { accessToken, tokenType: 'Bearer', expiresIn: this.accessTokenSeconds };
    // The legacy non-refreshable configuration (a client registered without scopes, as the AWS CLI
    // does without sso_registration_scopes) gets no refresh token (feature-sso-credentials.html).
    if (client.scopes.length > 0 || !this.rules.on('refresh-needs-scopes')) {
      const refreshToken = this.token();
      this.refreshTokens.set(refreshToken, clientId);
      out.refreshToken = refreshToken;
    }
    return [200, out];
  }

  private createToken(body: Body): Answer {
    const grantType = str(body.grantType);
    // API_CreateToken: grantType is authorization_code, the device code URN or refresh_token.
    if (this.rules.on('grant-type') && !['authorization_code', DEVICE_CODE, 'refresh_token'].includes(grantType))
      return oidcError(400, 'UnsupportedGrantTypeException', 'unsupported_grant_type', 'Unsupported grant type');
    const client = this.client(body, grantType);
    if (Array.isArray(client)) return client;
    const clientId = str(body.clientId);
    if (grantType === 'refresh_token') {
      const refreshToken = str(body.refreshToken);
      // API_CreateToken: a refresh token not issued to this client is an invalid grant.
      if (this.rules.on('refresh-token') && this.refreshTokens.get(refreshToken) !== clientId)
        return oidcError(400, 'InvalidGrantException', 'invalid_grant', 'Invalid refresh token provided');
      this.refreshTokens.delete(refreshToken);
      return this.tokens(client, clientId);
    }
    if (grantType !== DEVICE_CODE)
      return oidcError(400, 'InvalidGrantException', 'invalid_grant', 'Invalid code provided');
    const d = this.devices.get(str(body.deviceCode));
    // API_CreateToken: a device code not issued to this client is an invalid grant.
    if (this.rules.on('device-code') && (!d || d.clientId !== clientId))
      return oidcError(400, 'InvalidGrantException', 'invalid_grant', 'Invalid device code provided');
    if (!d) return this.tokens(client, clientId);
    // API_StartDeviceAuthorization: the device code lives expiresIn seconds.
    if (this.rules.on('device-code-expiry') && Date.now() > d.expiresAt)
      return oidcError(400, 'ExpiredTokenException', 'expired_token', 'Device code has expired');
    d.polls += 1;
    if (d.polls === 2) return oidcError(400, 'SlowDownException', 'slow_down', 'Client is polling too fast');
    if (!d.approved)
      return oidcError(400, 'AuthorizationPendingException', 'authorization_pending', 'Authorization is pending');
    this.devices.delete(str(body.deviceCode));
    return this.tokens(client, clientId);
  }

  private getRoleCredentials(bearer: string, query: URLSearchParams): Answer {
    const expiresAt = this.accessTokens.get(bearer);
    const unauthorized: Answer = [401, { message: 'Session token not found or invalid' }, 'UnauthorizedException'];
    // API_GetRoleCredentials: UnauthorizedException for an invalid access token.
    if (this.rules.on('access-token') && expiresAt === undefined) return unauthorized;
    // API_CreateToken: the access token lives expiresIn seconds.
    if (this.rules.on('access-token-expiry') && expiresAt !== undefined && Date.now() > expiresAt) return unauthorized;
    // API_GetRoleCredentials returns credentials "for a given role name that is assigned to the
    // user"; for any other the portal answers 403 ForbiddenException "No access" (not in the model).
    const assignment = `${query.get('account_id') ?? ''}/${query.get('role_name') ?? ''}`;
    if (this.rules.on('assigned-roles') && !this.assignments.has(assignment))
      return [403, { message: 'No access' }, 'ForbiddenException'];
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const creds = {
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(40).toString('base64')}`,
    };
    this.minted.set(accessKeyId, creds);
    return [200, { roleCredentials: { accessKeyId, ...creds, expiration: Date.now() + 3600_000 } }];
  }
}
