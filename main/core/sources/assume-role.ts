import type { Sts, StsTarget } from '../ports/ports.ts';
import type { RoleSource } from '../profiles/profile.ts';
import type { CredentialProvider, MfaCodeFor, Provided } from './provider.ts';

/** CloudTrail shows the role session name: ours carries the request id, within STS's 64 characters. */
function roleSessionName(role: RoleSource, requestId: string): string {
  return role.roleSessionName ?? `tray-cred-${requestId}`.slice(0, 64);
}

/**
 * STS AssumeRole with the credentials of a base provider (the role's source profile, itself
 * possibly a role), with the role's MFA device and external id (aws-vault's AssumeRoleProvider).
 */
export class AssumeRoleProvider implements CredentialProvider {
  private readonly base: CredentialProvider;
  private readonly role: RoleSource;
  private readonly target: StsTarget;
  private readonly deps: { sts: Sts; mfa: MfaCodeFor; requestId: string };

  constructor(
    base: CredentialProvider,
    role: RoleSource,
    target: StsTarget,
    deps: { sts: Sts; mfa: MfaCodeFor; requestId: string },
  ) {
    this.base = base;
    this.role = role;
    this.target = target;
    this.deps = deps;
  }

  async retrieve(): Promise<Provided> {
    const source = await this.base.retrieve();
    const sessionName = roleSessionName(this.role, this.deps.requestId);
    const { roleArn, durationSeconds, externalId, mfaSerial } = this.role;
    const creds = await this.deps.sts.assumeRole(
      source.creds,
      {
        roleArn,
        roleSessionName: sessionName,
        durationSeconds: durationSeconds ?? 3600,
        externalId,
        mfa: mfaSerial ? this.deps.mfa(mfaSerial, 'role') : undefined,
      },
      this.target,
    );
    return { served: 'minted', kind: 'assume-role', creds, sessionName };
  }
}
