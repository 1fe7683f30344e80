import { AwsServiceError, UpstreamError } from '../errors.ts';
import type { Sts, StsTarget } from '../ports/ports.ts';
import type { RoleSource } from '../profiles/profile.ts';
import { CHAINED_ROLE_MAX_SECONDS, chainedRoleError } from '../profiles/role-chaining.ts';
import type { CredentialProvider, MfaCodeFor, Provided } from './provider.ts';

/** CloudTrail shows the role session name: ours carries the request id, within STS's 64 characters. */
function roleSessionName(role: RoleSource, requestId: string): string {
  return role.roleSessionName ?? `tray-cred-${requestId}`.slice(0, 64);
}

/** Where a role stands in its chain, as the chain walker knows it before anything is retrieved. */
export interface RoleLink {
  /** The profile names from the one asked for down to this role's source profile. */
  hop: readonly string[];
  /** Why the source's credentials are a role session, when the source's kind tells (a role, an sso profile). */
  chained: string | undefined;
  /** The source may hold a role session only STS can tell (stored session keys, a command's): asked only for a long session. */
  askWho: boolean;
}

/**
 * STS AssumeRole with the credentials of a base provider (the role's source profile, itself
 * possibly a role), with the role's MFA device and external id (aws-vault's AssumeRoleProvider).
 * A duration role chaining does not allow is refused before STS is asked, and a refusal by STS
 * names the hop, the role and who asked.
 */
export class AssumeRoleProvider implements CredentialProvider {
  private readonly base: CredentialProvider;
  private readonly role: RoleSource;
  private readonly target: StsTarget;
  private readonly deps: { sts: Sts; mfa: MfaCodeFor; requestId: string };
  private readonly link: RoleLink;

  constructor(
    base: CredentialProvider,
    role: RoleSource,
    target: StsTarget,
    deps: { sts: Sts; mfa: MfaCodeFor; requestId: string },
    link: RoleLink,
  ) {
    this.base = base;
    this.role = role;
    this.target = target;
    this.deps = deps;
    this.link = link;
  }

  async retrieve(): Promise<Provided> {
    const { roleArn, durationSeconds = 3600, externalId, mfaSerial } = this.role;
    const name = this.link.hop.at(-2) ?? '';
    const long = durationSeconds > CHAINED_ROLE_MAX_SECONDS;
    if (long && this.link.chained) throw chainedRoleError(name, this.role, this.link.chained);
    const source = await this.base.retrieve();
    if (long && this.link.askWho && source.creds.sessionToken) {
      const who = await this.deps.sts.getCallerIdentity(source.creds, this.target);
      if (who.includes(':assumed-role/'))
        throw chainedRoleError(
          name,
          this.role,
          `the credentials of its source profile "${this.role.sourceProfile}" are a role session (${who})`,
        );
    }
    const sessionName = roleSessionName(this.role, this.deps.requestId);
    try {
      const { assumedRoleArn, ...creds } = await this.deps.sts.assumeRole(
        source.creds,
        {
          roleArn,
          roleSessionName: sessionName,
          durationSeconds,
          externalId,
          mfa: mfaSerial ? this.deps.mfa(mfaSerial, 'role') : undefined,
        },
        this.target,
      );
      return { served: 'minted', kind: 'assume-role', creds, sessionName, principal: assumedRoleArn };
    } catch (error) {
      throw this.refused(error, source);
    }
  }

  /**
   * STS's refusal of this hop in the user's words: the chain of profile names, the role, who
   * asked (the session tray-cred assumed, else the ARN in AWS's message, else the source profile)
   * and AWS's code and message. Anything but STS's answer goes on as it is.
   */
  private refused(error: unknown, source: Provided): unknown {
    if (!(error instanceof UpstreamError)) return error;
    const hop = this.link.hop.join(' → ');
    const service = error instanceof AwsServiceError ? error : undefined;
    const who =
      source.principal ??
      (service && /\bUser: (arn:\S+) is not authorized/.exec(service.reason)?.[1]) ??
      `the credentials of profile "${this.role.sourceProfile}"`;
    const what = `${hop}: AssumeRole of ${this.role.roleArn} as ${who}`;
    const profile = `profile "${this.link.hop[0]}"`;
    if (!service) return new UpstreamError(`${profile}: the hop ${what} failed: ${error.message}`, error.detail);
    return new AwsServiceError(service.awsCode, `${profile}: AWS refused the hop ${what}: ${service.reason}`);
  }
}
