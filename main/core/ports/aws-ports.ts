/**
 * The ports through which the core reaches AWS (STS, IAM's access keys, IAM Identity Center) and
 * runs a profile's external credential command. Re-exported by ports.ts, where the other ports are.
 */
/** Long-term or temporary AWS keys, as STS takes and returns them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/** Temporary credentials with their end. */
export interface TemporaryCredentials extends AwsCredentials {
  sessionToken: string;
  /** ISO 8601. */
  expiration: string;
}

/** A role session as AssumeRole returns it: the credentials and who they act as. */
export interface AssumedRole extends TemporaryCredentials {
  /** AssumedRoleUser.Arn: `arn:aws:sts::<account>:assumed-role/<role>/<session>`, when STS said. */
  assumedRoleArn: string | undefined;
}

/** Where and how to reach STS. */
export interface StsTarget {
  region: string;
  /** Overrides the endpoint (also honoured from AWS_ENDPOINT_URL_STS by the SDK). */
  endpoint?: string | undefined;
}

/** MFA for one STS call. */
export interface MfaInput {
  serialNumber: string;
  tokenCode: string;
}

/**
 * AWS STS. A refusal throws `AwsServiceError` with STS's own code and message (they hold no
 * secret); no answer (network, endpoint) throws `UpstreamError`.
 */
export interface Sts {
  getSessionToken(
    credentials: AwsCredentials,
    input: { durationSeconds: number; mfa?: MfaInput | undefined },
    target: StsTarget,
  ): Promise<TemporaryCredentials>;
  assumeRole(
    credentials: AwsCredentials,
    input: {
      roleArn: string;
      roleSessionName: string;
      durationSeconds: number;
      externalId?: string | undefined;
      mfa?: MfaInput | undefined;
    },
    target: StsTarget,
  ): Promise<AssumedRole>;
  /**
   * The ARN these credentials act as (GetCallerIdentity, which needs no permission): an IAM user's
   * `arn:aws:iam::…:user/…`, a role session's `arn:aws:sts::…:assumed-role/…`.
   */
  getCallerIdentity(credentials: AwsCredentials, target: StsTarget): Promise<string>;
  /**
   * A federated user's session for the console (`tray-cred login`): only an IAM user's long-term
   * key may call it, and it takes no MFA. `policy` bounds it (intersected with the user's own).
   */
  getFederationToken(
    credentials: AwsCredentials,
    input: { name: string; policy: string; durationSeconds: number },
    target: StsTarget,
  ): Promise<TemporaryCredentials>;
}

/** One access key of an IAM user, as ListAccessKeys names it (never its secret). */
export interface AccessKeyInfo {
  accessKeyId: string;
  status: string;
  /** ISO 8601. */
  createDate: string;
}

/** A new access key, secret included, as CreateAccessKey returns it once. */
export interface NewAccessKey extends AwsCredentials {
  /** ISO 8601. */
  createDate: string;
}

/**
 * The calls a key rotation makes: IAM's access-key calls for the user the keys belong to, and
 * STS GetCallerIdentity to prove a key works. Failures throw `AwsServiceError` with the
 * service's own code (a network failure throws `UpstreamError`).
 */
export interface AccessKeys {
  list(credentials: AwsCredentials): Promise<AccessKeyInfo[]>;
  create(credentials: AwsCredentials): Promise<NewAccessKey>;
  delete(credentials: AwsCredentials, accessKeyId: string): Promise<void>;
  /** The ARN STS says these keys act as. */
  whoAmI(credentials: AwsCredentials, target: StsTarget): Promise<string>;
}

/** A client registered with IAM Identity Center's OIDC service (what a device sign-in and its refreshes use). */
export interface OidcClient {
  clientId: string;
  clientSecret: string;
  /** ISO 8601. */
  clientSecretExpiresAt: string;
}

/** A device sign-in under way: the person opens the URL and confirms the code. */
export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string | undefined;
  /** Seconds the sign-in may take. */
  expiresIn: number;
  /** Seconds between polls. */
  interval: number;
}

/** Tokens as CreateToken returns them. */
export interface OidcTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken?: string | undefined;
}

/**
 * IAM Identity Center: its OIDC service (device authorization, tokens) and its portal
 * (role credentials). Failures throw `AwsServiceError` with the service's code without the
 * `Exception` suffix (AuthorizationPending, SlowDown, ExpiredToken, InvalidGrant, Unauthorized, ...).
 */
export interface IdentityCenter {
  registerClient(region: string): Promise<OidcClient>;
  startDeviceAuthorization(region: string, client: OidcClient, startUrl: string): Promise<DeviceAuthorization>;
  createToken(
    region: string,
    client: OidcClient,
    grant: { deviceCode: string } | { refreshToken: string },
  ): Promise<OidcTokens>;
  getRoleCredentials(
    region: string,
    accessToken: string,
    role: { accountId: string; roleName: string },
  ): Promise<TemporaryCredentials>;
  logout(region: string, accessToken: string): Promise<void>;
}

/** The result of an external credential command. */
export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a profile's external credential command (1Password `op`, `vault`, `aws configure export-credentials`, ...). */
export interface CommandRunner {
  run(command: string, timeoutMs: number): Promise<CommandResult>;
}
