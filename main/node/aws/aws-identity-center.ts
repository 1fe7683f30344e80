import type * as SsoSdk from '@aws-sdk/client-sso';
import type * as OidcSdk from '@aws-sdk/client-sso-oidc';
import { UpstreamError } from '../../core/errors.ts';
import type {
  DeviceAuthorization,
  IdentityCenter,
  OidcClient,
  OidcTokens,
  TemporaryCredentials,
} from '../../core/ports/ports.ts';
import { callAws } from './aws-errors.ts';

let oidcSdk: Promise<typeof OidcSdk> | undefined;
let ssoSdk: Promise<typeof SsoSdk> | undefined;
/** Loaded on first use: only Identity Center profiles pay for them. */
const oidc = (): Promise<typeof OidcSdk> => (oidcSdk ??= import('@aws-sdk/client-sso-oidc'));
const sso = (): Promise<typeof SsoSdk> => (ssoSdk ??= import('@aws-sdk/client-sso'));

const FIX =
  'check the network and the sso region (and AWS_ENDPOINT_URL_SSO_OIDC / AWS_ENDPOINT_URL_SSO if set), then try again';
const common = { maxAttempts: 2, requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 } };

/** The SDK's clients, as far as the URL they last asked goes. */
interface Stacked {
  middlewareStack: {
    add(
      mw: (next: (args: { request: unknown }) => Promise<unknown>) => (args: { request: unknown }) => Promise<unknown>,
      options: { step: 'finalizeRequest'; name: string },
    ): void;
  };
}

/** Keeps the URL (without its query) of each request `client` sends, for an error to name. */
function recordUrl(client: Stacked, keep: (url: string) => void): void {
  client.middlewareStack.add(
    (next) => (args) => {
      const r = args.request as { protocol?: string; hostname?: string; port?: number; path?: string };
      if (r.hostname) keep(`${r.protocol ?? 'https:'}//${r.hostname}${r.port ? `:${r.port}` : ''}${r.path ?? ''}`);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'trayCredRecordUrl' },
  );
}

/** One SDK call with a client made for it (and destroyed after), its failure in our words with the URL it asked. */
async function withClient<C extends { destroy(): void }, M, T>(
  what: string,
  make: () => Promise<{ client: C; mod: M }>,
  fn: (client: C, mod: M) => Promise<T>,
): Promise<T> {
  let url: string | undefined;
  return callAws(
    `IAM Identity Center ${what}`,
    FIX,
    async () => {
      const { client, mod } = await make();
      recordUrl(client as unknown as Stacked, (u) => (url = u));
      try {
        return await fn(client, mod);
      } finally {
        client.destroy();
      }
    },
    () => url,
  );
}

const withOidc = <T>(
  what: string,
  region: string,
  fn: (client: OidcSdk.SSOOIDCClient, mod: typeof OidcSdk) => Promise<T>,
): Promise<T> =>
  withClient(
    what,
    async () => {
      const mod = await oidc();
      return { client: new mod.SSOOIDCClient({ region, ...common }), mod };
    },
    fn,
  );

const withPortal = <T>(
  what: string,
  region: string,
  fn: (client: SsoSdk.SSOClient, mod: typeof SsoSdk) => Promise<T>,
): Promise<T> =>
  withClient(
    what,
    async () => {
      const mod = await sso();
      return { client: new mod.SSOClient({ region, ...common }), mod };
    },
    fn,
  );

/**
 * IAM Identity Center through the AWS SDK for JavaScript v3 (`@aws-sdk/client-sso-oidc` for the
 * device sign-in and its refreshes, `@aws-sdk/client-sso` for role credentials). Nothing is
 * written to ~/.aws/sso/cache: the tokens go back to the caller.
 */
export class AwsIdentityCenter implements IdentityCenter {
  registerClient(region: string): Promise<OidcClient> {
    return withOidc('RegisterClient', region, async (client, mod) => {
      // The scope is what makes CreateToken hand out a refresh token.
      const out = await client.send(
        new mod.RegisterClientCommand({
          clientName: 'tray-cred',
          clientType: 'public',
          scopes: ['sso:account:access'],
        }),
      );
      if (!out.clientId || !out.clientSecret)
        throw new UpstreamError('IAM Identity Center RegisterClient answered without a client');
      return {
        clientId: out.clientId,
        clientSecret: out.clientSecret,
        clientSecretExpiresAt: new Date((out.clientSecretExpiresAt ?? 0) * 1000).toISOString(),
      };
    });
  }

  startDeviceAuthorization(region: string, c: OidcClient, startUrl: string): Promise<DeviceAuthorization> {
    return withOidc('StartDeviceAuthorization', region, async (client, mod) => {
      const out = await client.send(
        new mod.StartDeviceAuthorizationCommand({ clientId: c.clientId, clientSecret: c.clientSecret, startUrl }),
      );
      if (!out.deviceCode || !out.userCode || !out.verificationUri)
        throw new UpstreamError('IAM Identity Center StartDeviceAuthorization answered without a device code');
      return {
        deviceCode: out.deviceCode,
        userCode: out.userCode,
        verificationUri: out.verificationUri,
        verificationUriComplete: out.verificationUriComplete,
        expiresIn: out.expiresIn ?? 600,
        interval: out.interval ?? 5,
      };
    });
  }

  createToken(
    region: string,
    c: OidcClient,
    grant: { deviceCode: string } | { refreshToken: string },
  ): Promise<OidcTokens> {
    return withOidc('CreateToken', region, async (client, mod) => {
      const input =
        'deviceCode' in grant
          ? { grantType: 'urn:ietf:params:oauth:grant-type:device_code', deviceCode: grant.deviceCode }
          : { grantType: 'refresh_token', refreshToken: grant.refreshToken };
      const out = await client.send(
        new mod.CreateTokenCommand({ clientId: c.clientId, clientSecret: c.clientSecret, ...input }),
      );
      if (!out.accessToken) throw new UpstreamError('IAM Identity Center CreateToken answered without a token');
      return { accessToken: out.accessToken, expiresIn: out.expiresIn ?? 3600, refreshToken: out.refreshToken };
    });
  }

  getRoleCredentials(
    region: string,
    accessToken: string,
    role: { accountId: string; roleName: string },
  ): Promise<TemporaryCredentials> {
    return withPortal('GetRoleCredentials', region, async (client, mod) => {
      const c = (
        await client.send(
          new mod.GetRoleCredentialsCommand({ accessToken, accountId: role.accountId, roleName: role.roleName }),
        )
      ).roleCredentials;
      if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || !c.expiration)
        throw new UpstreamError('IAM Identity Center GetRoleCredentials answered without complete credentials');
      return {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiration: new Date(c.expiration).toISOString(),
      };
    });
  }

  logout(region: string, accessToken: string): Promise<void> {
    return withPortal('Logout', region, async (client, mod) => {
      await client.send(new mod.LogoutCommand({ accessToken }));
    });
  }
}
