/**
 * What every credential source (one per file in this folder, as aws-vault's `vault/` has one
 * provider per file) gives back, and the one method they share.
 */
import type { SessionInfo } from './sessions.ts';
import type { AwsCredentials, MfaInput, TemporaryCredentials } from '../ports/ports.ts';

/** Keys as a provider hands them on; `expiration` (ISO 8601) only where they end. */
type ProvidedCredentials = AwsCredentials & { expiration?: string | undefined };

/** How a provider came by its credentials, and what the audit entry says of them. */
export type Provided =
  /** Stored in the vault, served as they are. */
  | { served: 'vault'; creds: ProvidedCredentials; sessionName?: undefined; principal?: undefined }
  /** Made now by STS or a command; `kind` is how `tray-cred sessions` will list them once cached. */
  | {
      served: 'minted';
      creds: ProvidedCredentials;
      kind: SessionInfo['kind'];
      sessionName?: string | undefined;
      /** Who the credentials act as, where STS said (an assumed role's ARN). */
      principal?: string | undefined;
    }
  /** A federation token minted now for the console (`tray-cred login`); never cached. */
  | { served: 'federated'; creds: ProvidedCredentials; sessionName: string; principal?: undefined }
  /** A session minted earlier for this profile, still fresh. */
  | { served: 'cache'; creds: TemporaryCredentials; sessionName?: string | undefined; principal?: string | undefined };

/** One source of credentials for one profile (aws-vault's `aws.CredentialsProvider`). */
export interface CredentialProvider {
  retrieve(): Promise<Provided>;
}

/**
 * The MFA code of the request, for the device `serialNumber`, asked by a `session` hop
 * (GetSessionToken) or a `role` hop (AssumeRole). `undefined` means: call without MFA, because the
 * credentials of this hop already come from a session minted with this device's code in the same
 * walk (one code per session, not per hop). Throws `ApprovalDeniedError` when there is none to give.
 */
export type MfaCodeFor = (serialNumber: string, hop?: 'session' | 'role') => MfaInput | undefined;
