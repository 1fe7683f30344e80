import type { CredentialPurpose, Served } from '../../../common/decision.ts';
import type { CallerClaim } from '../../../common/caller.ts';
import type { CredentialProcessDocument } from '../../../common/credential-process.ts';
import type { SessionInfo } from '../sources/sessions.ts';
import { VaultLockedError } from '../errors.ts';
import type { Clock, CommandRunner, IdentityCenter, Sts } from '../ports/ports.ts';
import type { ProfileRecord } from '../profiles/profile.ts';
import { mfaNeeded, retrieveChain } from '../sources/chain-walker.ts';
import { SessionCache } from '../sources/session-cache.ts';
import { SsoTokenMemory } from '../sources/sso.ts';

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
  /** `console`: an IAM user's key becomes a federation token (sources/federation-token.ts). */
  purpose?: CredentialPurpose | undefined;
}

type Profiles = Readonly<Record<string, ProfileRecord>>;

/** What of a request's plan (request-plan.ts) the source follows: the profile and its role chain. */
type Plan = { name: string; chain: readonly string[] };

/**
 * Turns a profile into the credentials a client gets: stored keys, STS session credentials
 * minted over them (session mode), an assumed role (chains allowed), or an external command's
 * output (one provider per file in sources/). Minted credentials are cached in memory only and
 * shared by concurrent requests.
 */
export class CredentialSource {
  private readonly deps: { sts: Sts; runner: CommandRunner; clock: Clock; sso?: IdentityCenter | undefined };
  private readonly cache: SessionCache;
  private readonly ssoTokens = new SsoTokenMemory();
  private readonly inflight = new Map<string, Promise<Resolved>>();

  constructor(deps: { sts: Sts; runner: CommandRunner; clock: Clock; sso?: IdentityCenter | undefined }) {
    this.deps = deps;
    this.cache = new SessionCache(deps.clock);
  }

  /** The MFA device whose code a request along this role chain needs now (nothing cached to reuse), if any. */
  mfaNeeded(chain: readonly string[], profiles: Profiles): string | undefined {
    return mfaNeeded(chain, profiles, this.cache);
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
    this.ssoTokens.clear();
    this.inflight.clear();
  }

  /** Resolves a request's plan: its profile, down the role chain the plan walked. Concurrent requests for one profile share one mint. */
  resolve(plan: Plan, profiles: Profiles, ctx: ResolveContext): Promise<Resolved> {
    // A console request shares no mint with the profile's clients: its token is not their session.
    const key = ctx.purpose === undefined ? plan.name : `${plan.name}\u0000${ctx.purpose}`;
    const running = this.inflight.get(key);
    if (running) return running.then((r) => ({ ...r, served: r.served === 'minted' ? 'cache' : r.served }));
    const work = this.resolveNow(plan, profiles, ctx).finally(() => this.inflight.delete(key));
    this.inflight.set(key, work);
    return work;
  }

  private async resolveNow(plan: Plan, profiles: Profiles, ctx: ResolveContext): Promise<Resolved> {
    const ticket = this.cache.ticket(ctx.caller?.command ?? '');
    const { sso, ...rest } = this.deps;
    const top = await retrieveChain(
      plan.chain,
      profiles,
      { ...rest, cache: this.cache, sso: sso ? { center: sso, tokens: this.ssoTokens } : undefined },
      { requestId: ctx.requestId, mfaCode: ctx.mfaCode, ticket, purpose: ctx.purpose },
    );
    if (!this.cache.current(ticket)) throw new VaultLockedError();
    const result: CredentialProcessDocument = {
      Version: 1,
      AccessKeyId: top.creds.accessKeyId,
      SecretAccessKey: top.creds.secretAccessKey,
    };
    if (top.creds.sessionToken) result.SessionToken = top.creds.sessionToken;
    if (top.creds.expiration) result.Expiration = top.creds.expiration;
    return { result, served: top.served, credentialId: top.creds.accessKeyId, sessionName: top.sessionName };
  }
}
