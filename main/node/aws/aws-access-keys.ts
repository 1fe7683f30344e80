import type * as IamSdk from '@aws-sdk/client-iam';
import type * as StsSdk from '@aws-sdk/client-sts';
import { UpstreamError } from '../../core/errors.ts';
import { callAws } from './aws-errors.ts';
import type { AccessKeyInfo, AccessKeys, AwsCredentials, NewAccessKey, StsTarget } from '../../core/ports/ports.ts';

let iamSdk: Promise<typeof IamSdk> | undefined;
let stsSdk: Promise<typeof StsSdk> | undefined;
/** Loaded on first use: only `rotate` and `doctor` finishing a rotation pay for them. */
const iam = (): Promise<typeof IamSdk> => (iamSdk ??= import('@aws-sdk/client-iam'));
const sts = (): Promise<typeof StsSdk> => (stsSdk ??= import('@aws-sdk/client-sts'));

const sdkCredentials = (c: AwsCredentials): AwsCredentials => ({
  accessKeyId: c.accessKeyId,
  secretAccessKey: c.secretAccessKey,
  ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
});
const common = { maxAttempts: 2, requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 } };

const FIX = 'check the network (and AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS if set), then run the command again';
const call = <T>(what: string, fn: () => Promise<T>): Promise<T> => callAws(what, FIX, fn);

/**
 * IAM's access-key calls and STS GetCallerIdentity through the AWS SDK for JavaScript v3. IAM
 * is global (signed for us-east-1); the SDK honours AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_STS.
 */
export class AwsAccessKeys implements AccessKeys {
  private async withIam<T>(
    credentials: AwsCredentials,
    fn: (client: IamSdk.IAMClient, mod: typeof IamSdk) => Promise<T>,
  ): Promise<T> {
    const mod = await iam();
    const client = new mod.IAMClient({ region: 'us-east-1', credentials: sdkCredentials(credentials), ...common });
    try {
      return await fn(client, mod);
    } finally {
      client.destroy();
    }
  }

  list(credentials: AwsCredentials): Promise<AccessKeyInfo[]> {
    return call('IAM ListAccessKeys', () =>
      this.withIam(credentials, async (client, mod) => {
        const out = await client.send(new mod.ListAccessKeysCommand({}));
        return (out.AccessKeyMetadata ?? []).map((k) => ({
          accessKeyId: k.AccessKeyId ?? '',
          status: k.Status ?? 'unknown',
          createDate: (k.CreateDate ?? new Date(0)).toISOString(),
        }));
      }),
    );
  }

  create(credentials: AwsCredentials): Promise<NewAccessKey> {
    return call('IAM CreateAccessKey', () =>
      this.withIam(credentials, async (client, mod) => {
        const k = (await client.send(new mod.CreateAccessKeyCommand({}))).AccessKey;
        if (!k?.AccessKeyId || !k.SecretAccessKey)
          throw new UpstreamError('IAM CreateAccessKey answered without a key');
        return {
          accessKeyId: k.AccessKeyId,
          secretAccessKey: k.SecretAccessKey,
          createDate: (k.CreateDate ?? new Date()).toISOString(),
        };
      }),
    );
  }

  delete(credentials: AwsCredentials, accessKeyId: string): Promise<void> {
    return call('IAM DeleteAccessKey', () =>
      this.withIam(credentials, async (client, mod) => {
        await client.send(new mod.DeleteAccessKeyCommand({ AccessKeyId: accessKeyId }));
      }),
    );
  }

  whoAmI(credentials: AwsCredentials, target: StsTarget): Promise<string> {
    return call('STS GetCallerIdentity', async () => {
      const mod = await sts();
      const client = new mod.STSClient({
        region: target.region,
        credentials: sdkCredentials(credentials),
        ...(target.endpoint ? { endpoint: target.endpoint } : {}),
        ...common,
      });
      try {
        return (await client.send(new mod.GetCallerIdentityCommand({}))).Arn ?? '';
      } finally {
        client.destroy();
      }
    });
  }
}
