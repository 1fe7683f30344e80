import type { CredentialPurpose } from '../../../common/decision.ts';
import { BugIndicatingError, UnknownProfileError, UsageError } from '../errors.ts';
import type { Clock, CommandRunner, IdentityCenter, Sts, StsTarget } from '../ports/ports.ts';
import type { ProfileRecord } from '../profiles/profile.ts';
import { roleSessionSource } from '../profiles/role-chaining.ts';
import { AssumeRoleProvider } from './assume-role.ts';
import { CachedSessionProvider, refreshWindow } from './cached-session.ts';
import { CommandProvider } from './command.ts';
import { FederationTokenProvider } from './federation-token.ts';
import { oneTimeMfaCode } from './one-time-mfa.ts';
import type { CredentialProvider, Provided } from './provider.ts';
import { REFRESH_WINDOW_MS, type CacheTicket, type SessionCache } from './session-cache.ts';
import { SessionTokenProvider } from './session-token.ts';
import { SsoProvider, type SsoTokenMemory } from './sso.ts';
import { StoredKeysProvider } from './stored-keys.ts';
import { StoredSessionProvider } from './stored-session.ts';

type Profiles = Readonly<Record<string, ProfileRecord>>;

export interface ChainDeps {
  sts: Sts;
  runner: CommandRunner;
  clock: Clock;
  cache: SessionCache;
  /** IAM Identity Center, where the front end wires it, and the tokens refreshed in memory. */
  sso?: { center: IdentityCenter; tokens: SsoTokenMemory } | undefined;
}

/** One request: its id (the role session name carries it), the code a person gave, the cache ticket it took, what it is for. */
export interface ChainRequest {
  requestId: string;
  mfaCode: string | undefined;
  ticket: CacheTicket;
  purpose?: CredentialPurpose | undefined;
}

/** A profile that holds an IAM user's key (no role, command, sign-in or stored session): what GetFederationToken needs. */
const holdsUserKey = (p: ProfileRecord): boolean =>
  p.source === undefined && p.sessionToken === undefined && p.expiration === undefined;

/**
 * The one walk of a profile's role chain: the profile, then each role's source profile, until a
 * profile holds keys or a command, a source profile is missing (it is listed, so the retrieval can
 * name it) or the chain comes back on itself. A request walks it once, when its plan is made
 * (pipeline/request-plan.ts); everything after follows the list.
 */
export function chainOf(name: string, profiles: Profiles): string[] {
  const out: string[] = [];
  for (let n: string | undefined = name; n !== undefined && !out.includes(n); ) {
    out.push(n);
    const p: ProfileRecord | undefined = profiles[n];
    n = p?.source?.kind === 'role' ? p.source.sourceProfile : undefined;
  }
  return out;
}

/** {@link chainOf}'s shape, for whoever is given the walk rather than importing it. */
export type ChainWalker = (name: string, profiles: Profiles) => readonly string[];

/**
 * Retrieves the credentials of `chain[0]` for one request, as aws-vault's chain builder does: each
 * profile's provider (stored keys or session, session token, assumed role over its source profile,
 * command) under the session cache, down the chain {@link chainOf} walked in these same `profiles`
 * until a profile holds keys or a command. The MFA code serves at most one STS call of the chain.
 */
export function retrieveChain(
  chain: readonly string[],
  profiles: Profiles,
  deps: ChainDeps,
  request: ChainRequest,
): Promise<Provided> {
  const name = chain[0];
  if (name === undefined) throw new BugIndicatingError('a role chain starts with its profile');
  const mfa = oneTimeMfaCode(name, request.mfaCode);

  const step = async (i: number): Promise<Provided> => {
    const n = chain[i]!;
    const p = profiles[n];
    if (!p) {
      if (i === 0) throw new UnknownProfileError(n);
      throw new UsageError(
        `profile "${chain[i - 1]}" takes its keys from "${n}", which is not in the vault: add it, or change its source profile`,
      );
    }
    // The console's federation token is for this one sign-in: minted over the key, past the session cache.
    if (i === 0 && request.purpose === 'console' && holdsUserKey(p))
      return new FederationTokenProvider(n, p, new StoredKeysProvider(n, p), targetOf(p), deps.sts).retrieve();
    return new CachedSessionProvider(n, refreshWindow(p), providerFor(i, n, p), {
      sessions: deps.cache,
      ticket: request.ticket,
    }).retrieve();
  };

  /** The link after `i`, reached only when the role's own session is not cached. */
  const sourceOf = async (i: number, sourceProfile: string): Promise<Provided> => {
    if (i + 1 === chain.length)
      throw new UsageError(
        `the role chain ${[...chain, sourceProfile].join(' -> ')} loops: fix source_profile with \`tray-cred role\``,
      );
    if (chain[i + 1] !== sourceProfile)
      throw new BugIndicatingError(
        `the role chain ${chain.join(' -> ')} was walked in other profiles than those retrieved`,
      );
    return step(i + 1);
  };

  const providerFor = (i: number, n: string, p: ProfileRecord): CredentialProvider => {
    const target = targetOf(p);

    if (p.source?.kind === 'role') {
      const { sourceProfile } = p.source;
      const base: CredentialProvider = { retrieve: () => sourceOf(i, sourceProfile) };
      const src = profiles[sourceProfile];
      return new AssumeRoleProvider(
        base,
        p.source,
        target,
        { sts: deps.sts, mfa, requestId: request.requestId },
        {
          hop: [...chain.slice(0, i + 1), sourceProfile],
          chained: roleSessionSource(sourceProfile, src),
          askWho: src?.source?.kind === 'command' || (src?.source === undefined && src?.sessionToken !== undefined),
        },
      );
    }

    if (p.source?.kind === 'command') {
      return new CommandProvider(n, p.source, deps);
    }

    if (p.source?.kind === 'sso') {
      if (!deps.sso)
        throw new UsageError(
          `profile "${n}" signs in with IAM Identity Center, which this front end cannot reach: use the tray app or \`tray-cred agent\``,
        );
      return new SsoProvider(n, p.source, p.ssoToken, {
        sso: deps.sso.center,
        clock: deps.clock,
        tokens: deps.sso.tokens,
      });
    }

    // A stored expiration ends the keys even without a token; a stored token is never put through session mode.
    const vault =
      p.sessionToken !== undefined || p.expiration !== undefined
        ? new StoredSessionProvider(n, p, deps.clock)
        : new StoredKeysProvider(n, p);
    if (!p.sts?.sessionMode || p.sessionToken) return vault;
    return new SessionTokenProvider(vault, p.sts, target, { sts: deps.sts, mfa });
  };

  return step(0);
}

function targetOf(p: ProfileRecord): StsTarget {
  return { region: p.sts?.region ?? 'us-east-1', endpoint: p.sts?.endpoint };
}

/**
 * The MFA device whose code a request for this chain needs now (nothing cached to reuse), if any:
 * the broker asks for the code with the approval. Follows the same choices as {@link retrieveChain}.
 */
export function mfaNeeded(chain: readonly string[], profiles: Profiles, cache: SessionCache): string | undefined {
  for (const n of chain) {
    const p = profiles[n];
    if (!p || cache.fresh(n, REFRESH_WINDOW_MS)) return undefined;
    if (p.source?.kind === 'role') {
      if (p.source.mfaSerial) return p.source.mfaSerial;
      continue;
    }
    if (p.source === undefined && p.sts?.sessionMode && !p.sessionToken) return p.sts.mfaSerial;
    return undefined;
  }
  return undefined;
}
