/**
 * The AWS SDK adapters of the ports, one of each per process, built by its composition root
 * (main/node/cli/cli-context.ts, main/electron/app.ts) and handed to whatever calls AWS. Building
 * them costs nothing: each loads its SDK on its first call.
 */
import type { AccessKeys, IdentityCenter, Sts } from '../../core/ports/ports.ts';
import { AwsAccessKeys } from './aws-access-keys.ts';
import { AwsIdentityCenter } from './aws-identity-center.ts';
import { AwsSts } from './aws-sts.ts';

/** STS (the agent's sessions and roles), IAM Identity Center (sign-in and its roles), IAM's access keys (rotation). */
export interface AwsClients {
  sts: Sts;
  identityCenter: IdentityCenter;
  accessKeys: AccessKeys;
}

export function awsClients(): AwsClients {
  return { sts: new AwsSts(), identityCenter: new AwsIdentityCenter(), accessKeys: new AwsAccessKeys() };
}
