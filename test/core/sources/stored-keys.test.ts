import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../main/core/errors.ts';
import { StoredKeysProvider } from '../../../main/core/sources/stored-keys.ts';
import { DEV_KEYS } from '../../fakes/keys.ts';
import { profile } from './profiles.ts';

describe('StoredKeysProvider', () => {
  it('serves the long-term keys from the vault, nothing else', async () => {
    const got = await new StoredKeysProvider(
      'dev',
      profile({ ...DEV_KEYS, sts: { sessionMode: false, durationSeconds: 3600 } }),
    ).retrieve();
    assert.deepEqual(got, { served: 'vault', creds: DEV_KEYS });
  });

  it('a profile without keys is refused with the command that adds them', async () => {
    await assert.rejects(
      new StoredKeysProvider('dev', profile({ accessKeyId: DEV_KEYS.accessKeyId })).retrieve(),
      (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.equal(e.message, 'profile "dev" holds no keys: add them with `tray-cred add dev --replace`');
        return true;
      },
    );
  });
});
