import { CredentialsExpiredError } from '../errors.ts';
import type { Clock } from '../ports/ports.ts';
import type { ProfileRecord } from '../profiles/profile.ts';
import type { CredentialProvider, Provided } from './provider.ts';
import { storedKeysOf } from './stored-keys.ts';

/**
 * Keys stored with a session token and an expiration (imported from a credentials file, or given
 * to `tray-cred add` with `--expiration`), served as they are until they expire; past that only
 * the user can bring fresh ones.
 */
export class StoredSessionProvider implements CredentialProvider {
  private readonly name: string;
  private readonly profile: ProfileRecord;
  private readonly clock: Clock;

  constructor(name: string, profile: ProfileRecord, clock: Clock) {
    this.name = name;
    this.profile = profile;
    this.clock = clock;
  }

  async retrieve(): Promise<Provided> {
    const keys = storedKeysOf(this.name, this.profile);
    const { sessionToken, expiration } = this.profile;
    if (expiration && Date.parse(expiration) <= this.clock.now())
      throw new CredentialsExpiredError(this.name, expiration);
    return { served: 'vault', creds: { ...keys, sessionToken, expiration } };
  }
}
