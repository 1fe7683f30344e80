import type { Sts, StsTarget } from '../ports/ports.ts';
import type { StsSettings } from '../profiles/profile.ts';
import type { CredentialProvider, MfaCodeFor, Provided } from './provider.ts';

/**
 * Session mode: STS GetSessionToken over the profile's stored keys, with its MFA device when it
 * has one, so the client only ever sees temporary credentials (aws-vault's SessionTokenProvider).
 */
export class SessionTokenProvider implements CredentialProvider {
  private readonly base: CredentialProvider;
  private readonly settings: StsSettings;
  private readonly target: StsTarget;
  private readonly deps: { sts: Sts; mfa: MfaCodeFor };

  constructor(base: CredentialProvider, settings: StsSettings, target: StsTarget, deps: { sts: Sts; mfa: MfaCodeFor }) {
    this.base = base;
    this.settings = settings;
    this.target = target;
    this.deps = deps;
  }

  async retrieve(): Promise<Provided> {
    const stored = await this.base.retrieve();
    const { durationSeconds, mfaSerial } = this.settings;
    const creds = await this.deps.sts.getSessionToken(
      stored.creds,
      { durationSeconds, mfa: mfaSerial ? this.deps.mfa(mfaSerial, 'session') : undefined },
      this.target,
    );
    return { served: 'minted', kind: 'session-token', creds };
  }
}
