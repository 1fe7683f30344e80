import type { CredentialPurpose } from '../../../common/decision.ts';
import { UnknownProfileError, UsageError } from '../errors.ts';
import type { Clock, CommandRunner, IdentityCenter, Sts, StsTarget } from '../ports/ports.ts';
import type { ProfileRecord } from '../profiles/profile.ts';
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
const holdsUserKey = (p: ProfileRecord): boolean => p.source === undefined && p.sessionToken === undefined && p.expiration === undefined;

/**
 * Resolves profile `name` for one request, as aws-vault's chain builder does: each profile's
 * provider (stored keys or session, session token, assumed role over its source profile, command)
 * under the session cache, role → source profile → … until a profile holds keys or a command.
 * The MFA code serves at most one STS call of the chain.
 */
export function walkChain(name: string, profiles: Profiles, deps: ChainDeps, request: ChainRequest): Promise<Provided> {
  const visited: string[] = [];
  const mfa = oneTimeMfaCode(name, request.mfaCode);

  const step = async (n: string): Promise<Provided> => {
    if (visited.includes(n)) throw new UsageError(`the role chain ${[...visited, n].join(' -> ')} loops: fix source_profile with \`tray-cred role\``);
    visited.push(n);
    const p = profiles[n];
    if (!p) {
      if (n === name) throw new UnknownProfileError(n);
      throw new UsageError(`profile "${visited.at(-2)}" takes its keys from "${n}", which is not in the vault: add it, or change its source profile`);
    }
    // The console's federation token is for this one sign-in: minted over the key, past the session cache.
    if (n === name && request.purpose === 'console' && holdsUserKey(p)) return new FederationTokenProvider(n, p, new StoredKeysProvider(n, p), targetOf(p), deps.sts).retrieve();
    return new CachedSessionProvider(n, refreshWindow(p), providerFor(n, p), { sessions: deps.cache, ticket: request.ticket }).retrieve();
  };

  const providerFor = (n: string, p: ProfileRecord): CredentialProvider => {
    const target = targetOf(p);

    if (p.source?.kind === 'role') {
      const { sourceProfile } = p.source;
      const base: CredentialProvider = { retrieve: () => step(sourceProfile) };
      return new AssumeRoleProvider(base, p.source, target, { sts: deps.sts, mfa, requestId: request.requestId });
    }

    if (p.source?.kind === 'command') {
      return new CommandProvider(n, p.source, deps);
    }

    if (p.source?.kind === 'sso') {
      if (!deps.sso) throw new UsageError(`profile "${n}" signs in with IAM Identity Center, which this front end cannot reach: use the tray app or \`tray-cred agent\``);
      return new SsoProvider(n, p.source, p.ssoToken, { sso: deps.sso.center, clock: deps.clock, tokens: deps.sso.tokens });
    }

    // A stored expiration ends the keys even without a token; a stored token is never put through session mode.
    const vault = p.sessionToken !== undefined || p.expiration !== undefined ? new StoredSessionProvider(n, p, deps.clock) : new StoredKeysProvider(n, p);
    if (!p.sts?.sessionMode || p.sessionToken) return vault;
    return new SessionTokenProvider(vault, p.sts, target, { sts: deps.sts, mfa });
  };

  return step(name);
}

function targetOf(p: ProfileRecord): StsTarget {
  return { region: p.sts?.region ?? 'us-east-1', endpoint: p.sts?.endpoint };
}

/**
 * The MFA device whose code a request for this profile needs now (nothing cached to reuse), if
 * any: the broker asks for the code with the approval. Follows the same choices as `walkChain`.
 */
export function mfaNeeded(name: string, profiles: Profiles, cache: SessionCache, seen = new Set<string>()): string | undefined {
  const p = profiles[name];
  if (!p || seen.has(name)) return undefined;
  seen.add(name);
  if (cache.fresh(name, REFRESH_WINDOW_MS)) return undefined;
  if (p.source?.kind === 'role') return p.source.mfaSerial ?? mfaNeeded(p.source.sourceProfile, profiles, cache, seen);
  if (p.source === undefined && p.sts?.sessionMode && !p.sessionToken) return p.sts.mfaSerial;
  return undefined;
}

/** The profiles a request for `name` draws on: itself, then each source profile of a role chain. */
export function chainOf(name: string, profiles: Profiles): string[] {
  const out: string[] = [];
  for (let n: string | undefined = name; n !== undefined && !out.includes(n); ) {
    out.push(n);
    const p: ProfileRecord | undefined = profiles[n];
    n = p?.source?.kind === 'role' ? p.source.sourceProfile : undefined;
  }
  return out;
}
