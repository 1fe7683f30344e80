/**
 * The Identity Center stand-in refuses what AWS documents it refuses: one check per rule, each
 * driving the stand-in with the AWS SDK for JavaScript v3's own clients and expecting AWS's
 * error. The meta-test switches each rule off in turn and shows its check then fails, so no
 * rule's test is one that cannot fail.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { GetRoleCredentialsCommand, LogoutCommand, SSOClient } from '@aws-sdk/client-sso';
import {
  CreateTokenCommand,
  RegisterClientCommand,
  SSOOIDCClient,
  StartDeviceAuthorizationCommand,
  type RegisterClientCommandInput,
} from '@aws-sdk/client-sso-oidc';
import {
  IDENTITY_CENTER_RULES,
  IdentityCenterStandIn,
  type IdentityCenterRule,
} from '../fakes/identity-center-stand-in.ts';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const SCOPED: RegisterClientCommandInput = {
  clientName: 'rules-test',
  clientType: 'public',
  scopes: ['sso:account:access'],
};
const START_URL = 'https://corp.awsapps.com/start';
const ACCOUNT = '111122223333';

/** The SDK's clients, pointed at the stand-in, with one attempt so a refusal is not retried. */
function clients(center: IdentityCenterStandIn): { oidc: SSOOIDCClient; portal: SSOClient } {
  const config = { region: 'eu-west-1', endpoint: center.url, maxAttempts: 1 };
  return { oidc: new SSOOIDCClient(config), portal: new SSOClient(config) };
}

type Clients = ReturnType<typeof clients>;
type Registered = { clientId: string; clientSecret: string };

async function register(c: Clients, input: RegisterClientCommandInput = SCOPED): Promise<Registered> {
  const out = await c.oidc.send(new RegisterClientCommand(input));
  return { clientId: out.clientId!, clientSecret: out.clientSecret! };
}

/** A device authorization the person has confirmed. */
async function confirmed(c: Clients, center: IdentityCenterStandIn, client: Registered): Promise<string> {
  const auth = await c.oidc.send(new StartDeviceAuthorizationCommand({ ...client, startUrl: START_URL }));
  center.approve(auth.userCode!);
  return auth.deviceCode!;
}

/** A complete device sign-in: the CreateToken answer. */
async function signIn(c: Clients, center: IdentityCenterStandIn, input: RegisterClientCommandInput = SCOPED) {
  const client = await register(c, input);
  const deviceCode = await confirmed(c, center, client);
  const tokens = await c.oidc.send(new CreateTokenCommand({ ...client, grantType: DEVICE_CODE, deviceCode }));
  return { client, tokens };
}

const roleCredentials = (c: Clients, accessToken: string, roleName = 'Dev') =>
  c.portal.send(new GetRoleCredentialsCommand({ accessToken, accountId: ACCOUNT, roleName }));

/**
 * AWS's refusal: the SDK's error name and what the service said. The OIDC service answers
 * `{ error, error_description }` with no `message`, so the SDK's message is its "UnknownError"
 * and the text is in `error_description`; the portal answers `{ message }`.
 */
const refusal = (name: string, said: string) => (e: unknown) => {
  const err = e as Error & { error_description?: string };
  assert.equal(err.name, name);
  if (err.error_description === undefined) assert.equal(err.message, said);
  else assert.deepEqual([err.message, err.error_description], ['UnknownError', said]);
  return true;
};

