import { AwsServiceError, UpstreamError } from '../../main/core/errors.ts';
import type {
  AssumedRole,
  AwsCredentials,
  Clock,
  MfaInput,
  Sts,
  StsTarget,
  TemporaryCredentials,
} from '../../main/core/ports/ports.ts';
import { RuleSwitch, type StandInRule } from './stand-in-rules.ts';

export interface StsCall {
  op: 'GetSessionToken' | 'AssumeRole' | 'GetFederationToken' | 'GetCallerIdentity';
  name?: string | undefined;
  with: string;
  roleArn?: string | undefined;
  roleSessionName?: string | undefined;
  externalId?: string | undefined;
  durationSeconds?: number | undefined;
  mfa?: MfaInput | undefined;
  target: StsTarget;
}

/** Who a key nobody registered acts as: an IAM user. */
export const FAKE_USER_ARN = 'arn:aws:iam::123456789012:user/ann';

/**
 * The STS rules FakeSts keeps, with the page that documents each; `rules.off` turns one off
 * (test/node/sts-rules.test.ts shows each rule's test fails without it).
 */
export const FAKE_STS_RULES = {
  'role-chaining': {
    refuses: 'AssumeRole of more than 3600 s with the credentials of a role session (role chaining)',
    doc: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html',
  },
  'session-token-from-session': {
    refuses: "GetSessionToken with session credentials: it takes an IAM user's long-term keys",
    doc: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html',
  },
} satisfies Record<string, StandInRule>;

/** AWS's own words when a role session asks for more than an hour of another role (STS AssumeRole, role chaining). */
const CHAINING_LIMIT =
  'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.';

/**
 * STS at the port boundary, for unit tests: mints numbered credentials that expire after the
 * asked duration, insists on the MFA code `expectedCode` where one is given, and records calls.
 * It keeps STS's rules a test can meet: a role session (role chaining) gets at most an hour of
 * another role, GetSessionToken refuses session credentials, a role in `untrusting` refuses
 * everyone as its trust policy would, and each key acts as a principal (`principals`, else
 * {@link FAKE_USER_ARN}; what AssumeRole mints acts as the assumed role), which GetCallerIdentity tells.
 */
export class FakeSts implements Sts {
  readonly calls: StsCall[] = [];
  expectedCode = '123456';
  failWith: string | undefined;
  /** Access key id → the ARN the key acts as. */
  readonly principals = new Map<string, string>();
  /** Roles whose trust policy trusts nobody who asks. */
  readonly untrusting = new Set<string>();
  /** The rules kept, each with its page, and the switch that turns one off. */
  readonly rules = new RuleSwitch<keyof typeof FAKE_STS_RULES>();
  private n = 0;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  private mint(seconds: number, principal: string): TemporaryCredentials {
    this.n += 1;
    const accessKeyId = `ASIAFAKE${String(this.n).padStart(12, '0')}`;
    this.principals.set(accessKeyId, principal);
    return {
      accessKeyId,
      secretAccessKey: `temporary-secret-${this.n}`,
      sessionToken: `token-${this.n}`,
      expiration: new Date(this.clock.now() + seconds * 1000).toISOString(),
    };
  }

  private principalOf(credentials: AwsCredentials): string {
    return this.principals.get(credentials.accessKeyId) ?? FAKE_USER_ARN;
  }

  private check(mfa: MfaInput | undefined): void {
    if (this.failWith) throw new UpstreamError(this.failWith);
    if (mfa && mfa.tokenCode !== this.expectedCode)
      refuse('AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.');
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
    if (this.rules.on('session-token-from-session') && credentials.sessionToken)
      refuse('AccessDenied', 'Cannot call GetSessionToken with session credentials');
    return this.mint(input.durationSeconds, this.principalOf(credentials));
  }

  async assumeRole(
    credentials: AwsCredentials,
    input: Parameters<Sts['assumeRole']>[1],
    target: StsTarget,
  ): Promise<AssumedRole> {
    this.calls.push({ op: 'AssumeRole', with: credentials.accessKeyId, ...input, target });
    this.check(input.mfa);
    const caller = this.principalOf(credentials);
    if (this.untrusting.has(input.roleArn))
      refuse(
        'AccessDenied',
        `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${input.roleArn}`,
      );
    if (this.rules.on('role-chaining') && caller.includes(':assumed-role/') && input.durationSeconds > 3600)
      refuse('ValidationError', CHAINING_LIMIT);
    const [, account, , name] = /^arn:aws:iam::(\d{12}):role\/(.*\/)?([^/]+)$/.exec(input.roleArn) ?? [];
    const assumedRoleArn = `arn:aws:sts::${account}:assumed-role/${name ?? input.roleArn.split('/').at(-1)}/${input.roleSessionName}`;
    return { ...this.mint(input.durationSeconds, assumedRoleArn), assumedRoleArn };
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
    return this.mint(input.durationSeconds, this.principalOf(credentials));
  }

  async getCallerIdentity(credentials: AwsCredentials, target: StsTarget): Promise<string> {
    this.calls.push({ op: 'GetCallerIdentity', with: credentials.accessKeyId, target });
    this.check(undefined);
    return this.principalOf(credentials);
  }
}

/** Throws as the port says STS's refusals come: the service's code and its own message. */
function refuse(code: string, message: string): never {
  throw new AwsServiceError(code, `STS failed: ${code}: ${message}`, `${code}: ${message}`);
}
