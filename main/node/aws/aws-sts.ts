import type * as StsSdk from '@aws-sdk/client-sts';
import type { STSClient } from '@aws-sdk/client-sts';
import { UpstreamError } from '../../core/errors.ts';
import type { AssumedRole, AwsCredentials, Sts, StsTarget, TemporaryCredentials } from '../../core/ports/ports.ts';
import { callAws } from './aws-errors.ts';

type StsModule = typeof StsSdk;
let sdk: Promise<StsModule> | undefined;
/** The SDK is loaded on the first STS call, so commands and agents that never mint do not pay for it. */
const load = (): Promise<StsModule> => (sdk ??= import('@aws-sdk/client-sts'));

interface StsOutput {
  Credentials?:
    | {
        AccessKeyId?: string | undefined;
        SecretAccessKey?: string | undefined;
        SessionToken?: string | undefined;
        Expiration?: Date | undefined;
      }
    | undefined;
}

function temporary(out: StsOutput, what: string): TemporaryCredentials {
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
    throw new UpstreamError(`STS ${what} answered without complete credentials`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration.toISOString(),
  };
}

/**
 * STS through the AWS SDK for JavaScript v3. The endpoint is the profile's, else the SDK's own
 * resolution (regional endpoints; AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL are honoured).
 */
export class AwsSts implements Sts {
  private async client(credentials: AwsCredentials, target: StsTarget): Promise<{ client: STSClient; mod: StsModule }> {
    const mod = await load();
    const client = new mod.STSClient({
      region: target.region,
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
      },
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
    });
    return { client, mod };
  }

  /** STS's refusal keeps its code (callAws, as for every AWS call); no answer names the endpoint to check. */
  private call<T>(what: string, target: StsTarget, fn: () => Promise<T>): Promise<T> {
    const fix = "check the network, or the profile's STS endpoint and region (`tray-cred sts`)";
    return callAws(`STS ${what}`, fix, fn, target.endpoint ?? `STS in ${target.region}`);
  }

  getSessionToken(
    credentials: AwsCredentials,
    input: Parameters<Sts['getSessionToken']>[1],
    target: StsTarget,
  ): Promise<TemporaryCredentials> {
    return this.call('GetSessionToken', target, async () => {
      const { client, mod } = await this.client(credentials, target);
      try {
        const out = await client.send(
          new mod.GetSessionTokenCommand({
            DurationSeconds: input.durationSeconds,
            ...(input.mfa ? { SerialNumber: input.mfa.serialNumber, TokenCode: input.mfa.tokenCode } : {}),
          }),
        );
        return temporary(out, 'GetSessionToken');
      } finally {
        client.destroy();
      }
    });
  }

  assumeRole(
    credentials: AwsCredentials,
    input: Parameters<Sts['assumeRole']>[1],
    target: StsTarget,
  ): Promise<AssumedRole> {
    return this.call('AssumeRole', target, async () => {
      const { client, mod } = await this.client(credentials, target);
      try {
        const out = await client.send(
          new mod.AssumeRoleCommand({
            RoleArn: input.roleArn,
            RoleSessionName: input.roleSessionName,
            DurationSeconds: input.durationSeconds,
            ...(input.externalId ? { ExternalId: input.externalId } : {}),
            ...(input.mfa ? { SerialNumber: input.mfa.serialNumber, TokenCode: input.mfa.tokenCode } : {}),
          }),
        );
        return { ...temporary(out, 'AssumeRole'), assumedRoleArn: out.AssumedRoleUser?.Arn };
      } finally {
        client.destroy();
      }
    });
  }

  getFederationToken(
    credentials: AwsCredentials,
    input: Parameters<Sts['getFederationToken']>[1],
    target: StsTarget,
  ): Promise<TemporaryCredentials> {
    return this.call('GetFederationToken', target, async () => {
      const { client, mod } = await this.client(credentials, target);
      try {
        const out = await client.send(
          new mod.GetFederationTokenCommand({
            Name: input.name,
            Policy: input.policy,
            DurationSeconds: input.durationSeconds,
          }),
        );
        return temporary(out, 'GetFederationToken');
      } finally {
        client.destroy();
      }
    });
  }

  getCallerIdentity(credentials: AwsCredentials, target: StsTarget): Promise<string> {
    return this.call('GetCallerIdentity', target, async () => {
      const { client, mod } = await this.client(credentials, target);
      try {
        const out = await client.send(new mod.GetCallerIdentityCommand({}));
        if (!out.Arn) throw new UpstreamError('STS GetCallerIdentity answered without an ARN');
        return out.Arn;
      } finally {
        client.destroy();
      }
    });
  }
}