const checks: Record<IdentityCenterRule, (center: IdentityCenterStandIn) => Promise<void>> = {
  'public-client': async (center) => {
    const c = clients(center);
    await assert.rejects(
      c.oidc.send(new RegisterClientCommand({ clientName: 'rules-test', clientType: 'confidential' })),
      refusal('InvalidClientMetadataException', 'Invalid client type'),
    );
    await assert.rejects(
      c.oidc.send(new RegisterClientCommand({ clientType: 'public' } as RegisterClientCommandInput)),
      refusal('InvalidRequestException', 'clientName is required'),
    );
  },
  'client-secret': async (center) => {
    const c = clients(center);
    const client = await register(c);
    await assert.rejects(
      c.oidc.send(
        new StartDeviceAuthorizationCommand({ clientId: client.clientId, clientSecret: 'wrong', startUrl: START_URL }),
      ),
      refusal('InvalidClientException', 'Invalid client provided'),
    );
    const deviceCode = await confirmed(c, center, client);
    await assert.rejects(
      c.oidc.send(
        new CreateTokenCommand({ clientId: 'client-unknown', clientSecret: 'x', grantType: DEVICE_CODE, deviceCode }),
      ),
      refusal('InvalidClientException', 'Invalid client provided'),
    );
  },
  'scope-syntax': async (center) => {
    const c = clients(center);
    await register(c);
    await assert.rejects(
      register(c, { ...SCOPED, scopes: ['sso:account:access codewhisperer:completions'] }),
      refusal('InvalidScopeException', 'Invalid scope requested'),
    );
  },
  'grant-type': async (center) => {
    const c = clients(center);
    const client = await register(c);
    await assert.rejects(
      c.oidc.send(new CreateTokenCommand({ ...client, grantType: 'client_credentials' })),
      refusal('UnsupportedGrantTypeException', 'Unsupported grant type'),
    );
  },
  'registered-grant-types': async (center) => {
    const c = clients(center);
    // What the AWS CLI registers for its authorization code (PKCE) flow: no device code grant.
    const client = await register(c, {
      ...SCOPED,
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: ['http://127.0.0.1/oauth/callback'],
    });
    await assert.rejects(
      c.oidc.send(new StartDeviceAuthorizationCommand({ ...client, startUrl: START_URL })),
      refusal('UnauthorizedClientException', `Client is not authorized for ${DEVICE_CODE}`),
    );
  },
  'refresh-needs-scopes': async (center) => {
    const c = clients(center);
    const legacy = await signIn(c, center, { clientName: 'rules-test', clientType: 'public' });
    assert.ok(legacy.tokens.accessToken);
    assert.equal(legacy.tokens.refreshToken, undefined, 'no refresh token without registered scopes');
    const scoped = await signIn(c, center);
    assert.ok(scoped.tokens.refreshToken, 'a refresh token for a client registered with sso:account:access');
  },
  'refresh-token': async (center) => {
    const c = clients(center);
    const { client, tokens } = await signIn(c, center);
    const other = await register(c);
    const refresh = (who: Registered, refreshToken: string) =>
      c.oidc.send(new CreateTokenCommand({ ...who, grantType: 'refresh_token', refreshToken }));
    const invalid = refusal('InvalidGrantException', 'Invalid refresh token provided');
    await assert.rejects(refresh(other, tokens.refreshToken!), invalid);
    await assert.rejects(refresh(client, 'tok-never-issued'), invalid);
    assert.ok((await refresh(client, tokens.refreshToken!)).accessToken);
    await assert.rejects(refresh(client, tokens.refreshToken!), invalid);
  },
  'device-code': async (center) => {
    const c = clients(center);
    const deviceCode = await confirmed(c, center, await register(c));
    const other = await register(c);
    await assert.rejects(
      c.oidc.send(new CreateTokenCommand({ ...other, grantType: DEVICE_CODE, deviceCode })),
      refusal('InvalidGrantException', 'Invalid device code provided'),
    );
  },
  'device-code-expiry': async (center) => {
    const c = clients(center);
    const client = await register(c);
    center.deviceSeconds = 0;
    const deviceCode = await confirmed(c, center, client);
    await sleep(5);
    await assert.rejects(
      c.oidc.send(new CreateTokenCommand({ ...client, grantType: DEVICE_CODE, deviceCode })),
      refusal('ExpiredTokenException', 'Device code has expired'),
    );
  },
  'access-token': async (center) => {
    center.assign(ACCOUNT, 'Dev');
    const c = clients(center);
    const unauthorized = refusal('UnauthorizedException', 'Session token not found or invalid');
    await assert.rejects(roleCredentials(c, 'tok-never-issued'), unauthorized);
    const { tokens } = await signIn(c, center);
    assert.ok((await roleCredentials(c, tokens.accessToken!)).roleCredentials?.accessKeyId);
    await c.portal.send(new LogoutCommand({ accessToken: tokens.accessToken! }));
    await assert.rejects(roleCredentials(c, tokens.accessToken!), unauthorized);
  },
  'access-token-expiry': async (center) => {
    center.assign(ACCOUNT, 'Dev');
    center.accessTokenSeconds = 0;
    const c = clients(center);
    const { tokens } = await signIn(c, center);
    await sleep(5);
    await assert.rejects(
      roleCredentials(c, tokens.accessToken!),
      refusal('UnauthorizedException', 'Session token not found or invalid'),
    );
  },
  'assigned-roles': async (center) => {
    center.assign(ACCOUNT, 'Dev');
    const c = clients(center);
    const { tokens } = await signIn(c, center);
    assert.ok((await roleCredentials(c, tokens.accessToken!, 'Dev')).roleCredentials?.secretAccessKey);
    await assert.rejects(roleCredentials(c, tokens.accessToken!, 'Admin'), refusal('ForbiddenException', 'No access'));
  },
};

/** Runs `fn` against a fresh stand-in. */
async function withCenter(fn: (center: IdentityCenterStandIn) => Promise<void>): Promise<void> {
  const center = new IdentityCenterStandIn();
  await center.start();
  try {
    await fn(center);
  } finally {
    await center.stop();
  }
}

describe('the Identity Center stand-in follows AWS', () => {
  for (const rule of Object.keys(IDENTITY_CENTER_RULES) as IdentityCenterRule[]) {
    it(`refuses ${rule}: ${IDENTITY_CENTER_RULES[rule].refuses}`, () => withCenter(checks[rule]));
    it(`meta: with ${rule} off, its check fails`, () =>
      withCenter(async (center) => {
        center.rules.off.add(rule);
        await assert.rejects(checks[rule](center));
      }));
  }
});
