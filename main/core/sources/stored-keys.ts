import { UsageError } from '../errors.ts';
import type { AwsCredentials } from '../ports/ports.ts';
import type { ProfileRecord } from '../profiles/profile.ts';
import type { CredentialProvider, Provided } from './provider.ts';

/** The profile's long-term keys; a profile that should hold them and does not is the user's to fix. */
export function storedKeysOf(name: string, profile: ProfileRecord): AwsCredentials {
  if (!profile.accessKeyId || !profile.secretAccessKey)
    throw new UsageError(`profile "${name}" holds no keys: add them with \`tray-cred add ${name} --replace\``);
  return { accessKeyId: profile.accessKeyId, secretAccessKey: profile.secretAccessKey };
}

/** Long-term keys straight from the vault (aws-vault's KeyringProvider). */
export class StoredKeysProvider implements CredentialProvider {
  private readonly name: string;
  private readonly profile: ProfileRecord;

  constructor(name: string, profile: ProfileRecord) {
    this.name = name;
    this.profile = profile;
  }

  async retrieve(): Promise<Provided> {
    return { served: 'vault', creds: storedKeysOf(this.name, this.profile) };
  }
}
