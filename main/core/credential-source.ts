import type { Served } from '../../common/decision.ts';
import type { CallerClaim } from '../../common/caller.ts';
import type { CredentialProcessDocument } from '../../common/credential-process.ts';
import type { SessionInfo } from './sessions.ts';
import { CommandProvider, redact } from './sources/command.ts';
import { AssumeRoleProvider } from './sources/assume-role.ts';
import type { CredentialProvider, Provided } from './sources/provider.ts';
import { SessionTokenProvider } from './sources/session-token.ts';
import { StoredKeysProvider } from './sources/stored-keys.ts';
import { StoredSessionProvider } from './sources/stored-session.ts';
import { REFRESH_WINDOW_MS, SessionCache } from './sources/session-cache.ts';
import { CachedSessionProvider, refreshWindow } from './sources/cached-session.ts';
import { oneTimeMfaCode } from './sources/one-time-mfa.ts';
import { UnknownProfileError, UsageError, VaultLockedError } from './errors.ts';
import type { Clock, CommandRunner, Sts, StsTarget } from './ports.ts';
import type { ProfileRecord } from './profile.ts';

export { REFRESH_WINDOW_MS, redact };
export type { Served };

export interface Resolved {
  result: CredentialProcessDocument;
  served: Served;
  /** The access key id the client got (temporary ones are how CloudTrail names a session). */
  credentialId: string;
  /** The role session name, for assumed roles: CloudTrail shows it; it carries the request id. */
  sessionName?: string | undefined;
}

export interface ResolveContext {
  requestId: string;
  caller: CallerClaim | undefined;
  mfaCode?: string | undefined;
}

type Profiles = Readonly<Record<string, ProfileRecord>>;

/**
 * Turns a profile into the credentials a client gets: stored keys, STS session credentials
 * minted over them (session mode), an assumed role (chains allowed), or an external command's
 * output. Minted credentials are cached in memory only and shared by concurrent requests.
 */
export class CredentialSource {
  private readonly deps: { sts: Sts; runner: CommandRunner; clock: Clock };
  private readonly cache: SessionCache;
  private readonly inflight = new Map<string, Promise<Resolved>>();

  constructor(deps: { sts: Sts; runner: CommandRunner; clock: Clock }) {
    this.deps = deps;
    this.cache = new SessionCache(deps.clock);
  }

  /** The MFA device whose code a request for this profile needs now (nothing cached to reuse), if any. */
  mfaNeeded(name: string, profiles: Profiles, seen = new Set<string>()): string | undefined {
    const p = profiles[name];
    if (!p || seen.has(name)) return undefined;
    seen.add(name);
    if (this.cache.fresh(name, REFRESH_WINDOW_MS)) return undefined;
    if (p.source?.kind === 'role') return p.source.mfaSerial ?? this.mfaNeeded(p.source.sourceProfile, profiles, seen);
    if (p.source === undefined && p.sts?.sessionMode && !p.sessionToken) return p.sts.mfaSerial;
    return undefined;
  }

  /** The profiles a request for `name` draws on: itself, then each source profile of a role chain. */
  chain(name: string, profiles: Profiles): string[] {
    const out: string[] = [];
    for (let n: string | undefined = name; n !== undefined && !out.includes(n); ) {
      out.push(n);
      const p: ProfileRecord | undefined = profiles[n];
      n = p?.source?.kind === 'role' ? p.source.sourceProfile : undefined;
    }
    return out;
  }

  /** Live sessions, newest first. */
  sessions(): SessionInfo[] {
    return this.cache.sessions();
  }

  forget(name: string): boolean {
    return this.cache.forget(name);
  }

  /** Wipes every cached session (on lock); mints under way are dropped when they finish. */
  clear(): void {
    this.cache.clear();
    this.inflight.clear();
  }

  /** Resolves a profile. Concurrent requests for one profile share one mint. */
  resolve(name: string, profiles: Profiles, ctx: ResolveContext): Promise<Resolved> {
    const running = this.inflight.get(name);
    if (running) return running.then((r) => ({ ...r, served: r.served === 'minted' ? 'cache' : r.served }));
    const work = this.resolveNow(name, profiles, ctx).finally(() => this.inflight.delete(name));
    this.inflight.set(name, work);
    return work;
  }

  private async resolveNow(name: string, profiles: Profiles, ctx: ResolveContext): Promise<Resolved> {
    const ticket = this.cache.ticket(ctx.caller?.command ?? '');
    const visited: string[] = [];
    const mfa = oneTimeMfaCode(name, ctx.mfaCode);

    const step = async (n: string): Promise<Provided> => {
      if (visited.includes(n)) throw new UsageError(`the role chain ${[...visited, n].join(' -> ')} loops: fix source_profile with \`tray-cred role\``);
      visited.push(n);
      const p = profiles[n];
      if (!p) {
        if (n === name) throw new UnknownProfileError(n);
        throw new UsageError(`profile "${visited.at(-2)}" takes its keys from "${n}", which is not in the vault: add it, or change its source profile`);
      }
      return new CachedSessionProvider(n, refreshWindow(p), providerFor(n, p), { sessions: this.cache, ticket }).retrieve();
    };

    const providerFor = (n: string, p: ProfileRecord): CredentialProvider => {
      const target: StsTarget = { region: p.sts?.region ?? 'us-east-1', endpoint: p.sts?.endpoint };

      if (p.source?.kind === 'role') {
        const { sourceProfile } = p.source;
        const base: CredentialProvider = { retrieve: () => step(sourceProfile) };
        return new AssumeRoleProvider(base, p.source, target, { sts: this.deps.sts, mfa, requestId: ctx.requestId });
      }

      if (p.source?.kind === 'command') {
        return new CommandProvider(n, p.source, this.deps);
      }

      const vault = p.sessionToken !== undefined || p.expiration !== undefined ? new StoredSessionProvider(n, p, this.deps.clock) : new StoredKeysProvider(n, p);
      if (!p.sts?.sessionMode || p.sessionToken) return vault;
      return new SessionTokenProvider(vault, p.sts, target, { sts: this.deps.sts, mfa });
    };

    const top = await step(name);
    if (!this.cache.current(ticket)) throw new VaultLockedError();
    const result: CredentialProcessDocument = { Version: 1, AccessKeyId: top.creds.accessKeyId, SecretAccessKey: top.creds.secretAccessKey };
    if (top.creds.sessionToken) result.SessionToken = top.creds.sessionToken;
    if (top.creds.expiration) result.Expiration = top.creds.expiration;
    return { result, served: top.served, credentialId: top.creds.accessKeyId, sessionName: top.sessionName };
  }
}
