import { AwsServiceError, SignInNeededError } from '../errors.ts';
import type { Clock, IdentityCenter } from '../ports/ports.ts';
import type { SsoSource, SsoToken } from '../profiles/sso-schema.ts';
import type { CredentialProvider, Provided } from './provider.ts';

/** An access token is refreshed when less than this remains of it. */
const TOKEN_REFRESH_WINDOW_MS = 5 * 60_000;

/**
 * Tokens refreshed by the agent, in memory only (the vault keeps the sign-in's own); each is
 * kept against the vault's access token it was refreshed from, so a new sign-in wins. Wiped on lock.
 */
export class SsoTokenMemory {
  private readonly tokens = new Map<string, { from: string; token: SsoToken }>();

  current(name: string, stored: SsoToken): SsoToken {
    const kept = this.tokens.get(name);
    return kept && kept.from === stored.accessToken ? kept.token : stored;
  }

  keep(name: string, stored: SsoToken, token: SsoToken): void {
    this.tokens.set(name, { from: stored.accessToken, token });
  }

  clear(): void {
    this.tokens.clear();
  }
}

/** The one-line message of an ended sign-in, in the CLI, the helper and the tray alike. */
function signInAgain(name: string, why: string): SignInNeededError {
  return new SignInNeededError(
    `the IAM Identity Center sign-in of "${name}" ${why}: sign in again with \`tray-cred sso login ${name}\``,
  );
}

const ENDED = new Set([
  'InvalidGrant',
  'ExpiredToken',
  'Unauthorized',
  'InvalidClient',
  'AccessDenied',
  'UnauthorizedClient',
]);

/**
 * Role credentials from IAM Identity Center's portal (GetRoleCredentials) with the profile's
 * access token, refreshed with its refresh token while that lives (aws-vault's SSORoleCredentialsProvider,
 * without the plaintext token cache).
 */
export class SsoProvider implements CredentialProvider {
  private readonly name: string;
  private readonly source: SsoSource;
  private readonly stored: SsoToken | undefined;
  private readonly deps: { sso: IdentityCenter; clock: Clock; tokens: SsoTokenMemory };

  constructor(
    name: string,
    source: SsoSource,
    stored: SsoToken | undefined,
    deps: { sso: IdentityCenter; clock: Clock; tokens: SsoTokenMemory },
  ) {
    this.name = name;
    this.source = source;
    this.stored = stored;
    this.deps = deps;
  }

  private async token(): Promise<SsoToken> {
    const stored = this.stored;
    if (!stored) throw signInAgain(this.name, 'has not happened yet');
    const now = this.deps.clock.now();
    const token = this.deps.tokens.current(this.name, stored);
    if (Date.parse(token.expiresAt) - now > TOKEN_REFRESH_WINDOW_MS) return token;
    if (!token.refreshToken || Date.parse(token.clientSecretExpiresAt) <= now)
      throw signInAgain(this.name, 'has ended');
    try {
      const fresh = await this.deps.sso.createToken(this.source.region, token, { refreshToken: token.refreshToken });
      const next: SsoToken = {
        ...token,
        accessToken: fresh.accessToken,
        expiresAt: new Date(now + fresh.expiresIn * 1000).toISOString(),
        refreshToken: fresh.refreshToken ?? token.refreshToken,
      };
      this.deps.tokens.keep(this.name, stored, next);
      return next;
    } catch (error) {
      if (error instanceof AwsServiceError && ENDED.has(error.awsCode))
        throw signInAgain(this.name, 'has ended and its refresh token is no longer accepted');
      throw error;
    }
  }

  async retrieve(): Promise<Provided> {
    const token = await this.token();
    try {
      const creds = await this.deps.sso.getRoleCredentials(this.source.region, token.accessToken, this.source);
      return { served: 'minted', kind: 'sso', creds };
    } catch (error) {
      if (error instanceof AwsServiceError && ENDED.has(error.awsCode))
        throw signInAgain(this.name, 'is no longer accepted by the portal');
      throw error;
    }
  }
}
