import { UsageError } from '../errors.ts';
import type { Sts, StsTarget } from '../ports/ports.ts';
import type { ProfileRecord } from '../profiles/profile.ts';
import type { CredentialProvider, Provided } from './provider.ts';

/** Allows what the IAM user may do: a federation token gets the intersection of this and the user's own policies. */
const FEDERATION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

/** The console's session lasts as long as the token: the profile's session length, within the console's 15 minutes to 12 hours. */
const consoleSeconds = (p: ProfileRecord): number => Math.min(43_200, Math.max(900, p.sts?.durationSeconds ?? 3600));

/** A federated user's name: 2-32 of STS's characters, naming the profile (CloudTrail shows it). */
const federatedName = (profile: string): string => `tray-cred-${profile}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 32);

/**
 * For the console only (`tray-cred login`, purpose `console`): STS GetFederationToken over the
 * profile's stored key, inside the agent, as aws-vault's login does for an IAM user. The console
 * refuses GetSessionToken's credentials, so a session-mode profile could not sign in otherwise;
 * the key itself still never leaves the agent. GetFederationToken takes no MFA code, so a profile
 * whose session mode asks for one is refused rather than signed in without it. Never cached: the
 * token is the console's, not a session the profile's clients get.
 */
export class FederationTokenProvider implements CredentialProvider {
  private readonly name: string;
  private readonly profile: ProfileRecord;
  private readonly base: CredentialProvider;
  private readonly target: StsTarget;
  private readonly sts: Sts;

  constructor(name: string, profile: ProfileRecord, base: CredentialProvider, target: StsTarget, sts: Sts) {
    this.name = name;
    this.profile = profile;
    this.base = base;
    this.target = target;
    this.sts = sts;
  }

  async retrieve(): Promise<Provided> {
    if (this.profile.sts?.sessionMode && this.profile.sts.mfaSerial) {
      throw new UsageError(
        `profile "${this.name}" asks for an MFA code in session mode, and the console's federation token (GetFederationToken) takes none: sign in through a role profile with MFA (\`tray-cred role\`) instead`,
      );
    }
    const stored = await this.base.retrieve();
    const input = {
      name: federatedName(this.name),
      policy: FEDERATION_POLICY,
      durationSeconds: consoleSeconds(this.profile),
    };
    const creds = await this.sts.getFederationToken(stored.creds, input, this.target);
    return { served: 'federated', creds, sessionName: input.name };
  }
}
