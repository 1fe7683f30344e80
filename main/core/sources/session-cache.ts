import type { SessionInfo } from './sessions.ts';
import type { Clock, TemporaryCredentials } from '../ports/ports.ts';

/** Minted credentials are reused while more than this remains: the window botocore refreshes in. */
export const REFRESH_WINDOW_MS = 15 * 60_000;

/** An external command is asked again this close to the end of what it printed. */
export const COMMAND_REFRESH_WINDOW_MS = 60_000;

/** One session the agent holds in memory, keys included. */
export interface CachedSession {
  creds: TemporaryCredentials;
  kind: SessionInfo['kind'];
  mintedAt: number;
  mintedFor: string;
  sessionName?: string | undefined;
  /** Who the session acts as, where STS said (an assumed role's ARN). */
  principal?: string | undefined;
}

/**
 * Taken when a request starts: what the request mints is remembered, and served, only while no
 * lock came since.
 */
export interface CacheTicket {
  readonly generation: number;
  /** The caller's command line, as `tray-cred sessions` shows it. */
  readonly mintedFor: string;
}

/** Minted sessions by profile, in memory only, shared by every request until a lock wipes them. */
export class SessionCache {
  private readonly clock: Clock;
  private readonly entries = new Map<string, CachedSession>();
  /** Bumped by every lock: a mint that was under way then is neither cached nor served. */
  private generation = 0;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** The session cached for `name` while more than `windowMs` of it remains. */
  fresh(name: string, windowMs: number): CachedSession | undefined {
    const c = this.entries.get(name);
    if (c && Date.parse(c.creds.expiration) - this.clock.now() > windowMs) return c;
    return undefined;
  }

  ticket(mintedFor: string): CacheTicket {
    return { generation: this.generation, mintedFor };
  }

  /** False once a lock came after the ticket was taken. */
  current(ticket: CacheTicket): boolean {
    return ticket.generation === this.generation;
  }

  /** Keeps a minted session, unless a lock came since the request began. */
  remember(
    name: string,
    ticket: CacheTicket,
    session: Pick<CachedSession, 'creds' | 'kind' | 'sessionName' | 'principal'>,
  ): void {
    if (!this.current(ticket)) return;
    this.entries.set(name, { ...session, mintedAt: this.clock.now(), mintedFor: ticket.mintedFor });
  }

  /** Live sessions, newest first. */
  sessions(): SessionInfo[] {
    const now = this.clock.now();
    return [...this.entries]
      .filter(([, c]) => Date.parse(c.creds.expiration) > now)
      .sort((a, b) => b[1].mintedAt - a[1].mintedAt)
      .map(([profile, c]) => ({
        profile,
        kind: c.kind,
        expiration: c.creds.expiration,
        mintedAt: new Date(c.mintedAt).toISOString(),
        mintedFor: c.mintedFor,
        accessKeyIdSuffix: c.creds.accessKeyId.slice(-4),
      }));
  }

  forget(name: string): boolean {
    return this.entries.delete(name);
  }

  /** Wipes every session (on lock); mints under way are dropped when they finish. */
  clear(): void {
    this.entries.clear();
    this.generation += 1;
  }
}
