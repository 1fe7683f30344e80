import type { ProfileRecord } from '../profiles/profile.ts';
import type { CredentialProvider, Provided } from './provider.ts';
import { COMMAND_REFRESH_WINDOW_MS, REFRESH_WINDOW_MS, type CacheTicket, type SessionCache } from './session-cache.ts';

/** How close to its end a cached session of this profile is minted again: STS sessions early, a command's late. */
export function refreshWindow(profile: ProfileRecord): number {
  return profile.source?.kind === 'command' ? COMMAND_REFRESH_WINDOW_MS : REFRESH_WINDOW_MS;
}

/**
 * Serves a profile's session from the in-memory cache while it is fresh; otherwise asks the
 * provider under it and keeps what it mints, unless a lock came since the request began
 * (aws-vault's CachedSessionProvider, in memory only).
 */
export class CachedSessionProvider implements CredentialProvider {
  private readonly name: string;
  private readonly windowMs: number;
  private readonly inner: CredentialProvider;
  private readonly cache: { sessions: SessionCache; ticket: CacheTicket };

  constructor(
    name: string,
    windowMs: number,
    inner: CredentialProvider,
    cache: { sessions: SessionCache; ticket: CacheTicket },
  ) {
    this.name = name;
    this.windowMs = windowMs;
    this.inner = inner;
    this.cache = cache;
  }

  async retrieve(): Promise<Provided> {
    const hit = this.cache.sessions.fresh(this.name, this.windowMs);
    if (hit)
      return {
        served: 'cache',
        creds: hit.creds,
        sessionName: hit.sessionName,
        ...(hit.principal ? { principal: hit.principal } : {}),
      };
    const got = await this.inner.retrieve();
    const { sessionToken, expiration } = got.creds;
    // Only what has a session and an end is kept: a command may print long-term keys.
    if (got.served === 'minted' && sessionToken && expiration) {
      this.cache.sessions.remember(this.name, this.cache.ticket, {
        creds: { ...got.creds, sessionToken, expiration },
        kind: got.kind,
        sessionName: got.sessionName,
        ...(got.principal ? { principal: got.principal } : {}),
      });
    }
    return got;
  }
}
