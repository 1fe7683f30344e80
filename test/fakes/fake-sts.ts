import { UpstreamError } from '../../main/core/errors.ts';
import type {
  AwsCredentials,
  Clock,
  MfaInput,
  Sts,
  StsTarget,
  TemporaryCredentials,
} from '../../main/core/ports/ports.ts';

export interface StsCall {
  op: 'GetSessionToken' | 'AssumeRole' | 'GetFederationToken';
  name?: string | undefined;
  with: string;
  roleArn?: string | undefined;
  roleSessionName?: string | undefined;
  externalId?: string | undefined;
  durationSeconds: number;
  mfa?: MfaInput | undefined;
  target: StsTarget;
}

/**
 * STS at the port boundary, for unit tests: mints numbered credentials that expire after the
 * asked duration, insists on the MFA code `expectedCode` where one is given, and records calls.
 */
export class FakeSts implements Sts {
  readonly calls: StsCall[] = [];
  expectedCode = '123456';
  failWith: string | undefined;
  private n = 0;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  private mint(seconds: number): TemporaryCredentials {
    this.n += 1;
    return {
      accessKeyId: `ASIAFAKE${String(this.n).padStart(12, '0')}`,
      secretAccessKey: `temporary-secret-${this.n}`,
      sessionToken: `token-${this.n}`,
      expiration: new Date(this.clock.now() + seconds * 1000).toISOString(),
    };
  }

  private check(mfa: MfaInput | undefined): void {
    if (this.failWith) throw new UpstreamError(this.failWith);
    if (mfa && mfa.tokenCode !== this.expectedCode)
      throw new UpstreamError(
        'STS failed: AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code.',
      );
  }

  async getSessionToken(
    credentials: AwsCredentials,
    input: { durationSeconds: number; mfa?: MfaInput | undefined },
    target: StsTarget,
  ): Promise<TemporaryCredentials> {
    this.calls.push({
      op: 'GetSessionToken',
      with: credentials.accessKeyId,
      durationSeconds: input.durationSeconds,
      mfa: input.mfa,
      target,
    });
    this.check(input.mfa);
    return this.mint(input.durationSeconds);
  }

  async assumeRole(
    credentials: AwsCredentials,
    input: Parameters<Sts['assumeRole']>[1],
    target: StsTarget,
  ): Promise<TemporaryCredentials> {
    this.calls.push({ op: 'AssumeRole', with: credentials.accessKeyId, ...input, target });
    this.check(input.mfa);
    return this.mint(input.durationSeconds);
  }

  async getFederationToken(
    credentials: AwsCredentials,
    input: Parameters<Sts['getFederationToken']>[1],
    target: StsTarget,
  ): Promise<TemporaryCredentials> {
    this.calls.push({
      op: 'GetFederationToken',
      with: credentials.accessKeyId,
      name: input.name,
      durationSeconds: input.durationSeconds,
      target,
    });
    this.check(undefined);
    if (credentials.sessionToken)
      throw new UpstreamError(
        'STS GetFederationToken failed: AccessDenied: Cannot call GetFederationToken with session credentials',
      );
    return this.mint(input.durationSeconds);
  }
}
